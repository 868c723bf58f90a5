"""A Flask starter, offered as a deployment template."""

from __future__ import annotations

from pathlib import Path

from autostack_core import hookimpl
from autostack_core.interfaces import DeploymentTemplate


@hookimpl
def register_templates(settings: object) -> list[DeploymentTemplate]:
    return [
        DeploymentTemplate(
            slug="flask",
            name="Flask",
            description="Flask's quickstart app, served by Gunicorn.",
            framework="flask",
            source_dir=Path(__file__).parent / "files",
        )
    ]
