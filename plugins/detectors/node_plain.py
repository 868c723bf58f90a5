"""Node projects without a framework: Vercel's ``node``, ``bun`` and "Other" presets.

Vercel recognises a server by its entry file alone (``server.js``, ``src/server.ts``
and their siblings; an ``index`` file when it starts a server); a ``start``
script counts too, as it always has here.
A Bun project (``bun.lock``, ``bun.lockb``, ``"packageManager": "bun@..."`` or
``bunfig.toml``) with such an entry is a Bun server (Vercel's ``bun`` preset),
run by Bun, which runs TypeScript itself.

A ``package.json`` with a ``build`` script and nothing else AutoStack knows is
Vercel's "Other" preset: the script runs, and the builder publishes the first
of the usual output folders the build wrote (``dist``, ``build``, ``public``,
``out``).
"""

from __future__ import annotations

import re

from autostack_core.interfaces import Detection

from .node_project import NodeProject
from .node_servers import TYPESCRIPT, bun_evidence, typescript_start

DETECTOR = "autostack_plugins.detectors.node"

NODE_CONFIDENCE = 0.4
BUN_CONFIDENCE = 0.45
# Above the plain static site (0.1), so the build runs; below every recognised project.
OTHER_CONFIDENCE = 0.15

EXTENSIONS = ("cjs", "js", "mjs", "mts", "ts", "cts")
ENTRIES = tuple(f"{folder}server.{ext}" for folder in ("", "src/") for ext in EXTENSIONS)
# An ``index`` file is as often a library's: it counts when it starts a server.
INDEXES = tuple(f"{folder}index.{ext}" for folder in ("", "src/") for ext in EXTENSIONS)
SERVES = re.compile(r"\.listen\(|\bcreateServer\(|\b(?:Bun|Deno)\.serve\(|"
                    r"export\s+default\s*\{[^}]*\bfetch\b")


def _entry(project: NodeProject) -> str | None:
    """A ``server`` file, else an ``index`` file that starts a server."""
    return project.first_file(*ENTRIES) or next(
        (path for path in INDEXES if SERVES.search(project.tree.read_text(path) or "")), None)


def _node_start(project: NodeProject, entry: str | None) -> str | None:
    if "start" in project.scripts or entry is None:
        return project.script_command("start", None)
    if entry.endswith(TYPESCRIPT):
        return typescript_start(project, entry)[0]
    return f"node {entry}"


def plain_server(project: NodeProject) -> Detection | None:
    """The ``node`` (or ``bun``) preset, or None without an entry file or ``start`` script."""
    entry = _entry(project)
    if entry is None and "start" not in project.scripts:
        return None
    evidence = f"`{entry}` present" if entry else (
        f"`start` script `{project.scripts['start']}` in package.json")
    detection = Detection(
        framework="node",
        name="Node.js",
        runtime="node",
        confidence=NODE_CONFIDENCE,
        reasons=[f"Node.js server without a framework: {evidence}"],
        package_manager=project.pm.name,
        install_command=project.pm.install_command,
        build_command=project.script_command("build", None),
        start_command=_node_start(project, entry),
        dev_command=project.script_command("dev", None),
        detector=DETECTOR,
    )
    bun = bun_evidence(project)
    if entry and bun:
        detection.framework, detection.name, detection.runtime = "bun", "Bun", "bun"
        detection.confidence = BUN_CONFIDENCE
        detection.start_command = project.script_command("start", None) or f"bun {entry}"
        detection.dev_command = detection.dev_command or f"bun --watch {entry}"
        detection.reasons = [f"Bun server without a framework: `{entry}` present, {bun}"]
    return detection


# A monorepo's root builds its apps (pick one as the root directory), not a site of its own.
WORKSPACE_MARKERS = ("pnpm-workspace.yaml", "lerna.json", "turbo.json", "nx.json")


def _workspace_root(project: NodeProject) -> bool:
    return "workspaces" in project.package or any(
        project.tree.exists(marker) for marker in WORKSPACE_MARKERS)


def build_script_only(project: NodeProject) -> Detection | None:
    """Vercel's "Other" preset: a ``build`` script and no framework, or None without one."""
    if "build" not in project.scripts or _workspace_root(project):
        return None
    return Detection(
        framework="other",
        name="Other",
        runtime="static",
        confidence=OTHER_CONFIDENCE,
        reasons=[
            f"no framework recognised; `build` script `{project.scripts['build']}` in "
            "package.json (Vercel's Other preset)",
            "output directory: the first of `dist`, `build`, `public`, `out` the build writes",
        ],
        package_manager=project.pm.name,
        install_command=project.pm.install_command,
        build_command=project.script_command("build", None),
        dev_command=project.script_command("dev", None),
        detector=DETECTOR,
    )
