"""One row of the JavaScript framework table, and the helpers its refinements share.

A row says which packages reveal a framework, which config files confirm it,
and the commands and output directory Vercel's framework list gives it; the
node detector turns every matching row into a candidate. ``refine`` is the
step for what a config file or the project's layout changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from autostack_core.interfaces import Detection, Runtime

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
    runtime: Runtime = "static"
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
