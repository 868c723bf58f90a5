"""Packaging a build output as an image: what goes into the build context, the push login,
and the errors that name the setting to change (no buildah: the e2e test builds one)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from autostack_core.build.build_errors import BuildError
from autostack_core.config import Settings
from autostack_core.interfaces import BuildContext, Detection, PushTarget
from autostack_plugins.builders.image_build import push_destination, write_auth_file
from autostack_plugins.builders.image_package import image_context, package_output

pytestmark = pytest.mark.dbless


def context_for(tmp_path: Path, settings: Settings) -> BuildContext:
    output = tmp_path / "build" / "output"
    (output / "static").mkdir(parents=True)
    (output / "static" / "index.html").write_text("hi")

    async def run(command: str, step: str = "build") -> int:
        raise AssertionError("packaging runs no sandbox command")

    async def log(line: str) -> None:
        pass

    return BuildContext(workspace=tmp_path, output_dir=output, cache_dir=tmp_path / "cache",
                        detection=Detection(framework="static", name="Static", runtime="static",
                                            confidence=1.0), env={},
                        run=run, log=log, project_name="Site", settings=settings,
                        provider="containers", image_runtimes=("containers",))


def test_the_output_moves_into_the_image_context(tmp_path: Path) -> None:
    output = tmp_path / "output"
    (output / "static").mkdir(parents=True)
    (output / "static" / "index.html").write_text("hi")
    image_context(output, tmp_path / "ctx", "localhost/base:1")
    assert list(output.iterdir()) == [], "left empty for image.json"
    assert (tmp_path / "ctx" / "output" / "static" / "index.html").read_text() == "hi"
    containerfile = (tmp_path / "ctx" / "Containerfile").read_text()
    assert containerfile.startswith("FROM localhost/base:1\n")
    assert 'CMD ["python3", "-B", "-m", "autostack_image.image_launcher"]' in containerfile
    assert "WORKDIR /autostack\n" in containerfile
    assert sorted(path.name for path in (tmp_path / "ctx" / "autostack_image").iterdir()) == \
        ["__init__.py", "image_launcher.py", "image_middleware.py", "image_routes.py"]
    assert sorted(path.name for path in (tmp_path / "ctx" / "launchers").iterdir()) == \
        ["edge_functions.mjs", "edge_modules.mjs", "edge_vercel.mjs", "node_functions.mjs",
         "python_functions.py"]
    assert "COPY launchers /autostack/launchers" in containerfile


def test_the_login_is_a_private_auth_file_for_the_registry_host(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    assert not write_auth_file(path, PushTarget("127.0.0.1:5000/site")), "no login, no file"
    assert not path.exists()
    assert write_auth_file(path, PushTarget("1234.dkr.ecr.us-east-1.amazonaws.com/a/site",
                                            "AWS", "token:with:colons"))
    auths = json.loads(path.read_text())["auths"]
    assert base64.b64decode(auths["1234.dkr.ecr.us-east-1.amazonaws.com"]["auth"]) == \
        b"AWS:token:with:colons"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_the_runtime_s_repository_wins_over_the_registry(tmp_path: Path) -> None:
    context = context_for(tmp_path, Settings(data_dir=tmp_path, registry="127.0.0.1:5000/"))
    assert await push_destination(context) == PushTarget("127.0.0.1:5000/site")

    async def ecr() -> PushTarget:
        return PushTarget("ecr.example/autostack/site", "AWS", "secret")

    context.push_target = ecr
    assert await push_destination(context) == PushTarget("ecr.example/autostack/site", "AWS",
                                                         "secret")


async def test_missing_settings_and_functions_are_named(tmp_path: Path) -> None:
    context = context_for(tmp_path, Settings(data_dir=tmp_path, registry="127.0.0.1:5000"))
    with pytest.raises(BuildError, match="AUTOSTACK_PACKAGE_BASE_IMAGE"):
        await package_output(context)
    context.settings = Settings(data_dir=tmp_path, package_base_image="localhost/base:1")
    with pytest.raises(BuildError, match="AUTOSTACK_REGISTRY"):
        await package_output(context)
    go = context.output_dir / "functions" / "api" / "geo.func"
    go.mkdir(parents=True)
    (go / ".vc-config.json").write_text('{"runtime": "go1.x", "handler": "bootstrap"}')
    with pytest.raises(BuildError) as refused:
        await package_output(context)
    assert "the containers runtime runs images" in str(refused.value)
    assert "functions/api/geo.func (runtime go1.x) cannot be packaged" in str(refused.value)


async def test_middleware_other_than_an_edge_function_is_refused(tmp_path: Path) -> None:
    """Only the edge worker runs middleware (as at the local edge): anything else is named."""
    settings = Settings(data_dir=tmp_path, registry="127.0.0.1:5000",
                        package_base_image="localhost/base:1")
    context = context_for(tmp_path, settings)
    middleware = context.output_dir / "functions" / "_middleware.func"
    middleware.mkdir(parents=True)
    (middleware / ".vc-config.json").write_text('{"runtime": "nodejs20.x"}')
    (context.output_dir / "config.json").write_text(json.dumps({"version": 3, "routes": [
        {"src": "^/(.*)$", "middlewarePath": "_middleware", "continue": True},
        {"src": "^/a$", "middlewarePath": "missing", "continue": True},
        {"handle": "filesystem"}]}))
    with pytest.raises(BuildError) as refused:
        await package_output(context)
    assert "functions/_middleware.func (middleware, runtime nodejs20.x); functions/missing.func " \
        "(middleware, runtime (none)) cannot be packaged" in str(refused.value)
    assert (context.output_dir / "config.json").is_file(), "the output is left as it was"
