"""A Vite + React starter (create-vite's react template), offered as a deployment template."""

from __future__ import annotations

from pathlib import Path

from autostack_core import hookimpl
from autostack_core.interfaces import DeploymentTemplate


@hookimpl
def register_templates(settings: object) -> list[DeploymentTemplate]:
    return [
        DeploymentTemplate(
            slug="vite-react",
            name="Vite + React",
            description="React with Vite's fast builds, as create-vite makes it: a static site.",
            framework="vite",
            source_dir=Path(__file__).parent / "files",
        )
    ]
