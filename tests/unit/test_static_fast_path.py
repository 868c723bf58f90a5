"""The static fast path: a site with nothing to build reaches the store without a sandbox.

Uploads go through the real pipeline (store, detection, the static builder) onto the
null pair. The fast path must keep what the sandboxed path guarantees: a build that
does run never writes into the store through the upload's links, routing files and
names are still checked by the builder, and the alias still moves to the new output.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from autostack_core.app import AutoStack
from autostack_core.build import pipeline_steps, user_file_writes
from autostack_core.build.sandbox import nothing_to_build
from autostack_core.infrastructure import store as store_module
from autostack_core.infrastructure.models import Deployment, DeploymentLog, Project
from autostack_core.infrastructure.store import Store
from autostack_core.interfaces import BuildContext, Detection
from autostack_plugins.builders import functions as static_functions
from tests.fixtures_auth import owner
from tests.null_pair import autostack, site
from tests.upload_deploy import deploy_files

__all__ = ["autostack", "owner", "site"]


async def log_lines(deployment: Deployment) -> list[str]:
    return [row.line for row in
            await DeploymentLog.filter(deployment_id=deployment.id).order_by("id")]


def stored(app: AutoStack, deployment: Deployment) -> dict[str, bytes]:
    store = Store(app.settings.path("store"))
    manifest = store.load_manifest(deployment.output_manifest_hash or "")
    return {path: store.object_path(entry["sha256"]).read_bytes()
            for path, entry in manifest["files"].items()}


@pytest.mark.dbless
def test_only_a_static_site_without_commands_or_steps_has_nothing_to_build() -> None:
    plain = Detection(framework="static", name="Static", runtime="static", confidence=1)
    assert nothing_to_build(plain, [])
    assert not nothing_to_build(replace(plain, build_command="make"), [])
    assert not nothing_to_build(replace(plain, install_command="npm ci"), [])
    assert not nothing_to_build(replace(plain, runtime="node"), [])
    assert not nothing_to_build(plain, [{"kind": "test", "command": "true"}])


async def test_an_upload_with_nothing_to_build_is_stored_unread_and_without_a_sandbox(
    autostack: AutoStack, site: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[str] = []
    real_hash = store_module._sha256_of

    def recording_hash(path: Path) -> str:
        hashed.append(path.name)
        return real_hash(path)

    def no_sandbox(*args: object, **kwargs: object) -> None:
        raise AssertionError("a sandbox was started for a site with nothing to build")

    monkeypatch.setattr(store_module, "_sha256_of", recording_hash)
    monkeypatch.setattr(pipeline_steps, "Sandbox", no_sandbox)
    files = {"index.html": "<h1>v1</h1>", "assets/app.css": "body{}", "_headers":
             "/*\n  X-Frame-Options: DENY\n"}
    deployment = await deploy_files(autostack, site, files)
    assert deployment.state == "ready", deployment.error_message
    assert any(line.startswith("Nothing to build") for line in await log_lines(deployment))
    output = stored(autostack, deployment)
    assert output["static/index.html"] == b"<h1>v1</h1>"
    assert "static/_headers" not in output  # routing files are read, not served
    assert b"X-Frame-Options" in output["config.json"]
    hashed_after_upload = hashed[hashed.index("config.json"):] if "config.json" in hashed \
        else hashed
    # Only the generated config.json was read to be stored: the uploaded files were linked.
    assert set(hashed_after_upload) <= {"config.json"}, hashed


async def test_a_build_command_gets_private_copies_and_never_writes_into_the_store(
    autostack: AutoStack, site: Project
) -> None:
    first = await deploy_files(autostack, site, {"index.html": "<h1>v1</h1>"})
    assert first.state == "ready", first.error_message
    original = stored(autostack, first)["static/index.html"]
    built = await deploy_files(autostack, site, {
        "index.html": "<h1>v1</h1>",
        "autostack.json": '{"buildCommand": "echo changed >> index.html", '
                          '"outputDirectory": "."}',
    })
    assert built.state == "ready", built.error_message
    assert stored(autostack, built)["static/index.html"] == b"<h1>v1</h1>changed\n"
    # The first deployment's object (the same content the build started from) is intact.
    assert stored(autostack, first)["static/index.html"] == original == b"<h1>v1</h1>"


async def test_a_broken_headers_file_and_an_oversized_output_still_fail_on_the_fast_path(
    autostack: AutoStack, site: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = await deploy_files(autostack, site, {"index.html": "<h1>v1</h1>",
                                                  "_headers": "no path above this line\n"})
    assert broken.state == "error"
    assert "_headers line 1" in (broken.error_message or "")
    monkeypatch.setattr(autostack, "settings",
                        replace(autostack.settings, max_deployment_bytes=100))
    large = await deploy_files(autostack, site, {"index.html": "x" * 200})
    assert large.state == "error"
    assert "size limit of 100 bytes" in (large.error_message or "")
    # Install and build passed (saved with the failure), the store refused the output.
    statuses = {step["id"]: step["status"] for step in (large.pipeline or {})["steps"]}
    assert statuses["install"] == statuses["build"] == "passed"
    assert statuses["deploy"] == "pending"


async def test_a_command_on_the_fast_path_gets_private_copies_and_a_sandbox(
    autostack: AutoStack, site: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A static site whose builder still runs a command (a root ``middleware.js`` is
    bundled with esbuild; here a stand-in step that writes into the workspace) is built:
    the command runs in a sandbox on private copies, never through the store's links."""

    async def middleware_step(context: BuildContext) -> None:
        assert await context.run("echo bundled >> index.html") == 0
        user_file_writes.copy_file(context.workspace, "index.html", context.output_dir,
                                   "static/bundled.html")

    monkeypatch.setattr(static_functions, "build_middleware", middleware_step)
    built = await deploy_files(autostack, site, {"index.html": "<h1>mw</h1>"})
    assert built.state == "ready", built.error_message
    lines = await log_lines(built)
    assert any("copied out of the store and built in a sandbox" in line for line in lines)
    output = stored(autostack, built)
    assert output["static/bundled.html"] == b"<h1>mw</h1>bundled\n"
    # The uploaded file's store object (what the workspace was linked to) is intact.
    uploaded = hashlib.sha256(b"<h1>mw</h1>").hexdigest()
    assert Store(autostack.settings.path("store")).object_path(uploaded).read_bytes() \
        == output["static/index.html"] == b"<h1>mw</h1>"


