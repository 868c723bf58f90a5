"""Netlify forms: finding them in a deployment's HTML, taking submissions, listing, CSV.

At build, :func:`forms_in_tree` reads the deployment's ``.html`` files
(bounded: :data:`MAX_HTML_FILES` files of at most :data:`MAX_HTML_BYTES`,
``node_modules`` and dot folders skipped, links never followed) for
``<form>`` elements with the ``netlify`` attribute or ``data-netlify="true"``:
the form's ``name``, the names of its fields, the ``netlify-honeypot`` field
and a local ``action`` path. Every byte is the user's: a form without a name,
a name longer than 128 characters or an action that is not a local path is
ignored, never an error.

A submission (:func:`submit`) names its form in the ``form-name`` field, as on
Netlify. A name the deployment did not declare is refused (404); a filled
honeypot is answered as a success and stored nowhere (the spammer learns
nothing); an address that sent :data:`RATE_LIMIT` submissions to the project
within :data:`RATE_WINDOW` is refused (429). What is accepted is stored, then
announced to the notifiers as ``form.submission``.

:func:`csv_of` writes a form's submissions as CSV: a cell a spreadsheet would
read as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return) is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autostack_core.build import user_files
from autostack_core.build.build_errors import BuildError
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models.forms import DeploymentForm, FormSubmission
from autostack_core.interfaces import Event
from autostack_core.security.throttle import utc_now

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Deployment, Project

MAX_HTML_FILES = 500
MAX_HTML_BYTES = 2 * 1024 * 1024
MAX_WALK_ENTRIES = 50_000
MAX_FORMS = 100
MAX_FIELDS = 100
MAX_NAME = 128
MAX_ACTION = 512
MAX_BODY_BYTES = 128 * 1024
"""The largest submission body taken (a form with files is refused anyway)."""
MAX_VALUE = 10_000
RATE_LIMIT = 10
RATE_WINDOW = timedelta(minutes=1)
FORM_NAME_FIELD = "form-name"
SUBMIT_PATH = "/_autostack/forms/submit"
"""Where the edge sends a static deployment's form posts (the visitor's path in
``X-Forwarded-Uri``)."""
PAGE_SIZE = 100
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SKIPPED_TYPES = {"submit", "button", "reset", "image", "file"}


@dataclass
class FoundForm:
    """A Netlify form as the build found it."""

    name: str
    fields: list[str] = field(default_factory=list)
    honeypot: str | None = None
    action: str | None = None


def local_action(action: str | None) -> str | None:
    """``action`` if it is a path on the same hostname (``/thanks``), else ``None``."""
    if not action or len(action) > MAX_ACTION or not action.startswith("/"):
        return None
    if action.startswith("//") or any(char in action for char in "\\\r\n\t "):
        return None
    return action


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[FoundForm] = []
        self.current: FoundForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): value for key, value in attrs}
        if tag == "form":
            netlify = "netlify" in values or (values.get("data-netlify") or "").lower() == "true"
            name = (values.get("name") or "").strip()
            self.current = None
            if netlify and name and len(name) <= MAX_NAME and len(self.forms) < MAX_FORMS:
                honeypot = (
                    values.get("netlify-honeypot") or values.get("data-netlify-honeypot") or ""
                ).strip()
                self.current = FoundForm(
                    name,
                    honeypot=honeypot[:MAX_NAME] or None,
                    action=local_action(values.get("action")),
                )
                self.forms.append(self.current)
        elif tag in ("input", "textarea", "select") and self.current is not None:
            name = (values.get("name") or "").strip()
            kind = (values.get("type") or "").lower()
            if (
                name
                and len(name) <= MAX_NAME
                and kind not in SKIPPED_TYPES
                and name not in self.current.fields
                and len(self.current.fields) < MAX_FIELDS
            ):
                self.current.fields.append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def find_forms(html: str) -> list[FoundForm]:
    """The Netlify forms of one HTML document (malformed HTML is read as browsers would)."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def html_files(root: Path) -> list[str]:
    """Up to :data:`MAX_HTML_FILES` ``.html`` paths under ``root``, relative, sorted."""
    found: list[str] = []
    seen = 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(
            name for name in dirs if name != "node_modules" and not name.startswith(".")
        )
        seen += len(dirs) + len(files)
        for name in sorted(files):
            if name.lower().endswith((".html", ".htm")):
                found.append(Path(folder, name).relative_to(root).as_posix())
        if len(found) >= MAX_HTML_FILES or seen >= MAX_WALK_ENTRIES:
            break
    return sorted(found)[:MAX_HTML_FILES]


def forms_in_tree(root: Path) -> list[FoundForm]:
    """The Netlify forms of a source or output folder; the first form of a name wins."""
    forms: dict[str, FoundForm] = {}
    for relative in html_files(root):
        try:
            data = user_files.read_bytes(root, relative, MAX_HTML_BYTES)
        except (OSError, BuildError):  # outside the tree, too large: not read
            continue
        if data is None:
            continue
        for form in find_forms(data.decode("utf-8", "replace")):
            if len(forms) < MAX_FORMS:
                forms.setdefault(form.name, form)
    return list(forms.values())


