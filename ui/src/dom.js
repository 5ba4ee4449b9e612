// A small element builder: h("a", {href}, "text", child) — text is never parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const STATUSES = ["OK", "Warning", "Error", "Unknown"];

export function statusClass(status) {
  return STATUSES.includes(status) ? `status-${status}` : "status-none";
}

export function statusDot(status) {
  return h("span", { class: `dot ${statusClass(status)}`, title: status || "no status",
                     "aria-label": `status ${status || "none"}` });
}

// Flash a changed element (the mark stays until the next render of the page).
export function mark(el) {
  el.classList.remove("changed");
  void el.offsetWidth;
  el.classList.add("changed");
}

export function when(value) {
  if (!value) return "never";
  const d = new Date(value);
  return isNaN(d) ? String(value) : d.toLocaleString();
}
