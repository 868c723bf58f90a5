// Serve a deployment's edge functions and its middleware from one warm process.
//
// Usage: node edge_functions.mjs <functions dir>   (listens on $PORT, host $HOST or 127.0.0.1)
//
// Each `<path>.func/` folder whose `.vc-config.json` has `"runtime": "edge"`
// holds an ES module (its `entrypoint`, else `handler`) exporting a default
// `(request, context) => Response` (or an object with `fetch`, or `GET`,
// `POST`, ...), given a Web `Request`, as on Vercel's Edge runtime.
//
// A request the edge sends with `x-autostack-middleware: <path>` runs that
// function as middleware (docs/middleware.md). The edge sends no body (the
// request's own body goes on to what serves the page) and its method in
// `x-autostack-method`. The answer tells the edge what to do:
//   - 200 with `x-middleware-next: 1`: go on routing, adding the response's
//     other headers to the final response (`undefined`/no return, or a
//     Response with `x-middleware-next`, like `NextResponse.next()`);
//   - 200 with `x-middleware-rewrite: /path?query`: serve that path of the same
//     deployment instead (same origin only; braces are percent-encoded);
//   - anything else (a redirect, a 403, a page): that response, to the visitor.
// With the first two, request headers the middleware changed (Next.js's
// `x-middleware-override-headers` and `x-middleware-request-<name>`, which
// `next({ request: { headers } })` sends) go in `x-middleware-set-name-<n>`,
// `-set-value-<n>` and `x-middleware-delete-<n>`, n = 1..8, for the edge to
// apply before routing goes on; the edge's own headers (host, x-forwarded-*,
// ...) cannot be changed.
//
// Limits: `AUTOSTACK_EDGE_TIMEOUT_SECONDS` (25, at most 300) for the whole
// answer (504 after), response bodies of at most `AUTOSTACK_EDGE_BODY_BYTES`
// (4 MB, 502 beyond), and no Node.js module outside the Edge runtime's list
// (`node:buffer`, `events`, `async_hooks`, `assert`, `util`): no filesystem,
// no processes, no sockets other than `fetch`. `@vercel/edge`'s `next()` and
// `rewrite()` are provided (edge_vercel.mjs).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { register } from "node:module";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";

const INTERNAL = ["x-autostack-middleware", "x-autostack-method"];
const PROTOCOL = ["x-middleware-next", "x-middleware-rewrite"];
// Request headers a middleware may change (edge_middleware.py has the same numbers).
const OVERRIDE_SLOTS = 8;
const UNUSED = "x-autostack-unused";
// A header's name without `*`, which Caddy's delete reads as a wildcard.
const HEADER_NAME = /^[!#$%&'+.^_`|~0-9A-Za-z-]+$/;
const PROTECTED = /^(host|connection|content-length|transfer-encoding|te|trailer|upgrade|keep-alive|forwarded|via|x-real-ip|x-forwarded-.*|x-autostack-.*|x-middleware-.*|proxy-.*)$/i;
const TIMEOUT_MS = Math.min(Number(process.env.AUTOSTACK_EDGE_TIMEOUT_SECONDS) || 25, 300) * 1000;
const BODY_LIMIT = Number(process.env.AUTOSTACK_EDGE_BODY_BYTES) || 4 * 1024 * 1024;

function findFunctions(root) {
  const found = new Map();
  const walk = (folder) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (!statSync(path).isDirectory() || name === "node_modules") continue;
      if (!name.endsWith(".func")) {
        walk(path);
        continue;
      }
      const config = JSON.parse(readFileSync(join(path, ".vc-config.json"), "utf8"));
      if (config.runtime !== "edge") continue;
      const route = relative(root, path).split(sep).join("/").slice(0, -".func".length);
      found.set(route, join(path, config.entrypoint || config.handler || "index.js"));
    }
  };
  walk(root);
  return found;
}

const modules = new Map();

function load(file) {
  if (!modules.has(file)) modules.set(file, import(pathToFileURL(file).href));
  return modules.get(file);
}

function pickHandler(mod, method) {
  const candidate = mod.default ?? mod.middleware ?? mod;
  if (typeof candidate === "function") return candidate;
  if (candidate && typeof candidate.fetch === "function") return candidate.fetch.bind(candidate);
  const fn = mod[method] ?? (method === "HEAD" ? mod.GET : undefined);
  if (typeof fn === "function") return fn;
  throw new TypeError("the module exports no handler: export a default function");
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function webRequest(req, method, raw) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (INTERNAL.includes(name)) continue;
    for (const item of [].concat(value)) headers.append(name, item);
  }
  const proto = String(req.headers["x-forwarded-proto"] || "http").split(",")[0].trim();
  const url = new URL(req.url, `${proto}://${req.headers.host || "localhost"}`);
  const hasBody = !["GET", "HEAD"].includes(method) && raw.length > 0;
  return new Request(url, { method, headers, body: hasBody ? raw : undefined });
}

// A same-origin rewrite target as path and query, braces percent-encoded; else null.
function sameOriginPath(target, request) {
  let url;
  try {
    url = new URL(target, request.url);
  } catch {
    return null;
  }
  if (url.origin !== new URL(request.url).origin) return null;
  return (url.pathname + url.search).replaceAll("{", "%7B").replaceAll("}", "%7D");
}

