"""Environment variables typed or pasted as ``KEY=value`` lines, like a ``.env`` file."""

from __future__ import annotations

from autostack_core.errors import ApiError
from autostack_core.services.environment import KEY_RE


def parse_env(text: str, field: str = "env") -> list[tuple[str, str]]:
    """``(key, value)`` pairs; blank lines and ``#`` comments are skipped.

    Values may be quoted ("..." or '...'); an error names the line and the fix.
    """
    pairs: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not KEY_RE.match(key):
            raise ApiError(422, f"environment variables, line {number}: write KEY=value with "
                                "a key of letters, digits and underscores (like API_URL=https://"
                                "example.com)", field)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        pairs[key] = value
    return list(pairs.items())
