"""The Cloud Run plugin: registers the ``cloudrun`` runtime when ``google-cloud-run`` is installed.

``pip install 'autostack[gcp]'``; the client loads only when the hook runs. The
server's own settings: ``AUTOSTACK_CLOUDRUN_<FIELD>`` (``PROJECT``, ``REGION``,
``SERVICE_ACCOUNT_KEY``: the key's JSON, ``API_ENDPOINT``); a team's own fields
replace them (``docs/providers/cloudrun.md``).
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from autostack_core import hookimpl
from autostack_core.config import Settings

PREFIX = "AUTOSTACK_CLOUDRUN_"


@hookimpl
def register_runtimes(settings: Settings) -> list[Any]:
    try:
        if importlib.util.find_spec("google.cloud.run_v2") is None:
            return []
    except ModuleNotFoundError:  # no google.cloud at all
        return []
    from autostack_plugins.providers.cloudrun.runtime import CONFIG_FIELDS, CloudRunRuntime

    defaults = {
        field.name: os.environ.get(PREFIX + field.name.upper(), "") for field in CONFIG_FIELDS
    }
    return [CloudRunRuntime(settings, {name: value for name, value in defaults.items() if value})]
