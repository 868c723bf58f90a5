"""Custom domains and the DNS zones a team connects, as a plugin on public hooks.

``plugin`` registers everything: the API (``api``, ``zones_api``) through
``register_routes``, ``autostack domains`` and ``autostack dns``
(``commands``, ``dns_commands``) through ``register_commands``, the queue
tasks through ``register_tasks``, the dashboard's service (``service``)
through ``register_domains``, and the custom domains that follow a moving
alias through ``extra_hostnames``. The logic lives in ``domains`` (add,
verify, serve, certificates), ``ownership`` (the DNS and HTTP proofs) and
``dns_zones`` (zones connected through a DNS host, ``register_dns_hosts``).
The tables (``Domain``, ``ConnectedZone``) stay in the core's models: Aerich
runs one migration history.
"""
