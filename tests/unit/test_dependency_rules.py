"""The dependency rules of the layout (issue 13, item 2), read from the source with ``ast``.

1. The core (``autostack_core``) never imports a plugin (``autostack_plugins``)
   or the dashboard (``autostack_web``); so the API never imports the dashboard.
2. The dashboard never imports the API (``autostack_core.api``): both call the
   services layer (``autostack_core.services``), which imports neither of them
   nor the CLI. Nothing else in the core imports the API either, but the app
   that mounts its routes (``autostack_core.app``).
3. A plugin imports only the core's public modules
   (:mod:`autostack_core.public`) and never another plugin's modules. A plugin
   is a module of ``DEFAULT_PLUGINS``; one that lives in a package below its
   family (``autostack_plugins.providers.local.plugin``) owns that whole
   package. A family's other modules (``builders.steps``, ``providers.launchers``)
   are helpers its plugins share; they belong to no single plugin.

Every import counts: at the top, inside a function, and under ``TYPE_CHECKING``
(a plugin may name the host's type, :data:`autostack_core.public.TYPE_ONLY_MODULES`,
there only). An import is of the module it names: ``from autostack_core import
accounts`` imports ``autostack_core.security.accounts``, ``from autostack_core import
hookimpl`` imports ``autostack_core``.

Rules that did not hold yet when this test was written list their remaining
violations in :data:`KNOWN_VIOLATIONS`; the test fails on any other violation
and on a listed one that is gone, so the list can only shrink.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from autostack_core.plugins import DEFAULT_PLUGINS
from autostack_core.public import is_public

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PLUGINS = sorted((ROOT / "tests" / "plugins").glob("*/autostack_*.py"))
"""Plugin packages pip-installed by the tests, written as a plugin author would."""
PACKAGES = {"autostack_core": ROOT / "autostack_core", "autostack_plugins": ROOT / "plugins",
            "autostack_web": ROOT / "web"}

CORE_IMPORTS_FRONT_OR_PLUGIN = "core imports a plugin or the dashboard"
WEB_IMPORTS_API = "dashboard imports the API"
SERVICES_IMPORT_FRONT_END = "services import a front end"
CORE_IMPORTS_API = "core module other than the app imports the API"
PLUGIN_IMPORTS_INTERNAL = "plugin imports a core module that is not public"
PLUGIN_IMPORTS_OTHER_PLUGIN = "plugin imports another plugin or the dashboard"
RULES = (CORE_IMPORTS_FRONT_OR_PLUGIN, WEB_IMPORTS_API, SERVICES_IMPORT_FRONT_END,
         CORE_IMPORTS_API, PLUGIN_IMPORTS_INTERNAL, PLUGIN_IMPORTS_OTHER_PLUGIN)

# Known violations: issue 13 in progress. Each is (rule, importing module, imported module);
# remove an entry when its import is gone (the test says which), never add one.
KNOWN_VIOLATIONS: frozenset[tuple[str, str, str]] = frozenset()


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    type_only: bool


def module_files(packages: dict[str, Path]) -> dict[str, Path]:
    """Every module of ``packages`` by its import name."""
    found: dict[str, Path] = {}
    for package, folder in packages.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if "node_modules" in parts or "__pycache__" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_nodes(tree: ast.AST, type_only: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every import statement with whether it sits under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, type_only
        elif isinstance(node, ast.If) and is_type_checking(node.test):
            yield from import_nodes(ast.Module(body=node.body, type_ignores=[]), True)
            yield from import_nodes(ast.Module(body=node.orelse, type_ignores=[]), type_only)
        else:
            yield from import_nodes(node, type_only)


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    """The imports of our own packages that module ``name`` (at ``path``) makes."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node, type_only in import_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            assert isinstance(node, ast.ImportFrom)
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        for target in targets:
            if target.split(".")[0] in PACKAGES:
                yield Import(name, target, type_only)


def all_imports() -> list[Import]:
    modules = module_files(PACKAGES)
    return [found for name, path in sorted(modules.items())
            for found in imports_of(name, path, modules)]


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def plugin_unit(module: str) -> str:
    """The plugin owning ``module``, or ``helpers of <family>`` for a family's shared module."""
    for plugin in DEFAULT_PLUGINS:
        owner = plugin.rpartition(".")[0] if plugin.count(".") > 2 else plugin
        if within(module, owner):
            return owner
    return "helpers of " + ".".join(module.split(".")[:2])


