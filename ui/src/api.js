// Calls to Calipso's HTTP API with the token got at log-in (kept in sessionStorage).
const KEY = "calipso-token";

export class Unauthorized extends Error {}

export const auth = {
  get token() { return sessionStorage.getItem(KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY);
  },
};

export async function call(method, path, params, body) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { Accept: "application/json" };
  if (auth.token) headers["X-Auth-Token"] = auth.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, headers,
    body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) throw new Unauthorized(data.error?.message || "log in");
  if (!response.ok) {
    const err = new Error(data.error?.message || `${response.status} ${response.statusText}`);
    err.status = response.status;
    throw err;
  }
  return data;
}

export const get = (path, params) => call("GET", path, params);

export async function logIn(username, password) {
  const data = await call("POST", "/auth/tokens", null, {
    auth: { methods: ["credentials"], credentials: { username, password } } });
  auth.token = data.token;
}

export async function logOut() {
  try { await call("DELETE", "/auth/tokens"); } catch (e) { /* expired already */ }
  auth.token = null;
}
