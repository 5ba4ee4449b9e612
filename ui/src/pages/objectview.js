// One object in the operator's words: its fields, its status, its links; shared by the
// object page and the tree's side panel.
import { get } from "../api.js";
import { h, mark, statusDot, when } from "../dom.js";

const WORDS = {
  name: "Name", object_name: "Name shown", type: "Type", id: "Id", host: "Host",
  ip_address: "IP address", mac_address: "MAC address", "IP Address": "IP address",
  "IPv6 Address": "IPv6 address", network: "Network", project: "Project", zone: "Zone",
  host_type: "Host roles", local_name: "Local name", uuid: "UUID", vnic_type: "vNIC kind",
  agent_type: "Agent", binary: "Binary", overlay_type: "Overlay", udp_port: "UDP port",
  cidr: "CIDR", cidrs: "CIDRs", netmask: "Netmask", port_id: "Port", bridge_name: "Bridge",
  connector_type: "Connector kind", "provider:network_type": "Network type",
  "provider:segmentation_id": "Segmentation id", "provider:physical_network": "Physical network",
  "router:external": "External", admin_state_up: "Administratively up", state: "State",
  last_scanned: "Last scanned", discovered_at: "First discovered", name_path: "Location",
  parent_type: "Parent type", parent_id: "Parent", status_text: "Status detail",
  status_timestamp: "Status since", created_at: "Created", updated_at: "Updated",
};
const HIDDEN = new Set(["_id", "digest", "id_path", "environment", "status", "status_value",
                        "parent_text", "clique", "show_in_tree"]);
const FIRST = ["name", "type", "host", "ip_address", "mac_address", "network", "project",
               "name_path"];

function words(key) {
  return WORDS[key] || key.replace(/[_:]/g, " ").replace(/^./, (c) => c.toUpperCase());
}

function count(n, one, many) { return `${n} ${n === 1 ? one : many}`; }

function valueOf(key, value) {
  if (value === null || value === undefined || value === "") return h("span", { class: "muted" }, "—");
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (/timestamp|_at$|last_scanned/.test(key)) return when(value);
  if (Array.isArray(value) && value.every((v) => typeof v !== "object")) return value.join(", ");
  if (typeof value === "object") {
    return h("details", {}, h("summary", {}, count(Array.isArray(value)
      ? value.length : Object.keys(value).length, "entry", "entries")), h("pre", {}, JSON.stringify(value, null, 2)));
  }
  return String(value);
}

function fieldList(doc) {
  const keys = Object.keys(doc).filter((k) => !HIDDEN.has(k));
  keys.sort((a, b) => (FIRST.indexOf(a) + 1 || 99) - (FIRST.indexOf(b) + 1 || 99)
    || a.localeCompare(b));
  return h("dl", { class: "fields" }, keys.flatMap((k) => [h("dt", {}, words(k)),
    h("dd", { dataset: { field: k } }, valueOf(k, doc[k]))]));
}

async function links(env, id) {
  const [out, inn] = await Promise.all([
    get("/links", { env_name: env, source_id: id, page_size: 200 }),
    get("/links", { env_name: env, target_id: id, page_size: 200 })]);
  const rows = [...out.links.map((l) => [l, l.target_id, l.target_name, "→"]),
                ...inn.links.map((l) => [l, l.source_id, l.source_name, "←"])];
  if (!rows.length) return h("p", { class: "muted" }, "No links.");
  const e = encodeURIComponent(env);
  return h("table", { class: "links" }, h("thead", {}, h("tr", {}, h("th", {}, "Link"),
    h("th", {}, ""), h("th", {}, "Other end"), h("th", {}, "State"), h("th", {}, "Name"))),
  h("tbody", {}, rows.map(([l, other, name, dir]) => h("tr", {},
    h("td", {}, l.link_type), h("td", {}, dir),
    h("td", {}, h("a", { href: `#/env/${e}/object/${encodeURIComponent(other)}` },
                  name || other)),
    h("td", {}, l.state || ""), h("td", {}, l.link_name || "")))));
}

// Renders into `box`; answers the shown document's _id (for live updates), or null.
export async function showObject(box, env, id, { changed = false } = {}) {
  let doc;
  try {
    doc = await get("/inventory", { env_name: env, id });
  } catch (err) {
    if (err.status !== 404) throw err;
    box.replaceChildren(h("p", { class: "removed" }, `${id}: no longer in the inventory`));
    return null;
  }
  const e = encodeURIComponent(env);
  const i = encodeURIComponent(doc.id);
  const status = h("p", { class: "object-status", dataset: { status: doc.status || "" } },
    statusDot(doc.status), doc.status ? `${doc.status}` : "No monitoring status",
    doc.status_text ? ` — ${doc.status_text}` : "",
    doc.status_timestamp ? h("span", { class: "muted" }, ` (${when(doc.status_timestamp)})`) : "");
  const title = h("h1", { class: "object-title" }, doc.object_name || doc.name || doc.id,
                  " ", h("span", { class: "muted" }, doc.type));
  box.replaceChildren(title, status,
    h("p", { class: "toolbar" },
      h("a", { class: "button", href: `#/env/${e}/graph/${i}` }, "Graph"),
      h("a", { class: "button", href: `#/env/${e}/tree?sel=${i}` }, "Show in tree"),
      h("a", { class: "button", href: `#/env/${e}/object/${i}` }, "Open"),
      h("a", { class: "button", href: `#/env/${e}/messages?related_object=${i}` }, "Messages")),
    h("h2", {}, "Fields"), fieldList(doc), h("h2", {}, "Links"), await links(env, doc.id));
  if (changed) { mark(title); mark(status); }
  return doc._id;
}
