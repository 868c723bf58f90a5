"""Framework detectors, one module per family, each a plugin of the ``detect_framework`` hook.

``node`` (JavaScript frameworks and Node servers), ``ssg`` (Hugo, Jekyll,
Middleman, Zola, MkDocs), ``python`` (FastAPI, Flask, Django, Starlette,
FastHTML, Procfile apps), ``runtimes`` (Go, Rust, Ruby: recognised, not yet
buildable), ``docker`` (Dockerfile, Vercel's container marker, bare Procfile)
and ``static`` (plain HTML). Their slugs are those of Vercel's framework list.
Helpers of the node detector: ``node_framework`` (a table row),
``node_presets`` (the rarer presets), ``node_servers``, ``node_plain``
(servers without a framework), ``node_project``; ``package_managers`` serves
all of them.
"""
