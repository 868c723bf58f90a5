"""An Astro starter (the minimal template), offered as a deployment template."""

from __future__ import annotations

from pathlib import Path

from autostack_core import hookimpl
from autostack_core.interfaces import DeploymentTemplate


@hookimpl
def register_templates(settings: object) -> list[DeploymentTemplate]:
    return [
        DeploymentTemplate(
            slug="astro",
            name="Astro",
            description="Astro's minimal starter: one page, built to a static site.",
            framework="astro",
            source_dir=Path(__file__).parent / "files",
        )
    ]
