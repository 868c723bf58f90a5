"""The small documented interfaces that plugins implement or receive.

Detectors return a :class:`Detection`; builders and notifiers are plain
objects following the protocols below; runtimes and edges follow those of
:mod:`autostack_core.interfaces.runtime` and :mod:`autostack_core.interfaces.edge`.
Plugins never need to import anything else from the core.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from autostack_core.build import user_files

#: The language toolchain a deployment needs (a detection's ``runtime`` field).
#: ``bun``, ``go``, ``ruby`` and ``rust`` are recognised by detection before any
#: built-in builder can build them: the build then stops with "no builder can
#: build ...", and the detection's reasons say why.
Language = Literal["static", "node", "python", "docker", "bun", "go", "ruby", "rust"]


@dataclass
class Detection:
    """What a detector recognised in a source tree, and why."""

    framework: str
    name: str
    runtime: Language
    confidence: float
    reasons: list[str] = field(default_factory=list)
    version: str | None = None
    package_manager: str | None = None
    install_command: str | None = None
    build_command: str | None = None
    output_directory: str | None = None
    start_command: str | None = None
    dev_command: str | None = None
    spa_fallback: bool = False
    detector: str = ""
    workspace_root: str | None = None
    """A monorepo app's workspace root, from its root directory (``../..``): where its
    dependencies are installed (and cached)."""
    watch_paths: list[str] = field(default_factory=list)
    """Paths from the repository's top, besides the root directory, whose changes concern
    the app: the workspace packages it depends on and the workspace root's manifests."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "name": self.name,
            "runtime": self.runtime,
            "confidence": self.confidence,
            "reasons": list(self.reasons),
            "version": self.version,
            "package_manager": self.package_manager,
            "install_command": self.install_command,
            "build_command": self.build_command,
            "output_directory": self.output_directory,
            "start_command": self.start_command,
            "dev_command": self.dev_command,
            "spa_fallback": self.spa_fallback,
            "detector": self.detector,
            "workspace_root": self.workspace_root,
            "watch_paths": list(self.watch_paths),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Detection:
        known = cls.__dataclass_fields__
        return cls(**{key: value for key, value in data.items() if key in known})


class SourceTree:
    """Read-only view of a source folder for detectors; paths are POSIX, relative.

    Every read goes through :mod:`autostack_core.build.user_files`: a symlink is
    followed only while it stays inside the tree, and a path that leaves it
    (a link to the server's files, ``..``) reads as absent.
    """

    def __init__(self, root: Path, top: Path | None = None) -> None:
        self.root = root
        # The source's own root (a checkout): folders above it are the server's.
        self.top = root if top is None else top

    def exists(self, relative: str) -> bool:
        return user_files.exists(self.root, relative)

    def is_dir(self, relative: str) -> bool:
        return user_files.is_dir(self.root, relative)

    def read_text(self, relative: str) -> str | None:
        try:
            return user_files.read_text(self.root, relative)
        except user_files.OutsideTreeError:
            return None

    def read_json(self, relative: str) -> Any:
        text = self.read_text(relative)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    def package_json(self) -> dict[str, Any] | None:
        data = self.read_json("package.json")
        return data if isinstance(data, dict) else None

    def node_version(self) -> tuple[str, str] | None:
        """The Node.js version the project asks for and the file that asks, if any.

        ``.nvmrc`` and ``.node-version`` pin a version and win over the range in
        ``engines.node``, as nvm, fnm and Volta do. Read here once for the
        detectors (which report it) and the builders (which check it).
        """
        for path in (".nvmrc", ".node-version"):
            text = (self.read_text(path) or "").strip()
            if text:
                return text.splitlines()[0].strip().removeprefix("v"), f"`{path}`"
        engines = (self.package_json() or {}).get("engines")
        if isinstance(engines, dict) and isinstance(engines.get("node"), str):
            return engines["node"], "`engines.node` in package.json"
        return None

    def glob(self, pattern: str) -> list[str]:
        """Names matching ``pattern``, not under ``node_modules`` (read them with the above)."""
        root = self.root.resolve()
        return sorted(
            relative for path in root.glob(pattern)
            if "node_modules" not in (relative := path.relative_to(root).as_posix()).split("/")
        )

    def parents(self) -> list[tuple[SourceTree, str]]:
        """The folders above this tree up to the source's top, nearest first, with their
        path from here (``..``, ``../..``): where a monorepo app finds its workspace root."""
        top = self.top.resolve()
        return [(SourceTree(parent, self.top), "/".join([".."] * depth))
                for depth, parent in enumerate(self.root.resolve().parents, start=1)
                if parent.is_relative_to(top)]

    def subtree(self, relative: str) -> SourceTree:
        """The folder ``relative`` as a tree of its own; ValueError when it is not one."""
        try:
            return SourceTree(user_files.resolve(self.root, relative), self.top)
        except (OSError, user_files.OutsideTreeError):
            raise ValueError(f"not a folder of the source tree: {relative}") from None


