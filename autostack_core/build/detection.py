"""Framework detection: ask every detector plugin, pick the best, apply overrides.

The order of authority, lowest first: what the detectors recognise (highest
confidence wins, ties broken by framework slug, never by plugin order), then
``netlify.toml``, ``vercel.json`` and ``autostack.json``/``autostack.toml``,
then the user's project settings. Every override adds a reason naming the file
or setting that decided, so ``autostack detect`` can explain itself.

Monorepo workspaces are listed by :mod:`autostack_core.build.workspaces`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pluggy

from autostack_core.interfaces import Detection, Language, SourceTree
from autostack_core.utils import await_me_maybe

if TYPE_CHECKING:
    from autostack_core.infrastructure.models import Project

#: The keys a user (or a config file) may override, as stored in project settings.
OVERRIDE_KEYS: tuple[str, ...] = (
    "framework",
    "install_command",
    "build_command",
    "output_directory",
    "start_command",
    "dev_command",
    "root_directory",
    "node_version",
)

_COMMAND_FIELDS = (
    "install_command",
    "build_command",
    "output_directory",
    "start_command",
    "dev_command",
)

_LABELS = {
    "framework": "framework",
    "install_command": "install command",
    "build_command": "build command",
    "output_directory": "output directory",
    "start_command": "start command",
    "dev_command": "dev command",
    "root_directory": "root directory",
    "node_version": "Node.js version",
}

# Vercel slugs whose AutoStack name differs.
_FRAMEWORK_ALIASES = {"sveltekit-1": "sveltekit", "nuxt": "nuxtjs", "next": "nextjs"}


class DetectionError(ValueError):
    """A setting points detection at something that is not there."""


@dataclass(frozen=True)
class Setting:
    """One overriding value and where it came from.

    ``value`` None means the setting is explicitly empty: "no build step".
    """

    key: str
    value: str | None
    source: str


# ---------------------------------------------------------------------------
# Detectors
# ---------------------------------------------------------------------------


def _ranking(detection: Detection) -> tuple[float, str, str]:
    return (-detection.confidence, detection.framework, detection.detector)


def known_frameworks(plugin_manager: pluggy.PluginManager, settings: Any) -> list[str]:
    """Every framework slug a detector can name, and Vercel's aliases of them, sorted."""
    slugs = {slug for listed in plugin_manager.hook.framework_slugs(settings=settings)
             for slug in listed}
    slugs |= {alias for alias, slug in _FRAMEWORK_ALIASES.items() if slug in slugs}
    return sorted(slugs)


async def detect_all(
    tree: SourceTree, plugin_manager: pluggy.PluginManager, settings: Any
) -> list[Detection]:
    """Every detector's answer for ``tree``, best first."""
    results = plugin_manager.hook.detect_framework(tree=tree, settings=settings)
    found: list[Detection] = []
    for result in results:
        value = await await_me_maybe(result)
        if isinstance(value, Mapping):
            value = Detection.from_dict(value)
        if isinstance(value, Detection):
            found.append(value)
    return sorted(found, key=_ranking)


# ---------------------------------------------------------------------------
# Config files
# ---------------------------------------------------------------------------