async def test_the_deploy_step_moves_the_stored_output_instead_of_linking_it_again(
    autostack: AutoStack, site: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved: list[bool] = []
    real_move = store_module._move_into_place

    def recording_move(folder: Path, dest: Path) -> bool:
        moved.append(real_move(folder, dest))
        return moved[-1]

    monkeypatch.setattr(store_module, "_move_into_place", recording_move)
    deployment = await deploy_files(autostack, site, {"index.html": "<h1>moved</h1>",
                                                      "assets/app.css": "body{}"})
    assert deployment.state == "ready", deployment.error_message
    assert moved == [True]
    published = autostack.runtimes["null"].published[  # type: ignore[attr-defined]
        f"null:{deployment.output_manifest_hash}"]
    assert published.files == stored(autostack, deployment)
    # A command ran: nothing was left laid out, the output is linked from the store.
    built = await deploy_files(autostack, site, {
        "index.html": "<h1>v1</h1>",
        "autostack.json": '{"buildCommand": "echo built >> index.html", '
                          '"outputDirectory": "."}'})
    assert built.state == "ready", built.error_message
    assert moved == [True, False]
    assert autostack.runtimes["null"].published[  # type: ignore[attr-defined]
        f"null:{built.output_manifest_hash}"].files == stored(autostack, built)
