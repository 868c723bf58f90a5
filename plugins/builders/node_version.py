"""Which Node.js a project asks for, and whether the installed one satisfies it.

Ranges follow npm's semver syntax (``>=18 <21``, ``^20.1``, ``18.x``, ``20 ||
22``, ``16 - 20``); ``.nvmrc`` aliases (``lts/*``, ``lts/iron``, ``node``) are
understood. Written here instead of depending on a semver package because
only release versions and these few forms matter, and the tests pin them.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache

from autostack_core.build.build_errors import BuildError

Version = tuple[int, int, int]

# Codenames of the LTS lines, for `.nvmrc` files such as `lts/iron`.
LTS_CODENAMES = {
    "argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14,
    "gallium": 16, "hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24,
}
STRIP_TYPES = "--experimental-strip-types"
"""The flag of a start command running TypeScript through Node's own type stripping."""
STRIP_TYPES_RANGE = ">=22.6.0"
"""The Node.js versions that have it."""
ANY = {"", "*", "x", "node", "latest", "current", "stable", "lts", "lts/*"}
_PART = r"(?:\d+|[xX*])"
_COMPARATOR = re.compile(rf"^(<=|>=|<|>|=|\^|~>?)?\s*v?({_PART})(?:\.({_PART}))?(?:\.({_PART}))?"
                         r"(?:[-+][\w.+-]*)?$")


@cache
def installed_node() -> Version | None:
    """The version of ``node`` on the PATH, or None when there is none."""
    try:
        result = subprocess.run(["node", "--version"], capture_output=True, text=True,
                                timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_version(result.stdout.strip())


def parse_version(text: str) -> Version | None:
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def satisfies(version: Version, requested: str) -> bool:
    """Whether ``version`` is in the npm range (or ``.nvmrc`` value) ``requested``."""
    requested = requested.strip()
    if requested.lower() in ANY:
        return True
    if requested.lower().startswith("lts/"):
        major = LTS_CODENAMES.get(requested[4:].lower())
        return major is None or version[0] == major
    return any(_satisfies_set(version, part) for part in requested.split("||"))


def _satisfies_set(version: Version, comparators: str) -> bool:
    """Whether ``version`` passes every comparator of one ``||`` alternative."""
    text = comparators.strip()
    hyphen = re.fullmatch(r"(\S+)\s+-\s+(\S+)", text)
    if hyphen:
        tokens = [">=" + hyphen[1], "<=" + hyphen[2]]
    else:
        tokens = re.findall(r"(?:<=|>=|<|>|=|\^|~>?)?\s*[^\s<>=^~]+", text)
    return all(_passes(version, operator, bound)
               for token in tokens for operator, bound in _primitives(token))


def _passes(version: Version, operator: str, bound: Version) -> bool:
    return {
        ">=": version >= bound, ">": version > bound, "<": version < bound,
        "<=": version <= bound, "=": version == bound,
    }[operator]


def _primitives(token: str) -> list[tuple[str, Version]]:
    """One comparator (``^1.2``, ``>=18``, ``20.x``) as plain ``op version`` pairs."""
    match = _COMPARATOR.match(token.strip())
    if not match:
        raise ValueError(f"not a version range: {token!r}")
    operator = match[1] or "="
    given: list[int] = []
    for part in match.groups()[1:]:
        if part is None or part in "xX*":
            break
        given.append(int(part))
    if not given:
        return []
    low = _pad(given)
    if operator == "^":
        index = next((i for i, part in enumerate(given) if part != 0), len(given) - 1)
        return [(">=", low), ("<", _bump(given, index))]
    if operator in ("~", "~>"):
        return [(">=", low), ("<", _bump(given, min(1, len(given) - 1)))]
    full = len(given) == 3
    if operator == "=":
        return [("=", low)] if full else [(">=", low), ("<", _bump(given, len(given) - 1))]
    if operator == ">" and not full:
        return [(">=", _bump(given, len(given) - 1))]
    if operator == "<=" and not full:
        return [("<", _bump(given, len(given) - 1))]
    return [(operator, low)]


def _pad(parts: list[int]) -> Version:
    padded = [*parts, 0, 0, 0]
    return (padded[0], padded[1], padded[2])


def _bump(given: list[int], index: int) -> Version:
    """The first version past ``given`` at ``index``: ``_bump([1, 2], 0)`` is 2.0.0."""
    return _pad([*given[:index], given[index] + 1])


def check_node_version(requested: str, source: str, installed: Version | None) -> None:
    """Raise a :class:`BuildError` when the installed Node.js is not what the project asks."""
    if installed is None:
        raise BuildError("Node.js is not installed on this server (no `node` on the PATH); "
                         "install Node.js to build this project")
    shown = ".".join(map(str, installed))
    try:
        ok = satisfies(installed, requested)
    except ValueError:
        raise BuildError(f"{source} asks for Node.js `{requested}`, which is not a version "
                         "range AutoStack understands") from None
    if not ok:
        raise BuildError(
            f"{source} asks for Node.js `{requested}`, but this server has Node.js {shown} "
            f"only; change {source} to accept {installed[0]}.x, or install that Node.js "
            "version on the server"
        )
