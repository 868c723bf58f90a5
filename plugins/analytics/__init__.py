"""Web analytics and web vitals, as a plugin on public hooks.

``plugin`` registers the API (``api``: a project's or a deployment's analytics
over a range), the beacon routes the edge proxies to the control plane
(``beacon``: the opt-in web vitals script and its posts) and the daily prune
job. The tables and the queries the dashboard shares
(``autostack_core.services.analytics``, ``analytics_ingest``, ``web_vitals``)
stay in the core; an edge plugin feeds the roll-ups from its own log (the local
edge: ``autostack_plugins.providers.local.edge_analytics``).
"""
