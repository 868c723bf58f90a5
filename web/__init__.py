"""The dashboard: Jinja2 templates, static assets and their routes."""
