// The clique of any object as a layered graph. Click a node: its fields beside the graph;
// double-click (or its "Re-centre" button): the graph around it.
import { get } from "../api.js";
import { h } from "../dom.js";
import { LAYERED, keyboard, makeGraph, toolbar } from "../graphview.js";
import { showObject } from "./objectview.js";

export function elementsOf(graph) {
  return [
    ...graph.nodes.map((n) => ({ group: "nodes", data: { id: n.id, objectId: n.object_id,
      label: n.label || n.name || n.object_id, type: n.type, status: n.status, focal: n.focal } })),
    ...graph.edges.map((e) => ({ group: "edges", data: { id: e.id, source: e.source,
      target: e.target, label: e.link_name || e.link_type, state: e.state,
      linkType: e.link_type } })),
  ];
}

export async function render(main, [env, id]) {
  const e = encodeURIComponent(env);
  let graph;
  try {
    graph = await get("/graph", { env_name: env, focal_point: id });
  } catch (err) {
    if (err.status !== 404) throw err;
    main.replaceChildren(h("p", {}, `${id} has no graph (no clique): `,
      h("a", { href: `#/env/${e}/object/${encodeURIComponent(id)}` }, "open the object")));
    return null;
  }
  const box = h("div", { id: "graph", role: "application",
                         "aria-label": "graph: arrows pan, + and - zoom, 0 fits, n and p "
                                       + "walk the nodes, Enter opens" });
  const side = h("aside", { class: "pane" }, h("p", { class: "muted" },
    "Click a node to see it; double-click to re-centre on it."));
  const focal = graph.nodes.find((n) => n.focal);
  main.replaceChildren(h("h1", {}, "Graph around ", focal?.label || id, " ",
                         h("span", { class: "muted" }, `${graph.nodes.length} objects, ${graph.edges.length} links`)));
  const wrap = h("div", { class: "graph-wrap" }, box, side);
  main.append(wrap);
  const cy = makeGraph(box, elementsOf(graph), LAYERED);
  wrap.before(toolbar(cy, `calipso-${env}-${id}`));
  const recentre = (node) => {
    location.hash = `#/env/${e}/graph/${encodeURIComponent(node.data("objectId"))}`;
  };
  cy.on("tap", "node", (ev) => {
    const node = ev.target;
    showObject(side, env, node.data("objectId")).then(() => side.prepend(
      h("p", {}, h("button", { type: "button", onclick: () => recentre(node) }, "Re-centre here"))));
  });
  cy.on("dbltap", "node", (ev) => recentre(ev.target));
  keyboard(box, cy, recentre);
  box.dataset.ready = "true";

  const reload = async () => {
    const fresh = await get("/graph", { env_name: env, focal_point: id }).catch(() => null);
    if (!fresh) return;
    const before = new Set(cy.elements().map((el) => el.id()));
    cy.elements().remove();
    cy.add(elementsOf(fresh));
    cy.nodes().filter((n) => !before.has(n.id())).addClass("changed");
    cy.layout(LAYERED).run();
  };
  return {
    onChange: async (c) => {
      if (c.kind === "resync" || (c.kind === "link" && (cy.getElementById(c.source).length
          || cy.getElementById(c.target).length || cy.getElementById(c.object_id).length))) {
        await reload();
        return;
      }
      const node = cy.getElementById(c.object_id);
      if (!node.length) return;
      if (c.op === "delete") { await reload(); return; }
      node.data("status", c.status);
      if (c.object_name || c.name) node.data("label", c.object_name || c.name);
      node.addClass("changed");
      box.dataset.changed = String(Number(box.dataset.changed || 0) + 1);
    },
    dispose: () => cy.destroy(),
  };
}
