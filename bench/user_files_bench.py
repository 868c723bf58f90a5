"""Host-side copies and reads through ``user_files`` against the plain ``shutil``/``pathlib`` ones.

Run with ``.venv/bin/python bench/user_files_bench.py``. A synthetic
``node_modules``-like tree (``--packages`` packages of ``--files`` files each,
nested two levels, every package with a ``.bin`` link) is copied into an
empty output the way builders copy a server app:

- baseline: ``shutil.copytree(symlinks=True)`` with hard links, what
  ``steps.copy_tree`` did before issue 12;
- checked: :func:`autostack_core.build.user_file_writes.copy_tree` (descriptor walk,
  ``O_NOFOLLOW``, links judged).

Then ``--reads`` reads of a small file three folders deep: ``Path.read_text``
against :func:`user_files.read_text` (one ``openat`` per component). Each
pair alternates over ``--rounds`` rounds; the ratio is checked over baseline
(medians), both measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from autostack_core.build import user_file_writes, user_files


def make_tree(root: Path, packages: int, files: int) -> None:
    modules = root / "node_modules"
    (modules / ".bin").mkdir(parents=True)
    for number in range(packages):
        package = modules / f"pkg-{number}"
        (package / "lib" / "deep").mkdir(parents=True)
        (package / "package.json").write_text(f'{{"name": "pkg-{number}"}}\n')
        for index in range(files):
            folder = package / ("lib/deep" if index % 2 else "lib")
            (folder / f"file-{index}.js").write_text(f"module.exports = {index};\n" * 20)
        (modules / ".bin" / f"pkg-{number}").symlink_to(f"../pkg-{number}/lib/file-0.js")


def _link_or_copy(source: str, target: str) -> object:
    try:
        os.link(source, target)
        return target
    except OSError:
        return shutil.copy2(source, target)


def timed(action: Callable[..., object], *args: object, **kwargs: object) -> float:
    started = time.perf_counter()
    action(*args, **kwargs)
    return time.perf_counter() - started


def read_many(read: Callable[[], object], count: int) -> None:
    for _ in range(count):
        read()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=400)
    parser.add_argument("--files", type=int, default=25)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        source = base / "src"
        make_tree(source, args.packages, args.files)
        count = sum(len(names) for _, _, names in os.walk(source))
        plain: list[float] = []
        checked: list[float] = []
        for round_number in range(args.rounds):
            for label, results in (("plain", plain), ("checked", checked)):
                output = base / f"out-{label}-{round_number}"
                output.mkdir()
                if label == "plain":
                    results.append(timed(shutil.copytree, source, output / "server",
                                         symlinks=True, copy_function=_link_or_copy,
                                         dirs_exist_ok=True))
                else:
                    results.append(timed(user_file_writes.copy_tree, source, ".", output, "server"))
                shutil.rmtree(output)
        relative = "node_modules/pkg-7/lib/deep/file-1.js"
        read_plain = [timed(read_many, (source / relative).read_text, args.reads)
                      for _ in range(args.rounds)]
        read_checked = [timed(read_many, partial(user_files.read_text, source, relative),
                              args.reads) for _ in range(args.rounds)]
    copy_ratio = statistics.median(checked) / statistics.median(plain)
    read_ratio = statistics.median(read_checked) / statistics.median(read_plain)
    print(f"copy of {count} entries: shutil {statistics.median(plain) * 1000:.0f} ms, "
          f"user_files {statistics.median(checked) * 1000:.0f} ms, ratio {copy_ratio:.2f}x")
    print(f"{args.reads} reads: pathlib {statistics.median(read_plain) * 1000:.0f} ms, "
          f"user_files {statistics.median(read_checked) * 1000:.0f} ms, ratio {read_ratio:.2f}x")


if __name__ == "__main__":
    main()
