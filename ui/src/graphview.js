// Cytoscape.js with the dagre layered layout: shapes by type, colour by monitoring status,
// edge labels, pan/zoom/fit, PNG and SVG export.
import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import svg from "cytoscape-svg";
import { h } from "./dom.js";

cytoscape.use(dagre);
cytoscape.use(svg);

const SHAPES = {
  instance: "round-rectangle", vnic: "ellipse", vconnector: "diamond", vedge: "hexagon",
  otep: "triangle", host_pnic: "rectangle", network: "barrel", host: "round-rectangle",
  vservice: "octagon", port: "ellipse", switch: "vee",
};
const COLOURS = { OK: "#2e9d4f", Warning: "#e0a100", Error: "#d33a2c", Unknown: "#8a6fb0" };

const STYLE = [
  { selector: "node", style: {
    label: "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4,
    "background-color": (n) => COLOURS[n.data("status")] || "#6f8fa8",
    shape: (n) => SHAPES[n.data("type")] || "ellipse", width: 34, height: 34,
    "border-width": 2, "border-color": "#ffffff", "text-wrap": "ellipsis",
    "text-max-width": 140, "min-zoomed-font-size": 7 } },
  { selector: "node[?focal]", style: { "border-color": "#14324a", "border-width": 4 } },
  { selector: "node[type = 'host']", style: { width: 48, height: 40 } },
  { selector: "node.changed", style: { "overlay-color": "#ffb000", "overlay-opacity": 0.35,
                                       "overlay-padding": 8 } },
  { selector: "node:selected", style: { "border-color": "#1f6fb2", "border-width": 5 } },
  { selector: "edge", style: {
    width: 1.6, "line-color": "#9aa9b5", "target-arrow-shape": "none", "curve-style": "bezier",
    label: "data(label)", "font-size": 9, color: "#5c6b77", "text-rotation": "none",
    "text-background-color": "#fff", "text-background-opacity": 0.8,
    "text-background-padding": 1 } },
  { selector: "edge[kind = 'tunnel']", style: { "line-style": "dashed", "line-color": "#1f6fb2" } },
  { selector: "edge[state = 'down']", style: { "line-color": COLOURS.Error } },
];

export function legend() {
  return h("div", { class: "legend", "aria-label": "colour legend" },
    Object.entries(COLOURS).map(([s, c]) => h("span", { style: `--c:${c}` }, s)),
    h("span", { style: "--c:#6f8fa8" }, "no status"));
}

export function makeGraph(container, elements, layout, options = {}) {
  const cy = cytoscape({ ...options, container, elements, style: STYLE,
                         minZoom: 0.05, maxZoom: 4, layout });
  window.__calipso = { cy };  // the browser tests read the drawn graph here
  return cy;
}

export const LAYERED = { name: "dagre", rankDir: "TB", nodeSep: 20, rankSep: 50,
                         nodeDimensionsIncludeLabels: true,
                         animate: false, fit: true, padding: 20 };

function download(name, blob) {
  const a = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

export function toolbar(cy, name) {
  const zoom = (f) => cy.zoom({ level: cy.zoom() * f,
                                renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  return h("div", { class: "toolbar", role: "toolbar", "aria-label": "graph" },
    h("button", { type: "button", onclick: () => cy.fit(undefined, 20) }, "Fit"),
    h("button", { type: "button", onclick: () => zoom(1.25), "aria-label": "zoom in" }, "+"),
    h("button", { type: "button", onclick: () => zoom(0.8), "aria-label": "zoom out" }, "−"),
    h("button", { type: "button", onclick: () => download(`${name}.png`,
      cy.png({ full: true, output: "blob", bg: "#ffffff", scale: 2 })) }, "PNG"),
    h("button", { type: "button", onclick: () => download(`${name}.svg`,
      new Blob([cy.svg({ full: true, bg: "#ffffff" })], { type: "image/svg+xml" })) }, "SVG"),
    legend());
}

// Keyboard: arrows pan, +/- zoom, 0 fits, Tab-like n/p walk the nodes, Enter opens.
export function keyboard(el, cy, open) {
  el.tabIndex = 0;
  let at = -1;
  el.addEventListener("keydown", (e) => {
    const pan = { ArrowLeft: [40, 0], ArrowRight: [-40, 0], ArrowUp: [0, 40], ArrowDown: [0, -40] };
    if (pan[e.key]) cy.panBy({ x: pan[e.key][0], y: pan[e.key][1] });
    else if (e.key === "+" || e.key === "=") cy.zoom(cy.zoom() * 1.2);
    else if (e.key === "-") cy.zoom(cy.zoom() / 1.2);
    else if (e.key === "0") cy.fit(undefined, 20);
    else if (e.key === "n" || e.key === "p") {
      const nodes = cy.nodes();
      at = (at + (e.key === "n" ? 1 : nodes.length - 1)) % nodes.length;
      cy.nodes().unselect();
      nodes[at].select();
      cy.center(nodes[at]);
    } else if (e.key === "Enter") {
      const node = cy.nodes(":selected")[0];
      if (node) open(node);
    } else return;
    e.preventDefault();
  });
}
