"""The built-in git remote: ``git push http://host/git/<project>.git <branch>`` deploys.

Git's smart HTTP protocol is served by ``git http-backend`` (CGI), except a push's
ref advertisement, made from the ref files once git's capabilities are known
(:mod:`autostack_core.git.advertisement`), and then its ``git receive-pack``, run as
``http-backend`` would run it; AutoStack only authenticates (HTTP
Basic, an API token as the password), checks the project role (viewer to fetch,
member to push) and, after a push, queues a deployment for every branch that moved.

It stays in the core, unlike the git hosts of ``register_git_hosts``: it is
not a host that tells AutoStack about pushes elsewhere but the server's own
source store, like uploaded files (the pipeline builds ``push`` deployments
from the bare repositories under ``data_dir/git``), and it needs what only the
core has: project roles and creating deployments on a user's behalf.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from autostack_core.build.sources import git
from autostack_core.errors import ApiError
from autostack_core.git import advertisement, push_report
from autostack_core.git.refs import read_refs
from autostack_core.infrastructure.models import CreatorType, Deployment, Project, Role, User
from autostack_core.services import deployments, quotas, templates
from autostack_core.services.access import project_with_role

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

ZERO_SHA = "0" * 40
REQUEST_TYPE = "application/x-git-receive-pack-request"
RESULT_TYPE = "application/x-git-receive-pack-result"
RECEIVE_CONFIG = ("-c", "receive.autogc=false", "-c", "core.alternateRefsCommand=true")
"""How the server runs receive-pack. ``receive.autogc=false``: its ``git gc --auto`` runs
later (:func:`_collect_garbage_later`). ``core.alternateRefsCommand=true`` (``true`` prints
no ref): receive-pack keeps what it receives in a quarantine whose alternate is the
repository itself, so its connectivity check (``rev-list --alternate-refs``) would start
``git for-each-ref`` there to list the refs ``--all`` already gives it, a third git
process in every push (2-3 ms). Fewer known tips only makes the check walk further,
never accept more; a repository with alternates of its own is answered by git."""
GC_DELAY_SECONDS = 10.0
"""How long after a push its repository's ``git gc --auto`` starts: after the deployment
it queued, in the common case, rather than competing with it for the processor."""
GIT_PATHS = re.compile(r"^(info/refs|git-upload-pack|git-receive-pack|HEAD|objects/.+)$")


def _challenge(message: str, status: int = 401) -> Response:
    return Response(message + "\n", status_code=status, media_type="text/plain",
                    headers={"WWW-Authenticate": 'Basic realm="AutoStack"'})


async def _branch_heads(repo: str) -> dict[str, str]:
    """Each branch's commit, read from the repository's ref files: no git process, which
    costs a push 20-60 ms twice on a busy machine. A repository that keeps its refs in
    another format (``reftable``) is asked through ``git for-each-ref``.

    The files (the configuration, ``packed-refs``, a few refs) are read on the event
    loop: 0.19 ms (median; 0.27 ms p90) at load 2.5, where handing them to a thread took
    0.38 ms (0.92 ms p90), twice a push."""
    heads = _ref_files(Path(repo))
    if heads is not None:
        return heads
    output = await git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads",
                       cwd=None, allow_local=True, git_dir=repo)
    heads = {}
    for line in output.splitlines():
        ref, _, sha = line.partition(" ")
        heads[ref.removeprefix("refs/heads/")] = sha
    return heads


def _ref_files(repo: Path) -> dict[str, str] | None:
    """Branch heads from the ref files (:func:`~autostack_core.git.refs.read_refs`), or None
    when git must be asked."""
    refs = read_refs(repo)
    if refs is None:
        return None
    return {ref.removeprefix("refs/heads/"): sha for ref, sha in refs.items()
            if ref.startswith("refs/heads/")}


async def branch_head(app: AutoStack, project: Project, branch: str) -> str | None:
    """The commit ``branch`` points at in ``project``'s built-in repository, if it was pushed."""
    repo = app.settings.path("git", f"{project.name}.git")
    if not repo.is_dir():
        return None
    return (await _branch_heads(str(repo))).get(branch)


async def _run_backend(request: Request, app: AutoStack, name: str, path: str,
                       user: User) -> tuple[int, dict[str, str], bytes]:
    # The body limit middleware stops a push at ``max_push_bytes``; it is spooled to
    # a file, not memory, so git gets a Content-Length even for a chunked push.
    with tempfile.TemporaryFile(dir=app.settings.path("git")) as body:
        async for chunk in request.stream():
            body.write(chunk)
        length = body.tell()
        body.seek(0)
        repo = app.settings.path("git", f"{name}.git")
        if path == "git-receive-pack" and advertisement.known(repo) and \
                not request.headers.get("content-encoding") and \
                request.headers.get("content-type") == REQUEST_TYPE:
            return await _receive_pack(request, repo, user, body)
        return await _backend_process(request, app, name, path, user, body, length)


