"""Publishing a folder of files as a static site, shared by every builder that makes one.

The static builder builds plain HTML sites and every project whose build
writes a static output directory (Vite, Astro, Docusaurus, ...); the Node and
functions builders publish static sites the same way. The output follows
Vercel's Build Output API v3: the files in ``static/`` and the routes in
``config.json``, translated from ``vercel.json``, ``netlify.toml`` and the
Netlify ``_redirects``/``_headers`` files. A build that already wrote
``.vercel/output`` is published as it is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autostack_core.build import user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext, Detection

from .netlify_routes import from_headers_file, from_netlify_toml, from_redirects_file
from .routes_config import (
    RouteConfigError,
    RouteSet,
    build_config,
    from_vercel_json,
)
from .steps import publish, write_json

BUILD_OUTPUT = Path(".vercel") / "output"
# Routing files are read, not served.
ROUTING_FILES = {"_redirects", "_headers"}
PROJECT_FILES = {"vercel.json", "netlify.toml", "package.json", "package-lock.json"}
# Vercel's "Other" preset (a build command, no framework): where builds usually write.
OTHER = "other"
OTHER_OUTPUTS = ("dist", "build", "public", "out")


def builds_static_site(detection: Detection) -> bool:
    """Whether the detection ends as static files (no long-running server)."""
    if detection.runtime == "static":
        return True
    return detection.output_directory is not None and not detection.start_command


async def build_static_site(context: BuildContext) -> None:
    """Run the install and build commands, then publish the output folder with its routes."""
    detection = context.detection
    for step, command in (
        ("install", detection.install_command),
        ("build", detection.build_command),
    ):
        if command:
            code = await context.run(command, step=step)
            if code != 0:
                raise BuildError(f"{step} command `{command}` exited with code {code}")
    if await publish_prebuilt(context):
        return
    relative, at_root = await _chosen_output(context)
    source = context.workspace / relative
    static = context.output_dir / "static"
    await publish(context, relative, "static", _ignore(source, at_root))
    files = published_files(static)
    rules = project_rules(context.workspace, relative)
    for warning in rules.warnings:
        await context.log(f"warning: {warning}")
    config = build_config(rules, files=files, spa_fallback=detection.spa_fallback)
    write_json(context.output_dir, "config.json", config)
    shown = "the project root" if at_root else f"{relative}/"
    await context.log(
        f"published {len(files)} files from {shown} with {len(config['routes'])} routes"
    )


def published_files(static: Path) -> list[str]:
    """The paths of the files (and links but to folders) beneath ``static``, relative to it,
    found without following links; read with :func:`os.walk`: ``Path.rglob`` made a
    :class:`Path` and a ``stat`` per file, 2-4 ms of a 200-file site's build."""
    found: list[str] = []
    for folder, _, names in os.walk(static):
        relative = os.path.relpath(folder, static)
        prefix = "" if relative == "." else f"{relative}/"
        found += [prefix + name for name in names]
    return found


async def _chosen_output(context: BuildContext) -> tuple[str, bool]:
    """The folder to publish: the configured one, or for the "Other" preset the usual ones."""
    detection = context.detection
    if detection.framework != OTHER or detection.output_directory is not None:
        return _output_folder(context.workspace, detection.output_directory)
    found = next((name for name in OTHER_OUTPUTS if user_files.is_dir(context.workspace, name)),
                 None)
    if found is not None:
        await context.log(f"output directory: `{found}/`, the first of "
                          f"{', '.join(OTHER_OUTPUTS)} the build wrote")
        return found, False
    if user_files.is_file(context.workspace, "index.html"):
        await context.log(f"output directory: the project root (it has index.html; the build "
                          f"wrote none of {', '.join(OTHER_OUTPUTS)})")
        return ".", True
    raise BuildError(
        f"the build wrote none of the output directories {', '.join(OTHER_OUTPUTS)} and the "
        "project has no index.html; make the build script write one of them, or set the "
        "output directory in the project settings"
    )


def _output_folder(workspace: Path, output_directory: str | None) -> tuple[str, bool]:
    """The folder to publish (relative to the workspace) and whether it is the project root."""
    relative = (output_directory or ".").strip().removeprefix("./").rstrip("/")
    if relative in ("", "."):
        return ".", True
    try:
        user_files.check_relative(relative)
    except ValueError as exc:
        raise BuildError(f"output directory: {exc}") from None
    if not user_files.is_dir(workspace, relative):
        raise BuildError(
            f"output directory '{relative}' does not exist after the build; "
            "check the build command or set the output directory in the project settings"
        )
    return relative, False


async def publish_prebuilt(context: BuildContext) -> bool:
    """Publish ``.vercel/output`` as it is when the build wrote one; whether it did."""
    if not user_files.is_file(context.workspace, f"{BUILD_OUTPUT}/config.json"):
        return False
    await context.log(f"using the Build Output API v3 folder {BUILD_OUTPUT} as is")
    await publish(context, BUILD_OUTPUT.as_posix(), ".")
    return True


def _ignore(source: Path, at_root: bool) -> Callable[[str, list[str]], set[str]]:
    """What not to publish: routing files, and at the project root dotfiles
    (but ``.well-known``), ``node_modules`` and the project's config files."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped: set[str] = set()
        if at_root:
            skipped |= {n for n in names if n.startswith(".") and n != ".well-known"}
            skipped |= {"node_modules"} & set(names)
        if Path(folder) == source:
            skipped |= (ROUTING_FILES | (PROJECT_FILES if at_root else set())) & set(names)
        return skipped

    return ignore


def project_rules(workspace: Path, published: str = ".") -> RouteSet:
    """Routing rules from the project's files: vercel.json, netlify.toml, _redirects, _headers.

    ``published`` is the folder whose ``_redirects`` and ``_headers`` count. Each
    file is read inside the workspace only (a link leaving it is an error).
    """
    folder = "" if published == "." else f"{published}/"
    rules = RouteSet()
    try:
        vercel = user_files.read_text(workspace, "vercel.json")
        if vercel is not None:
            rules += from_vercel_json(_json_object("vercel.json", vercel))
        netlify = user_files.read_text(workspace, "netlify.toml")
        if netlify is not None:
            rules += from_netlify_toml(netlify)
        redirects = user_files.read_text(workspace, f"{folder}_redirects")
        if redirects is not None:
            rules += from_redirects_file(redirects)
        headers = user_files.read_text(workspace, f"{folder}_headers")
        if headers is not None:
            rules += from_headers_file(headers)
    except RouteConfigError as exc:
        raise BuildError(str(exc)) from None
    return rules


def _json_object(name: str, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        # json's messages give the position, never the text: safe to show.
        raise BuildError(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BuildError(f"{name} must hold a JSON object")
    return data
