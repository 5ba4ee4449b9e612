// The inventory tree, loaded one level at a time (/tree), with the selected object beside
// it. ?sel=<id> in the URL opens the tree down to that object.
import { get } from "../api.js";
import { h, mark, statusClass, statusDot } from "../dom.js";
import { showObject } from "./objectview.js";

function row(node, env) {
  const expandable = node.children !== 0;  // null: not counted, may have some
  const li = h("li", { role: "treeitem", "aria-expanded": expandable ? "false" : null,
                       dataset: { oid: node.object_id, id: node.id, type: node.type } });
  const button = h("button", { type: "button", class: "tree-row", tabindex: "-1" },
    h("span", { class: "toggle", "aria-hidden": "true" }, expandable ? "▸" : ""),
    statusDot(node.status), h("span", { class: "label" }, node.name || node.id),
    h("span", { class: "kind" }, node.type), node.children
      ? h("span", { class: "kind count" }, `(${node.children})`) : "");
  li.append(button);
  li._node = node;
  li._env = env;
  return li;
}

async function loadChildren(li, env, parentId, changedIds = new Set()) {
  let ul = li.querySelector(":scope > ul");
  if (!ul) { ul = h("ul", { role: "group" }); li.append(ul); }
  const data = await get("/tree", { env_name: env, parent_id: parentId, page_size: 2000 });
  ul.replaceChildren(...data.children.map((n) => {
    const child = row(n, env);
    if (changedIds.has(n.object_id)) mark(child.querySelector(".tree-row"));
    return child;
  }));
  if (!data.total) ul.append(h("li", { class: "muted" }, "(empty)"));
  if (data.total > data.children.length) {
    ul.append(h("li", { class: "muted" }, `… ${data.total - data.children.length} more`));
  }
  return data.children;
}

async function expand(li) {
  if (li._node?.children === 0) return;
  li.setAttribute("aria-expanded", "true");
  li.querySelector(".toggle").textContent = "▾";
  await loadChildren(li, li._env, li._node.id);
}

function collapse(li) {
  li.setAttribute("aria-expanded", "false");
  li.querySelector(".toggle").textContent = "▸";
  li.querySelector(":scope > ul")?.remove();
}

export async function render(main, [env], query) {
  const root = h("ul", { class: "tree", role: "tree", "aria-label": `${env} inventory` });
  const detail = h("section", { class: "pane detail", "aria-live": "polite" },
                   h("p", { class: "muted" }, "Select an object."));
  main.replaceChildren(h("div", { class: "split" },
    h("nav", { class: "pane", "aria-label": "inventory tree" }, root), detail));
  let shownOid = null;
  let selected = null;

  const loadTop = async (changed = new Set()) => {
    const data = await get("/tree", { env_name: env, page_size: 2000 });
    root.replaceChildren(...data.children.map((n) => {
      const li = row(n, env);
      if (changed.has(n.object_id)) mark(li.querySelector(".tree-row"));
      return li;
    }));
  };

  const select = async (li, updateUrl = true) => {
    selected?.querySelector(".tree-row").classList.remove("selected");
    selected = li;
    const button = li.querySelector(".tree-row");
    button.classList.add("selected");
    button.tabIndex = 0;
    button.focus({ preventScroll: false });
    if (updateUrl) history.replaceState(null, "", `#/env/${encodeURIComponent(env)}/tree?sel=`
                                        + encodeURIComponent(li.dataset.id));
    shownOid = await showObject(detail, env, li.dataset.id);
  };

  const visibleRows = () => [...root.querySelectorAll(".tree-row")]
    .filter((b) => b.offsetParent !== null);

  root.addEventListener("click", async (e) => {
    const button = e.target.closest(".tree-row");
    if (!button) return;
    const li = button.parentElement;
    if (e.target.classList.contains("toggle") || li.getAttribute("aria-expanded") === "false") {
      if (li.getAttribute("aria-expanded") === "true") collapse(li); else await expand(li);
    }
    await select(li);
  });
  root.addEventListener("keydown", async (e) => {
    const button = e.target.closest(".tree-row");
    if (!button) return;
    const li = button.parentElement;
    const rows = visibleRows();
    const at = rows.indexOf(button);
    const move = (b) => { if (b) { button.tabIndex = -1; b.tabIndex = 0; b.focus(); } };
    if (e.key === "ArrowDown") move(rows[at + 1]);
    else if (e.key === "ArrowUp") move(rows[at - 1]);
    else if (e.key === "ArrowRight") {
      if (li.getAttribute("aria-expanded") === "false") await expand(li);
      else move(li.querySelector(":scope > ul .tree-row"));
    } else if (e.key === "ArrowLeft") {
      if (li.getAttribute("aria-expanded") === "true") collapse(li);
      else move(li.parentElement.closest("li[data-oid]")?.querySelector(".tree-row"));
    } else if (e.key === "Enter" || e.key === " ") await select(li);
    else return;
    e.preventDefault();
  });

  await loadTop();
  root.querySelector(".tree-row")?.setAttribute("tabindex", "0");
  if (query.sel) {
    // open the path down to the selected object: its id_path names every ancestor's id
    const doc = await get("/inventory", { env_name: env, id: query.sel }).catch(() => null);
    const ids = doc ? doc.id_path.split("/").slice(2) : [];
    let li = null;
    for (const id of ids) {
      const scope = li ? li.querySelector(":scope > ul") : root;
      const next = [...(scope?.children || [])].find((c) => c.dataset.id === id);
      if (!next) break;
      li = next;
      if (id !== query.sel) await expand(li);
    }
    if (li) await select(li, false);
  }

  const findRows = (c) => [...root.querySelectorAll("li[data-oid]")]
    .filter((li) => li.dataset.oid === c.object_id);
  return {
    onChange: async (c) => {
      if (c.kind === "resync") { await loadTop(); return; }
      if (c.kind !== "object") return;
      for (const li of findRows(c)) {
        if (c.op === "delete") {
          const parent = li.parentElement.closest("li[data-oid]");
          li.remove();
          if (parent) mark(parent.querySelector(".tree-row"));
          continue;
        }
        li._node.status = c.status;
        li.querySelector(".dot").className = `dot ${statusClass(c.status)}`;
        if (c.name || c.object_name) {
          li.querySelector(".label").textContent = c.object_name || c.name;
        }
        mark(li.querySelector(".tree-row"));
      }
      if (c.op === "insert" && c.parent_id) {
        if (c.parent_id === env) await loadTop(new Set([c.object_id]));
        const parent = [...root.querySelectorAll("li[data-oid]")]
          .find((li) => li.dataset.id === c.parent_id && li.getAttribute("aria-expanded") === "true");
        if (parent) await loadChildren(parent, env, c.parent_id, new Set([c.object_id]));
      }
      if (c.object_id === shownOid) {
        shownOid = await showObject(detail, env, selected.dataset.id, { changed: true });
      }
    },
  };
}
