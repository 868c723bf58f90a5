"""The plugin system: a real pip-installed plugin, a broken one, and documented hooks.

The example package (tests/plugins/example_plugin) declares two entry points in
the ``autostack`` group: ``example`` (a route and ``extra_template_vars``) and
``example-broken`` (raises ImportError on import).
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from autostack_core import hookspecs
from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.config import Settings
from autostack_core.plugins import describe_plugins, get_plugin_manager

EXAMPLE = Path(__file__).parents[1] / "plugins" / "example_plugin"
PACKAGE = "autostack_example_plugin"


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example plugin pip-installed into a folder of its own on ``sys.path`` for the
    module's tests; the folder, for a process of its own to find it (``PYTHONPATH``).

    Not into the venv: CI runs two test sessions at once from one venv, and one's uninstall
    broke the other's install (and the other's servers loaded the example plugin). It is
    built from a copy, so the build leaves nothing in the source tree.
    """
    work = tmp_path_factory.mktemp("plugin")
    source, target = work / "example_plugin", work / "site-packages"
    shutil.copytree(EXAMPLE, source)
    pip("install", "--no-deps", "--no-build-isolation", "--no-index", "--target", str(target),
        str(source))
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]
        importlib.invalidate_caches()


async def test_an_installed_plugin_is_loaded_and_called(
    installed_plugin: Path, settings: Settings
) -> None:
    loaded = get_plugin_manager()
    infos = {info.name: info for info in describe_plugins(loaded)}
    assert infos["example"].version == "1.2.3" and not infos["example"].builtin
    assert infos["example"].hooks == [
        "extra_template_vars", "register_commands", "register_routes"]
    autostack = AutoStack(settings, plugins=loaded)
    await autostack.startup()
    try:
        transport = httpx.ASGITransport(app=autostack.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            page = await http.get("/example-plugin")
            landing = await http.get("/")
    finally:
        await autostack.shutdown()
    assert page.text == "hello from the example plugin"
    assert landing.status_code == 200
    plugin = importlib.import_module(PACKAGE)
    assert "landing.html" in plugin.TEMPLATES_SEEN


def test_a_broken_plugin_is_reported_by_name_and_others_load(installed_plugin: Path) -> None:
    loaded = get_plugin_manager()
    failures = {failure.name: failure.error for failure in loaded.failures}
    assert failures["example-broken"].startswith("ImportError: ")
    names = {name for name, _ in loaded.manager.list_name_plugin()}
    assert {"example", "autostack_web.plugin"} <= names
    output = CliRunner().invoke(main, ["plugins"]).output
    assert "example 1.2.3 (installed)" in output
    assert "example-broken FAILED: ImportError" in output


def test_an_installed_plugin_adds_a_command(installed_plugin: Path) -> None:
    """The installed ``autostack`` command, in a process of its own, as a user runs it."""
    autostack = str(Path(sys.executable).parent / "autostack")
    env = {**os.environ, "PYTHONPATH": str(installed_plugin)}
    listed = subprocess.run([autostack, "--help"], capture_output=True, text=True, check=True,
                            env=env)
    assert "example-hello" in listed.stdout and "Greet NAME" in listed.stdout
    hello = subprocess.run([autostack, "example-hello", "Ada", "--json"], capture_output=True,
                           text=True, check=True, env=env)
    assert json.loads(hello.stdout) == {"greeting": "hello Ada"}


def test_strict_mode_makes_a_broken_plugin_fatal(
    installed_plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOSTACK_STRICT_PLUGINS", "1")
    with pytest.raises(ImportError):
        get_plugin_manager()


def test_the_allowlist_skips_other_plugins(
    installed_plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOSTACK_LOAD_PLUGINS", "example")
    loaded = get_plugin_manager()
    assert loaded.failures == []
    assert loaded.manager.has_plugin("example")


def test_the_dashboard_is_a_builtin_plugin_using_public_hooks() -> None:
    loaded = get_plugin_manager(load_entry_points=False)
    info = {item.name: item for item in describe_plugins(loaded)}["autostack_web.plugin"]
    assert info.builtin and info.hooks == ["not_found_page", "register_routes"]


def test_every_hookspec_has_a_docstring() -> None:
    specs = [
        function for _, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "autostack_spec")
    ]
    assert len(specs) >= 8
    for function in specs:
        doc = inspect.getdoc(function) or ""
        assert len(doc.split()) >= 10, f"hookspec {function.__name__} needs a docstring"
