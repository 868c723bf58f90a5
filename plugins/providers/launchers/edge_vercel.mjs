// `@vercel/edge` for middleware run by edge_functions.mjs: the helpers answer
// in the headers the edge reads (docs/middleware.md). Geolocation is empty (no
// geo database here); request header overrides (`init.request`) are not
// supported by the edge and are reported once to the runtime logs.

let warned = false;

function responseWith(protocol, init = {}) {
  const { request, headers, ...rest } = init;
  if (request && !warned) {
    warned = true;
    console.error("middleware: request header overrides (init.request) are not supported here");
  }
  const merged = new Headers(headers);
  for (const [name, value] of Object.entries(protocol)) merged.set(name, value);
  return new Response(null, { ...rest, headers: merged });
}

export function next(init) {
  return responseWith({ "x-middleware-next": "1" }, init);
}

export function rewrite(destination, init) {
  return responseWith({ "x-middleware-rewrite": String(destination) }, init);
}

export function ipAddress(request) {
  const forwarded = request.headers.get("x-forwarded-for");
  return request.headers.get("x-real-ip") ?? (forwarded ? forwarded.split(",")[0].trim() : undefined);
}

export function geolocation() {
  return {};
}
