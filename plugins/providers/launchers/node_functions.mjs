// Serve every Node.js function of a Build Output folder from one warm process.
//
// Usage: node node_functions.mjs <functions dir>   (listens on $PORT, host $HOST or 127.0.0.1)
//
// Each `<path>.func/` folder whose `.vc-config.json` names a `nodejs*` runtime
// answers at `/<path>` (`api/index.func` also at `/api`; `[name]` segments
// match any segment and become query parameters, as on Vercel). Its handler
// follows Vercel's Node.js conventions:
//   - a default export (or CommonJS `module.exports`) `(req, res)`, with the
//     helpers `req.query`, `req.cookies`, `req.body`, `res.status()`,
//     `res.json()`, `res.send()` and `res.redirect()`;
//   - a default export `(request) => Response`, an object with `fetch`, or
//     named exports `GET`, `POST`, ... taking a Web `Request`.
// A handler that throws answers 500 and its stack goes to stderr.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { join, relative, sep } from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function findFunctions(root) {
  const found = [];
  const walk = (folder) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (!statSync(path).isDirectory() || name === "node_modules") continue;
      if (name.endsWith(".func")) {
        const config = JSON.parse(readFileSync(join(path, ".vc-config.json"), "utf8"));
        if (String(config.runtime || "").startsWith("nodejs")) {
          const route = "/" + relative(root, path).split(sep).join("/").slice(0, -".func".length);
          found.push({ route, dir: path, handler: join(path, config.handler) });
        }
      } else {
        walk(path);
      }
    }
  };
  walk(root);
  return found.map((fn) => ({ ...fn, ...routePattern(fn.route) }));
}

function routePattern(route) {
  const names = [];
  const segments = route.split("/").slice(1);
  const isIndex = segments.at(-1) === "index";
  if (isIndex) segments.pop();
  const source = segments
    .map((segment) => {
      const param = /^\[(\.\.\.)?([A-Za-z0-9_]+)\]$/.exec(segment);
      if (!param) return "/" + segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(param[2]);
      return param[1] ? "/(.+)" : "/([^/]+)";
    })
    .join("");
  const tail = isIndex ? "(?:/index)?" : "";
  return { regex: new RegExp(`^${source}${tail}/?$`), names, dynamic: names.length > 0 };
}

function match(functions, pathname) {
  for (const dynamic of [false, true]) {
    for (const fn of functions) {
      if (fn.dynamic !== dynamic) continue;
      const found = fn.regex.exec(pathname);
      if (found) {
        const params = Object.fromEntries(fn.names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
        return { fn, params };
      }
    }
  }
  return null;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function parseBody(raw, type) {
  if (!raw.length) return undefined;
  const mime = (type || "").split(";")[0].trim().toLowerCase();
  if (mime === "application/json") {
    try {
      return JSON.parse(raw.toString("utf8"));
    } catch {
      const error = new Error("Invalid JSON body");
      error.statusCode = 400;
      throw error;
    }
  }
  if (mime === "application/x-www-form-urlencoded") {
    return Object.fromEntries(new URLSearchParams(raw.toString("utf8")));
  }
  if (mime.startsWith("text/")) return raw.toString("utf8");
  return raw;
}

function parseCookies(header) {
  const cookies = {};
  for (const part of (header || "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0) cookies[part.slice(0, at).trim()] = decodeURIComponent(part.slice(at + 1).trim());
  }
  return cookies;
}

function addHelpers(req, res, url, params, raw) {
  const query = Object.fromEntries(url.searchParams);
  req.query = { ...query, ...params };
  req.cookies = parseCookies(req.headers.cookie);
  let body;
  let parsed = false;
  Object.defineProperty(req, "body", {
    get() {
      if (!parsed) {
        body = parseBody(raw, req.headers["content-type"]);
        parsed = true;
      }
      return body;
    },
  });
  res.status = (code) => {
    res.statusCode = code;
    return res;
  };
  res.json = (value) => {
    if (!res.getHeader("content-type")) res.setHeader("content-type", "application/json; charset=utf-8");
    res.end(JSON.stringify(value));
    return res;
  };
  res.send = (value) => {
    if (value === null || value === undefined) {
      res.end();
    } else if (Buffer.isBuffer(value)) {
      if (!res.getHeader("content-type")) res.setHeader("content-type", "application/octet-stream");
      res.end(value);
    } else if (typeof value === "object") {
      res.json(value);
    } else {
      if (!res.getHeader("content-type")) res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(String(value));
    }
    return res;
  };
  res.redirect = (statusOrUrl, maybeUrl) => {
    const [code, location] = maybeUrl === undefined ? [307, statusOrUrl] : [statusOrUrl, maybeUrl];
    res.writeHead(code, { location }).end();
    return res;
  };
}

function webRequest(req, url, raw) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const item of [].concat(value)) headers.append(name, item);
  }
  const hasBody = !["GET", "HEAD"].includes(req.method) && raw.length > 0;
  return new Request(url, { method: req.method, headers, body: hasBody ? raw : undefined });
}