// The request headers the middleware changed, as Next.js says them: every header of
// the new request named in `x-middleware-override-headers`, each value in
// `x-middleware-request-<name>`; a header of the request left out is deleted.
function requestChanges(response, request) {
  const listed = response.headers.get("x-middleware-override-headers");
  if (listed === null) return { set: [], remove: [] };
  const names = new Set(listed.split(",").map((name) => name.trim().toLowerCase()).filter(Boolean));
  const set = [];
  for (const name of names) {
    const value = response.headers.get(`x-middleware-request-${name}`);
    if (value !== null && value !== request.headers.get(name)) set.push([name, value]);
  }
  const remove = [...request.headers.keys()].filter((name) => !names.has(name));
  const allowed = (name) => {
    if (HEADER_NAME.test(name) && !PROTECTED.test(name)) return true;
    console.error(`middleware: the request header ${JSON.stringify(name)} cannot be changed`);
    return false;
  };
  return { set: set.filter(([name]) => allowed(name)), remove: remove.filter(allowed) };
}

// The changes in the edge's slots: every slot is sent, the unused ones naming UNUSED.
function overrideSlots(changes, headers) {
  if (changes.set.length > OVERRIDE_SLOTS || changes.remove.length > OVERRIDE_SLOTS) {
    throw new Error(`middleware: at most ${OVERRIDE_SLOTS} request headers can be set and ` +
                    `${OVERRIDE_SLOTS} deleted, not ${changes.set.length} and ${changes.remove.length}`);
  }
  for (let slot = 1; slot <= OVERRIDE_SLOTS; slot++) {
    const [name, value] = changes.set[slot - 1] ?? [UNUSED, ""];
    headers.set(`x-middleware-set-name-${slot}`, name);
    headers.set(`x-middleware-set-value-${slot}`, value);
    headers.set(`x-middleware-delete-${slot}`, changes.remove[slot - 1] ?? UNUSED);
  }
}

// What the edge reads from a middleware's answer (see the header comment).
function middlewareAnswer(response, request) {
  if (response === undefined || response === null) {
    response = new Response(null, { headers: { "x-middleware-next": "1" } });
  }
  const headers = new Headers(response.headers);
  for (const name of [...headers.keys()]) {
    if (name.startsWith("x-middleware-")) headers.delete(name);
  }
  const rewrite = response.headers.get("x-middleware-rewrite");
  if (rewrite !== null) {
    const path = sameOriginPath(rewrite, request);
    if (path === null) {
      console.error(`middleware: a rewrite to another origin is not supported: ${rewrite}`);
      return new Response("Middleware rewrite to another origin is not supported\n",
        { status: 502, headers: { "content-type": "text/plain; charset=utf-8" } });
    }
    headers.set("x-middleware-rewrite", path);
    overrideSlots(requestChanges(response, request), headers);
    return new Response(null, { headers });
  }
  if (response.headers.has("x-middleware-next")) {
    headers.set("x-middleware-next", "1");
    overrideSlots(requestChanges(response, request), headers);
    return new Response(null, { headers });
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function limitedBody(response) {
  if (!response.body) return null;
  const chunks = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw Object.assign(new Error(`response body over ${BODY_LIMIT} bytes`), { status: 502 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function answer(functions, req) {
  const middleware = req.headers["x-autostack-middleware"];
  const path = middleware ?? new URL(req.url, "http://localhost").pathname.replace(/^\/+|\/+$/g, "");
  const file = functions.get(path) ?? (middleware ? undefined : functions.get(path ? `${path}/index` : "index"));
  if (!file) return { status: 404, headers: { "content-type": "text/plain" }, body: Buffer.from("Not Found\n") };
  const method = middleware ? String(req.headers["x-autostack-method"] || "GET") : req.method;
  const raw = await readBody(req);
  const request = webRequest(req, method, raw);
  const handler = pickHandler(await load(file), method);
  let response = await handler(request, { waitUntil() {}, params: {} });
  if (middleware) response = middlewareAnswer(response, request);
  else if (!(response instanceof Response)) throw new TypeError("the function did not return a Response");
  const headers = {};
  response.headers.forEach((value, name) => {
    headers[name] = name === "set-cookie" ? response.headers.getSetCookie() : value;
  });
  delete headers["content-length"];
  return { status: response.status, headers, body: await limitedBody(response), path };
}

function withTimeout(promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${TIMEOUT_MS / 1000} s`), { status: 504 })), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const root = process.argv[2];
if (!root) {
  console.error("usage: node edge_functions.mjs <functions dir>");
  process.exit(2);
}
// Node.js modules the Edge runtime lacks are refused (filesystem, processes, sockets).
register(new URL("./edge_modules.mjs", import.meta.url));
const functions = findFunctions(root);
const server = createServer(async (req, res) => {
  try {
    const result = await withTimeout(answer(functions, req));
    res.writeHead(result.status, result.headers).end(result.body ?? undefined);
  } catch (error) {
    const status = error && (error.status === 504 || error.status === 502) ? error.status : 500;
    console.error("Error in edge function:", error && error.stack ? error.stack : error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const code = status === 504 ? "EDGE_FUNCTION_INVOCATION_TIMEOUT" : "EDGE_FUNCTION_INVOCATION_FAILED";
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`An error has occurred\n\n${code}\n`);
  }
});
process.on("unhandledRejection", (error) => console.error("Unhandled rejection in an edge function:", error));
process.on("uncaughtException", (error) => console.error("Uncaught exception in an edge function:", error));
server.listen(Number(process.env.PORT || 3000), process.env.HOST || "127.0.0.1", () => {
  console.log(`serving ${functions.size} edge functions on port ${server.address().port}`);
});
