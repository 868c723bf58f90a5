"""Package a build output (static files, a server app, functions) as an OCI image.

For a project whose runtime runs only images (``containers``, ``kubernetes``,
``eks``, ``cloudrun``, ``aci``) but that has no Dockerfile, the core calls the
``package_image`` hook after its builder: the output the builder wrote (Build
Output API v3 plus ``server.json``) is copied into an image on
``AUTOSTACK_PACKAGE_BASE_IMAGE`` (which must have ``python3``, and ``node`` for a
Node.js server, Node.js or edge functions and middleware), with a small
launcher (:mod:`.image_launcher`) as its command and AutoStack's function
launchers beside it. The image is
built with buildah and pushed as Dockerfile images are (:mod:`.image_build`:
the same time and memory budget, the runtime's own registry and login when it
has one), and the output becomes ``image.json``
with the image's ``reference`` and ``digest``, plus ``packaged``: what the
image holds.

Functions run in the image with the launchers the local runtime uses
(``python*``, ``nodejs*`` and ``edge``, middleware included: the launcher
calls it as the local edge does, :mod:`.image_middleware`), and
``config.json``'s routes are applied as the local edge applies them
(:mod:`.image_routes`). A function of another runtime, or middleware that is
not an ``edge`` function, fails the build naming its file and runtime rather
than becoming an image that silently drops it.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import json
import shutil
from pathlib import Path

from autostack_core import hookimpl
from autostack_core.build import user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import BuildContext

from .image_build import ImageBuild, push_destination
from .steps import write_json

LAUNCHER_PACKAGE = "autostack_image"
"""The launcher's package in the image, ``/autostack/autostack_image``."""
LAUNCHER_MODULES = ("image_launcher.py", "image_routes.py", "image_middleware.py")
FUNCTION_RUNTIMES = ("python", "nodejs", "edge")
MIDDLEWARE_RUNTIME = "edge"
FUNCTION_LAUNCHERS = ("python_functions.py", "node_functions.mjs", "edge_functions.mjs",
                      "edge_modules.mjs", "edge_vercel.mjs")
"""The local runtime's function launchers, read as files (not imported) from the
``autostack_plugins.providers.launchers`` package, which runs them in the image too."""
CONTAINERFILE = f"""FROM {{base}}
COPY output /autostack/output
COPY {LAUNCHER_PACKAGE} /autostack/{LAUNCHER_PACKAGE}
COPY launchers /autostack/launchers
WORKDIR /autostack
ENV PORT=8080 AUTOSTACK_OUTPUT=/autostack/output
EXPOSE 8080
CMD ["python3", "-B", "-m", "{LAUNCHER_PACKAGE}.image_launcher"]
"""


def packaged_kinds(output: Path) -> list[str]:
    """What an output holds, as :func:`autostack_core.services.releases.output_kinds` says."""
    kinds = []
    if (output / "static").is_dir():
        kinds.append("static")
    if (output / "server.json").is_file():
        kinds.append("server")
    if (output / "functions").is_dir():
        kinds.append("functions")
    return kinds or ["static"]


def unpackaged_functions(output: Path) -> list[str]:
    """The output's functions the image's launcher cannot run, each as ``functions/<path>.func
    (<runtime>)``: not ``python*``, ``nodejs*`` or ``edge``, or middleware (a ``config.json``
    route's ``middlewarePath``) that is not ``edge`` (or missing)."""
    config = json.loads(user_files.read_text(output, "config.json") or "{}")
    routes = config.get("routes") if isinstance(config, dict) else None
    middleware = {str(route["middlewarePath"]).strip("/") for route in
                  (routes if isinstance(routes, list) else [])
                  if isinstance(route, dict) and route.get("middlewarePath")}
    runtimes = _function_runtimes(output)
    found = [f"functions/{path}.func (middleware, runtime {runtimes.get(path) or '(none)'})"
             for path in sorted(middleware) if runtimes.get(path) != MIDDLEWARE_RUNTIME]
    found += [f"functions/{path}.func (runtime {runtime or '(none)'})"
              for path, runtime in sorted(runtimes.items())
              if path not in middleware and not runtime.startswith(FUNCTION_RUNTIMES)]
    return found


def _function_runtimes(output: Path) -> dict[str, str]:
    """The ``.vc-config.json`` runtime of every function, by its path below ``functions/``."""
    found = {}
    for config in sorted((output / "functions").rglob("*.func/.vc-config.json")):
        text = user_files.read_text(output, config.relative_to(output).as_posix())
        data = json.loads(text or "{}")
        path = config.parent.relative_to(output / "functions").as_posix().removesuffix(".func")
        found[path] = str(data.get("runtime", "")) if isinstance(data, dict) else ""
    return found


def image_context(output: Path, folder: Path, base: str) -> None:
    """Move the build output into the image's build context ``folder`` and write its
    Containerfile; ``output`` is left empty for ``image.json``."""
    folder.mkdir(parents=True)
    output.rename(folder / "output")
    output.mkdir()
    package = folder / LAUNCHER_PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text('"""AutoStack\'s launcher of a packaged output."""\n')
    for name in LAUNCHER_MODULES:
        shutil.copyfile(Path(__file__).with_name(name), package / name)
    (folder / "launchers").mkdir()
    launchers = importlib.resources.files("autostack_plugins.providers.launchers")
    for name in FUNCTION_LAUNCHERS:
        (folder / "launchers" / name).write_bytes(launchers.joinpath(name).read_bytes())
    (folder / "Containerfile").write_text(CONTAINERFILE.format(base=base))


async def package_output(context: BuildContext) -> None:
    """Replace ``context.output_dir`` with ``image.json`` naming the pushed image."""
    settings = context.settings
    kinds = packaged_kinds(context.output_dir)
    unpackaged = unpackaged_functions(context.output_dir)
    if unpackaged:
        raise BuildError(f"the {context.provider} runtime runs images, and an image runs only "
                         "python*, nodejs* and edge functions, and edge middleware: "
                         f"{'; '.join(unpackaged)} cannot be packaged. Deploy on the `local` "
                         "runtime, or add a Dockerfile")
    base = getattr(settings, "package_base_image", None)
    if not base:
        raise BuildError(f"the {context.provider} runtime runs images: set "
                         "AUTOSTACK_PACKAGE_BASE_IMAGE to an image with python3 (and node for "
                         "Node.js servers, Node.js and edge functions, middleware) to package "
                         "this build as one, or add a Dockerfile")
    target = await push_destination(context)
    if target is None:
        raise BuildError(f"the {context.provider} runtime runs images and there is no registry "
                         "to push one to: set AUTOSTACK_REGISTRY")
    folder = context.output_dir.parent / "image-package"
    await asyncio.to_thread(image_context, context.output_dir, folder, base)
    try:
        await context.log(f"packaging the {' and '.join(kinds)} output as an image on {base}")
        image = await ImageBuild(context, "Containerfile", folder).run([base], target)
    finally:
        await asyncio.to_thread(shutil.rmtree, folder, True)
    write_json(context.output_dir, "image.json", {
        "format": "registry", "packaged": kinds, "base": base, "reference": image.reference,
        "digest": image.digest, "repository": image.repository, "tag": image.tag})
    await context.log(f"pushed {image.repository}:{image.tag} ({image.digest})")


@hookimpl
async def package_image(context: BuildContext) -> None:
    """Package a build without a Dockerfile for a runtime that runs only images (unless
    another plugin packaged it already)."""
    if not (context.output_dir / "image.json").exists():
        await package_output(context)
