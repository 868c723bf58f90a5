"""The file tree the local edge's Caddy reads, made equal to the edge's state.

Everything Caddy needs per request is a file or a symlink under
``<data>/edge/`` (the layout is in :mod:`autostack_plugins.providers.local.edge_state`):
:class:`LinkTree` writes a deployment's folder (its static link, profile
marker, function markers and upstream slot files), points a hostname's link
at its deployment or split, keeps its skew pins, and rebuilds the whole tree
on start. Every change is a new file or an atomic rename before the stale one
goes, so a request in flight always finds what it read.

Server apps and functions (:mod:`autostack_plugins.providers.local.supervisor`) follow the same
rule: their ports are never in the configuration either. A server app's 16
slots (``0``-``f``, spread over its replicas) end the name of the marker the
request found anyway (``profile-<hash>.<id>=<port>,...``), so its proxy reads
no other file: it picks one of the 16 ports at random and dials
``127.0.0.1:<port>``. For each function program (``fn-node``, ...) the
deployment's folder holds one empty file ``up-<program>-<slot>-<port>`` per
slot, and ``fn/<runtime>/<path>.func`` markers: a function's request picks a
slot from the last hex digit of its UUID and finds the slot's file with a
glob. Either proxy retries for :data:`.edge_config.PROXY_TRY_SECONDS`, so a
request waits through a restart. Moving a replica (a restart on another
port, scale to zero onto a waker port) renames the marker or rewrites the
slot files: new name first, then the stale one removed, so a request always
finds one (and the old replica is stopped only after that).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path

from autostack_core.config import Settings
from autostack_plugins.providers.local import edge_domains
from autostack_plugins.providers.local.edge_config import SKEW_FOLDER
from autostack_plugins.providers.local.edge_remote import PREFIX as REMOTE_PREFIX
from autostack_plugins.providers.local.edge_remote import upstream_file
from autostack_plugins.providers.local.edge_skew import write_pins
from autostack_plugins.providers.local.edge_splits import prune_splits, write_split
from autostack_plugins.providers.local.edge_state import (
    FLAG_SETS,
    SERVER_PROGRAM,
    EdgeDeployment,
    EdgeState,
    flagged,
    link_atomically,
    upstream_files,
)


class LinkTree:
    """The ``hosts/``, ``deployments/``, ``splits/`` and ``skew/`` folders of one edge."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.hosts_dir = settings.path("edge", "hosts")
        self.deployments_dir = settings.path("edge", "deployments")
        self.splits_dir = settings.path("edge", "splits")
        self.skew_dir = settings.path("edge", SKEW_FOLDER)

    def link(self, state: EdgeState, hostname: str) -> None:
        """Point ``hostname``'s link where the state says (with its flags, see
        :mod:`.edge_state`); keep the split folder it leaves.

        The folder it pointed at before stays until the next change of this
        hostname: a request that has just read its marker still finds it.
        """
        link = self.hosts_dir / hostname
        try:
            before = {link.parent / os.readlink(link)}
        except OSError:
            before = set()
        weights = state.splits.get(hostname)
        served = state.hostnames().get(hostname)
        flags = state.flags(hostname)
        if weights is not None:
            target = write_split(self.splits_dir, self.deployments_dir, hostname, weights, flags)
            link_atomically(target, link)
            prune_splits(self.splits_dir, hostname, {target, *before})
        elif served is not None:
            link_atomically(self.deployments_dir / served / flags, link)
            prune_splits(self.splits_dir, hostname, before & self.split_folders(hostname))
        else:
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            prune_splits(self.splits_dir, hostname, set())

    def link_pins(self, state: EdgeState, hostname: str) -> None:
        """The deployments a request for ``hostname`` may be pinned to now (see edge_skew)."""
        write_pins(self.skew_dir, self.deployments_dir, hostname, state.pins(hostname, time.time()))

    def split_folders(self, hostname: str) -> set[Path]:
        folder = self.splits_dir / hostname
        return set(folder.iterdir()) if folder.is_dir() else set()

    def write_deployment(self, deployment: EdgeDeployment) -> None:
        folder = self.deployments_dir / deployment.id
        self.write_markers(deployment)
        link_atomically(Path(deployment.root), folder / "static")
        for runtime, paths in deployment.functions.items():
            for path in paths:
                marker = folder / "fn" / runtime / f"{path.strip('/')}.func"
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
        for program in deployment.upstreams:
            self._write_slot_files(deployment, program)
        if deployment.remote:
            wanted = upstream_file(self.settings, deployment.remote)
            (folder / wanted).touch()
            for stale in folder.glob(f"{REMOTE_PREFIX}*"):
                if stale.name != wanted:
                    stale.unlink()

    def prune_markers(self, deployment: EdgeDeployment) -> None:
        """Remove a deployment's other markers, once Caddy has the route of its new one."""
        folder = self.deployments_dir / deployment.id
        for flags in ("", *FLAG_SETS):
            for stale in (folder / flags).glob("profile-*"):
                if stale.name != flagged(deployment.marker, flags):
                    stale.unlink()

    def write_upstreams(self, deployment: EdgeDeployment, program: str) -> None:
        """New names first, then the stale ones removed: a request always finds one.

        A server's ports are its marker's name: the marker is written under its
        new name (in each flag set's folder too), then the others go.
        """
        if program == SERVER_PROGRAM:
            self.write_markers(deployment)
            self.prune_markers(deployment)
        self._write_slot_files(deployment, program)

    def write_markers(self, deployment: EdgeDeployment) -> None:
        """The deployment's marker, plain and with each flag set."""
        folder = self.deployments_dir / deployment.id
        for flags in FLAG_SETS:
            (folder / flags).mkdir(parents=True, exist_ok=True)
            (folder / flags / flagged(deployment.marker, flags)).touch()
        (folder / deployment.marker).touch()

    def _write_slot_files(self, deployment: EdgeDeployment, program: str) -> None:
        """New slot files first, then the stale ones (all of a server's: see
        :data:`.edge_state.SERVER_PROGRAM`)."""
        folder = self.deployments_dir / deployment.id
        wanted = upstream_files(program, deployment.upstreams.get(program, []))
        for name in wanted:
            (folder / name).touch()
        for stale in folder.glob(f"up-{program}-*"):
            if stale.name not in wanted:
                stale.unlink()

    def write_all(self, state: EdgeState) -> None:
        """Make the link tree equal to the state (start-up, after a crash)."""
        self.hosts_dir.mkdir(parents=True, exist_ok=True)
        self.deployments_dir.mkdir(parents=True, exist_ok=True)
        for deployment in state.deployments.values():
            self.write_deployment(deployment)
        for folder in self.deployments_dir.iterdir():
            if folder.name not in state.deployments:
                shutil.rmtree(folder, ignore_errors=True)
        wanted = {*state.hostnames(), *state.splits}
        for link in self.hosts_dir.iterdir():
            if link.name not in wanted:
                link.unlink()
        self.splits_dir.mkdir(parents=True, exist_ok=True)
        for folder in self.splits_dir.iterdir():
            if folder.name not in state.splits:
                shutil.rmtree(folder, ignore_errors=True)
        for hostname in wanted:
            self.link(state, hostname)
        self.skew_dir.mkdir(parents=True, exist_ok=True)
        for folder in self.skew_dir.iterdir():
            if folder.name not in state.skew:
                shutil.rmtree(folder, ignore_errors=True)
        for hostname in state.skew:
            self.link_pins(state, hostname)
        edge_domains.write_domain_markers(self.settings, state)
