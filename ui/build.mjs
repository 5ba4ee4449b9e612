// Builds the UI into the Python package (calipso/ui/static): one script, one style sheet
// and the page. Deterministic: the same sources and lock file give the same bytes, which
// tests/ui/test_bundle.py checks against the committed files.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

// CALIPSO_UI_OUT: build elsewhere (the test that compares with the committed files)
const out = process.env.CALIPSO_UI_OUT || new URL("../calipso/ui/static/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: "src/main.js" },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "eof",
  outdir: out,
  logLevel: "warning",
});
await build({ entryPoints: { app: "src/style.css" }, bundle: true, minify: true, outdir: out,
              logLevel: "warning" });
copyFileSync("index.html", `${out}/index.html`);
