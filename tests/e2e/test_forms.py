"""Netlify forms through the real server, CLI and Caddy edge.

A static site with a Netlify form (and a honeypot) is deployed with the CLI;
posts go to the edge with the site's hostname on a path of the site, as a
browser's form submission does, and the submissions are then listed and
exported and deleted with the CLI. A site without forms still answers a post with
405, and a post of JSON to a form site is the site's (405), not a form's.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_deploy import deploy

pytestmark = pytest.mark.e2e

PAGE = """<!doctype html><html><body><h1>Contact</h1>
<form name="contact" method="POST" data-netlify="true" netlify-honeypot="bot-field">
  <input type="hidden" name="form-name" value="contact">
  <p hidden><input name="bot-field"></p>
  <input name="email"><textarea name="message"></textarea><button>Send</button>
</form>
<form name="newsletter" netlify action="/thanks.html"><input name="email"></form>
</body></html>"""
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def edge_post(
    server: Server, hostname: str, path: str, body: str, headers: dict[str, str] = FORM
) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{server.edge_port}{path}",
        content=body.encode(),
        headers={"Host": hostname, **headers},
        timeout=10,
    )


def test_a_netlify_form_posted_through_the_edge_is_stored_listed_and_exported(
    server: Server, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "contact.html").write_text(PAGE)
    (site / "index.html").write_text("<h1>home</h1>")
    (site / "thanks.html").write_text("<h1>thanks</h1>")
    assert deploy(server, site, "--prod", "--project", "formsite")["state"] == "ready"
    hostname = "formsite.localhost"
    assert "Contact" in server.edge_get(hostname, "/contact.html").text

    sent = edge_post(
        server,
        hostname,
        "/contact.html",
        "form-name=contact&bot-field=&email=ann%40example.com&message=%3D1%2B1",
    )
    assert sent.status_code == 200, sent.text
    assert "Thank you" in sent.text and 'href="/contact.html"' in sent.text
    redirected = edge_post(server, hostname, "/", "form-name=newsletter&email=bo%40example.com")
    assert redirected.status_code == 303 and redirected.headers["location"] == "/thanks.html"
    spam = edge_post(
        server,
        hostname,
        "/contact.html",
        "form-name=contact&bot-field=cheap&email=spam%40example.com",
    )
    assert spam.status_code == 200
    unknown = edge_post(server, hostname, "/contact.html", "form-name=nope&email=x")
    assert unknown.status_code == 404
    json_post = edge_post(
        server, hostname, "/contact.html", "{}", {"Content-Type": "application/json"}
    )
    assert json_post.status_code == 405

    listed = json.loads(server.cli("forms", "--project", "formsite", "--json").stdout)["forms"]
    assert [(form["name"], form["submissions"]) for form in listed] == [
        ("contact", 1),
        ("newsletter", 1),
    ]
    rows = json.loads(
        server.cli("forms", "submissions", "contact", "--project", "formsite", "--json").stdout
    )["submissions"]
    assert [row["data"] for row in rows] == [{"email": "ann@example.com", "message": "=1+1"}]
    exported = tmp_path / "contact.csv"
    server.cli("forms", "export", "contact", "--project", "formsite", "-o", str(exported))
    table = list(csv.reader(io.StringIO(exported.read_text())))
    assert table[0] == ["created_at", "email", "message"]
    assert table[1][1:] == ["ann@example.com", "'=1+1"]
    server.cli("forms", "rm", "contact", str(rows[0]["id"]), "--project", "formsite")
    with server.api() as api:
        left = api.get("/api/v1/projects/formsite/forms/contact/submissions").json()
        assert left["submissions"] == []

    # A protected site's forms need the same access as its pages.
    server.cli(
        "protection",
        "set",
        "formsite",
        "--production",
        "password",
        "--password",
        "forms door 12345",
    )
    refused = edge_post(server, hostname, "/contact.html", "form-name=contact&email=z%40z.test")
    assert refused.status_code == 401 and "Thank you" not in refused.text
    with server.api() as api:
        counts = api.get("/api/v1/projects/formsite/forms").json()["forms"]
        assert counts[0]["submissions"] == 0  # the one above was deleted; nothing new

    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "index.html").write_text("<h1>no forms here</h1>")
    assert deploy(server, plain, "--prod", "--project", "plainsite")["state"] == "ready"
    assert edge_post(server, "plainsite.localhost", "/", "form-name=contact").status_code == 405
