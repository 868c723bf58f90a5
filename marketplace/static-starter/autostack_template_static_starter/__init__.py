"""A one-page static site, offered as a deployment template."""

from __future__ import annotations

from pathlib import Path

from autostack_core import hookimpl
from autostack_core.interfaces import DeploymentTemplate


@hookimpl
def register_templates(settings: object) -> list[DeploymentTemplate]:
    return [
        DeploymentTemplate(
            slug="static-starter",
            name="Static starter",
            description="One HTML page and a stylesheet: edit, push, done.",
            framework="static",
            source_dir=Path(__file__).parent / "site",
        )
    ]
