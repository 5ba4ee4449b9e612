// Every environment: its state, its objects by type and by status, its latest scan; an
// admin requests a scan here and watches its progress.
import { call, get } from "../api.js";
import { STATUSES, h, statusClass, when } from "../dom.js";

const RUNNING = ["pending", "running"];

function yesNo(value) { return value ? "yes" : "no"; }

function scanLine(scan) {
  if (!scan) return h("p", { class: "muted" }, "No scan yet.");
  const p = scan.progress || {};
  const bits = [h("strong", { class: "scan-status" }, scan.status),
                ` · requested ${when(scan.submit_timestamp)}`];
  if (scan.end_timestamp) bits.push(` · ended ${when(scan.end_timestamp)}`);
  const box = h("div", { class: "scan" }, h("p", {}, ...bits));
  if (RUNNING.includes(scan.status)) {
    box.append(h("progress", { max: p.hosts_total || 1, value: p.hosts_done || 0,
                               "aria-label": "scan progress" }),
               h("p", { class: "muted" }, `${p.phase || "waiting"} · hosts ${p.hosts_done || 0}`
                 + `/${p.hosts_total || "?"} · objects ${p.objects || 0}`));
  }
  return box;
}

function card(env, refresh) {
  const s = env.state;
  const e = encodeURIComponent(env.name);
  const types = Object.entries(env.types || {}).filter(([t]) => !t.endsWith("folder"))
    .sort((a, b) => b[1] - a[1]);
  const total = env.types ? Object.values(env.types).reduce((a, b) => a + b, 0) : null;
  const status = h("p", { class: "error-text", role: "status" });
  const scanning = RUNNING.includes(env.latest_scan?.status);
  return h("section", { class: "card", "aria-label": env.name, dataset: { env: env.name } },
    h("h2", {}, env.name, " ", h("span", { class: "muted" },
      `${s.distribution || ""} ${s.distribution_version || ""}`)),
    h("dl", { class: "fields" },
      h("dt", {}, "Scanned"), h("dd", {}, yesNo(s.scanned)),
      h("dt", {}, "Last scan"), h("dd", {}, when(s.last_scanned)),
      h("dt", {}, "Live events"), h("dd", {}, s.listen ? (s.operational || "not started")
                                                        : "not listened"),
      h("dt", {}, "Monitoring"), h("dd", {}, s.enable_monitoring
        ? (s.monitoring_setup_done ? "on" : "set-up pending") : "off"),
      h("dt", {}, "Drivers"), h("dd", {}, [s.mechanism_drivers, s.type_drivers].flat()
        .filter(Boolean).join(", ") || "—")),
    h("h3", {}, total === null ? "Counting objects…" : `${total} objects`),
    env.statuses ? h("div", { class: "chips", "aria-label": "objects by status" },
      STATUSES.map((st) => h("span", { class: `chip ${statusClass(st)}` },
                             `${st} ${env.statuses[st] || 0}`))) : "",
    h("table", { class: "types" }, h("tbody", {}, types.slice(0, 12).map(([t, n]) =>
      h("tr", {}, h("td", {}, t), h("td", {}, n))))),
    h("h3", {}, "Latest scan"), scanLine(env.latest_scan),
    h("p", { class: "toolbar" },
      h("a", { class: "button", href: `#/env/${e}/tree` }, "Tree"),
      h("a", { class: "button", href: `#/env/${e}/overview` }, "Overview"),
      h("a", { class: "button", href: `#/env/${e}/messages` }, "Messages"),
      h("button", { type: "button", disabled: scanning, onclick: async () => {
        try {
          await call("POST", "/scans", null, { environment: env.name });
          refresh();
        } catch (err) { status.textContent = err.message; }
      } }, scanning ? "Scanning…" : "Scan now")),
    status);
}

export async function render(main) {
  let timer = null;
  let counted = false;
  const draw = async () => {
    // the state at once, the counts (read from every object the first time) next
    const data = await get("/environments", { counts: String(counted) });
    main.replaceChildren(h("h1", {}, "Environments"), data.environments.length
      ? h("div", { class: "cards" }, data.environments.map((env) => card(env, draw)))
      : h("p", {}, "No environment yet: register one with POST /environment_configs."));
    clearTimeout(timer);
    if (!counted) {
      counted = true;
      timer = setTimeout(() => draw().catch(() => {}), 0);
      return;
    }
    // while a scan runs, its progress is polled every second
    if (data.environments.some((env) => RUNNING.includes(env.latest_scan?.status))) {
      timer = setTimeout(() => draw().catch(() => {}), 1000);
    }
  };
  await draw();
  return { dispose: () => clearTimeout(timer) };
}
