"""Weighted splits: one hostname served by several deployments, sticky per visitor.

A split hostname's link ``hosts/<hostname>`` points at a folder
``splits/<hostname>/<generation>/`` holding the marker ``profile-split`` (with the
hostname's flags: ``profile-split~p``, see :mod:`.edge_state`) and,
in ``b/``, 256 bucket links ``00``-``ff``, each to ``deployments/<id>`` (in a
folder of their own: the glob finding the marker reads two entries, not 257;
that cost 2.5x per request): a deployment gets
a contiguous range of buckets in proportion to its weight (80/20 is 205/51).
Nothing names a hostname or a weight in Caddy's configuration, so a split is
started, re-weighted and ended with one symlink rename, without a reload, like
an alias move.

:func:`split_route` is the first route of the profiles subroute (a single
regular expression on the marker's name for any other hostname). A request
for a split hostname takes its bucket from the ``autostack_split`` cookie,
else the last two hex digits of its random UUID, which it then keeps in that
cookie: a visitor stays on one bucket, so on one deployment as long as the
weights are unchanged, and a re-weighting moves only the buckets that change
hands (the visitors at the boundary). The bucket's ``profile-<hash>.<id>``
marker then routes the request like any other, pinned to that deployment.

A request that read ``profile-split`` just as the hostname went back to one
deployment finds no bucket folder: it reads the hostname's marker again, which
is that deployment's. The previous generation is kept until the next change of
the hostname, so a request never finds its folder deleted under it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from autostack_plugins.providers.local.edge_state import FLAGGED_MARKER, flagged

JSON = dict[str, Any]
SPLIT_MARKER = "profile-split"
BUCKETS_FOLDER = "b"
BUCKETS = 256
COOKIE = "autostack_split"
COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600
BUCKET_VARIABLE = "autostack_bucket"


def bucket_owners(weights: Mapping[str, int]) -> list[str]:
    """The deployment of each of the 256 buckets, in contiguous ranges, in ``weights``' order.

    Weight 0 gets no bucket; any positive weight gets at least one; the rest
    follow the weights by largest remainder. Raises ``ValueError`` when no
    weight is positive or a weight is negative.
    """
    if any(weight < 0 for weight in weights.values()):
        raise ValueError("weights must not be negative")
    positive = [(owner, weight) for owner, weight in weights.items() if weight > 0]
    if not positive:
        raise ValueError("at least one weight must be positive")
    if len(positive) > BUCKETS:
        raise ValueError(f"at most {BUCKETS} targets can share a hostname")
    total = sum(weight for _, weight in positive)
    exact = [Fraction(weight * BUCKETS, total) for _, weight in positive]
    counts = [max(1, int(share)) for share in exact]
    while sum(counts) < BUCKETS:
        index = max(range(len(counts)), key=lambda i: exact[i] - counts[i])
        counts[index] += 1
    while sum(counts) > BUCKETS:
        index = max((i for i in range(len(counts)) if counts[i] > 1),
                    key=lambda i: counts[i] - exact[i])
        counts[index] -= 1
    return [owner for (owner, _), count in zip(positive, counts, strict=True)
            for _ in range(count)]


def write_split(splits_dir: Path, deployments_dir: Path, hostname: str,
                weights: Mapping[str, int], flags: str = "") -> Path:
    """The complete generation folder for ``weights`` and the hostname's ``flags`` (made
    unless it exists); link to it."""
    owners = bucket_owners(weights)
    generation = hashlib.sha256((json.dumps(owners) + flags).encode()).hexdigest()[:16]
    folder = splits_dir / hostname / generation
    marker = flagged(SPLIT_MARKER, flags)
    if (folder / marker).exists():
        return folder
    temporary = folder.with_name(f".{generation}.{os.getpid()}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    (temporary / BUCKETS_FOLDER).mkdir(parents=True)
    for bucket, owner in enumerate(owners):
        (temporary / BUCKETS_FOLDER / f"{bucket:02x}").symlink_to(deployments_dir / owner)
    (temporary / marker).touch()
    temporary.rename(folder)
    return folder


def prune_splits(splits_dir: Path, hostname: str, keep: set[Path]) -> None:
    """Delete ``hostname``'s generation folders but ``keep`` (all of them when empty)."""
    folder = splits_dir / hostname
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for generation in folder.iterdir() if folder.is_dir() else []:
        if generation not in keep:
            shutil.rmtree(generation, ignore_errors=True)


def split_route(hosts_dir: Path) -> JSON:
    """For a request that found ``profile-split``: pick its bucket, then read that bucket's marker.

    Not terminal: the profile routes after it match the marker found here.
    """
    host = "{http.request.host}"
    is_split = {"vars_regexp": {"{http.matchers.file.relative}": {
        "pattern": f"/{SPLIT_MARKER}({FLAGGED_MARKER}[a-z]+)?$"}}}
    sticky = {"vars_regexp": {f"{{http.request.cookie.{COOKIE}}}": {
        "name": "sticky", "pattern": "^([0-9a-f]{2})$"}}}
    fresh = {"vars_regexp": {"{http.request.uuid}": {"name": "fresh", "pattern": "([0-9a-f]{2})$"}}}
    cookie = (f"{COOKIE}={{http.vars.{BUCKET_VARIABLE}}}; Path=/; "
              f"Max-Age={COOKIE_MAX_AGE_SECONDS}; SameSite=Lax; HttpOnly")
    remember = {"handler": "headers", "response": {"add": {"Set-Cookie": [cookie]}}}
    bucket = f"{{http.vars.{BUCKET_VARIABLE}}}"
    bucket_marker = {"root": str(hosts_dir),
                     "try_files": [f"/{host}/{BUCKETS_FOLDER}/{bucket}/profile-*"]}
    host_marker = {"root": str(hosts_dir), "try_files": [f"/{host}/profile-*"]}
    return {"match": [is_split], "handle": [{"handler": "subroute", "routes": [
        # A group applies its first matching route only: the cookie's bucket, else a new one.
        {"group": "bucket", "match": [sticky],
         "handle": [{"handler": "vars", BUCKET_VARIABLE: "{http.regexp.sticky.1}"}]},
        {"group": "bucket", "match": [fresh],
         "handle": [{"handler": "vars", BUCKET_VARIABLE: "{http.regexp.fresh.1}"}, remember]},
        # Matching sets the file placeholders the profile routes read; nothing to handle.
        {"match": [{"file": bucket_marker}]},
        # No bucket folder: the hostname has just gone back to one deployment.
        {"match": [is_split], "handle": [{"handler": "subroute", "routes": [
            {"match": [{"file": host_marker}]}]}]},
    ]}]}
