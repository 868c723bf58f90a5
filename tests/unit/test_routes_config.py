"""Translating vercel.json, netlify.toml, _redirects and _headers into config.json routes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from autostack_plugins.builders.netlify_routes import (
    from_headers_file,
    from_netlify_toml,
    from_redirects_file,
)
from autostack_plugins.builders.routes_config import (
    HASHED_ASSET_SRC,
    IMMUTABLE,
    Route,
    RouteConfigError,
    RouteSet,
    build_config,
    destination_to_dest,
    from_vercel_json,
    immutable_assets_route,
    source_to_regex,
)

pytestmark = pytest.mark.dbless


def resolve(route: Route, path: str) -> str | None:
    """Where a route sends ``path`` (its dest or Location with captures filled in)."""
    match = re.match(route["src"], path)
    if match is None:
        return None
    target = route.get("dest") or route["headers"]["Location"]
    return re.sub(r"\$(\d+)", lambda m: match.group(int(m.group(1))) or "", target)


# -- patterns ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "path", "captures"),
    [
        ("/about", "/about", ()),
        ("/blog/:slug", "/blog/hello-world", ("hello-world",)),
        ("/blog/:slug?", "/blog", (None,)),
        ("/docs/:path*", "/docs", (None,)),
        ("/docs/:path*", "/docs/a/b/c", ("a/b/c",)),
        ("/docs/:path+", "/docs/a/b", ("a/b",)),
        ("/post/:id(\\d+)", "/post/42", ("42",)),
        ("/(.*)", "/anything/at/all", ("anything/at/all",)),
        ("/file.html", "/file.html", ()),
    ],
)
def test_source_patterns_match(source: str, path: str, captures: tuple[str | None, ...]) -> None:
    regex, _ = source_to_regex(source)
    match = re.match(regex, path)
    assert match is not None
    assert match.groups() == captures


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("/about", "/about/"),
        ("/about", "/About"),
        ("/blog/:slug", "/blog/a/b"),
        ("/blog/:slug", "/blog"),
        ("/post/:id(\\d+)", "/post/abc"),
        ("/docs/:path+", "/docs"),
        ("/file.html", "/fileXhtml"),
    ],
)
def test_source_patterns_reject(source: str, path: str) -> None:
    regex, _ = source_to_regex(source)
    assert re.match(regex, path) is None


def test_source_regex_avoids_lookaround_so_go_re2_accepts_it() -> None:
    for source in ("/blog/:slug", "/docs/:path*", "/(.*)", "/news/*"):
        regex, _ = source_to_regex(source, splat=True)
        assert "(?=" not in regex and "(?!" not in regex and "(?<" not in regex


def test_netlify_splat_matches_the_folder_and_everything_below() -> None:
    regex, names = source_to_regex("/news/*", splat=True)
    assert names == ["splat"]
    assert re.match(regex, "/news") and re.match(regex, "/news/2024/01/post")
    assert not re.match(regex, "/newsroom")


@pytest.mark.parametrize(
    ("source", "message"),
    [("blog", "must start with '/'"), ("/a/:id((x))", "capturing groups"), ("/a/(b", "unbalanced")],
)
def test_bad_source_patterns_are_explained(source: str, message: str) -> None:
    with pytest.raises(RouteConfigError, match=message):
        source_to_regex(source)


def test_destination_placeholders_become_numbered_captures() -> None:
    assert destination_to_dest("/news/:slug", ["slug"]) == "/news/$1"
    assert destination_to_dest("/b/:path*?ref=:id", ["id", "path"]) == "/b/$2?ref=$1"
    assert destination_to_dest("https://example.com:8443/:x", ["x"]) == "https://example.com:8443/$1"
    assert destination_to_dest("/keep/:unknown", ["slug"]) == "/keep/:unknown"


# -- vercel.json -----------------------------------------------------------------


def test_vercel_redirects_are_permanent_308_by_default() -> None:
    rules = from_vercel_json({
        "redirects": [
            {"source": "/old/:slug", "destination": "/new/:slug"},
            {"source": "/tmp", "destination": "/", "permanent": False},
            {"source": "/gone", "destination": "/", "statusCode": 301},
        ]
    })
    old, temporary, gone = rules.redirects
    assert old["status"] == 308 and resolve(old, "/old/post") == "/new/post"
    assert temporary["status"] == 307
    assert gone["status"] == 301
    assert rules.rewrites == rules.headers == []


def test_vercel_rewrites_go_after_the_filesystem_and_check_the_destination() -> None:
    rules = from_vercel_json({"rewrites": [{"source": "/api/:path*", "destination": "/api.html"}]})
    (rewrite,) = rules.rewrites
    assert rewrite["check"] is True
    assert resolve(rewrite, "/api/users/1") == "/api.html"


def test_vercel_headers_continue_and_keep_has_conditions() -> None:
    rules = from_vercel_json({
        "headers": [{
            "source": "/(.*)",
            "headers": [{"key": "X-Frame-Options", "value": "DENY"}],
            "has": [{"type": "host", "value": "example.com"}],
        }]
    })
    (header,) = rules.headers
    assert header["headers"] == {"X-Frame-Options": "DENY"}
    assert header["continue"] is True
    assert header["has"] == [{"type": "host", "value": "example.com"}]


def test_vercel_clean_urls_redirect_html_and_serve_without_extension() -> None:
    rules = from_vercel_json({"cleanUrls": True})
    index, html = rules.redirects
    assert resolve(index, "/docs/index.html") == "/docs"
    assert resolve(index, "/index.html") == "/"
    assert resolve(html, "/about.html") == "/about"
    (rewrite,) = rules.rewrites
    assert resolve(rewrite, "/about") == "/about.html"
    assert rewrite["check"] is True


def first_redirect(routes: list[Route], path: str) -> str | None:
    """Where the first route matching ``path`` sends it (``None``: no redirect), as the edge
    evaluates them: a matching route without a Location ends the redirects."""
    for route in routes:
        if re.match(route["src"], path):
            return resolve(route, path) if "headers" in route else None
    return None


@pytest.mark.parametrize(
    ("trailing_slash", "path", "location"),
    [(True, "/about", "/about/"), (True, "/app.js", None), (True, "/app.js/", "/app.js"),
     (True, "/.well-known/security", None), (True, "/docs/", None),
     (False, "/about/", "/about"), (False, "/", None), (False, "/a/b/", "/a/b")],
)
def test_vercel_trailing_slash(trailing_slash: bool, path: str, location: str | None) -> None:
    redirects = from_vercel_json({"trailingSlash": trailing_slash}).redirects
    assert first_redirect(redirects, path) == location


def test_vercel_clean_urls_with_trailing_slash_redirect_to_the_slash_form() -> None:
    redirects = from_vercel_json({"cleanUrls": True, "trailingSlash": True}).redirects
    assert first_redirect(redirects, "/about.html") == "/about/"
    assert first_redirect(redirects, "/docs/index.html") == "/docs/"
    assert first_redirect(redirects, "/about") == "/about/"


def test_vercel_header_values_take_the_sources_segments() -> None:
    rules = from_vercel_json({"headers": [{"source": "/blog/:slug", "headers": [
        {"key": "X-Post", "value": ":slug"}, {"key": "Link", "value": "<https://a.example/>"}]}]})
    assert rules.headers[0]["headers"] == {"X-Post": "$1", "Link": "<https://a.example/>"}


def test_vercel_rewrites_with_clean_urls_also_try_the_html_file() -> None:
    rules = from_vercel_json({"cleanUrls": True, "rewrites": [
        {"source": "/guide/:page", "destination": "/docs/:page"},
        {"source": "/app/(.*)", "destination": "/app/index.html"}]})
    clean, html, guide, app = rules.rewrites
    assert clean["dest"] == "/$1.html"
    assert (html["dest"], guide["dest"]) == ("/docs/$1.html", "/docs/$1")
    assert html["check"] is guide["check"] is True
    assert app["dest"] == "/app/index.html"


def test_vercel_rewrite_status_code_is_kept() -> None:
    rules = from_vercel_json({"rewrites": [
        {"source": "/gone", "destination": "/gone.html", "statusCode": 410}]})
    assert rules.rewrites[0]["status"] == 410


def test_vercel_legacy_routes_are_kept_as_written() -> None:
    routes = [{"src": "/x", "dest": "/y.html"}]
    assert from_vercel_json({"routes": routes}).routes == routes


def test_vercel_rule_without_source_is_a_clear_error() -> None:
    with pytest.raises(RouteConfigError, match=r"vercel\.json redirects"):
        from_vercel_json({"redirects": [{"destination": "/"}]})


# -- Netlify -------------------------------------------------------------------------


def test_netlify_toml_redirects_rewrites_and_headers() -> None:
    rules = from_netlify_toml(
        """
