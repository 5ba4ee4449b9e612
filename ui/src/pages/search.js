// Search every environment by name, id, IP, MAC (/search); ?q= in the URL.
import { get } from "../api.js";
import { h } from "../dom.js";

export async function render(main, _params, query) {
  const q = query.q || "";
  document.getElementById("search-q").value = q;
  if (!q) {
    main.replaceChildren(h("p", {}, "Type a name, id, IP or MAC address in the search box."));
    return;
  }
  const data = await get("/search", { q, page_size: 200 });
  main.replaceChildren(h("h1", {}, `Search: ${q}`),
    h("p", { class: "muted" }, `${data.total ?? data.objects.length} found`),
    data.objects.length ? h("table", { class: "results" },
      h("thead", {}, h("tr", {}, ["Object", "Type", "Environment", "Matched", "Location"]
        .map((t) => h("th", {}, t)))),
      h("tbody", {}, data.objects.map((o) => {
        const e = encodeURIComponent(o.environment);
        const i = encodeURIComponent(o.id);
        return h("tr", {},
          h("td", {}, h("a", { href: `#/env/${e}/object/${i}` }, o.object_name || o.name || o.id)),
          h("td", {}, o.type), h("td", {}, o.environment),
          h("td", {}, `${o.matched_field || ""}: ${o.matched_value || ""}`),
          h("td", {}, h("a", { href: `#/env/${e}/tree?sel=${i}` }, o.name_path || "")));
      }))) : h("p", {}, "Nothing matches."));
}