async def _receive_pack(request: Request, repo: Path, user: User,
                        body: IO[bytes]) -> tuple[int, dict[str, str], bytes]:
    """What ``git http-backend`` answers a push's ``POST git-receive-pack`` with, without it:
    ``git receive-pack --stateless-rpc`` run as it would run it (one process fewer, 5-20 ms
    of every push), its ``git gc --auto`` after the answer. Only for a plain request to a
    repository whose advertisement git has made under its present configuration (so
    pushing over HTTP is enabled there)."""
    address = request.client.host if request.client else ""
    environ = {
        "PATH": "/usr/bin:/bin",
        "GIT_PROTOCOL": request.headers.get("git-protocol", ""),
        "GIT_COMMITTER_NAME": user.email,
        "GIT_COMMITTER_EMAIL": f"{user.email}@http.{address or '(none)'}",
    }
    process = await asyncio.create_subprocess_exec(
        "git", *RECEIVE_CONFIG, "receive-pack", "--stateless-rpc", ".", cwd=repo,
        env=environ, stdin=body, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await process.communicate()
    _collect_garbage_later(repo)
    return 200, {**advertisement.HEADERS, "Content-Type": RESULT_TYPE}, stdout


_collecting: dict[Path, asyncio.Task[None]] = {}
"""The repositories whose ``git gc --auto`` runs now (a reference keeps each task alive)."""


def _collect_garbage_later(repo: Path, delay: float = GC_DELAY_SECONDS) -> None:
    """Run ``git gc --auto`` in ``repo`` ``delay`` seconds after the push has been answered,
    once at a time per repository: receive-pack runs it itself before it ends
    (``receive.autogc``), 5-20 ms of every push spent starting a git that mostly finds
    nothing to do; started at once, it ran beside the push's deployment."""
    if repo in _collecting:
        return

    async def collect() -> None:
        try:
            await asyncio.sleep(delay)
            process = await asyncio.create_subprocess_exec(
                "git", "gc", "--auto", "--quiet", cwd=repo, env={"PATH": "/usr/bin:/bin"},
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL)
            await process.wait()
        finally:
            _collecting.pop(repo, None)

    _collecting[repo] = asyncio.create_task(collect())


async def _backend_process(request: Request, app: AutoStack, name: str, path: str, user: User,
                           body: IO[bytes], length: int) -> tuple[int, dict[str, str], bytes]:
    environ = {
        "PATH": "/usr/bin:/bin",
        "GIT_PROJECT_ROOT": str(app.settings.path("git")),
        "GIT_HTTP_EXPORT_ALL": "1",
        "GIT_HTTP_MAX_REQUEST_BUFFER": str(app.settings.max_push_bytes),
        "PATH_INFO": f"/{name}.git/{path}",
        "REQUEST_METHOD": request.method,
        "QUERY_STRING": request.url.query,
        "CONTENT_TYPE": request.headers.get("content-type", ""),
        "CONTENT_LENGTH": str(length),
        "REMOTE_USER": user.email,
        "REMOTE_ADDR": request.client.host if request.client else "",
        "GIT_PROTOCOL": request.headers.get("git-protocol", ""),
        "HTTP_CONTENT_ENCODING": request.headers.get("content-encoding", ""),
    }
    process = await asyncio.create_subprocess_exec(
        "git", "http-backend", env=environ,
        stdin=body, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await process.communicate()
    head, _, payload = stdout.partition(b"\r\n\r\n")
    if not payload and b"\n\n" in head:
        head, _, payload = stdout.partition(b"\n\n")
    status, headers = 200, {}
    for line in head.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.strip().split()[0])
        elif key:
            headers[key.strip()] = value.strip()
    return status, headers, payload


async def _deploy_pushed(app: AutoStack, project: Project, user: User,
                         before: dict[str, str], after: dict[str, str]) -> list[Deployment]:
    created = []
    for branch, sha in after.items():
        if before.get(branch) == sha or sha == ZERO_SHA:
            continue
        created.append(await deployments.create_deployment(
            app, project, user=user, source_type="push", commit_sha=sha, branch=branch,
            target=deployments.branch_target(project, branch), creator_type=CreatorType.GIT_PUSH,
        ))
    return created


async def git_http(request: Request) -> Response:
    app: AutoStack = request.app.state.autostack
    name, path = request.path_params["project"], request.path_params["path"]
    if not GIT_PATHS.match(path):
        return Response("not a git smart HTTP path\n", status_code=404)
    user: User | None = request.state.user
    if user is None:
        return _challenge("AutoStack: log in with your email and an API token as the password")
    pushing = path == "git-receive-pack" or request.query_params.get("service") == \
        "git-receive-pack"
    try:
        project = await project_with_role(user, name, Role.MEMBER if pushing else Role.VIEWER)
    except ApiError as error:
        if error.status == 404:
            return Response(f"no project named {name}: create it first "
                            f"(autostack projects add {name})\n", status_code=404)
        return _challenge(error.message, error.status)
    repo = await templates.ensure_repository(app, project)
    receiving = path == "git-receive-pack" and request.method == "POST"
    if pushing:
        try:
            await quotas.check_deployment(project.team_id)  # type: ignore[attr-defined]
        except quotas.QuotaExceeded as error:
            # Refused at the push's discovery, before receive-pack runs: no branch moves
            # without its deployment, and git prints a text/plain error body as "remote:".
            return Response(f"{error.message}\n", status_code=402, media_type="text/plain")
    advertising = path == "info/refs" and pushing and not request.headers.get("git-protocol")
    if advertising:
        body = advertisement.advertise(repo)
        if body is not None:
            return Response(body, headers=advertisement.HEADERS,
                            media_type=advertisement.CONTENT_TYPE)
    before = await _branch_heads(str(repo)) if receiving else {}
    status, headers, payload = await _run_backend(request, app, name, path, user)
    if advertising and status == 200:
        advertisement.learn(repo, payload)
    if receiving and status == 200:
        created = await _deploy_pushed(app, project, user, before,
                                       await _branch_heads(str(repo)))
        if created and push_report.has_side_band(payload):
            headers.pop("Content-Length", None)
            return StreamingResponse(push_report.report(app, project, created, payload),
                                     status_code=status, headers=headers)
    return Response(payload, status_code=status, headers=headers)


routes: list[BaseRoute] = [
    Route("/git/{project}.git/{path:path}", git_http, methods=["GET", "POST"]),
]
