"""Netlify forms, as Netlify runs them, as a plugin on public hooks.

``plugin`` registers everything: ``inspect_source`` records the forms of a
deployment's HTML at build time, ``register_routes`` the API (``api``):
list forms and submissions, delete one, export CSV, and
``register_commands`` ``autostack forms`` (``commands``). The tables
(``DeploymentForm``, ``FormSubmission``) and what the dashboard and the
control plane's submission endpoint share with the plugin
(``autostack_core.services.forms``) stay in the core: Aerich runs one
migration history, and the endpoint needs the protection check.
"""
