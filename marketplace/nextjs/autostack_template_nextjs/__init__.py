"""A Next.js starter (create-next-app's App Router template), offered as a deployment template."""

from __future__ import annotations

from pathlib import Path

from autostack_core import hookimpl
from autostack_core.interfaces import DeploymentTemplate


@hookimpl
def register_templates(settings: object) -> list[DeploymentTemplate]:
    return [
        DeploymentTemplate(
            slug="nextjs",
            name="Next.js",
            description="The App Router starter create-next-app makes, served by Next.js itself.",
            framework="nextjs",
            source_dir=Path(__file__).parent / "files",
        )
    ]