[[redirects]]
from = "/blog/*"
to = "/news/:splat"

[[redirects]]
from = "/*"
to = "/index.html"
status = 200

[[redirects]]
from = "/forced"
to = "/elsewhere"
status = 302
force = true

[[headers]]
for = "/assets/*"
[headers.values]
Cache-Control = "public, max-age=600"
"""
    )
    forced, = rules.redirects
    assert forced["status"] == 302 and resolve(forced, "/forced") == "/elsewhere"
    shadowed_redirect, spa = rules.rewrites
    assert shadowed_redirect["status"] == 301
    assert resolve(shadowed_redirect, "/blog/2024/post") == "/news/2024/post"
    assert "status" not in spa and resolve(spa, "/some/page") == "/index.html"
    (header,) = rules.headers
    assert header["headers"] == {"Cache-Control": "public, max-age=600"}
    assert re.match(header["src"], "/assets/app.css")


def test_netlify_toml_rules_with_conditions_are_skipped_with_a_warning() -> None:
    rules = from_netlify_toml(
        '[[redirects]]\nfrom = "/"\nto = "/fr"\nconditions = {Language = ["fr"]}\n'
    )
    assert rules.redirects == rules.rewrites == []
    assert "conditions not supported" in rules.warnings[0]


def test_invalid_netlify_toml_is_a_clear_error() -> None:
    with pytest.raises(RouteConfigError, match=r"netlify\.toml is not valid TOML"):
        from_netlify_toml("[[redirects]\n")


def test_redirects_file_lines() -> None:
    rules = from_redirects_file(
        """
