"""Detection speed: a typical repository and a 10,000-file monorepo.

Run with ``.venv/bin/python bench/detection_bench.py``. Both trees are written
to a temporary directory, then for each the median of 30 runs (after 3 warm-up
runs, so the page cache is warm as it is right after a clone) of:

- detection: what ``autostack detect --json`` does (every built-in detector
  through the plugin manager, the config-file overrides, the monorepo's apps, each
  detected as that root directory);
- baseline 1: ``os.walk`` of the same tree, listing every file once;
- baseline 2: reading and parsing ``package.json`` once.

The ratios say how detection compares with one pass over the tree: below 1x
means detection reads fewer files than there are. The number of file reads
(``read_text``) and existence checks detection made is counted too.
Targets: under 50 ms for the typical repository, under 1 s for the monorepo.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autostack_core.build.detection import detect
from autostack_core.build.detection_report import detection_report
from autostack_core.build.workspaces import detect_apps
from autostack_core.config import Settings
from autostack_core.interfaces import SourceTree
from autostack_core.plugins import get_plugin_manager

RUNS = 30
WARMUP = 3


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def next_app(name: str, pages: int) -> dict[str, str]:
    """A Next.js app: package.json, config, ``pages`` components with styles and tests."""
    files = {
        "package.json": json.dumps({
            "name": name, "private": True,
            "scripts": {"dev": "next dev", "build": "next build", "start": "next start"},
            "dependencies": {"next": "^14.2.3", "react": "^18.3.1", "react-dom": "^18.3.1"},
            "devDependencies": {"typescript": "^5.4.5", "eslint": "^8.57.0"},
        }),
        "next.config.mjs": "export default {};\n", "tsconfig.json": "{}",
        "README.md": f"# {name}\n", "public/favicon.ico": "",
    }
    for number in range(pages):
        files[f"app/page{number}/page.tsx"] = f"export default () => <p>{number}</p>;\n"
        files[f"components/c{number}.tsx"] = "export const C = () => null;\n"
        files[f"styles/s{number}.module.css"] = ".a { color: red }\n"
        files[f"tests/t{number}.test.ts"] = "test('x', () => {});\n"
    return files


def typical(root: Path) -> None:
    """A Next.js app of about 400 files with a package-lock.json."""
    write(root, {**next_app("shop", 98), "package-lock.json": "{}", ".gitignore": "node_modules\n"})


def monorepo(root: Path) -> None:
    """A pnpm + turbo monorepo of 10,000 files: 20 Next.js apps of 500 files each."""
    write(root, {
        "package.json": json.dumps({"name": "mono", "private": True,
                                    "packageManager": "pnpm@9.0.0",
                                    "devDependencies": {"turbo": "^2.0.0"}}),
        "pnpm-workspace.yaml": "packages:\n  - apps/*\n  - packages/*\n",
        "pnpm-lock.yaml": "", "turbo.json": "{}",
    })
    for number in range(20):
        folder = "apps" if number < 15 else "packages"
        write(root / folder / f"app{number}", next_app(f"app{number}", 124))


def count_files(root: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def median_seconds(run: Callable[[], Any]) -> float:
    for _ in range(WARMUP):
        run()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class Counter:
    """Counts the reads and existence checks of every SourceTree while it is active."""

    def __init__(self) -> None:
        self.reads = 0
        self.checks = 0
        self._read = SourceTree.read_text
        self._exists = SourceTree.exists

    def __enter__(self) -> Counter:
        counter = self

        def read_text(tree: SourceTree, relative: str) -> str | None:
            counter.reads += 1
            return counter._read(tree, relative)

        def exists(tree: SourceTree, relative: str) -> bool:
            counter.checks += 1
            return counter._exists(tree, relative)

        SourceTree.read_text = read_text  # type: ignore[method-assign]
        SourceTree.exists = exists  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        SourceTree.read_text = self._read  # type: ignore[method-assign]
        SourceTree.exists = self._exists  # type: ignore[method-assign]


def measure(name: str, root: Path) -> dict[str, Any]:
    manager = get_plugin_manager(load_entry_points=False).manager
    settings = Settings()

    def run_detection() -> dict[str, Any]:
        detection = asyncio.run(detect(SourceTree(root), manager, settings))
        apps = asyncio.run(detect_apps(root, manager, settings))
        return detection_report(root, detection, apps=apps)

    def walk() -> int:
        return count_files(root)

    def read_package() -> Any:
        return json.loads((root / "package.json").read_text())

    with Counter() as counter:
        report = run_detection()
    detection = median_seconds(run_detection)
    walked = median_seconds(walk)
    package = median_seconds(read_package)
    return {
        "tree": name, "files": count_files(root), "framework": report["framework"],
        "apps": len(report["apps"]), "reads": counter.reads, "checks": counter.checks,
        "detect_ms": detection * 1000, "walk_ms": walked * 1000,
        "package_json_ms": package * 1000,
        "vs_walk": detection / walked, "vs_package_json": detection / package,
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="autostack-detect-bench-") as folder:
        rows = []
        for name, make in (("typical", typical), ("monorepo", monorepo)):
            root = Path(folder) / name
            make(root)
            rows.append(measure(name, root))
    print("| tree | files | detected | apps | reads / checks | detection | os.walk "
          "| package.json | vs walk | vs package.json |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['tree']} | {row['files']} | {row['framework']} | {row['apps']} "
              f"| {row['reads']} / {row['checks']} | {row['detect_ms']:.2f} ms "
              f"| {row['walk_ms']:.2f} ms | {row['package_json_ms']:.3f} ms "
              f"| {row['vs_walk']:.2f}x | {row['vs_package_json']:.0f}x |")


if __name__ == "__main__":
    main()
