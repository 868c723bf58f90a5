"""Containers on this machine without Docker Hub: a registry and a base image for the tests.

* :func:`image_registry`: Debian's ``docker-registry`` on a free loopback port,
  storing on the session's temporary folder (one per test session);
* :func:`base_image`: a Python base image made from the host's own files
  (``/usr/bin/python3.11``, its libraries and standard library, busybox as
  ``/bin/sh``), imported once per session with ``podman import``, removed after;
* :data:`CONTAINERS_ENV`: the environment podman and buildah need here
  (``CONTAINERS_CONF`` with ``default_ulimits = []``, see ``../shared/FACTS.md``).

Import the fixtures into a test module (``from tests.containers_standin import
base_image, image_registry``); they fail, not skip, when podman, buildah or
docker-registry is missing: ``./dev`` installs them.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autostack_core.utils import free_port, random_id

CONF = Path(tempfile.gettempdir()) / "autostack-tests-containers.conf"
# Replaced whole, never rewritten in place: CI's other test process imports this module
# too, and podman reading a truncated file would run without the setting.
_conf_draft = CONF.with_name(f"{CONF.name}.{os.getpid()}")
_conf_draft.write_text("[containers]\ndefault_ulimits = []\n")
os.replace(_conf_draft, CONF)
CONTAINERS_ENV = {**os.environ, "CONTAINERS_CONF": str(CONF)}
TOOLS = ("podman", "buildah", "docker-registry", "busybox")
PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
STDLIB_SKIPPED = {"test", "idlelib", "tkinter", "ensurepip", "lib2to3", "site-packages",
                  "dist-packages", "config-3.11-x86_64-linux-gnu"}


def need_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: ./dev installs them (apt-get install "
                    "podman buildah docker-registry busybox-static)")


def podman(*args: str) -> str:
    result = subprocess.run(["podman", *args], env=CONTAINERS_ENV, capture_output=True,
                            text=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: {result.stderr[-2000:]}")
    return result.stdout


def _libraries(binary: Path) -> list[Path]:
    output = subprocess.run(["ldd", str(binary)], capture_output=True, text=True,
                            check=True).stdout
    found = []
    for line in output.splitlines():
        path = line.split("=>")[-1].split("(")[0].strip()
        if path.startswith("/"):
            found.append(Path(path))
    return found


def python_rootfs() -> bytes:
    """A tar of a tiny root file system: Debian's python3 and busybox from this host."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        def add(path: Path, name: str | None = None) -> None:
            tar.add(str(path.resolve()), arcname=name or str(path.resolve()).lstrip("/"),
                    recursive=False)

        for folder in ("usr/bin", "usr/lib", "usr/lib64", "tmp", "app"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
        for link, target in (("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64"),
                             ("usr/bin/python3", PYTHON.name), ("usr/bin/sh", "busybox")):
            info = tarfile.TarInfo(link)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
        add(PYTHON, f"usr/bin/{PYTHON.name}")
        add(Path(shutil.which("busybox") or "/bin/busybox"), "usr/bin/busybox")
        for library in _libraries(PYTHON):
            # Under the name the loader looks for (libz.so.1), in usr/ (/lib links there).
            name = str(library).lstrip("/")
            add(library, name if name.startswith("usr/") else f"usr/{name}")
        stdlib = Path(f"/usr/lib/{PYTHON.name}")
        for path in sorted(stdlib.rglob("*")):
            parts = path.relative_to(stdlib).parts
            if STDLIB_SKIPPED & set(parts) or "__pycache__" in parts:
                continue
            add(path, f"usr/lib/{PYTHON.name}/" + "/".join(parts))
    return buffer.getvalue()


@pytest.fixture(scope="session")
def base_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``localhost/autostack-test-python:<id>``: python3 and /bin/sh, built from host files."""
    need_tools()
    name = f"localhost/autostack-test-python:{random_id(8).lower()}"
    tar = tmp_path_factory.mktemp("base") / "rootfs.tar"
    tar.write_bytes(python_rootfs())
    podman("import", "--change", "CMD=/bin/sh", str(tar), name)
    try:
        yield name
    finally:
        subprocess.run(["podman", "rmi", "-f", name], env=CONTAINERS_ENV, capture_output=True)


@pytest.fixture(scope="session")
def image_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``127.0.0.1:<port>``: Debian's docker-registry, filesystem storage, plain HTTP."""
    need_tools()
    folder = tmp_path_factory.mktemp("registry")
    port = free_port()
    config = folder / "config.yml"
    config.write_text(f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {folder}/data\n"
                      f"http:\n  addr: 127.0.0.1:{port}\nlog:\n  level: warn\n")
    with (folder / "registry.log").open("wb") as log:
        process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"docker-registry did not start: "
                                   f"{(folder / 'registry.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        # What runtimes pulled from it and left (a failed test, a stopped server's release).
        pulled = subprocess.run(["podman", "images", "-q", "--filter",
                                 f"reference=127.0.0.1:{port}/*"], env=CONTAINERS_ENV,
                                capture_output=True, text=True).stdout.split()
        if pulled:
            subprocess.run(["podman", "rmi", "-f", *set(pulled)], env=CONTAINERS_ENV,
                           capture_output=True)
