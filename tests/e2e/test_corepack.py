"""Corepack's signature check in a real build sandbox, against the npm registry reached here.

The node builder's toolchain prefix runs pnpm through the real Corepack (Node's)
inside bubblewrap, which downloads pnpm from the registry. With the check on
(the default), Corepack verifies pnpm's npm signature (``dist.signatures``);
``AUTOSTACK_COREPACK_INTEGRITY=0`` turns it off. Whether the check can pass
depends on the registry: where it serves signatures, pnpm runs either way;
where it strips them (the registry these machines reach did on 2026-12-06),
the check refuses every version, which is what shows that it ran.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from autostack_core.build.sandbox import Limits, Sandbox
from autostack_plugins.builders.node_toolchain import installed, toolchain_prefix

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(shutil.which("corepack") is None or installed("pnpm"),
                                 reason="needs Corepack, and pnpm not installed on the server")]

PNPM = "9.15.0"


def registry_signs() -> bool:
    """Whether the registry's metadata for pnpm carries npm's signatures."""
    shown = subprocess.run(["npm", "view", f"pnpm@{PNPM}", "dist.signatures", "--json"],
                           capture_output=True, text=True, timeout=120)
    return shown.returncode == 0 and bool(shown.stdout.strip() and json.loads(shown.stdout))


async def pnpm_version(root: Path, integrity: bool) -> tuple[int, str]:
    """``pnpm --version`` in a project that asks for pnpm, through the builder's prefix."""
    workspace, cache = root / "workspace", root / "cache"
    workspace.mkdir(parents=True)
    cache.mkdir()
    (workspace / "package.json").write_text(json.dumps(
        {"name": "app", "packageManager": f"pnpm@{PNPM}"}))
    prefix = toolchain_prefix("pnpm", cache, integrity)
    lines: list[str] = []

    async def on_line(stream: str, line: str) -> None:
        lines.append(line)

    # Node's own fetch (Corepack's) trusts only its bundled roots: a machine whose
    # traffic passes a TLS-inspecting proxy names the extra root here.
    extra = {name: os.environ[name] for name in ("NODE_EXTRA_CA_CERTS",) if name in os.environ}
    sandbox = Sandbox(workspace, cache, Limits(wall_seconds=180), extra, False)
    code = await sandbox.run(f"{prefix}pnpm --version", on_line)
    return code, "\n".join(lines)


async def test_corepack_checks_the_package_managers_signature_unless_turned_off(
    tmp_path: Path,
) -> None:
    code, output = await pnpm_version(tmp_path / "checked", integrity=True)
    if registry_signs():
        assert code == 0 and PNPM in output, output
    else:
        assert code != 0, output
        assert "No compatible signature found" in output

    code, output = await pnpm_version(tmp_path / "unchecked", integrity=False)
    assert code == 0 and PNPM in output, output
