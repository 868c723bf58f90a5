// Copy the browser files the dashboard serves from node_modules into static/dist/.
// Only runtime assets ship; axe-core (a dev dependency) is loaded by the browser tests
// straight from node_modules.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const assets = {
  "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  "uPlot.iife.min.js": "node_modules/uplot/dist/uPlot.iife.min.js",
  "uPlot.min.css": "node_modules/uplot/dist/uPlot.min.css",
};
const dist = join(web, "static", "dist");
mkdirSync(dist, { recursive: true });
for (const [name, source] of Object.entries(assets)) {
  copyFileSync(join(web, source), join(dist, name));
}
console.log(`copied ${Object.keys(assets).length} file(s) to static/dist/`);