async def record(deployment: Deployment, forms: list[FoundForm]) -> None:
    """Replace ``deployment``'s forms with ``forms``."""
    await DeploymentForm.filter(deployment=deployment).delete()
    await DeploymentForm.bulk_create(
        [
            DeploymentForm(
                deployment=deployment,
                name=form.name,
                field_names=form.fields,
                honeypot=form.honeypot,
                action=form.action,
            )
            for form in forms
        ]
    )


# -- submissions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a submission got: ``stored`` is None for a honeypot catch (spam)."""

    form: DeploymentForm
    stored: FormSubmission | None


async def has_forms(deployment: Deployment) -> bool:
    return await DeploymentForm.exists(deployment=deployment)


async def submit(
    app: AutoStack, project: Project, deployment: Deployment, pairs: list[tuple[str, str]], ip: str
) -> Outcome:
    """Store one submission of ``deployment``'s form named by ``form-name``; see the module."""
    name = next((value for key, value in pairs if key == FORM_NAME_FIELD), "")
    form = await DeploymentForm.get_or_none(deployment=deployment, name=name[:MAX_NAME])
    if form is None:
        raise ApiError(404, f"this site has no form named {name[:MAX_NAME]!r}", FORM_NAME_FIELD)
    if form.honeypot and any(key == form.honeypot and value for key, value in pairs):
        return Outcome(form, None)
    data = [
        [key[:MAX_NAME], value[:MAX_VALUE]]
        for key, value in pairs
        if key not in (FORM_NAME_FIELD, form.honeypot)
    ]
    if len(data) > MAX_FIELDS:
        raise ApiError(413, f"a submission has at most {MAX_FIELDS} fields", "fields")
    since = utc_now() - RATE_WINDOW
    recent = await FormSubmission.filter(project=project, ip=ip[:64], created_at__gte=since).count()
    if recent >= RATE_LIMIT:
        raise ApiError(429, "too many submissions from your address; try again in a minute")
    row = await FormSubmission.create(
        project=project, deployment=deployment, form_name=form.name, data=data, ip=ip[:64]
    )
    await app.notify(
        Event(
            kind="form.submission",
            project=project.name,
            deployment=deployment.id,
            data={
                "form": form.name,
                "submission": row.id,
                "fields": {key: value for key, value in data},
            },
        )
    )
    return Outcome(form, row)


async def form_names(project: Project) -> list[dict[str, Any]]:
    """The project's forms (declared by any of its deployments or with submissions),
    each with its submission count and its latest submission's time."""
    declared = (
        await DeploymentForm.filter(deployment__project=project)
        .distinct()
        .values_list("name", flat=True)
    )
    submitted = (
        await FormSubmission.filter(project=project).distinct().values_list("form_name", flat=True)
    )
    summaries = []
    for name in sorted({str(name) for name in [*declared, *submitted]}):
        rows = FormSubmission.filter(project=project, form_name=name)
        latest = await rows.order_by("-created_at").first()
        summaries.append(
            {
                "name": name,
                "submissions": await rows.count(),
                "latest": None if latest is None else latest.created_at.isoformat(),
            }
        )
    return summaries


async def submissions_of(
    project: Project, form_name: str, limit: int = PAGE_SIZE
) -> list[FormSubmission]:
    """The form's latest submissions, newest first."""
    return (
        await FormSubmission.filter(project=project, form_name=form_name)
        .order_by("-created_at", "-id")
        .limit(limit)
    )


def submission_json(row: FormSubmission) -> dict[str, Any]:
    return {
        "id": row.id,
        "form": row.form_name,
        "created_at": row.created_at.isoformat(),
        "deployment": row.deployment_id,  # type: ignore[attr-defined]
        "data": {key: value for key, value in row.data},
    }


async def delete_submission(project: Project, submission_id: int) -> bool:
    """Delete one of the project's submissions; whether there was one."""
    return bool(await FormSubmission.filter(project=project, id=submission_id).delete())


def safe_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it as text, never runs it as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


async def csv_of(project: Project, form_name: str) -> str:
    """Every submission of the form, oldest first: the time, then one column per field
    (in the order fields first appeared)."""
    rows = await FormSubmission.filter(project=project, form_name=form_name).order_by(
        "created_at", "id"
    )
    columns: list[str] = []
    for row in rows:
        for key, _ in row.data:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["created_at", *(safe_cell(column) for column in columns)])
    for row in rows:
        values = {key: value for key, value in row.data}
        writer.writerow(
            [row.created_at.isoformat(), *(safe_cell(values.get(column, "")) for column in columns)]
        )
    return out.getvalue()
