"""What the local edge must serve, saved as JSON, and the file tree Caddy reads it from.

:class:`EdgeState` is the desired state (deployments, aliases, weighted splits,
redirects, HTTPS markers); :mod:`autostack_plugins.providers.local.edge` saves it
to ``<data>/edge/state.json`` before every change and makes the files below
equal to it. The layout, all under ``<data>/edge/``:

* ``deployments/<id>/``: ``static`` (a symlink to the deployment's files), the
  marker ``profile-<hash>.<id>`` (its name picks the Caddy route and pins the
  request to the deployment; a server app's ends with its 16 slots' ports,
  ``=<port>,...,<port>``, see :data:`SERVER_PROGRAM`), the functions'
  ``up-<program>-<slot>-<port>`` upstream files and ``fn/<runtime>/<path>.func``
  function markers;
* ``deployments/<id>/<flags>/``, for each of :data:`FLAG_SETS`: the same marker
  named ``profile-<hash>.<id>~<flags>``, where a hostname with flags links;
* ``hosts/<hostname>``: a symlink to ``deployments/<id>`` (one target), to
  ``deployments/<id>/<flags>`` (one target, the hostname protected or with a skew
  window), or to ``splits/<hostname>/<generation>/`` (several, see
  :mod:`autostack_plugins.providers.local.edge_splits`);
* ``skew/<hostname>/<id>``: a symlink to ``deployments/<id>`` for each
  deployment a request may be pinned to (see
  :mod:`autostack_plugins.providers.local.edge_skew`).

A hostname's flags are in the name of the marker Caddy finds through its link, so
the one directory read that routes a request also says whether it must pass
deployment protection (``p``) and whether it may be pinned (``s``); a hostname
with neither costs no other lookup.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

JSON = dict[str, Any]
SLOTS = "0123456789abcdef"
# Lowercase DNS names only: the hostname becomes a path under hosts/.
HOSTNAME_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$"
# A deployment id becomes a folder name and part of a marker's name.
DEPLOYMENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
PROTECTED_FLAG = "p"
"""The hostname's requests pass the control plane's check (see ``edge_protection``)."""
SKEW_FLAG = "s"
"""The hostname has a skew window: its requests may be pinned (see ``edge_skew``)."""
FLAG_SETS = ("p", "ps", "s")
FLAGGED_MARKER = "~"
"""Between a marker's name and its flags: in no hostname, deployment id or profile hash."""
SERVER_PROGRAM = "server"
"""The program whose ports are in the marker's name, not in slot files: the directory read
that routes a request already returns them, so proxying to a server app reads no other file
(the slot glob it replaced cost ~10% of the edge's throughput, ``bench/README.md``)."""
PORTS_MARK = "="
"""Between a marker's deployment id and its server's ports: in no id, hash or flag."""
MARKER_PORTS = f"(?:{PORTS_MARK}[0-9,]+)?"
"""A regular expression for a marker's ports, when it does not capture them."""


def flagged(marker: str, flags: str) -> str:
    """``marker`` as a hostname with ``flags`` finds it (``flags`` may be empty)."""
    return f"{marker}{FLAGGED_MARKER}{flags}" if flags else marker


def flag_matcher(flag: str) -> JSON:
    """A ``vars_regexp`` matcher: the marker the request found carries ``flag``."""
    return {"vars_regexp": {"{http.matchers.file.relative}": {
        "pattern": f"{FLAGGED_MARKER}[a-z]*{flag}[a-z]*$"}}}


class EdgeError(RuntimeError):
    """Caddy could not be started or refused a configuration change."""


@dataclass
class EdgeDeployment:
    """One deployment as the edge serves it."""

    id: str
    root: str
    hostnames: list[str]
    config: JSON = field(default_factory=dict)
    has_404_page: bool = False
    replicas: int = 1
    server: bool = False
    functions: dict[str, list[str]] = field(default_factory=dict)
    upstreams: dict[str, list[int]] = field(default_factory=dict)
    remote: str = ""
    """A release another runtime serves (``https://...``), proxied to (see ``edge_remote``)."""

    @property
    def profile(self) -> str:
        """A hash of everything that shapes the Caddy handler, shared by equal deployments."""
        shape: JSON = {"routes": self.config.get("routes") or [],
                       "overrides": self.config.get("overrides") or {},
                       "has_404_page": self.has_404_page}
        if self.remote:
            shape = {"remote": self.remote.split(":", 1)[0]}
        if self.server or self.functions:
            shape.update(server=self.server, functions=sorted(self.functions))
        digest = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()
        return digest[:16]

    @property
    def marker(self) -> str:
        """The file whose name routes a request: ``profile-<hash>.<id>``, then the server's
        slot ports (``=<port>,...``, 16 of them) while it has some."""
        ports = slot_ports(self.upstreams.get(SERVER_PROGRAM, []))
        tail = PORTS_MARK + ",".join(map(str, ports)) if ports else ""
        return f"profile-{self.profile}.{self.id}{tail}"


DEPLOYMENT_FIELDS = tuple(item.name for item in fields(EdgeDeployment))
"""What :meth:`EdgeState.save` writes of each deployment (:meth:`EdgeState.load` reads it)."""


