"""A PostgreSQL image with the official ``postgres`` image's interface, from host files.

No public registry is reachable here, so :func:`postgres_image` builds one from
Debian's PostgreSQL server binaries (``/usr/lib/postgresql/<major>``, its share
folder, the time zones and the libraries ``ldd`` names; not the JIT, whose LLVM is
100 MiB), busybox as ``/bin/sh``
and ``setpriv``. Its entrypoint does what the official one does on a fresh volume:
``initdb`` as the unprivileged ``postgres`` user (uid 999) with
``POSTGRES_USER``/``POSTGRES_PASSWORD``/``POSTGRES_INITDB_ARGS``, a ``host all all
all $POSTGRES_HOST_AUTH_METHOD`` rule, the ``POSTGRES_DB`` database; then it runs
the command (``postgres -c ...``) as that user.
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
from tests.containers_standin import CONTAINERS_ENV, _libraries, need_tools, podman

UID = 999
ENTRYPOINT = f"""\
#!/bin/sh
set -e
mkdir -p "$PGDATA" /var/run/postgresql
chown -R {UID}:{UID} "$(dirname "$PGDATA")" /var/run/postgresql
chmod 700 "$PGDATA"
as_postgres() {{ /usr/bin/setpriv --reuid={UID} --regid={UID} --clear-groups "$@"; }}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf '%s\\n' "$POSTGRES_PASSWORD" > /tmp/pwfile
  chown {UID} /tmp/pwfile
  as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pwfile -E UTF8 \\
    --locale=C.UTF-8 $POSTGRES_INITDB_ARGS
  rm -f /tmp/pwfile
  echo "host all all all ${{POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}}" >> "$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE \\"$POSTGRES_DB\\" OWNER \\"$POSTGRES_USER\\";" \\
    | as_postgres postgres --single -D "$PGDATA" postgres
fi
exec /usr/bin/setpriv --reuid={UID} --regid={UID} --clear-groups "$@"
"""


def _major() -> Path:
    return max(Path("/usr/lib/postgresql").iterdir(), key=lambda path: int(path.name))


def postgres_rootfs() -> bytes:
    """A tar of a root file system holding only what PostgreSQL's server needs."""
    home = _major()
    buffer = io.BytesIO()
    added: set[str] = set()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        def add(path: Path, name: str | None = None) -> None:
            arcname = name or str(path).lstrip("/")
            if arcname not in added:
                added.add(arcname)
                tar.add(str(path.resolve()), arcname=arcname, recursive=False)

        def text(name: str, content: str, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content.encode()), mode
            tar.addfile(info, io.BytesIO(content.encode()))

        for folder in ("usr/bin", "usr/lib", "usr/lib64", "etc", "tmp", "var/run",
                       "var/lib/postgresql/data"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
        for link, target in (("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64"),
                             ("usr/bin/sh", "busybox")):
            info = tarfile.TarInfo(link)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
        text("etc/passwd", f"root:x:0:0::/root:/bin/sh\npostgres:x:{UID}:{UID}::/tmp:/bin/sh\n")
        text("etc/group", f"root:x:0:\npostgres:x:{UID}:\n")
        text("usr/bin/docker-entrypoint.sh", ENTRYPOINT, 0o755)
        add(Path(shutil.which("busybox") or "/bin/busybox"), "usr/bin/busybox")
        setpriv = Path(shutil.which("setpriv") or "/usr/bin/setpriv")
        add(setpriv, "usr/bin/setpriv")
        binaries = [setpriv]
        for tree in (home, Path("/usr/share/postgresql") / home.name, Path("/usr/share/zoneinfo"),
                     Path("/usr/lib/locale/C.utf8")):
            for path in sorted(tree.rglob("*")):
                if path.is_file() and not {"bitcode", "llvmjit.so"} & set(path.parts):
                    add(path)
                    if path.suffix == ".so" or path.parent.name == "bin":
                        binaries.append(path)
        for binary in binaries:
            for library in _libraries(binary):
                name = str(library).lstrip("/")
                add(library, name if name.startswith("usr/") else f"usr/{name}")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def postgres_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``localhost/autostack-test-postgres:<id>``, built once per session, removed after."""
    need_tools()
    name = f"localhost/autostack-test-postgres:{random_id(8).lower()}"
    tar = tmp_path_factory.mktemp("postgres") / "rootfs.tar"
    tar.write_bytes(postgres_rootfs())
    podman("import", "--change", f"ENV=PATH={_major()}/bin:/usr/bin",
           "--change", 'ENTRYPOINT=["/usr/bin/docker-entrypoint.sh"]',
           "--change", 'CMD=["postgres"]', str(tar), name)
    try:
        yield name
    finally:
        subprocess.run(["podman", "rmi", "-f", name], env=CONTAINERS_ENV, capture_output=True)