async function sendResponse(res, response) {
  if (!(response instanceof Response)) {
    throw new TypeError("the function did not return a Response");
  }
  const headers = {};
  response.headers.forEach((value, name) => {
    headers[name] = name === "set-cookie" ? response.headers.getSetCookie() : value;
  });
  res.writeHead(response.status, headers);
  if (response.body) {
    await new Promise((resolve, reject) => {
      Readable.fromWeb(response.body).on("error", reject).pipe(res).on("finish", resolve);
    });
  } else {
    res.end();
  }
}

// The callable for one request, decided by what the module exports.
function pickHandler(mod, method) {
  const candidate = mod.default ?? mod;
  if (METHODS.some((m) => typeof mod[m] === "function") ||
      (candidate && METHODS.some((m) => typeof candidate[m] === "function"))) {
    const source = METHODS.some((m) => typeof mod[m] === "function") ? mod : candidate;
    const fn = source[method] ?? (method === "HEAD" ? source.GET : undefined);
    return fn ? { kind: "web", fn } : { kind: "not-allowed" };
  }
  if (candidate && typeof candidate.fetch === "function") {
    return { kind: "web", fn: candidate.fetch.bind(candidate) };
  }
  if (typeof candidate === "function") {
    return { kind: candidate.length <= 1 ? "web" : "node", fn: candidate };
  }
  throw new TypeError("the module exports no handler: export a default function or GET/POST/...");
}

const modules = new Map();

async function load(fn) {
  if (!modules.has(fn.handler)) modules.set(fn.handler, import(pathToFileURL(fn.handler).href));
  return modules.get(fn.handler);
}

async function invoke(fn, params, req, res) {
  const url = new URL(req.url, `http://${req.headers.host || "localhost"}`);
  const raw = await readBody(req);
  const handler = pickHandler(await load(fn), req.method);
  if (handler.kind === "not-allowed") {
    res.writeHead(405, { "content-type": "text/plain" }).end("Method Not Allowed\n");
    return;
  }
  if (handler.kind === "web") {
    await sendResponse(res, await handler.fn(webRequest(req, url, raw), { params }));
    return;
  }
  addHelpers(req, res, url, params, raw);
  const result = await handler.fn(req, res);
  if (result instanceof Response && !res.headersSent) await sendResponse(res, result);
}

function fail(res, fn, error) {
  const status = error && error.statusCode === 400 ? 400 : 500;
  console.error(`Error in function ${fn.route}:`, error && error.stack ? error.stack : error);
  if (!res.headersSent) {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    res.end(status === 400 ? `${error.message}\n` : "A server error has occurred\n\nFUNCTION_INVOCATION_FAILED\n");
  } else {
    res.destroy();
  }
}

const root = process.argv[2];
if (!root) {
  console.error("usage: node node_functions.mjs <functions dir>");
  process.exit(2);
}
const functions = findFunctions(root);
const server = createServer(async (req, res) => {
  const pathname = new URL(req.url, "http://localhost").pathname;
  const found = match(functions, pathname);
  if (!found) {
    res.writeHead(404, { "content-type": "text/plain" }).end("Not Found\n");
    return;
  }
  try {
    await invoke(found.fn, found.params, req, res);
    if (!res.writableEnded && !res.headersSent) {
      await new Promise((resolve) => res.on("close", resolve));
    }
  } catch (error) {
    fail(res, found.fn, error);
  }
});
// A callback of a function that throws later must not take the other functions down.
process.on("unhandledRejection", (error) => console.error("Unhandled rejection in a function:", error));
process.on("uncaughtException", (error) => console.error("Uncaught exception in a function:", error));
server.listen(Number(process.env.PORT || 3000), process.env.HOST || "127.0.0.1", () => {
  console.log(`serving ${functions.length} Node.js functions on port ${server.address().port}`);
});
