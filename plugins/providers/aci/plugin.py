"""The ACI plugin: registers the ``aci`` runtime when ``azure-mgmt-containerinstance`` is installed.

``pip install 'autostack[azure]'``; the client loads only when the hook runs.
The server's own settings: ``AUTOSTACK_ACI_<FIELD>`` (``SUBSCRIPTION_ID``,
``RESOURCE_GROUP``, ``LOCATION``, ``TENANT_ID``, ``CLIENT_ID``,
``CLIENT_SECRET``, ``BASE_URL``, ``REGISTRY_USERNAME``, ``REGISTRY_PASSWORD``;
without a client secret, azure-identity's DefaultAzureCredential); a team's
own fields replace them
(``docs/providers/aci.md``).
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from autostack_core import hookimpl
from autostack_core.config import Settings

PREFIX = "AUTOSTACK_ACI_"


@hookimpl
def register_runtimes(settings: Settings) -> list[Any]:
    try:
        if importlib.util.find_spec("azure.mgmt.containerinstance") is None:
            return []
    except ModuleNotFoundError:  # no azure.mgmt at all
        return []
    from autostack_plugins.providers.aci.runtime import CONFIG_FIELDS, AciRuntime

    defaults = {
        field.name: os.environ.get(PREFIX + field.name.upper(), "") for field in CONFIG_FIELDS
    }
    return [AciRuntime(settings, {name: value for name, value in defaults.items() if value})]
