"""Cron jobs from ``vercel.json``, as Vercel runs them, as a plugin on public hooks.

``plugin`` registers everything: ``inspect_source`` records a deployment's
``crons`` at build time (``config`` checks them, ``schedule`` parses the
expressions), ``register_tasks`` the minute tick and the run task
(``runner``), ``register_routes`` the API (``api``) and ``register_commands``
``autostack crons`` (``commands``). The tables (``DeploymentCron``,
``CronRun``) and what the dashboard shares with the plugin
(``autostack_core.services.crons``) stay in the core: Aerich runs one
migration history.
"""
