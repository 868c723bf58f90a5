"""Netlify forms on the null pair: found at build, posted as the edge posts them, listed, CSV.

Deployments go through the real pipeline (upload, detection, sandboxed static
build, the forms plugin's ``inspect_source``); posts go to the control plane's
submission endpoint in-process with the hostname in ``Host``, as the local
edge sends them. Through the real Caddy edge: tests/e2e/test_forms.py.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from autostack_core import hookimpl
from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AuditEvent,
    DeploymentForm,
    DeploymentState,
    FormSubmission,
    Project,
    Role,
    User,
)
from autostack_core.interfaces import Event
from autostack_core.services import forms, notifications
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.http_standin import standin
from tests.upload_deploy import deploy_files

__all__ = ["api", "owner"]

CONTACT = """<!doctype html><html><body>
<form name="contact" method="POST" data-netlify="true" netlify-honeypot="bot-field">
  <p hidden><input name="bot-field"></p>
  <input type="hidden" name="form-name" value="contact">
  <input name="email" type="email"><textarea name="message"></textarea>
  <select name="topic"><option>a</option></select>
  <button type="submit">Send</button>
</form>
<form name="signup" netlify action="/thanks/"><input name="email"></form>
<form name="plain"><input name="q"></form>
</body></html>"""
SITE = "http://site.localhost:8080"
FORM = {"content-type": "application/x-www-form-urlencoded", "x-forwarded-uri": "/contact?x=1"}


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    async def notify(self, event: Event) -> None:
        self.events.append(event)


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    return await Project.create(name="site", team=await personal_team(owner), user=owner)


@pytest.fixture
def recorder(autostack: AutoStack) -> Recorder:
    recorder = Recorder()
    autostack.plugin_manager.register(recorder)
    return recorder


@pytest.fixture
async def visitor(autostack: AutoStack) -> httpx.AsyncClient:
    async with client_for(autostack) as client:
        yield client


async def post(visitor: httpx.AsyncClient, body: str, **headers: str) -> httpx.Response:
    return await visitor.post(
        f"{SITE}{forms.SUBMIT_PATH}", content=body.encode(), headers={**FORM, **headers}
    )


def test_forms_are_found_with_fields_honeypot_and_a_local_action() -> None:
    found = forms.find_forms(CONTACT)
    assert [(form.name, form.fields, form.honeypot, form.action) for form in found] == [
        ("contact", ["bot-field", "form-name", "email", "message", "topic"], "bot-field", None),
        ("signup", ["email"], None, "/thanks/"),
    ]
    hostile = (
        '<form netlify name="x" action="//evil.test/"><input name="a">'
        '<form data-netlify="false" name="no"></form><form netlify></form>'
        f'<form netlify name="{"n" * 200}"></form><form netlify name="y" action="/ok'
        '"><input name="b">'
    )
    assert [(form.name, form.action, form.fields) for form in forms.find_forms(hostile)] == [
        ("x", None, ["a"]),
        ("y", "/ok", ["b"]),
    ]


def test_the_html_read_is_bounded_and_skips_node_modules(tmp_path: Path) -> None:
    (tmp_path / "node_modules" / "pkg").mkdir(parents=True)
    (tmp_path / "node_modules" / "pkg" / "a.html").write_text('<form netlify name="dep">')
    (tmp_path / "big.html").write_text('<form netlify name="big">' + " " * forms.MAX_HTML_BYTES)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.html").write_text('<form netlify name="docs"><input name="a">')
    (tmp_path / "link.html").symlink_to("/etc/hostname")
    assert [form.name for form in forms.forms_in_tree(tmp_path)] == ["docs"]


async def test_a_build_records_the_forms_and_a_submission_is_stored_and_notified(
    autostack: AutoStack, site: Project, visitor: httpx.AsyncClient, recorder: Recorder
) -> None:
    deployment = await deploy_files(autostack, site, {"index.html": CONTACT})
    assert deployment.state == DeploymentState.READY
    assert sorted(
        await DeploymentForm.filter(deployment=deployment).values_list("name", flat=True)
    ) == ["contact", "signup"]

    sent = await post(
        visitor, "form-name=contact&bot-field=&email=a%40b.test&message=Hi+there&topic=a"
    )
    assert sent.status_code == 200, sent.text
    assert "Thank you" in sent.text and 'href="/contact"' in sent.text
    row = await FormSubmission.get(project=site)
    assert row.form_name == "contact" and row.deployment_id == deployment.id  # type: ignore[attr-defined]
    assert row.data == [["email", "a@b.test"], ["message", "Hi there"], ["topic", "a"]]
    assert [
        (event.kind, event.data["form"], event.data["fields"]["email"])
        for event in recorder.events
        if event.kind == "form.submission"
    ] == [("form.submission", "contact", "a@b.test")]

    redirected = await post(visitor, "form-name=signup&email=b%40b.test")
    assert redirected.status_code == 303 and redirected.headers["location"] == "/thanks/"
    boundary = "b0undary"
    fields = [("form-name", "signup"), ("email", "c@b.test")]
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        for key, value in fields
    )
    multipart = await post(
        visitor,
        f"{body}--{boundary}--\r\n",
        **{"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert multipart.status_code == 303
    assert (await FormSubmission.filter(form_name="signup").values_list("data", flat=True)) == [
        [["email", "b@b.test"]],
        [["email", "c@b.test"]],
    ]


async def test_spam_unknown_forms_sizes_and_rate_are_refused(
    autostack: AutoStack, site: Project, visitor: httpx.AsyncClient
) -> None:
    await deploy_files(autostack, site, {"index.html": CONTACT})
    spam = await post(visitor, "form-name=contact&bot-field=buy+now&email=x%40y.test")
    assert spam.status_code == 200 and "Thank you" in spam.text
    unknown = await post(visitor, "form-name=other&email=x")
    assert unknown.status_code == 404 and "no form named 'other'" in unknown.text
    big = await post(visitor, "form-name=contact&message=" + "a" * (forms.MAX_BODY_BYTES + 1))
    assert big.status_code == 413
    upload = await visitor.post(
        f"{SITE}{forms.SUBMIT_PATH}",
        data={"form-name": "contact"},
        files={"file": ("a.txt", b"hello")},
    )
    assert upload.status_code in (400, 415)
    assert await FormSubmission.filter(project=site).count() == 0

    for number in range(forms.RATE_LIMIT):
        answer = await post(visitor, f"form-name=contact&email=n{number}%40y.test")
        assert answer.status_code == 200
    throttled = await post(visitor, "form-name=contact&email=late%40y.test")
    assert throttled.status_code == 429
    assert await FormSubmission.filter(project=site).count() == forms.RATE_LIMIT


async def test_a_site_without_forms_still_answers_405_and_unknown_hosts_404(
    autostack: AutoStack, site: Project, visitor: httpx.AsyncClient
) -> None:
    await deploy_files(autostack, site, {"index.html": "<h1>no forms</h1>"})
    assert (await post(visitor, "form-name=contact")).status_code == 405
    other = await visitor.post(
        f"http://nothing.localhost:8080{forms.SUBMIT_PATH}",
        content=b"form-name=contact",
        headers=FORM,
    )
    assert other.status_code == 404


async def test_the_api_lists_exports_and_deletes_with_roles(
    autostack: AutoStack,
    site: Project,
    visitor: httpx.AsyncClient,
    api: httpx.AsyncClient,
    owner: User,
) -> None:
    await deploy_files(autostack, site, {"index.html": CONTACT})
    await post(visitor, "form-name=contact&email=a%40b.test&message=%3DHYPERLINK(%22x%22)")
    await post(visitor, "form-name=contact&email=b%40b.test&message=-1%2B2&extra=%40me")
    listed = (await api.get("/api/v1/projects/site/forms")).json()["forms"]
    assert [(form["name"], form["submissions"]) for form in listed] == [
        ("contact", 2),
        ("signup", 0),
    ]
    rows = (await api.get("/api/v1/projects/site/forms/contact/submissions")).json()
    assert [row["data"]["email"] for row in rows["submissions"]] == ["b@b.test", "a@b.test"]

    exported = await api.get("/api/v1/projects/site/forms/contact/submissions.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.text)))
    assert table[0] == ["created_at", "email", "message", "extra"]
    assert [row[1:] for row in table[1:]] == [
        ["a@b.test", '\'=HYPERLINK("x")', ""],
        ["b@b.test", "'-1+2", "'@me"],
    ]

    viewer = await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    first = rows["submissions"][1]["id"]
    async with client_for(autostack, await token_for(viewer)) as as_viewer:
        assert (await as_viewer.get("/api/v1/projects/site/forms")).status_code == 200
        refused = await as_viewer.delete(f"/api/v1/projects/site/forms/contact/submissions/{first}")
        assert refused.status_code == 403
    async with client_for(autostack) as anonymous:
        assert (await anonymous.get("/api/v1/projects/site/forms")).status_code == 401
    deleted = await api.delete(f"/api/v1/projects/site/forms/contact/submissions/{first}")
    assert deleted.status_code == 204
    again = await api.delete(f"/api/v1/projects/site/forms/contact/submissions/{first}")
    assert again.status_code == 404 and "submission" in again.text
    assert await FormSubmission.filter(project=site).count() == 1
    assert await AuditEvent.filter(action="form_submission.deleted").count() == 1


async def test_a_webhook_notifier_that_asks_for_submissions_receives_them(
    autostack: AutoStack, site: Project, visitor: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    await deploy_files(autostack, site, {"index.html": CONTACT})
    with standin(lambda request: (200, None)) as remote:
        added = await api.post(
            "/api/v1/projects/site/notifiers",
            json={"type": "webhook", "url": remote.url, "events": ["form.submission"]},
        )
        assert added.status_code in (200, 201), added.text
        await post(visitor, "form-name=contact&email=a%40b.test&message=hello")
        await post(visitor, "form-name=contact&bot-field=spam&email=x%40y.test")
        await notifications.drain()
    [request] = remote.requests
    body = request.json()
    assert body["type"] == "form.submission" and body["project"] == "site"
    assert body["data"]["form"] == "contact"
    assert body["data"]["fields"] == {"email": "a@b.test", "message": "hello"}
