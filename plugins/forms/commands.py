"""``autostack forms [list|submissions|export|rm]``: a project's Netlify forms and submissions."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import click

from autostack_core.cli.api_client import ApiClient, error_message
from autostack_core.cli.options import emit, json_option, project_option, resolve_project


def _base(project: str | None, form: str | None = None) -> str:
    path = f"/api/v1/projects/{resolve_project(project)}/forms"
    return path if form is None else f"{path}/{quote(form, safe='')}/submissions"


def _list(project: str | None, as_json: bool) -> None:
    result = ApiClient().get(_base(project))
    lines = [
        f"{form['name']:<30}{form['submissions']:>6} submissions  latest: {form['latest'] or '-'}"
        for form in result["forms"]
    ]
    emit(as_json, result, "\n".join(lines) or "no forms")


@click.group(invoke_without_command=True)
@project_option
@json_option
@click.pass_context
def forms(context: click.Context, project: str | None, as_json: bool) -> None:
    """Netlify forms: list, submissions, export, rm."""
    if context.invoked_subcommand is None:
        _list(project, as_json)


@forms.command(name="list")
@project_option
@json_option
def forms_list(project: str | None, as_json: bool) -> None:
    """List the project's forms with their submission counts."""
    _list(project, as_json)


@forms.command(name="submissions")
@click.argument("form")
@project_option
@json_option
def forms_submissions(form: str, project: str | None, as_json: bool) -> None:
    """FORM's latest 100 submissions, newest first."""
    result = ApiClient().get(_base(project, form))
    lines = [
        f"{row['id']}  {row['created_at'][:19]}  "
        + "  ".join(f"{key}={value!r}" for key, value in row["data"].items())
        for row in result["submissions"]
    ]
    emit(as_json, result, "\n".join(lines) or "no submissions")


@forms.command(name="export")
@click.argument("form")
@project_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the CSV to this file (default: standard output).",
)
def forms_export(form: str, project: str | None, output: Path | None) -> None:
    """Every submission of FORM as CSV."""
    response = ApiClient().response("GET", f"{_base(project, form)}.csv")
    if response.status_code >= 400:
        raise click.ClickException(error_message(response))
    if output is None:
        click.echo(response.text, nl=False)
    else:
        output.write_text(response.text)
        click.echo(f"Wrote {output}")


@forms.command(name="rm")
@click.argument("form")
@click.argument("submission", type=int)
@project_option
def forms_rm(form: str, submission: int, project: str | None) -> None:
    """Delete one submission of FORM (admin)."""
    ApiClient().delete(f"{_base(project, form)}/{submission}")
    click.echo(f"Deleted submission {submission}")
