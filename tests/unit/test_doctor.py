"""``autostack doctor``'s checks: the core's, then the plugins', a failing plugin named."""

from __future__ import annotations

import pytest

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces.checks import Check, tool_version
from autostack_core.plugins import LoadedPlugins, get_plugin_manager
from autostack_core.services.doctor import run_checks


class Broken:
    @hookimpl
    def doctor_checks(self, settings: Settings) -> list[Check]:
        raise OSError("cannot read /dev/kvm")


def with_broken_plugin() -> LoadedPlugins:
    loaded = get_plugin_manager(load_entry_points=False)
    loaded.manager.register(Broken(), name="broken-checks")
    return loaded


async def test_a_plugin_whose_checks_raise_is_one_failing_check(settings: Settings) -> None:
    checks = await run_checks(settings, with_broken_plugin())
    broken = [check for check in checks if check.name == "broken-checks"]
    assert broken == [Check("broken-checks", False,
                            "its doctor_checks hook failed: OSError: cannot read /dev/kvm",
                            "report it to the plugin's authors, or uninstall the plugin")]
    names = [check.name for check in checks]
    assert names[:2] == ["python", "git"] and {"caddy", "app sandbox", "wildcard"} <= set(names)


async def test_strict_mode_makes_it_fatal(settings: Settings,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOSTACK_STRICT_PLUGINS", "1")
    with pytest.raises(OSError, match="/dev/kvm"):
        await run_checks(settings, with_broken_plugin())


def test_tool_version_is_the_first_line_or_none() -> None:
    assert (tool_version(["git", "--version"]) or "").startswith("git version ")
    assert tool_version(["git", "no-such-subcommand"]) is None
    assert tool_version(["/nonexistent/tool"]) is None
