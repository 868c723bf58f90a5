"""The ``aci`` runtime's settings: its fields, a team's values checked, the credential.

A team gives a service principal (tenant, client id, client secret: sealed) and
where its groups go, or nothing (the server's own ``AUTOSTACK_ACI_*``); the
server's Default Azure Credential is never lent to a team. A private registry
is pulled from with ``registry_username`` and ``registry_password`` together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from autostack_core.interfaces.runtime import ConfigError, ConfigField, url_value

CONFIG_FIELDS = (
    ConfigField("subscription_id", "Azure subscription id"),
    ConfigField("resource_group", "Resource group of the container groups"),
    ConfigField("location", "Azure region (eastus)"),
    ConfigField("tenant_id", "Service principal's tenant id", required=False),
    ConfigField("client_id", "Service principal's client (application) id", required=False),
    ConfigField("client_secret", "Service principal's client secret", secret=True, required=False),
    ConfigField(
        "base_url", "Azure Resource Manager endpoint (default management.azure.com)",
        required=False, urls=url_value,
    ),
    ConfigField("registry_username",
                "User pulling the image from a private registry (an ACR admin user or a "
                "service principal's client id)", required=False),
    ConfigField("registry_password", "Password of that registry user", secret=True,
                required=False),
)
REGISTRY_FIELDS = ("registry_username", "registry_password")

Credential = Callable[[Mapping[str, str]], Any]


def default_credential(values: Mapping[str, str]) -> Any:
    """A service principal's credential (azure-identity), else the server's default one."""
    from azure.identity import ClientSecretCredential, DefaultAzureCredential

    if values.get("client_secret"):
        return ClientSecretCredential(
            values["tenant_id"], values["client_id"], values["client_secret"]
        )
    return DefaultAzureCredential()


def check_team_config(config: Mapping[str, str]) -> None:
    """A team's values need its own service principal and where its groups go (refused
    with a :class:`ConfigError` naming the field); no values at all is the server's own."""
    values = {key: value for key, value in config.items() if value}
    if not values:
        return
    for name in (
        "tenant_id",
        "client_id",
        "client_secret",
        "subscription_id",
        "resource_group",
        "location",
    ):
        if not values.get(name):
            raise ConfigError(
                name,
                f"{name}: required in a team's ACI settings (its own "
                "service principal: the server's Azure identity is not lent)",
            )
    check_registry_fields(values)


def check_registry_fields(values: Mapping[str, str]) -> None:
    """A registry user goes with its password: one alone is refused, naming the other."""
    given = [name for name in REGISTRY_FIELDS if values.get(name)]
    if len(given) == 1:
        missing = next(name for name in REGISTRY_FIELDS if name not in given)
        raise ConfigError(missing, f"{missing}: required with {given[0]} (the private "
                                   "registry's user and password go together)")


def request_options(values: Mapping[str, str]) -> dict[str, Any]:
    """azure-core refuses a bearer token over plain HTTP; a loopback endpoint (a local
    stand-in) is let through, nothing else."""
    base = values.get("base_url", "")
    loopback = re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)", base)
    return {"enforce_https": False} if loopback else {}