@dataclass
class EdgeState:
    """Everything the edge must serve; the Caddy configuration is a function of it."""

    deployments: dict[str, EdgeDeployment] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    splits: dict[str, dict[str, int]] = field(default_factory=dict)
    """Hostnames split between deployments: ``{hostname: {deployment id: weight}}``."""
    redirects: dict[str, str] = field(default_factory=dict)
    https: list[str] = field(default_factory=list)
    skew: dict[str, int] = field(default_factory=dict)
    """Hostnames whose requests are pinned to their deployment, with the window in seconds."""
    unserved: dict[str, dict[str, float]] = field(default_factory=dict)
    """When each deployment stopped being bound to a hostname: ``{hostname: {id: unix time}}``."""
    protected: list[str] = field(default_factory=list)
    """Hostnames whose requests pass deployment protection, bound or not (yet)."""

    @classmethod
    def load(cls, path: Path) -> EdgeState:
        """Read ``path``; a missing file is the empty state."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        return cls(
            deployments={key: EdgeDeployment(**value)
                         for key, value in data.get("deployments", {}).items()},
            aliases=dict(data.get("aliases", {})),
            splits={host: dict(weights) for host, weights in data.get("splits", {}).items()},
            redirects=dict(data.get("redirects", {})),
            https=list(data.get("https", [])),
            skew=dict(data.get("skew", {})),
            unserved={host: dict(ids) for host, ids in data.get("unserved", {}).items()},
            protected=list(data.get("protected", [])),
        )

    def save(self, path: Path) -> None:
        """Write atomically (temporary file, then rename).

        Compact JSON from each deployment's fields as they are: an indented dump runs
        Python's pure encoder instead of the C one, and ``asdict`` deep-copies every
        deployment's routes first. With 50 deployments a save (before every alias move,
        on the event loop) took 12 ms that way, the encoding 0.6 ms this way.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        data = {
            "deployments": {key: {name: getattr(value, name) for name in DEPLOYMENT_FIELDS}
                            for key, value in self.deployments.items()},
            "aliases": self.aliases,
            "splits": self.splits,
            "redirects": self.redirects,
            "https": self.https,
            "skew": self.skew,
            "unserved": self.unserved,
            "protected": self.protected,
        }
        temporary.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)

    def profiles(self) -> dict[str, EdgeDeployment]:
        """One deployment per distinct profile, the one to build its handler from."""
        return {deployment.profile: deployment for deployment in self.deployments.values()}

    def hostnames(self) -> dict[str, str]:
        """Every hostname served by one deployment, with that deployment."""
        hosts = {host: dpl.id for dpl in self.deployments.values() for host in dpl.hostnames}
        hosts.update(self.aliases)
        return hosts

    def targets(self, hostname: str) -> list[str]:
        """The deployments serving ``hostname``: one, several (a split) or none."""
        if hostname in self.splits:
            return list(self.splits[hostname])
        served = self.hostnames().get(hostname)
        return [] if served is None else [served]

    def pins(self, hostname: str, now: float) -> list[str]:
        """The deployments a request for ``hostname`` may be pinned to at ``now``: those it is
        bound to and, within its skew window, those it was (none without a window)."""
        window = self.skew.get(hostname)
        if not window:
            return []
        recent = [deployment_id for deployment_id, since in
                  self.unserved.get(hostname, {}).items()
                  if since + window > now and deployment_id in self.deployments]
        return sorted({*self.targets(hostname), *recent})

    def flags(self, hostname: str) -> str:
        """``hostname``'s flags, in :data:`FLAG_SETS`' spelling (empty: none)."""
        return (PROTECTED_FLAG if hostname in self.protected else "") + \
            (SKEW_FLAG if self.skew.get(hostname) else "")

    def in_use(self, deployment_id: str) -> bool:
        """Whether an alias or a split still sends traffic to ``deployment_id``."""
        return deployment_id in self.aliases.values() or \
            any(deployment_id in weights for weights in self.splits.values())


def slot_ports(ports: list[int]) -> list[int]:
    """The port of each of the 16 slots, spread over ``ports`` (none without ports)."""
    return [ports[index % len(ports)] for index in range(len(SLOTS))] if ports else []


def upstream_files(program: str, ports: list[int]) -> list[str]:
    """The names of a program's slot files: the 16 slots spread over ``ports`` (none for
    :data:`SERVER_PROGRAM`, whose ports are in the marker)."""
    if program == SERVER_PROGRAM:
        return []
    return [f"up-{program}-{slot}-{port}" for slot, port in zip(SLOTS, slot_ports(ports),
                                                                 strict=False)]


def link_atomically(target: Path, link: Path) -> None:
    """Make ``link`` point at ``target`` in one rename: readers see the old or the new."""
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(target)
    os.replace(temporary, link)


def check_hostname(hostname: str) -> str:
    """Lowercase ``hostname``; raise :class:`EdgeError` unless it is a plain DNS name."""
    hostname = hostname.lower()
    if not re.fullmatch(HOSTNAME_PATTERN, hostname):
        raise EdgeError(f"invalid hostname: {hostname!r}")
    return hostname


def check_deployment_id(deployment_id: str) -> str:
    """``deployment_id`` if it can name a folder and a marker; else :class:`EdgeError`."""
    if not re.fullmatch(DEPLOYMENT_ID_PATTERN, deployment_id):
        raise EdgeError(f"invalid deployment id: {deployment_id!r}")
    return deployment_id
