"""A push's ref advertisement (``GET info/refs?service=git-receive-pack``) without git.

``git http-backend`` answers it by starting ``git receive-pack --advertise-refs``: two
processes, 10-20 ms of every push here, for a list of the repository's refs and one
line of capabilities. The capabilities depend only on the installed git and its
configuration, so they are learnt from git's own answer (the first push to a
repository, and again whenever the repository's or the system's git configuration
changes) and the refs are read from the ref files (:mod:`autostack_core.git.refs`),
making the same bytes git would send.

git answers itself whenever this could differ: a client asking for another protocol
version, a configuration that hides refs, signs pushes (a nonce per answer) or uses
another object format, a repository with alternates, refs not kept as plain files.
A git upgraded while the server runs is seen at the next restart (its ``agent=``
capability names the version).
"""

from __future__ import annotations

from pathlib import Path

from autostack_core.git.refs import read_refs

SERVICE = "git-receive-pack"
CONTENT_TYPE = f"application/x-{SERVICE}-advertisement"
HEADERS = {
    "Expires": "Fri, 01 Jan 1980 00:00:00 GMT",
    "Pragma": "no-cache",
    "Cache-Control": "no-cache, max-age=0, must-revalidate",
}
"""What ``git http-backend`` sends with an advertisement or a receive-pack's result, so no
cache keeps it."""
SYSTEM_CONFIG = Path("/etc/gitconfig")
GIT_ANSWERS = ("hiderefs", "certnonce", "objectformat", "refstorage")
"""Configuration that changes the advertisement in ways not reproduced here."""
FLUSH = b"0000"

_capabilities: dict[str, bytes] = {}
"""receive-pack's capability line as git sent it, by the configuration git read."""


def pkt_line(data: bytes) -> bytes:
    """``data`` as one pkt-line (its length in four hex digits, then the data)."""
    return f"{len(data) + 4:04x}".encode() + data


def _configuration(repo: Path) -> str | None:
    """What git reads that decides the advertisement's capabilities (the repository's and
    the system's configuration: ``http-backend`` runs without a home), or None when git
    must answer."""
    texts = [(repo / "config").read_text()]
    if SYSTEM_CONFIG.is_file():
        texts.append(SYSTEM_CONFIG.read_text())
    joined = "\0".join(texts)
    compact = joined.lower().replace(".", "").replace(" ", "")
    if any(word in compact for word in GIT_ANSWERS) or \
            (repo / "objects" / "info" / "alternates").exists():
        return None
    return joined


def advertise(repo: Path) -> bytes | None:
    """The body of ``repo``'s advertisement to a pushing client (protocol version 0), or
    None when git must make it (see the module's docstring)."""
    configuration = _configuration(repo)
    capabilities = None if configuration is None else _capabilities.get(configuration)
    refs = None if capabilities is None else read_refs(repo)
    if capabilities is None or refs is None:
        return None
    lines = [f"{sha} {ref}".encode() for ref, sha in sorted(refs.items())] \
        or [b"0" * 40 + b" capabilities^{}"]
    lines[0] += b"\0" + capabilities
    return pkt_line(f"# service={SERVICE}\n".encode()) + FLUSH \
        + b"".join(pkt_line(line + b"\n") for line in lines) + FLUSH


def known(repo: Path) -> bool:
    """Whether git has answered ``repo``'s advertisement under its present configuration:
    then ``http-backend`` serves its receive-pack (pushing over HTTP is enabled)."""
    configuration = _configuration(repo)
    return configuration is not None and configuration in _capabilities


def learn(repo: Path, body: bytes) -> None:
    """Remember the capabilities of ``body``, git's own advertisement for ``repo``."""
    configuration = _configuration(repo)
    first, nul, rest = body.partition(b"\0")
    capabilities = rest.partition(b"\n")[0]
    if configuration is not None and nul and capabilities and \
            first.startswith(pkt_line(f"# service={SERVICE}\n".encode()) + FLUSH):
        _capabilities[configuration] = capabilities
