"""An Express starter, offered as a deployment template."""

from __future__ import annotations

from pathlib import Path

from autostack_core import hookimpl
from autostack_core.interfaces import DeploymentTemplate


@hookimpl
def register_templates(settings: object) -> list[DeploymentTemplate]:
    return [
        DeploymentTemplate(
            slug="express",
            name="Express",
            description="An Express 5 server with a static page and a JSON route.",
            framework="express",
            source_dir=Path(__file__).parent / "files",
        )
    ]
