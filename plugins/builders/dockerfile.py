"""The Dockerfile builder: an OCI image for the runtimes that run images.

A Dockerfile project (detection runtime ``docker``) runs as a container, so it
needs a runtime that accepts the ``image`` output kind; on any other runtime the
build stops with a :class:`BuildError` naming the installed ones that do.

With a registry (``AUTOSTACK_REGISTRY``), any Dockerfile is built with buildah
and pushed there (:mod:`.image_build`); ``image.json`` records the image's
reference and digest, which the runtimes pull. Without one, a ``FROM scratch``
Dockerfile whose steps only copy files and set metadata (COPY, ADD of local
files, ENV, WORKDIR, EXPOSE, CMD, ENTRYPOINT, LABEL, USER) is turned into an
OCI image layout here, in ``image/`` (see :mod:`.oci_layout`). Any other
Dockerfile is shipped as its build context in ``image/context/`` for the
provider to build in its cluster (Kaniko, Cloud Build); ``image.json`` says
which of the three the output holds (``format``).
"""

from __future__ import annotations

import asyncio
import json
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from autostack_core import hookimpl
from autostack_core.build import user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext, Detection

from .image_build import ImageBuild, push_destination
from .oci_layout import ImageConfig, write_layout
from .steps import ignore_names, publish, write_json

DOCKERFILES = ("Dockerfile", "Containerfile", "dockerfile")
METADATA = {"ENV", "WORKDIR", "EXPOSE", "CMD", "ENTRYPOINT", "LABEL", "USER"}


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its upper-case keyword and the rest of the line."""

    keyword: str
    argument: str
    line: int


def parse_dockerfile(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile: comments dropped, ``\\`` continuations joined."""
    instructions: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, argument = (pending + line).strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), argument.strip(), start))
        pending = ""
    return instructions


def _exec_form(argument: str) -> list[str]:
    """CMD/ENTRYPOINT as a list: the JSON form as written, the shell form via ``/bin/sh -c``."""
    if argument.startswith("["):
        try:
            value = json.loads(argument)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(part, str) for part in value):
            return value
    return ["/bin/sh", "-c", argument]


def _pairs(argument: str) -> dict[str, str]:
    """``ENV``/``LABEL`` pairs: ``a=1 b="two words"`` or the legacy ``KEY value``."""
    words = shlex.split(argument)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words if "=" in word)


def _copy_sources(workspace: Path, argument: str, workdir: str,
                  instruction: Instruction) -> dict[str, Path]:
    """Image path -> file for one COPY/ADD of local files."""
    words = [word for word in shlex.split(argument) if not word.startswith("--chown")
             and not word.startswith("--chmod")]
    if any(word.startswith("--") for word in words) or len(words) < 2:
        raise BuildError(f"line {instruction.line}: `{instruction.keyword} {argument}` is not "
                         "supported without a container engine (only local files)")
    *sources, destination = words
    target = PurePosixPath(workdir or "/") / destination
    into_folder = destination.endswith("/") or len(sources) > 1
    files: dict[str, Path] = {}
    for source in sources:
        if "://" in source:
            raise BuildError(f"line {instruction.line}: {instruction.keyword} of a URL needs "
                             "a container engine")
        matches = sorted(workspace.glob(source.lstrip("/"))) if source not in (".", "./") \
            else [workspace]
        if not matches:
            raise BuildError(f"line {instruction.line}: `{source}` is not in the source")
        for match in matches:
            # Links are followed only inside the workspace; the tar reads the real files.
            relative = match.relative_to(workspace).as_posix()
            if user_files.is_dir(workspace, relative):
                for path in match.rglob("*"):
                    inside = PurePosixPath(path.relative_to(workspace).as_posix())
                    if ".git" not in inside.parts and user_files.is_file(workspace, inside):
                        files[str(target / path.relative_to(match).as_posix())] = \
                            user_files.resolve(workspace, inside)
            elif user_files.is_file(workspace, relative):
                name = target / match.name if into_folder else target
                files[str(name)] = user_files.resolve(workspace, relative)
            else:
                raise BuildError(f"line {instruction.line}: `{source}` is outside the source")
    return files


Image = tuple[dict[str, Path], ImageConfig]


