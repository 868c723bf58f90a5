"""The dashboard's front-end assets are built into every sdist and wheel.

``web/static/dist`` (htmx, from the npm registry) is not in git. Without this
hook ``pip install .`` or ``pip install git+...`` from a clean checkout made a
wheel whose dashboard answered 404 for its own scripts. Building the sdist or
the wheel runs ``npm ci`` and ``npm run build`` in ``web/`` when the assets are
missing or older than ``web/package-lock.json``; an sdist carries them built,
so a wheel made from it needs no npm. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import Command, setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

WEB = Path(__file__).resolve().parent / "web"
DIST = WEB / "static" / "dist"
LOCK = WEB / "package-lock.json"


class BuildWeb(Command):
    """Build ``web/static/dist`` with npm unless it is there and up to date."""

    description = "build the dashboard's front-end assets (npm ci, npm run build)"
    user_options: list[tuple[str, str | None, str]] = []

    def initialize_options(self) -> None:
        pass

    def finalize_options(self) -> None:
        pass

    def run(self) -> None:
        if not LOCK.exists():
            if not any(DIST.glob("*")):
                raise SystemExit(f"{DIST} is missing and there is no {LOCK} to build it from")
            return  # an unpacked sdist: the assets were built into it
        if any(DIST.glob("*")) and DIST.stat().st_mtime >= LOCK.stat().st_mtime:
            return
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("building AutoStack from a checkout needs npm for the dashboard's "
                             "assets: sudo apt-get install -y npm (Node.js 20+)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=WEB, check=True)
        subprocess.run([npm, "run", "--silent", "build"], cwd=WEB, check=True)
        DIST.touch()


class BuildPyWithWeb(build_py):
    def run(self) -> None:
        self.run_command("build_web")
        super().run()


class SdistWithWeb(sdist):
    def run(self) -> None:
        self.run_command("build_web")
        super().run()


setup(cmdclass={"build_web": BuildWeb, "build_py": BuildPyWithWeb, "sdist": SdistWithWeb})
