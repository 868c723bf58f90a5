"""The dashboard: Jinja2 templates, static assets and their routes.

``plugin`` registers the routes through the public ``register_routes`` hook;
``rendering`` renders pages; ``pages`` (landing, sign-up, log-in),
``dashboard`` (projects, new project) and ``account`` hold the pages.
"""