# comment
/home              /                 301
/old/:id           /new/:id          302!
/app/*             /app/index.html   200
/missing           /404.html         404
/short             https://example.com
/geo               /uk               302  Country=gb
"""
    )
    home, = rules.rewrites[:1]
    assert home["status"] == 301 and resolve(home, "/home") == "/"
    (forced,) = rules.redirects
    assert forced["status"] == 302 and resolve(forced, "/old/7") == "/new/7"
    app, missing, short = rules.rewrites[1:]
    assert resolve(app, "/app/settings") == "/app/index.html" and "status" not in app
    assert missing["status"] == 404 and missing["dest"] == "/404.html"
    assert short["status"] == 301 and short["headers"]["Location"] == "https://example.com"
    assert rules.warnings == ["_redirects line 8: conditions Country=gb ignored"]


def test_redirects_file_line_with_one_field_is_a_clear_error() -> None:
    with pytest.raises(RouteConfigError, match="_redirects line 2"):
        from_redirects_file("/ok /fine\n/broken\n")


def test_headers_file() -> None:
    rules = from_headers_file(
        """# security
/*
  X-Frame-Options: DENY
  Content-Security-Policy: default-src 'self'; img-src *

/fonts/*
  Access-Control-Allow-Origin: *
"""
    )
    every, fonts = rules.headers
    assert every["headers"] == {
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "default-src 'self'; img-src *",
    }
    assert re.match(every["src"], "/") and re.match(every["src"], "/a/b")
    assert fonts["headers"] == {"Access-Control-Allow-Origin": "*"}
    assert all(route["continue"] for route in rules.headers)


def test_a_bad_path_in_headers_file_names_the_file_and_line_not_the_text() -> None:
    """A ``_headers`` holding anything but rules (a key, say) is named by line, never quoted."""
    with pytest.raises(RouteConfigError) as error:
        from_headers_file("/*\n  X-Fine: yes\n\nk3y-s3cr3t-value\n")
    assert str(error.value) == "_headers line 4: a source path must start with '/'"


def test_headers_file_value_without_a_path_is_a_clear_error() -> None:
    with pytest.raises(RouteConfigError, match="_headers line 1"):
        from_headers_file("  X-Frame-Options: DENY\n")


def test_a_header_name_with_braces_in_headers_file_names_the_line() -> None:
    with pytest.raises(RouteConfigError, match=r"_headers line 3: 'X-\{env.HOME\}' is not a "
                                               "valid header name"):
        from_headers_file("/*\n  X-Fine: {env.HOME}\n  X-{env.HOME}: no\n")


@pytest.mark.parametrize(("reader", "text", "where"), [
    (lambda text: from_vercel_json({"headers": [
        {"source": "/a", "headers": [{"key": "ok", "value": "1"}]},
        {"source": "/b", "headers": [{"key": text, "value": "1"}]}]}),
     "X {a}", "vercel.json headers[1]"),
    (lambda text: from_vercel_json({"routes": [{"src": "/", "headers": {text: "1"}}]}),
     "{x}", "vercel.json routes[0]"),
    (lambda text: from_netlify_toml(f'[[headers]]\nfor = "/"\n[headers.values]\n"{text}" = "1"\n'),
     "a:b", "netlify.toml headers for '/'"),
])
def test_invalid_header_names_are_refused_naming_the_rule(reader: Any, text: str,
                                                         where: str) -> None:
    with pytest.raises(RouteConfigError, match=re.escape(f"{where}: {text!r} is not a valid")):
        reader(text)


def test_braces_in_header_values_and_destinations_are_kept_as_written() -> None:
    """The edge serves them literally (see the local edge's ``edge_routes.literal``)."""
    rules = from_headers_file('/*\n  Report-To: {"group":"csp"}\n')
    assert rules.headers[0]["headers"] == {"Report-To": '{"group":"csp"}'}
    (rewrite,) = from_redirects_file("/a/*  /{env.HOME}/:splat  200\n").rewrites
    assert rewrite["dest"] == "/{env.HOME}/$1"


@pytest.mark.parametrize(("reader", "where"), [
    (lambda: from_redirects_file("/ok /fine\n/a/*  /b\\:splat  301\n"), "_redirects line 2"),
    (lambda: from_headers_file("/*\n  X-A: \\$1\n"), "_headers line 2"),
    (lambda: from_vercel_json({"redirects": [{"source": "/:x", "destination": "/\\:x"}]}),
     "vercel.json redirects[0]"),
    (lambda: from_vercel_json({"rewrites": [{"source": "/(.*)", "destination": "/\\$1"}]}),
     "vercel.json rewrites[0]"),
])
def test_a_backslash_before_a_capture_is_refused(reader: Any, where: str) -> None:
    with pytest.raises(RouteConfigError, match=re.escape(where) + ": a backslash right before"):
        reader()


# -- config.json -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["assets/index-BxXrZ1aT.js", "assets/index-DiwrgTda.css", "_next/static/chunks/main.js",
     "static/js/main.0a1b2c3d.js", "_app/immutable/entry/start.js", "_astro/index.abc.css"],
)
def test_hashed_assets_are_cached_forever(path: str) -> None:
    route = immutable_assets_route([path])
    assert route == {"src": HASHED_ASSET_SRC, "headers": {"Cache-Control": IMMUTABLE},
                     "continue": True}
    assert re.match(route["src"], "/" + path)


@pytest.mark.parametrize("path", ["index.html", "app.js", "assets/logo.svg", "style.css"])
def test_unhashed_files_are_not_cached_forever(path: str) -> None:
    assert immutable_assets_route([path]) is None
    assert not re.match(HASHED_ASSET_SRC, "/" + path)


def test_config_orders_headers_redirects_filesystem_rewrites_fallbacks() -> None:
    rules = RouteSet(
        routes=[{"src": "^/legacy$", "dest": "/x"}],
        headers=[{"src": "^/.*$", "headers": {"X-A": "1"}, "continue": True}],
        redirects=[{"src": "^/old$", "headers": {"Location": "/"}, "status": 308}],
        rewrites=[{"src": "^/r$", "dest": "/r.html", "check": True}],
    )
    config = build_config(
        rules, files=["index.html", "404.html", "assets/a-12345678.js"], spa_fallback=True
    )
    assert config["version"] == 3
    routes: list[dict[str, Any]] = config["routes"]
    assert [route.get("src", route.get("handle")) for route in routes] == [
        "^/legacy$", HASHED_ASSET_SRC, "^/.*$", "^/old$", "filesystem", "^/r$",
        "^/.*$", "error", "^/.*$",
    ]
    assert routes[6] == {"src": "^/.*$", "dest": "/index.html"}
    assert routes[8] == {"src": "^/.*$", "dest": "/404.html", "status": 404}


def test_plain_site_config_is_just_the_filesystem() -> None:
    assert build_config(RouteSet(), files=["index.html"]) == {
        "version": 3, "routes": [{"handle": "filesystem"}]
    }


def test_spa_fallback_needs_an_index_html() -> None:
    config = build_config(RouteSet(), files=["app.html"], spa_fallback=True)
    assert config["routes"] == [{"handle": "filesystem"}]


def test_route_sets_add_up_in_order() -> None:
    first = from_redirects_file("/a /b 302!")
    second = from_redirects_file("/c /d 302!")
    combined = first + second
    assert [route["headers"]["Location"] for route in combined.redirects] == ["/b", "/d"]
