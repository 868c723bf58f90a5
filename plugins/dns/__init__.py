"""DNS providers: change records in a zone a team connected (route53).

Each module registers one provider through ``register_dns_providers``; the
core (:mod:`autostack_core.domains.dns_zones`) stores the zone's credentials sealed
and asks the provider to write a custom domain's records.
"""
