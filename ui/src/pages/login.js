import { logIn } from "../api.js";
import { h } from "../dom.js";

export async function render(main, _params, query) {
  const error = h("p", { class: "error-text", role: "alert" });
  const user = h("input", { name: "username", autocomplete: "username", required: true,
                            "aria-label": "User name", placeholder: "User name" });
  const pass = h("input", { name: "password", type: "password", required: true,
                            autocomplete: "current-password", "aria-label": "Password",
                            placeholder: "Password" });
  const form = h("form", { class: "login", onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      await logIn(user.value, pass.value);
      location.hash = "#" + (query.next && query.next !== "/login" ? query.next : "/");
    } catch (err) {
      error.textContent = err.message;
    }
  } }, h("h1", {}, "Log in to Calipso"), user, pass,
  h("button", { type: "submit" }, "Log in"), error);
  main.replaceChildren(form);
  user.focus();
}
