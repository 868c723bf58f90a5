"""The Dockerfile builder: a clear error on a runtime without images, an OCI layout for scratch."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext, Detection
from autostack_plugins.builders.dockerfile import DockerfileBuilder, base_images, parse_dockerfile

pytestmark = pytest.mark.dbless

DETECTION = Detection(framework="docker", name="Dockerfile", runtime="docker", confidence=0.3)


def context_for(root: Path, files: dict[str, str], provider: str) -> BuildContext:
    workspace, output = root / "src", root / "out"
    for relative, text in files.items():
        (workspace / relative).parent.mkdir(parents=True, exist_ok=True)
        (workspace / relative).write_text(text)
    output.mkdir()

    async def run(command: str, step: str = "build") -> int:
        raise AssertionError("the Dockerfile builder runs no command")

    async def log(line: str) -> None:
        return None

    return BuildContext(workspace=workspace, output_dir=output, cache_dir=root / "cache",
                        detection=DETECTION, env={}, run=run, log=log, provider=provider,
                        image_runtimes=("aci", "cloudrun", "eks"))


def blob(layout: Path, descriptor: dict[str, Any]) -> bytes:
    data = (layout / "blobs" / "sha256" / descriptor["digest"].split(":")[1]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == descriptor["digest"].split(":")[1]
    assert len(data) == descriptor["size"]
    return data


async def test_the_local_runtime_needs_a_runtime_that_runs_images(tmp_path: Path) -> None:
    """The message names the installed runtimes that accept images, or says none is."""
    context = context_for(tmp_path, {"Dockerfile": "FROM node:20\n"}, "local")
    with pytest.raises(BuildError,
                       match=r"runs images \(installed: aci, cloudrun, eks\); the `local` "):
        await DockerfileBuilder().build(context)
    context.image_runtimes = ()
    with pytest.raises(BuildError, match=r"none is installed"):
        await DockerfileBuilder().build(context)


async def test_from_scratch_becomes_an_oci_image_layout(tmp_path: Path) -> None:
    context = context_for(tmp_path, {
        "Dockerfile": ("# a static binary and its assets\nFROM scratch\nWORKDIR /app\n"
                       "COPY server ./\nCOPY public/ ./public/\n"
                       'ENV PORT=8080 MODE="two words"\nEXPOSE 8080\n'
                       'LABEL org.example.team=web\nENTRYPOINT ["./server", \\\n  "--serve"]\n'),
        "server": "#!binary", "public/index.html": "<h1>hi</h1>", "public/a/b.css": "b{}"},
        "eks")
    await DockerfileBuilder().build(context)
    info = json.loads((context.output_dir / "image.json").read_text())
    assert info["format"] == "oci-layout" and info["base"] == "scratch"
    layout = context.output_dir / "image"
    assert json.loads((layout / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    (descriptor,) = json.loads((layout / "index.json").read_text())["manifests"]
    assert descriptor["digest"] == info["digest"]
    manifest = json.loads(blob(layout, descriptor))
    config = json.loads(blob(layout, manifest["config"]))
    assert config["config"]["Entrypoint"] == ["./server", "--serve"]
    assert config["config"]["WorkingDir"] == "/app"
    assert config["config"]["Env"] == ["PORT=8080", "MODE=two words"]
    assert config["config"]["ExposedPorts"] == {"8080/tcp": {}}
    layer = blob(layout, manifest["layers"][0])
    assert config["rootfs"]["diff_ids"] == [manifest["layers"][0]["digest"]]
    with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
        names = tar.getnames()
        page = tar.extractfile("app/public/index.html")
        assert page is not None and page.read() == b"<h1>hi</h1>"
    assert {"app/server", "app/public/a/b.css", "app/public/a"} <= set(names)


async def test_the_same_files_give_the_same_digest(tmp_path: Path) -> None:
    files = {"Dockerfile": "FROM scratch\nCOPY . /site\nCMD serve\n", "index.html": "hi"}
    digests = []
    for run in ("one", "two"):
        context = context_for(tmp_path / run, files, "cloudrun")
        await DockerfileBuilder().build(context)
        digests.append(json.loads((context.output_dir / "image.json").read_text())["digest"])
    assert digests[0] == digests[1]


@pytest.mark.parametrize(("dockerfile", "message"), [
    ("FROM scratch\nRUN make\n", "`RUN` needs a container engine"),
    ("FROM scratch\nCOPY --from=build /bin/app /app\n", "not supported"),
    ("FROM scratch\nCOPY missing /x\n", "`missing` is not in the source"),
    ("FROM scratch\nADD https://example.com/a /a\n", "URL needs a container engine"),
    ("COPY . /\n", "must start with FROM"),
])
async def test_steps_that_need_an_engine_say_so(tmp_path: Path, dockerfile: str,
                                                message: str) -> None:
    context = context_for(tmp_path, {"Dockerfile": dockerfile}, "aci")
    with pytest.raises(BuildError, match=message):
        await DockerfileBuilder().build(context)


async def test_other_bases_ship_their_build_context(tmp_path: Path) -> None:
    context = context_for(tmp_path, {"Dockerfile": "FROM python:3.12\nRUN pip install x\n",
                                     "app.py": "print()", ".git/HEAD": "ref"}, "eks")
    await DockerfileBuilder().build(context)
    info = json.loads((context.output_dir / "image.json").read_text())
    assert info == {"dockerfile": "Dockerfile", "base": "python:3.12",
                    "format": "dockerfile-context"}
    assert (context.output_dir / "image" / "context" / "app.py").is_file()
    assert not (context.output_dir / "image" / "context" / ".git").exists()


def test_continuations_and_comments() -> None:
    parsed = parse_dockerfile("# c\nFROM scratch\n\nCMD [\"a\", \\\n  \"b\"]\n")
    assert [(i.keyword, i.argument, i.line) for i in parsed] == [
        ("FROM", "scratch", 2), ("CMD", '["a",  "b"]', 4)]


def test_base_images_are_the_from_lines_but_stages_scratch_and_args() -> None:
    instructions = parse_dockerfile(
        "ARG VERSION=3\nFROM --platform=linux/amd64 python:3.12 AS deps\nRUN true\n"
        "FROM deps AS build\nFROM scratch\nFROM node:${VERSION}\nFROM python:3.12\n"
        "COPY --from=build /app /app\n")
    assert base_images(instructions) == ["python:3.12"]
