"""Matching and escaping for the local edge: a Build Output route's ``src``, conditions
and user text as Caddy JSON; pure functions, no I/O.

No user text is ever a placeholder. Caddy expands ``{env.NAME}``,
``{file./path}`` and the like in header names and values, redirect targets,
rewrites and the ``host``, ``path`` and ``query`` matchers, so every string a
``config.json`` puts there goes through :func:`literal`, which escapes its
braces the way Caddy's replacer reads them literally (``\\{``, ``\\}``);
only the ``{http.regexp...}`` placeholders made from ``$1``/``$name`` are
real (:func:`placeholders`).

Vercel matches ``src`` case-insensitively and anchored unless told otherwise;
so do we. Caddy's regular expressions are RE2: a leading negative lookahead
(``^(?!/api).*$``, common in error routes) is rewritten into a ``not``
matcher; any other lookaround or back-reference raises ``ValueError``, which
the caller turns into a skipped route with a warning.
"""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]

_LOOKAROUND = re.compile(r"\(\?<?[=!]|\\[1-9]")
_LEADING_NEGATIVE_LOOKAHEAD = re.compile(r"^\^\(\?!([^()]*)\)(.*)$")
_CAPTURE_REFERENCE = re.compile(r"\$(\d+|[A-Za-z_][A-Za-z0-9_]*)")
# RFC 9110 token: what an HTTP field name may be.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def normalize_src(src: str) -> str:
    """Anchor ``src`` like Vercel does (``^`` and ``$`` are added when missing)."""
    if not src.startswith("^"):
        src = "^" + src
    if not src.endswith("$"):
        src = src + "$"
    return src


def literal(text: str) -> str:
    """``text`` as Caddy's replacer reads it literally: every brace escaped with a backslash.

    Caddy drops a backslash only right before a brace, and cannot escape a
    backslash itself, so a ``\\{`` of the user's becomes ``\\\\{``: the first
    backslash stays, the second escapes the brace.
    """
    return text.replace("{", "\\{").replace("}", "\\}")


def placeholders(template: str, matcher_name: str) -> str:
    """Turn ``$1``/``$name`` references into Caddy ``{http.regexp.NAME.1}`` placeholders.

    Everything else in ``template`` is literal; raises ``ValueError`` for a
    backslash right before a reference (Caddy would read the placeholder's
    brace as escaped).
    """
    parts: list[str] = []
    end = 0
    for match in _CAPTURE_REFERENCE.finditer(template):
        text = template[end:match.start()]
        if text.endswith("\\"):
            raise ValueError(f"a backslash right before {match.group()} in {template!r}")
        parts += [literal(text), f"{{http.regexp.{matcher_name}.{match.group(1)}}}"]
        end = match.end()
    return "".join([*parts, literal(template[end:])])


def header_name(name: str) -> str:
    """``name`` if it is a valid HTTP field name (which has no braces); else ``ValueError``."""
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"invalid header name {name!r}")
    return name


def path_matcher(src: str, name: str, case_sensitive: bool) -> JSON:
    """A Caddy matcher set for a Vercel ``src``; raises ``ValueError`` if RE2 cannot run it."""
    pattern = normalize_src(src)
    excluded: str | None = None
    lookahead = _LEADING_NEGATIVE_LOOKAHEAD.match(pattern)
    if lookahead:
        group = lookahead.group(1)
        # Every alternative is anchored: ``^(?!/a|/b)`` excludes ``/a...`` and ``/b...`` only.
        excluded = "^" + (f"(?:{group})" if "|" in group else group)
        pattern = "^" + lookahead.group(2)
    if _LOOKAROUND.search(pattern) or (excluded and _LOOKAROUND.search(excluded)):
        raise ValueError(f"unsupported regular expression (lookaround): {src}")
    flags = "" if case_sensitive else "(?i)"
    matcher: JSON = {"path_regexp": {"name": name, "pattern": flags + pattern}}
    if excluded is not None:
        matcher["not"] = [{"path_regexp": {"pattern": flags + excluded}}]
    return matcher


def conditions(route: JSON, matcher: JSON) -> None:
    """Add ``methods``, ``has`` and ``missing`` conditions to ``matcher`` in place."""
    if route.get("methods"):
        matcher["method"] = [str(method).upper() for method in route["methods"]]
    for key, negate in (("has", False), ("missing", True)):
        for item in route.get(key) or []:
            single = condition(item)
            if negate:
                matcher.setdefault("not", []).append(single)
            else:
                for name, value in single.items():
                    if isinstance(value, list):  # host
                        matcher.setdefault(name, []).extend(value)
                    else:
                        matcher.setdefault(name, {}).update(value)


def condition(item: JSON) -> JSON:
    """One ``has``/``missing`` item (host, header, cookie, query) as a Caddy matcher set."""
    kind, value = item.get("type"), item.get("value")
    key = str(item.get("key", ""))
    pattern = f"^{value}$" if value is not None else ".*"
    if kind == "host":
        return {"host": [literal(str(value))]}
    if kind == "header":
        return {"header_regexp": {key: {"pattern": pattern}}}
    if kind == "cookie":
        cookie = f"(?:^|;\\s*){re.escape(key)}={value if value is not None else '[^;]*'}(?:;|$)"
        return {"header_regexp": {"Cookie": {"pattern": cookie}}}
    if kind == "query":
        return {"query": {literal(key): [literal(str(value)) if value is not None else "*"]}}
    raise ValueError(f"unsupported condition type: {kind}")


def headers_handler(headers: dict[str, Any], name: str) -> JSON:
    return {
        "handler": "headers",
        "response": {
            "set": {header_name(str(key)): [placeholders(str(value), name)]
                    for key, value in headers.items()}
        },
    }