def scratch_image(workspace: Path, instructions: list[Instruction]) -> Image:
    """The files and config of a ``FROM scratch`` image; BuildError for steps needing an engine."""
    files: dict[str, Path] = {}
    config = ImageConfig()
    for instruction in instructions[1:]:
        keyword, argument = instruction.keyword, instruction.argument
        if keyword in ("COPY", "ADD"):
            files.update(_copy_sources(workspace, argument, config.working_dir, instruction))
        elif keyword == "ENV":
            config.env.update(_pairs(argument))
        elif keyword == "LABEL":
            config.labels.update(_pairs(argument))
        elif keyword == "WORKDIR":
            config.working_dir = str(PurePosixPath(config.working_dir or "/") / argument)
        elif keyword == "EXPOSE":
            config.exposed_ports += [port if "/" in port else f"{port}/tcp"
                                     for port in argument.split()]
        elif keyword == "CMD":
            config.cmd = _exec_form(argument)
        elif keyword == "ENTRYPOINT":
            config.entrypoint = _exec_form(argument)
        elif keyword == "USER":
            config.user = argument
        else:
            raise BuildError(f"line {instruction.line}: `{keyword}` needs a container engine; "
                             "a FROM scratch image can only COPY files and set "
                             f"{', '.join(sorted(METADATA))}")
    return files, config


class DockerfileBuilder:
    """Builds Dockerfile projects into an OCI image, or ships their build context."""

    name = "dockerfile"
    priority = 50

    def can_build(self, detection: Detection) -> bool:
        return detection.runtime == "docker"

    async def build(self, context: BuildContext) -> None:
        if context.provider not in context.image_runtimes:
            raise BuildError(
                "this project builds from a Dockerfile, which needs a runtime that runs images "
                f"({installed(context.image_runtimes)}); the `{context.provider}` runtime does "
                "not. Set the project's provider to one that does, or set a framework so "
                "AutoStack builds it without Docker")
        dockerfile = next((n for n in DOCKERFILES if user_files.is_file(context.workspace, n)),
                          None)
        if dockerfile is None:
            raise BuildError("no Dockerfile at the root directory")
        instructions = parse_dockerfile(user_files.read_text(context.workspace, dockerfile) or "")
        if not instructions or instructions[0].keyword != "FROM":
            raise BuildError(f"`{dockerfile}` must start with FROM")
        base = instructions[0].argument.split()[0]
        info: dict[str, Any] = {"dockerfile": dockerfile, "base": base}
        target = await push_destination(context)
        if target is not None:
            image = await ImageBuild(context, dockerfile).run(base_images(instructions), target)
            info.update(format="registry", reference=image.reference, digest=image.digest,
                        repository=image.repository, tag=image.tag)
            await context.log(f"pushed {image.repository}:{image.tag} ({image.digest})")
        elif base == "scratch":
            files, config = scratch_image(context.workspace, instructions)
            digest = await asyncio.to_thread(write_layout, context.output_dir / "image",
                                             files, config)
            info.update(format="oci-layout", digest=digest)
            await context.log(f"OCI image {digest[:19]} with {len(files)} files in image/")
        else:
            await publish(context, ".", "image/context", ignore_names())
            info["format"] = "dockerfile-context"
            await context.log(f"`FROM {base}` needs a container engine: the build context "
                              f"goes to the {context.provider} runtime, which builds the image")
        write_json(context.output_dir, "image.json", info)


def base_images(instructions: list[Instruction]) -> list[str]:
    """The images the ``FROM`` lines name: not ``scratch``, an earlier stage, or an ``ARG``."""
    images: list[str] = []
    stages: set[str] = {"scratch"}
    for instruction in instructions:
        if instruction.keyword != "FROM":
            continue
        words = [word for word in instruction.argument.split() if not word.startswith("--")]
        if not words:
            continue
        if len(words) >= 3 and words[1].lower() == "as":
            stages.add(words[2].lower())
        if words[0].lower() not in stages and "$" not in words[0] and words[0] not in images:
            images.append(words[0])
    return images


def installed(runtimes: tuple[str, ...]) -> str:
    if runtimes:
        return "installed: " + ", ".join(runtimes)
    return "none is installed: add a runtime plugin that accepts images"


@hookimpl
def register_builders(settings: Any) -> list[DockerfileBuilder]:
    """The built-in Dockerfile builder (runtimes that run images only)."""
    return [DockerfileBuilder()]