def _text_setting(key: str, value: Any, source: str) -> Setting | None:
    """A setting from a config value: strings as they are, "" or null as "none"."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | type(None)):
        return None
    if value is None or str(value).strip() == "":
        return Setting(key, None, source) if key != "framework" else None
    text = str(value).strip()
    if key == "framework":
        text = _FRAMEWORK_ALIASES.get(text, text)
    return Setting(key, text, source)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _autostack_settings(data: Mapping[str, Any], filename: str) -> list[Setting]:
    found = []
    for key in OVERRIDE_KEYS:
        for spelling in (key, _camel(key)):
            if spelling in data:
                setting = _text_setting(key, data[spelling], f"`{filename}` (`{spelling}`)")
                if setting is not None:
                    found.append(setting)
                break
    return found


def _read_json(tree: SourceTree, path: str) -> dict[str, Any] | None:
    text = tree.read_text(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise DetectionError(f"`{path}` is not valid JSON: {error}") from error
    return data if isinstance(data, dict) else None


def _read_toml(tree: SourceTree, path: str) -> dict[str, Any] | None:
    text = tree.read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DetectionError(f"`{path}` is not valid TOML: {error}") from error


def _vercel_settings(tree: SourceTree) -> list[Setting]:
    data = _read_json(tree, "vercel.json")
    if data is None:
        return []
    mapping = {
        "framework": "framework",
        "installCommand": "install_command",
        "buildCommand": "build_command",
        "outputDirectory": "output_directory",
        "devCommand": "dev_command",
    }
    found = []
    for spelling, key in mapping.items():
        if spelling in data:
            setting = _text_setting(key, data[spelling], f"`vercel.json` (`{spelling}`)")
            if setting is not None:
                found.append(setting)
    return found


def _netlify_settings(tree: SourceTree) -> list[Setting]:
    data = _read_toml(tree, "netlify.toml")
    build = data.get("build") if data else None
    if not isinstance(build, dict):
        return []
    found = []
    base = str(build.get("base") or "").strip().strip("/")
    if base and base != ".":
        found.append(Setting("root_directory", base, "`netlify.toml` (`[build] base`)"))
    if "command" in build:
        setting = _text_setting("build_command", build["command"],
                                "`netlify.toml` (`[build] command`)")
        if setting is not None:
            found.append(setting)
    publish = build.get("publish")
    if isinstance(publish, str) and publish.strip():
        # Netlify resolves publish relative to base; AutoStack's is relative to the root dir.
        relative = publish.strip().strip("/").removeprefix("./")
        if base and relative.startswith(base + "/"):
            relative = relative.removeprefix(base + "/")
        found.append(Setting("output_directory", relative or ".",
                             "`netlify.toml` (`[build] publish`)"))
    environment = build.get("environment")
    if isinstance(environment, dict) and environment.get("NODE_VERSION"):
        found.append(Setting("node_version", str(environment["NODE_VERSION"]),
                             "`netlify.toml` (`[build.environment] NODE_VERSION`)"))
    return found


def config_file_settings(tree: SourceTree) -> list[Setting]:
    """Overrides from the config files of ``tree``, lowest authority first."""
    found = _netlify_settings(tree) + _vercel_settings(tree)
    autostack_toml = _read_toml(tree, "autostack.toml")
    if autostack_toml is not None:
        found += _autostack_settings(autostack_toml, "autostack.toml")
    autostack_json = _read_json(tree, "autostack.json")
    if autostack_json is not None:
        found += _autostack_settings(autostack_json, "autostack.json")
    return found


PROJECT_OVERRIDE_FIELDS = (
    "framework", "install_command", "build_command", "output_directory", "start_command",
    "dev_command", "node_version",
)
"""The project settings that override detection (the others are not about building)."""


def project_overrides(project: Project) -> dict[str, Any]:
    """The project's overriding settings that are set."""
    return {name: getattr(project, name) for name in PROJECT_OVERRIDE_FIELDS
            if getattr(project, name)}


def project_settings(project_overrides: Mapping[str, Any] | None) -> list[Setting]:
    """The user's project settings as overrides; unset (None) keys are skipped."""
    found = []
    for key in OVERRIDE_KEYS:
        value = (project_overrides or {}).get(key)
        if value is None:
            continue
        setting = _text_setting(key, value, f"project settings (`{key}`)")
        if setting is not None:
            found.append(setting)
    return found


# ---------------------------------------------------------------------------
# Putting it together
# ---------------------------------------------------------------------------


def _last(settings: list[Setting], key: str) -> Setting | None:
    return next((setting for setting in reversed(settings) if setting.key == key), None)


