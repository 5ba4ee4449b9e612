// An environment drawn small (/overview): hosts with their instance counts, networks,
// tunnels. Click a host to expand it into its instances; double-click opens an object.
import { get } from "../api.js";
import { h } from "../dom.js";
import { LAYERED, keyboard, makeGraph, toolbar } from "../graphview.js";

// up to this many nodes and edges the layered layout; past it a grid (no layout to compute)
const SMALL = 60;
// a big graph: labels only when readable, a cached picture while panning
const BIG = { textureOnViewport: true, hideEdgesOnViewport: true, motionBlur: false };

function nodeData(n) {
  const label = n.type === "host" ? `${n.label} (${n.count ?? 0})` : n.label;
  return { group: "nodes", data: { id: n.id, objectId: n.object_id, label, type: n.type,
                                   status: n.status, host: n.type === "host" ? n.object_id : null } };
}

function edgeData(e) {
  return { group: "edges", data: { id: e.id, source: e.source, target: e.target,
                                   label: e.label || "", kind: e.kind } };
}

// Networks on a row above, hosts on a grid below: no layout computation for big clouds.
function gridPositions(nodes) {
  const nets = nodes.filter((n) => n.type === "network");
  const hosts = nodes.filter((n) => n.type !== "network");
  const cols = Math.max(1, Math.ceil(Math.sqrt(hosts.length * 2)));
  const pos = {};
  nets.forEach((n, i) => { pos[n.id] = { x: (i + 0.5) * ((cols * 160) / Math.max(1, nets.length)), y: 0 }; });
  hosts.forEach((n, i) => { pos[n.id] = { x: (i % cols) * 160, y: 200 + Math.floor(i / cols) * 90 }; });
  return pos;
}

export async function render(main, [env]) {
  const t0 = performance.now();
  const data = await get("/overview", { env_name: env });
  const hosts = data.nodes.filter((n) => n.type === "host").length;
  const box = h("div", { id: "graph", role: "application",
                         "aria-label": "environment overview: n and p walk the nodes, Enter "
                                       + "expands a host or opens an object" });
  let note = data.tunnels_drawn || !data.tunnel_endpoints ? ""
    : ` ${data.tunnels ?? "The"} tunnels between ${data.tunnel_endpoints} endpoints are not `
      + "drawn (too many).";
  if (data.network_edges_drawn === false) {
    note += ` Hosts' ${data.network_edges} links to networks are not drawn (too many): `
      + "click a host for its own.";
  }
  main.replaceChildren(h("h1", {}, `${env}: overview`),
    h("p", { class: "muted" }, `${hosts} hosts, ${data.nodes.length - hosts} networks.`
      + " Click a host to show its instances; double-click to open an object." + note));
  const big = data.nodes.length > SMALL || data.edges.length > 2 * SMALL;
  const pos = big ? gridPositions(data.nodes) : null;
  const layout = big ? { name: "preset", positions: (n) => pos[n.id()], fit: true, padding: 20 }
    : LAYERED;
  box.style.height = "calc(100vh - 12em)";
  main.append(box);
  const cy = makeGraph(box, [...data.nodes.map(nodeData), ...data.edges.map(edgeData)], layout,
                       big ? BIG : {});
  box.before(toolbar(cy, `calipso-${env}-overview`));
  box.dataset.ready = "true";
  box.dataset.renderMs = String(Math.round(performance.now() - t0));

  const expanded = new Set();
  const open = (node) => {
    location.hash = `#/env/${encodeURIComponent(env)}/object/`
      + encodeURIComponent(node.data("objectId"));
  };
  const expand = async (node) => {
    const host = node.data("host");
    if (!host || expanded.has(host)) return;
    expanded.add(host);
    const part = await get("/overview", { env_name: env, host });
    const fresh = part.nodes.filter((n) => !cy.getElementById(n.id).length);
    const added = cy.add([...fresh.map(nodeData),
      ...part.edges.filter((e) => !cy.getElementById(e.id).length).map(edgeData)]);
    const at = node.position();
    const inst = added.nodes().filter((n) => n.data("type") === "instance");
    inst.forEach((n, i) => {
      const a = (2 * Math.PI * i) / Math.max(1, inst.length);
      n.position({ x: at.x + 70 * Math.cos(a), y: at.y + 70 * Math.sin(a) });
    });
    if (!big) cy.layout(LAYERED).run();
    node.addClass("changed");
  };
  cy.on("tap", "node", (ev) => {
    if (ev.target.data("type") === "host") expand(ev.target);
  });
  cy.on("dbltap", "node", (ev) => open(ev.target));
  keyboard(box, cy, (node) => (node.data("type") === "host" && !expanded.has(node.data("host"))
    ? expand(node) : open(node)));
  return {
    onChange: (c) => {
      const node = c.kind === "object" && cy.getElementById(c.object_id);
      if (!node || !node.length) return;
      node.data("status", c.status);
      node.addClass("changed");
    },
    dispose: () => cy.destroy(),
  };
}
