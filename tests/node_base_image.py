"""A base image with ``python3`` and ``node``, for packaging Node.js servers and functions.

No public registry is reachable here, so :func:`node_base_image` adds this host's
Node.js binary (``/usr/bin/node``, NodeSource's single 100 MB binary) and the
libraries ``ldd`` names for it to the Python base image's root file system
(:func:`tests.containers_standin.python_rootfs`), imported once per session with
``podman import`` and removed after. It is what ``AUTOSTACK_PACKAGE_BASE_IMAGE``
must name for a Node.js app: ``python3`` for AutoStack's launcher, ``node`` for the
app and its functions.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from autostack_core.utils import random_id
from tests.containers_standin import CONTAINERS_ENV, _libraries, need_tools, podman, python_rootfs


def node_rootfs() -> bytes:
    """The Python base image's root file system plus ``usr/bin/node`` and its libraries."""
    node = Path(shutil.which("node") or "/usr/bin/node").resolve()
    buffer = io.BytesIO(python_rootfs())
    with tarfile.open(fileobj=buffer, mode="a") as tar:
        present = set(tar.getnames())
        tar.add(str(node), arcname="usr/bin/node", recursive=False)
        for library in _libraries(node):
            name = str(library).lstrip("/")
            name = name if name.startswith("usr/") else f"usr/{name}"
            if name not in present:
                tar.add(str(library.resolve()), arcname=name, recursive=False)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def node_base_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``localhost/autostack-test-node:<id>``: python3, node and /bin/sh, from host files."""
    need_tools()
    if shutil.which("node") is None:
        pytest.fail("node is missing: ./dev installs Node.js 20")
    name = f"localhost/autostack-test-node:{random_id(8).lower()}"
    tar = tmp_path_factory.mktemp("node-base") / "rootfs.tar"
    tar.write_bytes(node_rootfs())
    podman("import", "--change", "CMD=/bin/sh", str(tar), name)
    try:
        yield name
    finally:
        subprocess.run(["podman", "rmi", "-f", name], env=CONTAINERS_ENV, capture_output=True)
