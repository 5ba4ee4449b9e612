// Messages of an environment with filters (level, source, object, time) kept in the URL;
// each message links to the object it is about.
import { get } from "../api.js";
import { h, when } from "../dom.js";

const FILTERS = [["level", "Level"], ["source_system", "Source"],
                 ["related_object", "Object id"], ["start_time", "From"], ["end_time", "To"]];

export async function render(main, [env], query) {
  const e = encodeURIComponent(env);
  const inputs = Object.fromEntries(FILTERS.map(([k]) => [k, h("input", {
    name: k, value: query[k] || "", type: k.endsWith("time") ? "datetime-local" : "text" })]));
  const form = h("form", { class: "filters", onsubmit: (ev) => {
    ev.preventDefault();
    const qs = new URLSearchParams(Object.entries(inputs)
      .filter(([, el]) => el.value).map(([k, el]) => [k, el.value])).toString();
    location.hash = `#/env/${e}/messages` + (qs ? `?${qs}` : "");
  } }, FILTERS.map(([k, label]) => h("label", {}, label, inputs[k])),
  h("button", { type: "submit" }, "Filter"));
  const params = { env_name: env, page_size: 50 };
  for (const [k] of FILTERS) if (query[k]) params[k] = query[k];
  const page = await get("/messages", params);
  const full = await Promise.all(page.messages.map((m) =>
    get("/messages", { env_name: env, id: m.id }).catch(() => m)));
  main.replaceChildren(h("h1", {}, `${env}: messages`), form,
    h("p", { class: "muted" }, `${page.total} messages`),
    full.length ? h("table", {}, h("thead", {}, h("tr", {},
      ["Time", "Level", "Source", "Object", "Message"].map((t) => h("th", {}, t)))),
    h("tbody", {}, full.map((m) => h("tr", {},
      h("td", {}, when(m.timestamp)), h("td", { class: `level-${m.level}` }, m.level),
      h("td", {}, m.source_system || ""),
      h("td", {}, m.related_object ? h("a", {
        href: `#/env/${e}/object/${encodeURIComponent(m.related_object)}` },
        m.related_object_name || m.related_object) : ""),
      h("td", {}, typeof m.message === "string" ? m.message : JSON.stringify(m.message))))))
      : h("p", {}, "No messages."));
}
