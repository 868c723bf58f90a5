"""``autostack_core.app``: what a server process imports at start."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.dbless

# What ``autostack up`` imports before it serves: the command line, uvicorn, the app and
# every built-in plugin.
UP_IMPORTS = """
import sys
import uvicorn
import autostack_core.cli
from autostack_core.app import AutoStack
from autostack_core.plugins import get_plugin_manager
get_plugin_manager()
print(" ".join(sorted(name for name in sys.modules if sys.modules[name] is not None)))
"""


def test_a_server_start_loads_no_cloud_client_and_no_command_line_of_httpx() -> None:
    """Each is megabytes of every server's memory, loaded only when used (issue 19 item 6)."""
    result = subprocess.run([sys.executable, "-c", UP_IMPORTS], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert "autostack_plugins.providers.kubernetes.plugin" in loaded  # every plugin loaded
    for heavy in ("rich", "pygments", "httpx._main", "kubernetes", "google.cloud.run_v2",
                  "azure.mgmt.containerinstance", "boto3"):
        assert heavy not in loaded, heavy
