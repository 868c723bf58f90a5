// `@vercel/edge` for middleware run by edge_functions.mjs: the helpers answer
// in the headers the edge reads (docs/middleware.md). Geolocation is empty (no
// geo database here). Request headers (`init.request.headers`) are passed on as
// Next.js passes them: the new request's header names in
// `x-middleware-override-headers`, each value in `x-middleware-request-<name>`.

function responseWith(protocol, init = {}) {
  const { request, headers, ...rest } = init;
  const merged = new Headers(headers);
  for (const [name, value] of Object.entries(protocol)) merged.set(name, value);
  if (request?.headers) {
    const wanted = new Headers(request.headers);
    merged.set("x-middleware-override-headers", [...wanted.keys()].join(","));
    for (const [name, value] of wanted) merged.set(`x-middleware-request-${name}`, value);
  }
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
