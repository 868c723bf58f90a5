"""The client commands, modelled on the vercel CLI; ``--json`` on every one."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import click

from autostack_core.cli.api_client import ApiClient, save_config
from autostack_core.cli.deployment_helpers import (
    describe,
    ensure_project,
    target_options,
    wait_and_report,
)
from autostack_core.cli.folder_scan import LocalFile, collect
from autostack_core.cli.options import (
    emit,
    json_option,
    link,
    linked_project,
    project_option,
    resolve_project,
)
from autostack_core.cli.upload import (
    remember_uploaded,
    send_files,
    upload_missing,
    uploaded_before,
)


@click.command()
@click.option("--server", required=True, help="AutoStack server URL, e.g. http://localhost:8000")
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True)
@json_option
def login(server: str, email: str, password: str, as_json: bool) -> None:
    """Log in and save an API token for this machine."""
    client = ApiClient(server=server, anonymous=True)
    result = client.post("/api/v1/auth/login", {
        "email": email, "password": password, "token_name": f"cli@{socket.gethostname()}"})
    path = save_config(client.server, result["token"])
    emit(as_json, {"server": client.server, "email": email, "config": str(path)},
         f"Logged in to {client.server} as {email} (token saved in {path})")


@click.command(name="link")
@click.argument("name")
def link_command(name: str) -> None:
    """Link the current folder to project NAME."""
    link(Path("."), name)
    click.echo(f"Linked {Path('.').resolve()} to {name}")


def default_project_name(directory: Path) -> str:
    """The folder's name as a project name (``autostack_core.utils`` brings asyncio: only
    a deploy of an unlinked folder without ``--project`` imports it)."""
    from autostack_core.utils import slugify

    return slugify(directory.resolve().name)


@click.command()
@click.argument("directory", default=".", type=click.Path(exists=True, file_okay=False,
                                                          path_type=Path))
@target_options
@click.option("--force", is_flag=True,
              help="Build from scratch: no build cache, no reuse of a same-source build")
@project_option
@json_option
def deploy(directory: Path, target: str, force: bool, project: str | None,
           as_json: bool) -> None:
    """Deploy a folder: upload what changed, build, wait until ready, print the URLs."""
    client = ApiClient()
    name = project or linked_project(directory) or default_project_name(directory)
    files = collect(directory)
    body = {
        "target": target,
        "files": [{"file": f.path, "sha": f.sha, "size": f.size, "mode": f.mode} for f in files],
        "force": force,
    }
    known = uploaded_before(directory, client.server, name)
    deployment, sent = (None, 0) if known is None else deploy_changed(
        client, name, files, known, body, quiet=as_json)
    if deployment is None:
        ensure_project(client, name)
        sent = upload_missing(client, name, files, quiet=as_json)
        deployment = client.post(f"/api/v1/projects/{name}/deployments", body)
    link(directory, name)
    remember_uploaded(directory, client.server, name, files)
    if not as_json:
        click.echo(f"Uploaded {sent} of {len(files)} files", err=True)
    wait_and_report(client, deployment["id"], as_json, uploaded_files=sent)


def deploy_changed(client: ApiClient, name: str, files: list[LocalFile], known: set[str],
                   body: dict[str, Any], quiet: bool) -> tuple[dict[str, Any] | None, int]:
    """A redeploy in two requests: upload the files the last deploy did not have, then
    create the deployment, without asking first what the server lacks. None when the
    server wants more (it dropped a file, or the project is gone): then ask it."""
    changed = list({file.sha: file for file in files if file.sha not in known}.values())
    try:
        send_files(client, name, changed, quiet)
    except click.ClickException:
        return None, 0
    response = client.response("POST", f"/api/v1/projects/{name}/deployments", json=body)
    if response.status_code == 201:
        return response.json(), len(changed)
    return None, 0


@click.command(name="ls")
@project_option
@json_option
def ls(project: str | None, as_json: bool) -> None:
    """List the project's deployments."""
    name = resolve_project(project)
    result = ApiClient().get(f"/api/v1/projects/{name}/deployments")
    text = "\n".join(f"{d['id']}  {d['state']:<9} {d['target']:<10} {d['created_at'][:19]}  "
                     f"{d['url']}" for d in result["deployments"]) or "no deployments yet"
    emit(as_json, result, text)


@click.command()
@click.argument("deployment")
@json_option
def inspect(deployment: str, as_json: bool) -> None:
    """Show one deployment."""
    result = ApiClient().get(f"/api/v1/deployments/{deployment}")
    emit(as_json, result, describe(result))


@click.command()
@click.argument("deployment")
@click.option("--follow", "-f", is_flag=True,
              help="Stream until the deployment is final (with --runtime: until Ctrl-C)")
@click.option("--runtime", is_flag=True, help="The running processes' logs, not the build's")
@json_option
def logs(deployment: str, follow: bool, runtime: bool, as_json: bool) -> None:
    """Print a deployment's build log, or with --runtime its processes' stdout and stderr."""
    client = ApiClient()
    if runtime:
        runtime_logs(client, deployment, follow, as_json)
        return
    if follow:
        for event, data in client.events(f"/api/v1/deployments/{deployment}/events"):
            if event == "log":
                click.echo(json.dumps(data) if as_json else
                           f"{data['timestamp'][11:19]} [{data['step']}] {data['line']}")
            elif event == "end":
                return
        return
    result = client.get(f"/api/v1/deployments/{deployment}/logs")
    emit(as_json, result, "\n".join(f"{line['timestamp'][11:19]} [{line['step']}] "
                                    f"{line['line']}" for line in result["lines"]))


