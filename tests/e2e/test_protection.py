"""Deployment protection through the real server and the real Caddy edge.

A project protects its previews with a password (set with the CLI): its
preview answers the password form (401) without credentials, a wrong password
does not get in, the right one sets a cookie that does, and that cookie opens
no other project's preview. The bypass secret works as a header and as a query
parameter that sets the cookie. Production, left at ``none``, stays public and
cacheable; every protected answer is ``private, no-store``. The password and
team-login flows in a browser: tests/e2e/test_protection_browser.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_deploy import deploy, hostname_of

pytestmark = pytest.mark.e2e

PASSWORD = "open sesame 42"
LOGIN = "/_autostack/protection/login"
HTML = {"Accept": "text/html"}


def edge(server: Server, method: str, hostname: str, path: str = "/", *,
         cookie: str | None = None, headers: dict[str, str] | None = None,
         data: dict[str, str] | None = None) -> httpx.Response:
    """One request through the edge for ``hostname`` (the access cookie sent if given)."""
    sent = {"Host": hostname, **HTML, **(headers or {})}
    if cookie:
        sent["Cookie"] = f"autostack_protection={cookie}"
    return httpx.request(method, f"http://127.0.0.1:{server.edge_port}{path}", headers=sent,
                         data=data, timeout=10)


def protect_previews(server: Server, project: str) -> None:
    server.cli("protection", "set", project, "--preview", "password", "--password", PASSWORD)


def test_a_password_protected_preview_through_caddy(server: Server, site: Path) -> None:
    production = deploy(server, site, "--prod", "--project", "alpha")
    preview_deployment = deploy(server, site, "--project", "alpha")
    preview = hostname_of(preview_deployment["url"])
    other = hostname_of(deploy(server, site, "--prod", "--project", "beta")["url"])
    protect_previews(server, "alpha")
    server.cli("protection", "set", "beta", "--production", "password", "--password", PASSWORD)

    form = edge(server, "GET", preview, "/index.html")
    assert form.status_code == 401 and "This deployment is protected" in form.text
    assert form.headers["cache-control"] == "private, no-store"
    # Naming the deployment (skew protection's pins) or another spelling of the host
    # does not get around the check.
    pinned = preview_deployment["id"]
    for path, headers in [("/", {"x-deployment-id": pinned}), (f"/?dpl={pinned}", {}),
                          ("/", {"Cookie": f"__vdpl={pinned}"}),
                          ("/", {"Host": preview.upper()})]:
        sneaked = edge(server, "GET", preview, path, headers=headers)
        assert sneaked.status_code in (401, 404) and "version 1" not in sneaked.text, headers
    assert edge(server, "GET", preview, LOGIN.replace("login", "app.css")).status_code == 200
    wrong = edge(server, "POST", preview, LOGIN, data={"password": "guess", "next": "/"})
    assert wrong.status_code == 401 and "that is not the password" in wrong.text
    assert "autostack_protection" not in wrong.cookies
    right = edge(server, "POST", preview, LOGIN, data={"password": PASSWORD, "next": "/"})
    assert right.status_code == 303 and right.headers["location"] == "/"
    cookie = right.cookies["autostack_protection"]
    page = edge(server, "GET", preview, cookie=cookie)
    assert page.status_code == 200 and "version 1" in page.text
    assert page.headers["cache-control"] == "private, no-store"
    asset = edge(server, "GET", preview, "/assets/file-1.txt", cookie=cookie)
    assert asset.status_code == 200 and "asset 1" in asset.text

    crossed = edge(server, "GET", other, cookie=cookie)
    assert crossed.status_code == 401 and "version 1" not in crossed.text, \
        "project alpha's cookie must not open project beta"
    public = edge(server, "GET", hostname_of(production["url"]))
    assert public.status_code == 200 and "version 1" in public.text
    assert "no-store" not in public.headers.get("cache-control", "")
    assert "version 1" in edge(server, "GET", "alpha.localhost").text


def test_the_bypass_secret_as_header_and_query_parameter(server: Server, site: Path) -> None:
    preview = hostname_of(deploy(server, site, "--project", "gamma")["url"])
    protect_previews(server, "gamma")
    result = server.cli("protection", "bypass", "gamma", "--json")
    secret = json.loads(result.stdout)["secret"]
    assert edge(server, "GET", preview, headers={"Accept": "*/*"}).status_code == 401
    by_header = edge(server, "GET", preview, headers={
        "x-vercel-protection-bypass": secret, "Authorization": "Bearer the-app-s-own-token"})
    assert by_header.status_code == 200 and "version 1" in by_header.text, \
        "the app's own Authorization header must not reach the control plane's check"
    assert by_header.headers["cache-control"] == "private, no-store"
    redirected = edge(server, "GET", preview, "/?x-vercel-protection-bypass="
                      f"{secret}&x-vercel-set-bypass-cookie=true")
    assert redirected.status_code == 307 and redirected.headers["location"] == "/"
    cookie = redirected.cookies["autostack_protection"]
    assert "version 1" in edge(server, "GET", preview, cookie=cookie).text
    assert edge(server, "GET", preview,
                headers={"x-vercel-protection-bypass": "wrong"}).status_code == 401


def test_opening_a_preview_again_takes_effect_at_once(server: Server, site: Path) -> None:
    preview = hostname_of(deploy(server, site, "--project", "delta")["url"])
    protect_previews(server, "delta")
    assert edge(server, "GET", preview).status_code == 401
    server.cli("protection", "set", "delta", "--preview", "none")
    # "At once": the very first request after the command returns is served, no retry
    # and no waiting for a cache to expire.
    opened = edge(server, "GET", preview)
    assert opened.status_code == 200 and "version 1" in opened.text
