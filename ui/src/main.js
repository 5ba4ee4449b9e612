// The shell: hash routes (every page state is in the URL, so any view is a deep link),
// the header (navigation, search on every page, log-out) and the live stream.
import { Unauthorized, auth, logOut } from "./api.js";
import { h } from "./dom.js";
import { onChange, startLive, stopLive } from "./live.js";
import * as environments from "./pages/environments.js";
import * as graph from "./pages/graph.js";
import * as login from "./pages/login.js";
import * as messages from "./pages/messages.js";
import * as object from "./pages/object.js";
import * as overview from "./pages/overview.js";
import * as search from "./pages/search.js";
import * as tree from "./pages/tree.js";

const ROUTES = [
  [/^\/login$/, login],
  [/^\/?$/, environments],
  [/^\/search$/, search],
  [/^\/env\/([^/]+)\/tree$/, tree],
  [/^\/env\/([^/]+)\/object\/(.+)$/, object],
  [/^\/env\/([^/]+)\/graph\/(.+)$/, graph],
  [/^\/env\/([^/]+)\/overview$/, overview],
  [/^\/env\/([^/]+)\/messages$/, messages],
];

export function go(path, query) {
  const qs = new URLSearchParams(Object.entries(query || {}).filter(([, v]) => v)).toString();
  location.hash = "#" + path + (qs ? "?" + qs : "");
}
window.calipsoGo = go;

let current = null;

function parse() {
  const raw = location.hash.slice(1) || "/";
  const [path, qs] = raw.split("?");
  return { path, query: Object.fromEntries(new URLSearchParams(qs || "")) };
}

function nav(env, path) {
  const links = [h("a", { href: "#/", class: path === "/" ? "here" : null }, "Environments")];
  if (env) {
    const e = encodeURIComponent(env);
    for (const [label, sub] of [["Tree", "tree"], ["Overview", "overview"],
                                ["Messages", "messages"]]) {
      links.push(h("a", { href: `#/env/${e}/${sub}`,
                          class: path.endsWith("/" + sub) ? "here" : null }, `${label}`));
    }
    links.push(h("span", { class: "muted" }, env));
  }
  document.getElementById("nav").replaceChildren(...links);
}

async function route() {
  const { path, query } = parse();
  if (!auth.token && path !== "/login") {
    go("/login", { next: location.hash.slice(1) });
    return;
  }
  current?.dispose?.();
  current = null;
  onChange(null);
  const loggedIn = Boolean(auth.token) && path !== "/login";
  document.getElementById("search").hidden = !loggedIn;
  document.getElementById("logout").hidden = !loggedIn;
  if (loggedIn) startLive(document.getElementById("live-state")); else stopLive();
  const main = document.getElementById("main");
  for (const [pattern, page] of ROUTES) {
    const m = pattern.exec(path);
    if (!m) continue;
    const params = m.slice(1).map(decodeURIComponent);
    nav(path.startsWith("/env/") ? params[0] : null, path);
    main.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      current = await page.render(main, params, query) || null;
      if (current?.onChange) onChange(current.onChange);
    } catch (err) {
      if (err instanceof Unauthorized) {
        auth.token = null;
        go("/login", { next: location.hash.slice(1) });
        return;
      }
      main.replaceChildren(h("p", { class: "error-text", role: "alert" }, err.message));
    }
    return;
  }
  main.replaceChildren(h("p", {}, "No such page. ", h("a", { href: "#/" }, "Environments")));
}

document.getElementById("search").addEventListener("submit", (e) => {
  e.preventDefault();
  const q = document.getElementById("search-q").value.trim();
  if (q) go("/search", { q });
});
document.getElementById("logout").addEventListener("click", async () => {
  stopLive();
  await logOut();
  go("/login");
});
document.addEventListener("keydown", (e) => {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName);
  if (e.key === "/" && !typing) {
    e.preventDefault();
    document.getElementById("search-q").focus();
  }
});
window.addEventListener("hashchange", route);
route();