def runtime_line(record: dict[str, Any]) -> str:
    return f"{record['timestamp'][11:23]} [{record['source']}] {record['line']}"


def runtime_logs(client: ApiClient, deployment: str, follow: bool, as_json: bool) -> None:
    result = client.get(f"/api/v1/deployments/{deployment}/runtime-logs")
    emit(as_json, result, "\n".join(runtime_line(record) for record in result["lines"]))
    if follow:
        path = f"/api/v1/deployments/{deployment}/runtime-logs/events"
        for event, data in client.events(path):
            if event == "log":
                click.echo(json.dumps(data) if as_json else runtime_line(data))


def rolling_stages(text: str, minutes: float | None) -> list[dict[str, Any]]:
    """``5,25:30,50:approve,100``: percents, each with its own minutes or ``approve`` (waits
    for ``autostack rollout advance``), else ``minutes`` (None: waits too)."""
    stages = []
    for item in text.split(","):
        percent, _, duration = item.strip().partition(":")
        if not percent.isdigit():
            raise click.BadParameter(f"{item!r}: write PERCENT[:MINUTES|:approve]")
        if duration == "approve" or (not duration and minutes is None):
            seconds = None
        else:
            try:
                seconds = 60 * (float(duration) if duration else float(minutes or 0))
            except ValueError:
                raise click.BadParameter(f"{item!r}: minutes must be a number") from None
        stages.append({"percent": int(percent), "seconds": seconds})
    return stages


@click.command()
@click.argument("deployment")
@click.option("--rolling", default=None, metavar="STAGES",
              help="Roll out gradually: percents like 5,25,100 (PERCENT:MINUTES or "
                   "PERCENT:approve per stage); 'default' for the project's stages")
@click.option("--stage-minutes", type=float, default=None,
              help="How long each stage lasts [stages wait for approval]")
@click.option("--max-error-rate", type=float, default=None,
              help="Abort above this 5xx percent of the new deployment [5]")
@click.option("--max-p95-ms", type=int, default=None,
              help="Abort above this p95 answer time in ms [not checked]")
@click.option("--failure-budget", type=int, default=None,
              help="Abort at the latest at this many failed requests [100]")
@json_option
def promote(deployment: str, rolling: str | None, stage_minutes: float | None,
            max_error_rate: float | None, max_p95_ms: int | None,
            failure_budget: int | None, as_json: bool) -> None:
    """Point production at a ready deployment (no rebuild), at once or stage by stage."""
    if rolling is None:
        result = ApiClient().post(f"/api/v1/deployments/{deployment}/promote")
        emit(as_json, result, f"Promoted {result['id']}\n{describe(result)}")
        return
    body = {"stages": None if rolling == "default" else rolling_stages(rolling, stage_minutes),
            "max_error_rate": max_error_rate, "max_p95_ms": max_p95_ms,
            "failure_budget": failure_budget}
    result = ApiClient().post(f"/api/v1/deployments/{deployment}/rolling-release",
                              {key: value for key, value in body.items() if value is not None})
    rollout = result["rolling_release"]
    emit(as_json, result, f"Rolling release {rollout['id']} started: {deployment} gets "
                          f"{rollout['weights'][deployment]}% of production "
                          f"({rollout['state']}); see `autostack rollout status`")


def ranked(suggestions: list[dict[str, Any]]) -> str:
    """The ``rollback --suggest`` list: one line per deployment, best first."""
    if not suggestions:
        return "No earlier ready production deployment to roll back to."
    lines = [f"{'*' if n == 1 and s['judged'] else ' '} {n}. {s['deployment']}  {s['reason']}"
             for n, s in enumerate(suggestions, 1)]
    first = suggestions[0]
    lines.append(f"Suggested: {first['deployment']} (`autostack rollback {first['deployment']}`"
                 f" or `autostack rollback --suggest --yes`)" if first["judged"] else
                 "None served enough traffic to judge; name one: `autostack rollback ID`")
    return "\n".join(lines)


@click.command()
@click.argument("deployment", required=False)
@click.option("--suggest", is_flag=True,
              help="List earlier deployments ranked by their 5xx share and p95 while they served")
@click.option("--yes", is_flag=True, help="With --suggest: roll back to the suggested one")
@project_option
@json_option
def rollback(deployment: str | None, suggest: bool, yes: bool, project: str | None,
             as_json: bool) -> None:
    """Move production back to the previous (or the given, or with --suggest --yes the
    best measured) deployment."""
    if yes and not suggest:
        raise click.UsageError("--yes goes with --suggest")
    if suggest and deployment:
        raise click.UsageError("give a DEPLOYMENT or --suggest, not both")
    name = resolve_project(project)
    client = ApiClient()
    if suggest:
        advice = client.get(f"/api/v1/projects/{name}/rollback/suggestions")["suggestions"]
        if not yes:
            emit(as_json, advice, ranked(advice))
            return
        if not advice or not advice[0]["judged"]:
            raise click.ClickException(ranked(advice))
        deployment = advice[0]["deployment"]
        if not as_json:
            click.echo(f"{deployment}: {advice[0]['reason']}")
    result = client.post(f"/api/v1/projects/{name}/rollback", {"deployment": deployment})
    emit(as_json, result, f"Rolled back to {result['id']}\n{describe(result)}")


@click.command()
@click.argument("deployment")
@json_option
def cancel(deployment: str, as_json: bool) -> None:
    """Cancel a deployment that is not ready yet."""
    result = ApiClient().post(f"/api/v1/deployments/{deployment}/cancel")
    emit(as_json, result, f"{result['id']} {result['state']}")


commands: list[click.Command] = [
    login, link_command, deploy, ls, inspect, logs, promote, rollback, cancel,
]
