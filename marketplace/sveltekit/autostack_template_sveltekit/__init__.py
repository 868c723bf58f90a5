"""A SvelteKit starter (sv create's minimal template, adapter-node) as a deployment template."""

from __future__ import annotations

from pathlib import Path

from autostack_core import hookimpl
from autostack_core.interfaces import DeploymentTemplate


@hookimpl
def register_templates(settings: object) -> list[DeploymentTemplate]:
    return [
        DeploymentTemplate(
            slug="sveltekit",
            name="SvelteKit",
            description="sv create's minimal SvelteKit app with adapter-node: a Node server.",
            framework="sveltekit",
            source_dir=Path(__file__).parent / "files",
        )
    ]
