"""A FastAPI starter, offered as a deployment template."""

from __future__ import annotations

from pathlib import Path

from autostack_core import hookimpl
from autostack_core.interfaces import DeploymentTemplate


@hookimpl
def register_templates(settings: object) -> list[DeploymentTemplate]:
    return [
        DeploymentTemplate(
            slug="fastapi",
            name="FastAPI",
            description="A FastAPI app with two JSON routes and its interactive docs.",
            framework="fastapi",
            source_dir=Path(__file__).parent / "files",
        )
    ]
