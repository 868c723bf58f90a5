"""Every Python package in the source tree ships in the wheel users install.

``pyproject.toml`` lists the packages by hand (the import names are mapped from
the folders through ``package-dir``); a package missing from that list imports
fine from a checkout and fails only once installed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def packages_on_disk() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_dirs: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    found = set()
    for import_name, folder in package_dirs.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            if "node_modules" in relative.parts:
                continue
            found.add(".".join((import_name, *relative.parts)))
    return found


def test_every_package_in_the_tree_is_listed_for_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    assert packages_on_disk() - listed == set(), "add these to pyproject.toml's packages"
    assert listed - packages_on_disk() == set(), "these are listed but gone"
