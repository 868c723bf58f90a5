"""Function launchers: one warm process serves every function of a runtime.

:func:`launcher_command` gives the shell command a provider runs (in the
deployment's folder, with ``PORT`` set) to serve all ``<path>.func`` folders
of one runtime under a Build Output ``functions/`` folder, each at ``/<path>``.
``node_functions.mjs`` follows Vercel's Node.js conventions and
``python_functions.py`` its Python ones (standard library only); both answer
500 when a function fails and write the error to stderr. ``edge_functions.mjs``
runs ``"runtime": "edge"`` functions and middleware (``docs/middleware.md``).
"""

from __future__ import annotations

import shlex
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE = "node"
PYTHON = "/usr/bin/python3"
LAUNCHERS = {"node": "node_functions.mjs", "python": "python_functions.py",
             "edge": "edge_functions.mjs"}


def launcher_file(runtime: str) -> Path:
    """The launcher script for ``runtime``: ``node``/``nodejs20.x`` or ``python``/``python3.11``."""
    family = "node" if runtime.startswith("node") else runtime.rstrip("0123456789.x")
    if family not in LAUNCHERS:
        raise ValueError(f"no function launcher for runtime {runtime!r}")
    return HERE / LAUNCHERS[family]


def launcher_command(runtime: str, functions_dir: str) -> str:
    """A shell command serving every ``runtime`` function under ``functions_dir`` on ``$PORT``."""
    script = launcher_file(runtime)
    interpreter = NODE if script.suffix == ".mjs" else f"{PYTHON} -B"
    return f"exec {interpreter} {shlex.quote(str(script))} {shlex.quote(functions_dir)}"
