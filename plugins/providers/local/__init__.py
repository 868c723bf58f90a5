"""The local runtime and edge: sandboxed, supervised processes behind the embedded Caddy.

``plugin`` registers them; the other modules are their machinery (the Caddy
edge with its routes, TLS, ACME and wildcard certificate; the supervisor, run
sandbox, runtime shim, waker and runtime logs).
"""
