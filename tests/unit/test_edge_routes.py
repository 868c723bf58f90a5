"""Build Output API v3 routes translated to Caddy JSON (no Caddy needed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from autostack_plugins.providers.local.edge_matchers import (
    literal,
    normalize_src,
    path_matcher,
    placeholders,
)
from autostack_plugins.providers.local.edge_routes import deployment_handler, translate_routes

pytestmark = pytest.mark.dbless

ROOT = "/srv/dpl/static"


def handlers(route: dict[str, Any]) -> list[str]:
    return [handler["handler"] for handler in route["handle"]]


@pytest.mark.parametrize(
    ("src", "expected"),
    [("/about", "^/about$"), ("^/a/(.*)$", "^/a/(.*)$"), ("/(.*)", "^/(.*)$")],
)
def test_normalize_src_anchors_like_vercel(src: str, expected: str) -> None:
    assert normalize_src(src) == expected


def test_placeholders_for_numbered_and_named_groups() -> None:
    assert placeholders("/new/$1?slug=$slug", "r3") == (
        "/new/{http.regexp.r3.1}?slug={http.regexp.r3.slug}"
    )


def test_path_matcher_is_case_insensitive_unless_told() -> None:
    assert path_matcher("/a", "r0", False)["path_regexp"]["pattern"] == "(?i)^/a$"
    assert path_matcher("/a", "r0", True)["path_regexp"]["pattern"] == "^/a$"


def test_leading_negative_lookahead_becomes_not_matcher() -> None:
    matcher = path_matcher("^(?!/api).*$", "e0", True)
    assert matcher == {
        "path_regexp": {"name": "e0", "pattern": "^.*$"},
        "not": [{"path_regexp": {"pattern": "^/api"}}],
    }


def test_other_lookaround_is_skipped_with_a_warning() -> None:
    result = translate_routes([{"src": "/(?=x)y", "dest": "/z"}, {"src": "/ok", "dest": "/k"}],
                              ROOT)
    assert len(result.routes) == 1
    assert result.warnings == ["route 0 skipped: unsupported regular expression "
                               "(lookaround): /(?=x)y"]


def test_redirect_becomes_static_response() -> None:
    routes = [{"src": "/old/(.*)", "headers": {"Location": "/new/$1"}, "status": 308}]
    [route] = translate_routes(routes, ROOT).routes
    assert route["terminal"] is True
    assert route["handle"] == [{
        "handler": "static_response", "status_code": 308,
        "headers": {"Location": ["/new/{http.regexp.r0.1}"]},
    }]


def test_headers_with_continue_do_not_end_routing() -> None:
    routes = [{"src": "/(.*)", "headers": {"X-Frame-Options": "DENY"}, "continue": True}]
    [route] = translate_routes(routes, ROOT).routes
    assert "terminal" not in route
    assert route["handle"] == [
        {"handler": "headers", "response": {"set": {"X-Frame-Options": ["DENY"]}}}
    ]


def test_rewrite_without_continue_serves_the_destination() -> None:
    [route] = translate_routes([{"src": "/blog/(?<slug>[^/]+)", "dest": "/post.html"}],
                               ROOT).routes
    assert handlers(route) == ["rewrite", "file_server"]
    assert route["terminal"] is True


def test_filesystem_phase_is_a_pass_through_file_server() -> None:
    result = translate_routes([{"handle": "filesystem"}], ROOT)
    assert result.has_filesystem
    assert result.routes == [{"handle": [{"handler": "file_server", "root": ROOT,
                                          "pass_thru": True, "canonical_uris": False}]}]


def test_spa_fallback_tries_files_then_index() -> None:
    result = translate_routes(
        [{"handle": "filesystem"}, {"src": "/(.*)", "dest": "/index.html"}], ROOT
    )
    files, fallback = result.routes
    assert files["handle"][0]["pass_thru"] is True
    assert fallback["handle"] == [
        {"handler": "rewrite", "uri": "/index.html"},
        {"handler": "file_server", "root": ROOT},
    ]


def test_error_phase_404_page() -> None:
    routes = [{"handle": "error"}, {"src": "/(.*)", "dest": "/404.html", "status": 404}]
    [error] = translate_routes(routes, ROOT).errors
    assert error["handle"] == [
        {"handler": "rewrite", "uri": "/404.html"},
        {"handler": "file_server", "root": ROOT, "status_code": 404},
    ]


def test_hit_phase_applies_only_to_existing_files() -> None:
    routes = [{"handle": "hit"}, {"src": "/static/(.*)", "headers": {"Cache-Control": "x"}}]
    [route] = translate_routes(routes, ROOT).routes
    assert route["match"][0]["file"] == {"root": ROOT, "try_files": ["{http.request.uri.path}"]}
    assert "terminal" not in route


def test_hit_phase_headers_are_set_before_the_filesystem_serves() -> None:
    routes = [{"handle": "filesystem"}, {"src": "/(.*)", "dest": "/index.html"},
              {"handle": "hit"}, {"src": "/s/(.*)", "headers": {"X-Hit": "1"}}]
    hit, files, fallback = translate_routes(routes, ROOT).routes
    assert "file" in hit["match"][0]
    assert files["handle"][0]["pass_thru"] is True
    assert fallback["handle"][0] == {"handler": "rewrite", "uri": "/index.html"}


def test_a_checked_rewrite_serves_an_existing_destination_else_puts_the_uri_back() -> None:
    routes = [{"handle": "filesystem"}, {"src": "/(.+)", "dest": "/$1.html", "check": True}]
    _, route = translate_routes(routes, ROOT).routes
    assert "terminal" not in route, "a miss goes on to the next route"
    save, check = route["handle"]
    assert save == {"handler": "vars", "autostack_unchecked": "{http.request.uri}"}
    rewrite, hit, miss = check["routes"]
    assert rewrite["handle"] == [{"handler": "rewrite", "uri": "/{http.regexp.r1.1}.html"}]
    assert hit["match"][0]["file"]["root"] == ROOT and hit["terminal"] is True
    assert [handler["handler"] for handler in hit["handle"]] == ["rewrite", "file_server"]
    assert miss["handle"] == [{"handler": "rewrite", "uri": "{http.vars.autostack_unchecked}"}]


def test_a_checked_rewrite_tries_the_functions_and_an_error_status_answers_a_miss() -> None:
    function = {"match": [{"file": {"root": "/fn"}}], "handle": [], "terminal": True}
    routes = [{"handle": "miss"}, {"src": "/_next/static/.+", "dest": "$0", "status": 404,
                                   "check": True}]
    [route] = translate_routes(routes, ROOT, functions=[function]).routes
    _, _, tried, miss = route["handle"][1]["routes"]
    assert tried == function
    assert miss["handle"] == [{"handler": "error", "status_code": 404}]


def test_methods_has_and_missing_conditions() -> None:
    routes = [{
        "src": "/x", "dest": "/y", "methods": ["post"],
        "has": [{"type": "header", "key": "x-beta", "value": "1"}],
        "missing": [{"type": "query", "key": "preview"}],
    }]
    [route] = translate_routes(routes, ROOT).routes
    matcher = route["match"][0]
    assert matcher["method"] == ["POST"]
    assert matcher["header_regexp"] == {"x-beta": {"pattern": "^1$"}}
    assert matcher["not"] == [{"query": {"preview": ["*"]}}]


def test_deployment_handler_defaults() -> None:
    handler, warnings = deployment_handler(ROOT, {})
    assert warnings == []
    assert handler["handler"] == "subroute"
    first, immutable, files = handler["routes"]
    assert first["handle"][0]["handler"] == "encode"
    assert immutable["handle"][0]["response"]["set"]["Cache-Control"] == [
        "public, max-age=31536000, immutable"
    ]
    assert files == {"handle": [{"handler": "file_server", "root": ROOT}]}
    [fallback] = handler["errors"]["routes"]
    assert fallback["handle"][0]["handler"] == "static_response"


def test_deployment_handler_uses_404_page_when_present() -> None:
    handler, _ = deployment_handler(ROOT, {}, has_404_page=True)
    custom, _fallback = handler["errors"]["routes"]
    assert custom["handle"][1] == {"handler": "file_server", "root": ROOT, "status_code": 404}


def test_overrides_serve_a_file_under_a_clean_path() -> None:
    config = {"overrides": {"about.html": {"path": "about", "contentType": "text/html"}}}
    handler, _ = deployment_handler(ROOT, config)
    override = handler["routes"][2]
    assert override["match"] == [{"path": ["/about"]}]
    assert override["handle"][-1] == {"handler": "rewrite", "uri": "/about.html"}


# -- user text is never a placeholder --------------------------------------------

# A placeholder as Caddy's replacer finds one: a '{' not preceded by a backslash, up to '}'.
_UNESCAPED_PLACEHOLDER = re.compile(r"(?<!\\)\{([^}]*)\}")
HOSTILE = "{env.HOME}{file./etc/passwd}"


def strings(value: object) -> Iterator[str]:
    """Every string in a Caddy JSON value that Caddy's replacer reads, keys included.

    Regular expressions (``pattern``) are compiled as written, never replaced.
    """
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            if key != "pattern":
                yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize(("text", "expected"), [
    ("{env.HOME}", r"\{env.HOME\}"),
    ('{"group":"csp"}', r'\{"group":"csp"\}'),
    (r"a\{b", r"a\\{b"),
    ("no braces", "no braces"),
])
def test_literal_escapes_braces_for_caddys_replacer(text: str, expected: str) -> None:
    assert literal(text) == expected


def test_placeholders_escape_the_users_braces_and_keep_the_captures() -> None:
    assert placeholders("/a/{env.HOME}/$1?k={file./k}", "r0") == (
        r"/a/\{env.HOME\}/{http.regexp.r0.1}?k=\{file./k\}"
    )


def test_a_backslash_right_before_a_capture_is_refused() -> None:
    # Caddy would read "\{http.regexp...}" as an escaped brace: the capture would be lost.
    with pytest.raises(ValueError, match="backslash"):
        placeholders("/a\\$1", "r0")


def test_invalid_header_names_skip_the_route() -> None:
    result = translate_routes([{"src": "/", "headers": {"X-{env.HOME}": "1"}},
                               {"src": "/", "headers": {"X Space": "1"}}], ROOT)
    assert result.routes == []
    assert result.warnings == [
        "route 0 skipped: invalid header name 'X-{env.HOME}'",
        "route 1 skipped: invalid header name 'X Space'",
    ]


def test_no_user_text_in_any_place_becomes_a_placeholder() -> None:
    """Every user string of a config.json, in every place, reaches Caddy escaped."""
    routes = [
        {"src": "/h/(.*)", "headers": {"X-Value": HOSTILE + "$1"}, "continue": True,
         "has": [{"type": "host", "value": HOSTILE},
                 {"type": "query", "key": HOSTILE, "value": HOSTILE},
                 {"type": "header", "key": "x-h", "value": "a{2}"},
                 {"type": "cookie", "key": HOSTILE, "value": HOSTILE}],
         "missing": [{"type": "query", "key": HOSTILE}]},
        {"src": "/r/(.*)", "headers": {"Location": "/$1/" + HOSTILE, "X-A": HOSTILE},
         "status": 307},
        {"src": "/w", "dest": "/" + HOSTILE, "status": 200},
        {"src": "/s", "status": 451},
        {"handle": "filesystem"},
        {"handle": "hit"},
        {"src": "/hit", "headers": {"X-Hit": HOSTILE}},
        {"handle": "error"},
        {"src": "/(.*)", "dest": "/" + HOSTILE + "$1", "headers": {"X-E": HOSTILE}, "status": 404},
    ]
    overrides = {HOSTILE + ".html": {"path": HOSTILE, "contentType": HOSTILE}}
    handler, warnings = deployment_handler(ROOT, {"routes": routes, "overrides": overrides})
    assert warnings == []
    found = {key for text in strings(handler) for key in _UNESCAPED_PLACEHOLDER.findall(text)}
    generated = {"http.regexp.r0.1", "http.regexp.r1.1", "http.regexp.e8.1",
                 "http.request.uri.path", "http.error.status_code", "http.error.status_text"}
    assert found == generated
    assert sum(HOSTILE.replace("{", "\\{").replace("}", "\\}") in text
               for text in strings(handler)) >= 12


def test_regular_expressions_keep_their_braces() -> None:
    """Caddy compiles matcher patterns as they are: a quantifier stays a quantifier."""
    [route] = translate_routes([{"src": "/[a-z]{2}", "dest": "/x",
                                 "has": [{"type": "header", "key": "x", "value": "a{2}"}]}],
                               ROOT).routes
    assert route["match"][0]["path_regexp"]["pattern"] == "(?i)^/[a-z]{2}$"
    assert route["match"][0]["header_regexp"] == {"x": {"pattern": "^a{2}$"}}
