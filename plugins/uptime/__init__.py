"""Uptime checks and alerts for every project's production, as a plugin on public hooks.

``plugin`` registers everything: ``register_tasks`` the minute tick, the check
task and the hourly prune (``checker``, incidents and alerts in ``incidents``),
``register_routes`` the API (``api``), ``register_commands`` ``autostack
uptime`` (``commands``) and ``extra_template_vars`` the project page's uptime
section. The tables (``UptimeCheck``, ``UptimeIncident``) and what the
dashboard shares with the plugin (``autostack_core.services.uptime``) stay
in the core: Aerich runs one migration history.
"""
