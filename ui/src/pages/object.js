import { h } from "../dom.js";
import { showObject } from "./objectview.js";

export async function render(main, [env, id]) {
  const box = h("article", { class: "object" });
  main.replaceChildren(box);
  let oid = await showObject(box, env, id);
  return {
    onChange: async (c) => {
      const touches = c.object_id === oid || (c.kind === "link"
        && (c.source === oid || c.target === oid)) || c.kind === "resync";
      if (touches) oid = await showObject(box, env, id, { changed: true });
    },
  };
}
