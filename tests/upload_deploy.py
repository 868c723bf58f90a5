"""Deploying files through the real pipeline in a fast test (no queue consumer runs there)."""

from __future__ import annotations

from autostack_core.app import AutoStack
from autostack_core.build.pipeline import run_deployment
from autostack_core.infrastructure.models import Deployment, Project
from autostack_core.infrastructure.store import Store
from autostack_core.services import deployments


async def deploy_files(app: AutoStack, project: Project, files: dict[str, str],
                       target: str = "production") -> Deployment:
    """An upload of ``files`` for ``target``, built and deployed by the pipeline."""
    root = app.settings.path(f"upload-{len(list(app.settings.data_dir.glob('upload-*')))}")
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    _, manifest = Store(app.settings.path("store")).put_tree(root)
    deployment = await deployments.create_deployment(
        app, project, source_type="upload", upload_manifest=manifest, target=target)
    await run_deployment(app, deployment.id)
    return await Deployment.get(id=deployment.id)
