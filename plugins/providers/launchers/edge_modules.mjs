// Module hooks of the edge runner (edge_functions.mjs): the Node.js modules
// Vercel's Edge runtime offers are the only ones an edge function may import.
// This keeps code written for the Edge runtime honest; it is not the security
// boundary (the run sandbox is). `@vercel/edge` is ours (edge_vercel.mjs),
// installed or not.

import { isBuiltin } from "node:module";

const ALLOWED = new Set(["buffer", "events", "async_hooks", "assert", "util"]);

const VERCEL_EDGE = new URL("./edge_vercel.mjs", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "@vercel/edge") return { url: VERCEL_EDGE, shortCircuit: true };
  if (isBuiltin(specifier) && !ALLOWED.has(specifier.replace(/^node:/, "").split("/")[0])) {
    throw new Error(`${specifier} is not available in the Edge runtime (docs/middleware.md)`);
  }
  return nextResolve(specifier, context);
}
