"""Reading a materialized build output (``docs/build-output.md``) for the local runtime.

What the edge serves (``static/`` and ``config.json`` routes) and what the
supervisor runs (``server.json`` with ``server/``, one worker per function
runtime for ``functions/<path>.func``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autostack_core.build.build_errors import BuildError
from autostack_plugins.providers.local.edge import EdgeDeployment, EdgeError
from autostack_plugins.providers.local.workload import Program

FUNCTION_RUNTIMES = {"nodejs": "node", "python": "python", "edge": "edge"}


def read_output_config(output_dir: Path) -> dict[str, Any]:
    """The Build Output ``config.json`` of ``output_dir`` (``{}`` when absent)."""
    return _read_json(output_dir / "config.json") or {}


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise EdgeError(f"{path} is not a JSON object")
    return data


def function_runtime(vc_config: dict[str, Any]) -> str:
    """``node`` or ``python`` for a ``.vc-config.json`` runtime (``nodejs20.x``, ``python3.11``)."""
    name = str(vc_config.get("runtime", ""))
    for prefix, runtime in FUNCTION_RUNTIMES.items():
        if name.startswith(prefix):
            return runtime
    raise BuildError(f"unsupported function runtime {name!r}: use nodejs*, python* or edge")


def middleware_paths(config: dict[str, Any]) -> set[str]:
    """The functions ``config.json`` routes name as ``middlewarePath`` (never served at a path)."""
    return {str(route["middlewarePath"]).strip("/") for route in config.get("routes") or []
            if isinstance(route, dict) and route.get("middlewarePath")}


def find_functions(output_dir: Path) -> dict[str, list[str]]:
    """Function paths by runtime: ``functions/api/hello.func`` serves ``/api/hello``.

    A middleware function (see :func:`middleware_paths`) needs its runtime's
    worker but is served at no path: its runtime is listed, its path is not.
    """
    root = output_dir / "functions"
    middleware = middleware_paths(read_output_config(output_dir))
    found: dict[str, list[str]] = {}
    for folder in sorted(root.rglob("*.func")) if root.is_dir() else []:
        config = _read_json(folder / ".vc-config.json") or {}
        path = folder.relative_to(root).as_posix().removesuffix(".func")
        paths = found.setdefault(function_runtime(config), [])
        if path not in middleware:
            paths.append(path)
    return found


def programs(output_dir: Path, functions: dict[str, list[str]]) -> list[Program]:
    """What a deployment runs: its server (``server.json``) and a worker per function runtime."""
    result: list[Program] = []
    server = _read_json(output_dir / "server.json")
    if server is not None:
        if not server.get("command"):
            raise BuildError("server.json has no command: set the start command")
        directory = (output_dir / str(server.get("directory") or "server")).resolve()
        if not directory.is_relative_to(output_dir.resolve()) or not directory.is_dir():
            raise BuildError(f"server.json names a missing directory: {server.get('directory')}")
        result.append(Program("server", str(server["command"]), str(directory),
                              str(server.get("health_path") or "/")))
    if functions:
        from autostack_plugins.providers import launchers  # written with the builders

        for runtime in sorted(functions):
            script = launchers.launcher_file(runtime)
            result.append(Program(f"fn-{runtime}", launchers.launcher_command(runtime, "/app"),
                                  str(output_dir / "functions"), binds=[str(script.parent)]))
    return result


def edge_deployment(deployment_id: str, output_dir: Path, hostnames: list[str],
                    server: bool = False,
                    functions: dict[str, list[str]] | None = None) -> EdgeDeployment:
    """What the edge needs to serve the output in ``output_dir`` on its own ``hostnames``."""
    static = output_dir / "static"
    if server or functions:
        static.mkdir(parents=True, exist_ok=True)
    if not static.is_dir():
        raise EdgeError(f"build output has no static/ folder: {output_dir}")
    return EdgeDeployment(
        id=deployment_id,
        root=str(static),
        hostnames=list(hostnames),
        config=read_output_config(output_dir),
        has_404_page=(static / "404.html").is_file(),
        server=server,
        functions=functions or {},
    )
