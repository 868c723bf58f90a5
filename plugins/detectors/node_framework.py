"""One row of the JavaScript framework table, and the helpers its refinements share.

A row says which packages reveal a framework, which config files confirm it,
and the commands and output directory Vercel's framework list gives it; the
node detector turns every matching row into a candidate. ``refine`` is the
step for what a config file or the project's layout changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autostack_core.interfaces import Detection, Language

from .node_project import NodeProject

Refine = Callable[[NodeProject, Detection, str | None], None]

CONFIG_BONUS = 0.03


@dataclass(frozen=True)
class Framework:
    """One JavaScript framework: how to recognise, build and serve it."""

    slug: str
    name: str
    packages: tuple[str, ...]
    """Any one of these packages in package.json reveals the framework."""
    confidence: float
    build: str | None
    output: str | None
    dev: str | None
    configs: tuple[str, ...] = ()
    runtime: Language = "static"
    start: str | None = None
    spa: bool = False
    build_script: str = "build"
    dev_script: str = "dev"
    refine: Refine | None = None
    every: tuple[str, ...] = ()
    """Packages that must all be present too (Svelte's template needs ``sirv-cli``)."""
    config_required: bool = False
    """Only a project with one of ``configs`` is this framework (Sanity Studio v3)."""
    config_reveals: bool = False
    """One of ``configs`` alone reveals the framework, without its package (Blitz)."""


def config_text(project: NodeProject, config: str | None) -> str:
    """The text of ``config``, or "" when there is none."""
    return (project.tree.read_text(config) or "") if config else ""


def set_static(detection: Detection, output: str, reason: str) -> None:
    """Turn a server detection into a static site served from ``output``."""
    detection.runtime = "static"
    detection.output_directory = output
    detection.start_command = None
    detection.reasons.append(reason)


def angular_output(project: NodeProject) -> tuple[str, str] | None:
    """The browser output folder of angular.json's default application, and its name."""
    workspace = project.tree.read_json("angular.json")
    if not isinstance(workspace, dict) or not isinstance(workspace.get("projects"), dict):
        return None
    projects: dict[str, Any] = workspace["projects"]
    name = workspace.get("defaultProject")
    if name not in projects:
        applications = [k for k, v in projects.items() if v.get("projectType") == "application"]
        candidates = applications or list(projects)
        if not candidates:
            return None
        name = candidates[0]
    build = projects[name].get("architect", {}).get("build", {})
    output = build.get("options", {}).get("outputPath", f"dist/{name}")
    if isinstance(output, dict):
        base = output.get("base", f"dist/{name}")
        return f"{base}/{output.get('browser', 'browser')}".rstrip("/"), name
    # The application builder (Angular 17+) writes the browser bundle to a subfolder.
    if str(build.get("builder", "")).endswith(":application"):
        return f"{output}/browser", name
    return str(output), name


def refine_angular(project: NodeProject, detection: Detection, config: str | None) -> None:
    """The output folder angular.json gives the default project (Angular, Ionic Angular)."""
    found = angular_output(project)
    if found:
        detection.output_directory = found[0]
        detection.reasons.append(f"output `{found[0]}` of project `{found[1]}` in angular.json")
