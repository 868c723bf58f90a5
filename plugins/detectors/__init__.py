"""Framework detectors, one module per family, each a plugin of the ``detect_framework`` hook.

``node`` (JavaScript frameworks and Node servers), ``ssg`` (Hugo, Jekyll, Zola,
MkDocs), ``python`` (FastAPI, Flask, Django, Starlette, Procfile apps),
``docker`` (Dockerfile, bare Procfile) and ``static`` (plain HTML). Helpers
shared by them: ``package_managers``, ``node_project`` and ``node_servers``.
"""