def resolve_root_directory(
    tree: SourceTree, project_overrides: Mapping[str, Any] | None = None
) -> Setting | None:
    """The root directory the project builds from and who chose it, or None for the root."""
    chosen = _last(config_file_settings(tree) + project_settings(project_overrides),
                   "root_directory")
    if chosen is None or chosen.value in (None, ".", ""):
        return None
    return chosen


def _fallback_detection(tree: SourceTree, framework: str, settings: list[Setting]) -> Detection:
    """A detection built from overrides alone, when no detector recognised the tree."""
    runtime: Language = "static"
    if _last(settings, "start_command") is not None:
        runtime = "node" if tree.exists("package.json") else "python"
    return Detection(framework=framework, name=framework, runtime=runtime, confidence=0.0,
                     detector="autostack_core.build.detection")


def apply_overrides(
    tree: SourceTree, candidates: list[Detection], settings: list[Setting]
) -> Detection | None:
    """The best candidate changed by ``settings`` (lowest authority first)."""
    winner = candidates[0] if candidates else None
    framework = _last(settings, "framework")
    if framework is not None and framework.value is not None:
        chosen = next((d for d in candidates if d.framework == framework.value), None)
        if chosen is not None:
            winner = replace(chosen, reasons=list(chosen.reasons))
            winner.reasons.append(f"framework `{framework.value}` set by {framework.source}")
        else:
            base = winner or _fallback_detection(tree, framework.value, settings)
            winner = replace(base, framework=framework.value, name=framework.value,
                             reasons=list(base.reasons))
            winner.reasons.append(
                f"framework `{framework.value}` set by {framework.source}; no detector "
                "recognised it, so commands come from detection and settings"
            )
    elif winner is not None:
        winner = replace(winner, reasons=list(winner.reasons))
    command_settings = [s for s in settings if s.key in _COMMAND_FIELDS]
    if winner is None:
        if not command_settings:
            return None
        winner = _fallback_detection(tree, "other", settings)
        winner.name = "Other"
        winner.reasons.append("no framework recognised; using the configured commands")
    for key in _COMMAND_FIELDS:
        setting = _last(command_settings, key)
        if setting is None:
            continue
        setattr(winner, key, setting.value)
        if setting.value is None:
            winner.reasons.append(f"{_LABELS[key]}: none, as {setting.source} is empty")
        else:
            winner.reasons.append(f"{_LABELS[key]} `{setting.value}` from {setting.source}")
    node_version = _last(settings, "node_version")
    if node_version is not None and node_version.value is not None:
        winner.reasons.append(f"Node.js `{node_version.value}` requested by {node_version.source}")
    return winner


async def detect(
    tree: SourceTree,
    plugin_manager: pluggy.PluginManager,
    settings: Any,
    project_overrides: dict[str, Any] | None = None,
) -> Detection | None:
    """Detect the framework of ``tree`` and apply config-file and project overrides.

    ``tree`` is the repository root; a root directory from ``netlify.toml``,
    ``autostack.json``/``autostack.toml`` or the project settings moves
    detection into that folder, whose own config files then count too. Returns None when no
    detector recognises anything and nothing is configured.
    """
    overrides: list[Setting] = config_file_settings(tree)
    root = resolve_root_directory(tree, project_overrides)
    reasons: list[str] = []
    if root is not None and root.value is not None:
        if not tree.is_dir(root.value):
            raise DetectionError(
                f"root directory `{root.value}` from {root.source} is not a folder of the source"
            )
        tree = tree.subtree(root.value)
        overrides += [s for s in config_file_settings(tree) if s.key != "root_directory"]
        reasons.append(f"root directory `{root.value}` from {root.source}")
    overrides += project_settings(project_overrides)
    candidates = await detect_all(tree, plugin_manager, settings)
    detection = apply_overrides(tree, candidates, overrides)
    if detection is not None:
        detection.reasons.extend(reasons)
    return detection
