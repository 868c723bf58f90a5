"""Build cache: a cold build against a warm rebuild of the same Vite and Next.js apps.

Run with ``.venv/bin/python bench/build_cache_bench.py`` (needs bubblewrap,
Node.js and the npm registry). For each app, written here with pinned major
versions and a package-lock.json made once beforehand, the real Node.js
builder runs in the real sandbox on a fresh copy of the source, as the
pipeline does:

- cold: an empty project cache, as after ``autostack deploy --force``: npm
  downloads every package, the framework starts with no cache;
- warm: the same source again with the cache the cold build left
  (``node_modules`` and framework caches restored, the install step skipped,
  npm's own cache present), twice.

The ratio is warm over cold, both measured in the same run.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from autostack_core.build.sandbox import Limits, Sandbox
from autostack_core.interfaces import BuildContext, SourceTree
from autostack_plugins.builders.node import NodeBuilder
from autostack_plugins.detectors import node as node_detector

VITE_APP = {
    "package.json": json.dumps({
        "name": "vite-app", "private": True, "type": "module",
        "scripts": {"dev": "vite", "build": "vite build"},
        "dependencies": {"react": "^18.3.1", "react-dom": "^18.3.1"},
        "devDependencies": {"vite": "^5.4.0", "@vitejs/plugin-react": "^4.3.1"},
    }),
    "vite.config.js": "import react from '@vitejs/plugin-react';\n"
                      "export default { plugins: [react()] };\n",
    "index.html": "<div id=root></div><script type=module src=/src/main.jsx></script>\n",
    "src/main.jsx": "import { createRoot } from 'react-dom/client';\n"
                    "createRoot(document.getElementById('root')).render(<h1>Vite</h1>);\n",
}
NEXT_APP = {
    "package.json": json.dumps({
        "name": "next-app", "private": True,
        "scripts": {"dev": "next dev", "build": "next build", "start": "next start"},
        "dependencies": {"next": "^15.0.0", "react": "^19.0.0", "react-dom": "^19.0.0"},
    }),
    "next.config.mjs": "export default {};\n",
    "app/layout.jsx": "export default function Layout({ children }) {\n"
                      "  return <html lang='en'><body>{children}</body></html>;\n}\n",
    "app/page.jsx": "export default function Page() { return <h1>Next.js</h1>; }\n",
    "app/about/page.jsx": "export default function About() { return <p>About</p>; }\n",
}


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def lock(source: Path, npm_cache: Path) -> None:
    """Write the app's package-lock.json once, so every build installs the same tree."""
    subprocess.run(["npm", "install", "--package-lock-only", "--no-audit", "--no-fund",
                    "--cache", str(npm_cache)], cwd=source, check=True, capture_output=True,
                   timeout=300)


async def build_once(source: Path, scratch: Path, cache: Path) -> tuple[float, list[str]]:
    """Build a fresh copy of ``source`` with the project cache ``cache``; seconds and log."""
    shutil.rmtree(scratch, ignore_errors=True)
    workspace, output = scratch / "src", scratch / "output"
    shutil.copytree(source, workspace)
    output.mkdir()
    detection = node_detector.detect(SourceTree(workspace))
    assert detection is not None
    sandbox = Sandbox(workspace, cache, Limits(wall_seconds=900), {}, False)
    lines: list[str] = []

    async def on_line(stream: str, line: str) -> None:
        lines.append(line)

    async def run(command: str, step: str = "build") -> int:
        lines.append(f"$ {command}")
        return await sandbox.run(command, on_line)

    async def log(line: str) -> None:
        lines.append(line)

    context = BuildContext(workspace=workspace, output_dir=output, cache_dir=cache,
                           detection=detection, env={}, run=run, log=log)
    started = time.perf_counter()
    try:
        await NodeBuilder().build(context)
    except Exception:
        print("\n".join(lines[-40:]))
        raise
    return time.perf_counter() - started, lines


async def bench(name: str, files: dict[str, str], folder: Path) -> dict[str, object]:
    source, cache = folder / name / "source", folder / name / "cache"
    write(source, files)
    lock(source, folder / "lock-cache")
    cold, _ = await build_once(source, folder / name / "build", cache)
    warm_runs = []
    for _ in range(2):
        seconds, lines = await build_once(source, folder / name / "build", cache)
        warm_runs.append(seconds)
    restored = next((line for line in lines if line.startswith("build cache: restored")), "")
    warm = statistics.median(warm_runs)
    return {"app": name, "cold": cold, "warm": warm, "ratio": warm / cold,
            "restored": restored.removeprefix("build cache: restored ")}


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="autostack-cache-bench-") as scratch:
        rows = [await bench("vite", VITE_APP, Path(scratch)),
                await bench("nextjs", NEXT_APP, Path(scratch))]
    print("| app | cold build | warm rebuild (median of 2) | warm / cold | restored |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['app']} | {row['cold']:.1f} s | {row['warm']:.1f} s "
              f"| {row['ratio']:.2f}x | {row['restored']} |")


if __name__ == "__main__":
    asyncio.run(main())
