"""DNS hosts: change records in a zone a team connected (route53).

Each module registers one DNS host through ``register_dns_hosts``; the
domains plugin (:mod:`autostack_plugins.domains.dns_zones`) stores the zone's
credentials sealed and asks the DNS host to write a custom domain's records.
"""