CommandRunner = Callable[..., Awaitable[int]]

SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""The ``PATH`` of commands in the build sandbox (and of apps the local runtime runs):
a builder checks with it whether a program its commands need is installed."""


@dataclass(frozen=True)
class PushTarget:
    """A registry repository (``host[:port]/path``, no tag) and the login a push needs."""

    repository: str
    username: str = ""
    password: str = ""


@dataclass
class BuildContext:
    """Everything a builder needs; ``run`` executes a shell command in the sandbox."""

    workspace: Path
    output_dir: Path
    cache_dir: Path
    detection: Detection
    env: dict[str, str]
    run: CommandRunner
    log: Callable[[str], Awaitable[None]]
    project_name: str = ""
    settings: Any = None
    provider: str = "local"
    """The runtime the deployment will run on (its ``name``)."""
    image_runtimes: tuple[str, ...] = ()
    """The installed runtimes that run images: a container builder needs one of them."""
    node_version: str | None = None
    """The project's Node.js version setting (a range such as ``22.x``), if set."""
    toolchains: Path | None = None
    """The shared toolchain cache on the host, mounted read-only in the sandbox at
    ``$AUTOSTACK_TOOLCHAINS``; None where builds install no toolchain."""
    push_target: Callable[[], Awaitable[PushTarget | None]] | None = None
    """Where the project's runtime wants images pushed (its own registry and login, as an
    EKS cluster's ECR repository); None, or None returned: ``AUTOSTACK_REGISTRY``."""


class Builder(Protocol):
    name: str
    priority: int

    def can_build(self, detection: Detection) -> bool: ...

    async def build(self, context: BuildContext) -> None: ...


@dataclass
class Event:
    """A platform event delivered to notifiers after it is persisted."""

    kind: str
    project: str
    deployment: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class Notifier(Protocol):
    """Delivers events to a destination each project configures.

    ``send`` connects through :class:`autostack_core.security.outbound.Outbound` (its
    ``client``, ``smtp``), which keeps it off the server's own network.
    """

    name: str

    def destinations(self, config: Mapping[str, Any]) -> Mapping[str, str]:
        """The URLs ``send`` connects to for ``config``, by config field (``{"url": ...}``).

        Checked when the notifier is configured, so a refused one is a 422 naming the
        field instead of a delivery that fails later.
        """
        ...

    async def send(self, event: Event, config: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class DnsRecordSet:
    """One record set: every value of one type at one name (no trailing dot)."""

    name: str
    type: str
    values: tuple[str, ...]
    ttl: int = 60


class DnsZone(Protocol):
    """A hosted zone a DNS host can change, connected with a user's credentials."""

    async def zone_name(self) -> str:
        """The zone's apex (``example.com``), as the DNS host knows it."""
        ...

    async def upsert(self, record: DnsRecordSet) -> None:
        """Create or replace ``record``; return once the DNS host has applied it."""
        ...

    async def delete(self, record: DnsRecordSet) -> None:
        """Remove ``record`` if it exists (a missing record is not an error)."""
        ...


class DnsHost(Protocol):
    """Where a team's DNS zones are hosted (Route 53, ...): a DNS host, not a runtime provider.

    ``fields`` are what a user fills in to connect a zone (ids, credentials);
    optional ``labels`` (field -> label) and ``secret_fields`` shape the forms.
    """

    name: str
    fields: tuple[str, ...]

    def connect(self, config: Mapping[str, str]) -> DnsZone: ...


@dataclass
class DeploymentTemplate:
    """A ready-to-deploy project shipped by a plugin package."""

    slug: str
    name: str
    description: str
    framework: str
    source_dir: Path
    settings: dict[str, str] = field(default_factory=dict)
    """Build settings (``build_command``, ``output_directory``, ``node_version``...) a
    project made from the template takes where it has no value of its own."""
