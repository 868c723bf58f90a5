"""Netlify's routing files as Build Output API v3 routes: ``netlify.toml``'s
``[[redirects]]`` and ``[[headers]]``, and the ``_redirects`` and ``_headers`` files.

Each reader returns a :class:`~.routes_config.RouteSet` that
:func:`~.routes_config.build_config` places in Vercel's order. A redirect
without ``force`` (Netlify's default shadowing) applies only when no file
matches; rules with conditions are skipped with a warning; a line that
cannot be served is refused, naming the file and line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from typing import Any

from .routes_config import (
    Route,
    RouteConfigError,
    RouteSet,
    check_header_name,
    check_value,
    destination_to_dest,
    header_values,
    source_to_regex,
)

REDIRECT_STATUSES = {301, 302, 303, 307, 308}


def from_netlify_toml(text: str) -> RouteSet:
    """Routes from a ``netlify.toml``'s ``[[redirects]]`` and ``[[headers]]``."""
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RouteConfigError(f"netlify.toml is not valid TOML: {exc}") from None
    result = RouteSet()
    for rule in config.get("redirects") or []:
        unsupported = sorted(set(rule) & {"conditions", "query", "signed"})
        if unsupported:
            result.warnings.append(
                f"netlify.toml: redirect from {rule.get('from')!r} ignored "
                f"({', '.join(unsupported)} not supported)"
            )
            continue
        result += netlify_redirect(
            rule.get("from"), rule.get("to"), int(rule.get("status", 301)),
            bool(rule.get("force", False)), "netlify.toml",
        )
    for rule in config.get("headers") or []:
        source = rule.get("for")
        result.headers.append(netlify_header(source, rule.get("values") or {},
                                             f"netlify.toml headers for {source!r}"))
    return result


def netlify_redirect(
    source: Any, target: Any, status: int, force: bool, where: str
) -> RouteSet:
    """One Netlify redirect rule: 200 rewrites, 3xx redirects, 404 custom not-found.

    Without ``force`` (Netlify's default shadowing) the rule applies only when
    no file matches, so it goes after the filesystem.
    """
    if not isinstance(source, str) or not isinstance(target, str):
        raise RouteConfigError(f"{where}: a redirect needs 'from' and 'to'")
    try:
        src, names = source_to_regex(source, splat=True)
    except RouteConfigError as exc:
        raise RouteConfigError(f"{where}: {exc}") from None
    dest = check_value(destination_to_dest(target, names), where)
    if status in REDIRECT_STATUSES:
        route: Route = {"src": src, "headers": {"Location": dest}, "status": status}
    elif status in (200, 404):
        route = {"src": src, "dest": dest}
        if status == 404:
            route["status"] = 404
    else:
        return RouteSet(warnings=[f"{where}: status {status} of {source!r} is not supported"])
    return RouteSet(redirects=[route]) if force else RouteSet(rewrites=[route])


def netlify_header(source: Any, values: Mapping[str, Any], where: str) -> Route:
    """A Netlify header rule (``for`` path with ``*`` splats) as a header route."""
    if not isinstance(source, str):
        raise RouteConfigError(f"{where}: a header rule needs a 'for' path")
    try:
        src, _ = source_to_regex(source, splat=True)
    except RouteConfigError as exc:
        raise RouteConfigError(f"{where}: {exc}") from None
    return {"src": src, "headers": header_values(values, where), "continue": True}


def from_redirects_file(text: str) -> RouteSet:
    """Routes from a Netlify ``_redirects`` file: ``from to [status][!]`` per line."""
    result = RouteSet()
    for number, raw in enumerate(text.splitlines(), 1):
        parts = raw.split("#", 1)[0].split()
        if not parts:
            continue
        if len(parts) < 2:
            raise RouteConfigError(f"_redirects line {number}: expected 'from to [status]'")
        status_token = next((p for p in parts[2:] if re.fullmatch(r"\d{3}!?", p)), "301")
        extra = [p for p in parts[2:] if p != status_token]
        if extra:
            result.warnings.append(
                f"_redirects line {number}: conditions {' '.join(extra)} ignored"
            )
            continue
        result += netlify_redirect(
            parts[0], parts[1], int(status_token.rstrip("!")), status_token.endswith("!"),
            f"_redirects line {number}",
        )
    return result


def from_headers_file(text: str) -> RouteSet:
    """Routes from a Netlify ``_headers`` file: a path, then indented ``Name: value`` lines."""
    result = RouteSet()
    current: tuple[str, dict[str, str], int] | None = None
    rules: list[tuple[str, dict[str, str], int]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            current = (line.strip(), {}, number)
            rules.append(current)
        elif current is None or ":" not in line:
            raise RouteConfigError(f"_headers line {number}: expected 'Name: value' under a path")
        else:
            name, value = line.split(":", 1)
            where = f"_headers line {number}"
            current[1][check_header_name(name.strip(), where)] = check_value(value.strip(), where)
    for path, values, number in rules:
        result.headers.append(netlify_header(path, values, f"_headers line {number}"))
    return result
