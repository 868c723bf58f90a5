"""The artifact store mirrored to S3 against the local store, in the same run.

Run with ``.venv/bin/python bench/store_s3_bench.py`` (needs moto's server,
``pip install -e '.[dev]'``; it stands in for S3 on the loopback, so the
figures are this machine's CPU and loopback, not a real bucket's latency).
A site of 300 files (4 KB each, 12 of 256 KB) is:

- stored as a build's output (``put_tree``): local store vs mirrored store
  (local write plus an upload of each object, then the manifest);
- laid out for serving on a node: local (hard links from the store that has it)
  vs a fresh node of the mirrored store (manifest and objects pulled from the
  bucket, each checked, then laid out).

Three interleaved rounds; medians and their ratios (mirrored over local).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autostack_core.infrastructure.s3_store import MirroredStore, S3Objects
from autostack_core.infrastructure.store import Store
from tests.moto_standin import MotoServer

ROUNDS = 3


def site(folder: Path, round_number: int) -> Path:
    for number in range(300):
        path = folder / "static" / f"dir-{number % 10}" / f"file-{number}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        size = 256 * 1024 if number % 25 == 0 else 4096
        path.write_bytes(f"{round_number}:{number}:".encode() + os.urandom(size))
    return folder


def timed(work: Callable[..., object], *args: object, **kwargs: object) -> float:
    start = time.perf_counter()
    work(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        moto = MotoServer(root)
        moto.start()
        try:
            moto.client("s3").create_bucket(Bucket="bench")
            remote = S3Objects("bench", client=moto.client("s3"))
            results: dict[str, list[float]] = {key: [] for key in (
                "store local", "store s3", "serve local", "serve s3 fresh node")}
            for round_number in range(ROUNDS):
                base = root / f"round-{round_number}"
                output = site(base / "out", round_number)
                local = Store(base / "local")
                mirrored = MirroredStore(base / "node-1", remote)
                started = time.perf_counter()
                manifest_hash = local.put_tree(output)[0]
                results["store local"].append(time.perf_counter() - started)
                results["store s3"].append(timed(mirrored.put_tree, output))
                fresh = MirroredStore(base / "node-2", remote)
                results["serve local"].append(timed(
                    local.materialize, manifest_hash, base / "served-local", link_store=True))
                results["serve s3 fresh node"].append(timed(
                    fresh.materialize, manifest_hash, base / "served-s3", link_store=True))
        finally:
            moto.stop()
    medians = {key: statistics.median(values) for key, values in results.items()}
    for key, values in results.items():
        print(f"{key:22} median {medians[key] * 1000:8.1f} ms  rounds "
              + ", ".join(f"{value * 1000:.1f}" for value in values))
    print(f"store ratio (s3/local): {medians['store s3'] / medians['store local']:.1f}x")
    print(f"serve ratio (s3 fresh node/local): "
          f"{medians['serve s3 fresh node'] / medians['serve local']:.1f}x")


if __name__ == "__main__":
    main()
