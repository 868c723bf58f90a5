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
        ["__init__.py", "image_launcher.py", "image_routes.py"]
    assert sorted(path.name for path in (tmp_path / "ctx" / "launchers").iterdir()) == \
        ["node_functions.mjs", "python_functions.py"]
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
    edge = context.output_dir / "functions" / "api" / "geo.func"
    edge.mkdir(parents=True)
    (edge / ".vc-config.json").write_text('{"runtime": "edge", "entrypoint": "index.js"}')
    with pytest.raises(BuildError) as refused:
        await package_output(context)
    assert "the containers runtime runs images" in str(refused.value)
    assert "functions/api/geo.func (runtime edge) cannot be packaged" in str(refused.value)


async def test_middleware_is_refused_naming_its_file(tmp_path: Path) -> None:
    """Middleware of any runtime: the launcher never calls it, so no image without it."""
    settings = Settings(data_dir=tmp_path, registry="127.0.0.1:5000",
                        package_base_image="localhost/base:1")
    context = context_for(tmp_path, settings)
    middleware = context.output_dir / "functions" / "_middleware.func"
    middleware.mkdir(parents=True)
    (middleware / ".vc-config.json").write_text('{"runtime": "edge"}')
    (context.output_dir / "config.json").write_text(json.dumps({"version": 3, "routes": [
        {"src": "^/(.*)$", "middlewarePath": "_middleware", "continue": True},
        {"handle": "filesystem"}]}))
    with pytest.raises(BuildError, match=r"functions/_middleware\.func \(middleware, runtime "
                                         r"edge\) cannot be packaged"):
        await package_output(context)
    assert (context.output_dir / "config.json").is_file(), "the output is left as it was"
