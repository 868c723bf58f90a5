"""The Forms tab: forms with counts, a form's submissions, CSV export, delete (admins)."""

from __future__ import annotations

import csv
import io

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AuditEvent,
    DeploymentForm,
    FormSubmission,
    Role,
)
from tests.fixtures_auth import add_user, client_for, owner
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


async def submissions(site: Site) -> list[FormSubmission]:
    await DeploymentForm.create(
        deployment=site.current, name="contact", field_names=["email", "message"]
    )
    return [
        await FormSubmission.create(
            project=site.project,
            deployment=site.current,
            form_name="contact",
            data=data,
            ip="127.0.0.1",
        )
        for data in (
            [["email", "a@b.test"], ["message", "<b>hi</b>"]],
            [["email", "b@b.test"], ["message", "@SUM(A1)"]],
        )
    ]


async def test_admins_see_export_and_delete_submissions(site: Site, signed_in: Client) -> None:
    http, token = signed_in
    first, _ = await submissions(site)
    page = (await http.get("/projects/site/forms")).text
    assert 'href="/projects/site/forms" aria-current="page">Forms</a>' in page
    assert "<td>2</td>" in page and "a@b.test" in page and "b@b.test" in page
    assert "&lt;b&gt;hi&lt;/b&gt;" in page and "<b>hi</b>" not in page
    exported = await http.get("/api/v1/projects/site/forms/contact/submissions.csv")
    assert exported.status_code == 200
    table = list(csv.reader(io.StringIO(exported.text)))
    assert [row[1:] for row in table[1:]] == [["a@b.test", "<b>hi</b>"], ["b@b.test", "'@SUM(A1)"]]

    deleted = await http.post(
        "/projects/site/forms/delete",
        data={"csrf_token": token, "form": "contact", "submission": str(first.id)},
    )
    assert deleted.status_code == 200 and "The submission is deleted." in deleted.text
    assert "a@b.test" not in deleted.text and "b@b.test" in deleted.text
    assert await FormSubmission.filter(id=first.id).count() == 0
    assert await AuditEvent.filter(action="form_submission.deleted").count() == 1


async def test_members_read_but_cannot_delete(autostack: AutoStack, site: Site) -> None:
    first, _ = await submissions(site)
    await add_user(site.project.team, "member@example.com", Role.MEMBER)
    async with client_for(autostack) as http:
        token = await log_in(http, "member@example.com")
        page = await http.get("/projects/site/forms")
        assert page.status_code == 200 and "a@b.test" in page.text
        assert "Delete submission" not in page.text
        refused = await http.post(
            "/projects/site/forms/delete", data={"csrf_token": token, "submission": str(first.id)}
        )
        assert refused.status_code == 403
    assert await FormSubmission.filter(id=first.id).count() == 1