def broken_rules(found: Import) -> Iterator[str]:
    importer, imported = found.importer, found.imported
    if within(importer, "autostack_core"):
        if within(imported, "autostack_plugins") or within(imported, "autostack_web"):
            yield CORE_IMPORTS_FRONT_OR_PLUGIN
        if within(importer, "autostack_core.services") and any(
                within(imported, front) for front in ("autostack_core.api", "autostack_core.cli")):
            yield SERVICES_IMPORT_FRONT_END
        elif within(imported, "autostack_core.api") and not (
                within(importer, "autostack_core.api") or importer == "autostack_core.app"):
            yield CORE_IMPORTS_API
    elif within(importer, "autostack_web"):
        if within(imported, "autostack_core.api"):
            yield WEB_IMPORTS_API
    elif within(importer, "autostack_plugins"):
        if within(imported, "autostack_core") and not is_public(imported, found.type_only):
            yield PLUGIN_IMPORTS_INTERNAL
        if within(imported, "autostack_web"):
            yield PLUGIN_IMPORTS_OTHER_PLUGIN
        elif within(imported, "autostack_plugins") and imported != "autostack_plugins":
            owner, unit = plugin_unit(importer), plugin_unit(imported)
            family = "helpers of " + ".".join(importer.split(".")[:2])
            if unit not in (owner, family):
                yield PLUGIN_IMPORTS_OTHER_PLUGIN


def violations() -> set[tuple[str, str, str]]:
    return {(rule, found.importer, found.imported)
            for found in all_imports() for rule in broken_rules(found)}


@pytest.fixture(scope="module")
def found() -> set[tuple[str, str, str]]:
    return violations()


@pytest.mark.parametrize("rule", RULES)
def test_no_new_violations(found: set[tuple[str, str, str]], rule: str) -> None:
    new = sorted(f"{importer} imports {imported}" for name, importer, imported in found
                 if name == rule and (name, importer, imported) not in KNOWN_VIOLATIONS)
    assert not new, f"{rule}:\n" + "\n".join(new)


def test_known_violations_are_not_stale(found: set[tuple[str, str, str]]) -> None:
    gone = sorted(KNOWN_VIOLATIONS - found)
    assert not gone, "fixed, remove from KNOWN_VIOLATIONS:\n" + "\n".join(map(str, gone))


@pytest.mark.parametrize("path", EXAMPLE_PLUGINS, ids=lambda path: path.stem)
def test_example_plugins_import_only_the_public_core(path: Path) -> None:
    """A pip-installed plugin is held to rule 3 like a built-in one."""
    outside = [found.imported
               for found in imports_of(path.stem, path, module_files(PACKAGES))
               if not within(found.imported, "autostack_core")
               or not is_public(found.imported, found.type_only)]
    assert not outside, f"{path.stem} imports {outside}"


def test_the_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The reader finds imports at the top, in functions and under TYPE_CHECKING, resolves
    relative ones and names submodules, so a rule cannot pass by not seeing an import."""
    (tmp_path / "autostack_plugins" / "builders").mkdir(parents=True)
    (tmp_path / "autostack_plugins" / "__init__.py").write_text("")
    (tmp_path / "autostack_plugins" / "builders" / "__init__.py").write_text("")
    (tmp_path / "autostack_plugins" / "builders" / "steps.py").write_text("")
    module = tmp_path / "autostack_plugins" / "builders" / "node.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import steps\n"
        "from autostack_core import hookimpl\n"
        "if TYPE_CHECKING:\n    from autostack_core.app import AutoStack\n"
        "def build():\n    import autostack_core.infrastructure.store\n"
    )
    modules = module_files({"autostack_plugins": tmp_path / "autostack_plugins"})
    seen = set(imports_of("autostack_plugins.builders.node", module, modules))
    assert {(item.imported, item.type_only) for item in seen} == {
        ("autostack_plugins.builders.steps", False), ("autostack_core", False),
        ("autostack_core.app", True), ("autostack_core.infrastructure.store", False)}
    rules = {item.imported: list(broken_rules(item)) for item in seen}
    assert rules == {"autostack_plugins.builders.steps": [], "autostack_core": [],
                     "autostack_core.app": [],
                     "autostack_core.infrastructure.store": [PLUGIN_IMPORTS_INTERNAL]}


def test_a_plugin_importing_another_plugin_breaks_the_rule() -> None:
    """Another builder, or a detector, is another plugin; the family's shared helpers and
    the plugin's own package are not. The API is the app's to mount, no one else's."""
    def rules(importer: str, imported: str) -> list[str]:
        return list(broken_rules(Import(importer, imported, False)))

    assert rules("autostack_plugins.builders.node", "autostack_plugins.builders.static") == [
        PLUGIN_IMPORTS_OTHER_PLUGIN]
    assert rules("autostack_plugins.builders.node",
                 "autostack_plugins.detectors.package_managers") == [PLUGIN_IMPORTS_OTHER_PLUGIN]
    assert rules("autostack_plugins.builders.node", "autostack_plugins.builders.steps") == []
    assert rules("autostack_plugins.providers.local.plugin",
                 "autostack_plugins.providers.local.edge") == []
    assert rules("autostack_web.teams", "autostack_core.api.deps") == [WEB_IMPORTS_API]
    assert rules("autostack_core.git.gitserver", "autostack_core.api.deps") == [CORE_IMPORTS_API]
    assert rules("autostack_core.app", "autostack_core.api") == []
