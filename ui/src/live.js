// The live-update stream (/live, Server-Sent Events) read with fetch so the token goes in a
// header; reconnects with backoff. Each change goes to the listener the page set.
import { auth } from "./api.js";

let listener = () => {};
let controller = null;
let stateEl = null;

export function onChange(fn) { listener = fn || (() => {}); }

function setState(text) { if (stateEl) stateEl.textContent = text; }

export function startLive(el) {
  stateEl = el;
  if (controller) return;
  controller = new AbortController();
  run(controller.signal);
}

export function stopLive() {
  controller?.abort();
  controller = null;
  setState("");
}

async function run(signal) {
  let delay = 1000;
  while (!signal.aborted) {
    try {
      const response = await fetch("/live", { signal,
        headers: { "X-Auth-Token": auth.token || "", Accept: "text/event-stream" } });
      if (!response.ok) throw new Error(String(response.status));
      await read(response.body.getReader(), signal);
      delay = 1000;
    } catch (err) {
      if (signal.aborted) return;
    }
    setState("live: reconnecting");
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 15000);
  }
}

async function read(reader, signal) {
  const decoder = new TextDecoder();
  let buffer = "";
  while (!signal.aborted) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] || "message";
      const data = block.split("\n").filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6)).join("\n");
      if (!data) continue;
      const payload = JSON.parse(data);
      if (event === "hello") setState(`live (${payload.mode})`);
      else listener(payload);
    }
  }
}
