"""Static sites end to end: CLI upload, git URL, git push, rollback, cancel, worker loss."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import AUTOSTACK, Server, git

pytestmark = pytest.mark.e2e


def deploy(server: Server, folder: Path, *args: str) -> dict:
    result = server.cli("deploy", str(folder), "--json", *args)
    return json.loads(result.stdout)


def hostname_of(url: str) -> str:
    return httpx.URL(url).host


def test_folder_deploy_serves_the_site_and_a_one_file_change_uploads_one_file(
    server: Server, site: Path
) -> None:
    first = deploy(server, site, "--prod", "--project", "docs")
    assert first["state"] == "ready"
    assert first["uploaded_files"] == 20
    page = server.edge_get(hostname_of(first["url"]))
    assert page.status_code == 200 and "version 1" in page.text
    production = server.edge_get("docs.localhost")
    assert "version 1" in production.text

    (site / "index.html").write_text("<!doctype html><title>Site</title><h1>version 2</h1>\n")
    second = deploy(server, site, "--target", "production")  # what --prod stands for
    assert (second["uploaded_files"], second["target"]) == (1, "production")
    assert "version 2" in server.edge_get("docs.localhost").text
    # The first deployment keeps its own URL and content forever.
    assert "version 1" in server.edge_get(hostname_of(first["url"])).text


def test_preview_deploy_does_not_touch_production(server: Server, site: Path) -> None:
    deploy(server, site, "--prod", "--project", "blog")
    (site / "index.html").write_text("<h1>preview</h1>")
    preview = deploy(server, site)
    assert preview["target"] == "preview" and preview["aliases"] == []
    assert "version 1" in server.edge_get("blog.localhost").text
    assert "preview" in server.edge_get(hostname_of(preview["url"])).text


def test_git_url_deploy_records_the_commit(server: Server, tmp_path: Path, site: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-r", str(site), str(repo)], check=True)
    git("init", "--initial-branch", "main", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-m", "first page", cwd=repo)
    sha = git("rev-parse", "HEAD", cwd=repo)
    result = server.cli("projects", "add", "fromgit", "--git", f"file://{repo}", "--json")
    deployment = json.loads(result.stdout)
    assert deployment["state"] == "ready"
    assert deployment["commit_sha"] == sha
    assert deployment["commit_message"] == "first page"
    assert "version 1" in server.edge_get("fromgit.localhost").text


def test_git_push_to_the_built_in_remote_deploys(server: Server, tmp_path: Path,
                                                  site: Path) -> None:
    with server.api() as api:
        assert api.post("/api/v1/projects", json={"name": "pushed"}).status_code == 201
    repo = tmp_path / "push"
    subprocess.run(["cp", "-r", str(site), str(repo)], check=True)
    git("init", "--initial-branch", "main", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-m", "push me", cwd=repo)
    remote = f"http://dev%40example.com:{server.token}@127.0.0.1:{server.port}/git/pushed.git"
    git("push", remote, "main", cwd=repo)
    sha = git("rev-parse", "HEAD", cwd=repo)
    with server.api() as api:
        deployment = wait_for_final(api, "pushed")
    assert deployment["state"] == "ready", deployment
    assert deployment["commit_sha"] == sha and deployment["source"] == "push"
    assert "version 1" in server.edge_get("pushed.localhost").text


def test_push_with_a_wrong_token_is_refused(server: Server, tmp_path: Path, site: Path) -> None:
    with server.api() as api:
        api.post("/api/v1/projects", json={"name": "guarded"})
    repo = tmp_path / "push"
    subprocess.run(["cp", "-r", str(site), str(repo)], check=True)
    git("init", "--initial-branch", "main", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-m", "x", cwd=repo)
    remote = f"http://dev%40example.com:wrong@127.0.0.1:{server.port}/git/guarded.git"
    with pytest.raises(subprocess.CalledProcessError):
        git("push", remote, "main", cwd=repo)
    with server.api() as api:
        assert api.get("/api/v1/projects/guarded/deployments").json()["deployments"] == []


def wait_for_final(api: httpx.Client, project: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = api.get(f"/api/v1/projects/{project}/deployments").json()["deployments"]
        if rows and rows[0]["state"] in ("ready", "error", "canceled"):
            return rows[0]
        time.sleep(0.3)
    raise AssertionError(f"no final deployment of {project} in {timeout} s")


def test_rollback_under_load_fails_no_request(server: Server, site: Path) -> None:
    first = deploy(server, site, "--prod", "--project", "shop")
    (site / "index.html").write_text("<h1>version 2</h1>")
    second = deploy(server, site, "--prod")
    failures: list[str] = []
    seen: set[str] = set()
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(timeout=5) as http:
            while not stop.is_set():
                try:
                    response = http.get(f"http://127.0.0.1:{server.edge_port}/",
                                        headers={"Host": "shop.localhost"})
                except httpx.HTTPError as error:
                    failures.append(repr(error))
                    continue
                if response.status_code != 200:
                    failures.append(str(response.status_code))
                seen.add("1" if "version 1" in response.text else "2")

    worker = threading.Thread(target=load)
    worker.start()
    try:
        time.sleep(0.3)
        rolled = json.loads(server.cli("rollback", "--project", "shop", "--json").stdout)
        time.sleep(0.3)
        promoted = json.loads(server.cli("promote", second["id"], "--json").stdout)
        time.sleep(0.3)
    finally:
        stop.set()
        worker.join()
    assert rolled["id"] == first["id"] and promoted["id"] == second["id"]
    assert failures == []
    assert seen == {"1", "2"}
    assert "version 2" in server.edge_get("shop.localhost").text


def slow_site(tmp_path: Path, seconds: int) -> Path:
    folder = tmp_path / "slow"
    folder.mkdir()
    (folder / "index.html").write_text("<h1>slow</h1>")
    (folder / "autostack.json").write_text(json.dumps({
        "buildCommand": f"sleep {seconds} && mkdir -p out && cp index.html out/",
        "outputDirectory": "out",
    }))
    return folder


def start_deploy(server: Server, folder: Path, project: str) -> str:
    """Start a deploy and return the deployment id as soon as it exists."""
    process = subprocess.Popen(
        [AUTOSTACK, "deploy", str(folder), "--project", project, "--json"],
        env={**server.env, "AUTOSTACK_SERVER": server.url, "AUTOSTACK_TOKEN": server.token},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    with server.api() as api:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            response = api.get(f"/api/v1/projects/{project}/deployments")
            rows = response.json().get("deployments", []) if response.status_code == 200 else []
            if rows and rows[0]["state"] == "building":
                process.kill()
                process.wait()
                return str(rows[0]["id"])
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the deployment never started building")


SLOW_BUILD_SECONDS = 100 + os.getpid() % 800
"""A slow build's sleep, this test process's own: pgrep sees the whole machine, where
another test run may sleep in a build of its own."""


def sleeping_builds() -> list[str]:
    result = subprocess.run(["pgrep", "-f", f"sleep {SLOW_BUILD_SECONDS}"], capture_output=True,
                            text=True)
    return result.stdout.split()


def test_cancel_kills_the_build_and_keeps_production(server: Server, site: Path,
                                                     tmp_path: Path) -> None:
    deploy(server, site, "--prod", "--project", "cancelme")
    deployment_id = start_deploy(server, slow_site(tmp_path, SLOW_BUILD_SECONDS), "cancelme")
    # "building" comes before the sandbox runs the build command: wait for its sleep.
    deadline = time.monotonic() + 60
    while not sleeping_builds():
        assert time.monotonic() < deadline, "the build should be running"
        time.sleep(0.2)
    result = json.loads(server.cli("cancel", deployment_id, "--json").stdout)
    assert result["id"] == deployment_id
    with server.api() as api:
        deadline = time.monotonic() + 20
        while api.get(f"/api/v1/deployments/{deployment_id}").json()["state"] != "canceled":
            assert time.monotonic() < deadline, "cancel did not finish"
            time.sleep(0.2)
    deadline = time.monotonic() + 10  # far less than the build would sleep
    while sleeping_builds() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sleeping_builds() == []
    assert "version 1" in server.edge_get("cancelme.localhost").text


def test_a_worker_killed_mid_build_leaves_an_error_not_building(
    server: Server, site: Path, tmp_path: Path
) -> None:
    deployment_id = start_deploy(server, slow_site(tmp_path, SLOW_BUILD_SECONDS), "lost")
    server.stop(signal.SIGKILL)
    server.start()
    with server.api() as api:
        deployment = api.get(f"/api/v1/deployments/{deployment_id}").json()
    assert deployment["state"] == "error"
    assert "worker lost" in deployment["error"]
    # Nothing of the lost build survives the restart (its sandbox could outlive the worker).
    assert sleeping_builds() == []


def test_gc_keeps_the_last_deployments_and_what_aliases_serve(server: Server,
                                                              site: Path) -> None:
    """With AUTOSTACK_RETENTION_KEEP=1 (set for the server), `autostack gc` leaves the newest
    deployment and the one production serves, and frees the files of the others."""
    ids = []
    for version in range(1, 4):
        (site / "index.html").write_text(f"<h1>version {version} of gc</h1>")
        ids.append(deploy(server, site, "--prod", "--project", "gcsite")["id"])
    rolled = json.loads(server.cli("rollback", ids[0], "--project", "gcsite", "--json").stdout)
    assert rolled["id"] == ids[0]
    objects_before = sum(1 for _ in (server.data_dir / "store" / "objects").rglob("*"))
    result = server.cli("gc", "--data-dir", str(server.data_dir))
    assert "removed 1 deployments" in result.stdout
    with server.api() as api:
        states = {i: api.get(f"/api/v1/deployments/{i}").status_code for i in ids}
    assert states == {ids[0]: 200, ids[1]: 404, ids[2]: 200}
    assert "version 1 of gc" in server.edge_get("gcsite.localhost").text
    assert server.edge_get(hostname_of(deployment_url(server, ids[2]))).status_code == 200
    objects_after = sum(1 for _ in (server.data_dir / "store" / "objects").rglob("*"))
    assert objects_after < objects_before


def deployment_url(server: Server, deployment_id: str) -> str:
    with server.api() as api:
        return str(api.get(f"/api/v1/deployments/{deployment_id}").json()["url"])


def test_deleting_a_project_stops_serving_it(server: Server, site: Path) -> None:
    first = deploy(server, site, "--prod", "--project", "gone")
    assert server.edge_get("gone.localhost").status_code == 200
    with server.api() as api:
        assert api.delete("/api/v1/projects/gone").status_code == 204
        assert api.get(f"/api/v1/deployments/{first['id']}").status_code == 404
    assert server.edge_get("gone.localhost").status_code == 404
    assert server.edge_get(hostname_of(first["url"])).status_code == 404


def test_a_marketplace_template_becomes_a_live_site_and_a_repository_to_edit(
        server: Server, tmp_path: Path) -> None:
    """The static-starter package under marketplace/ is pip-installed by ./dev. Its deploy
    seeds the project's built-in repository: a clone has the files, a push of an edit
    deploys it."""
    listed = json.loads(server.cli("templates", "ls", "--json").stdout)["templates"]
    assert "static-starter" in {template["slug"] for template in listed}
    result = server.cli("templates", "deploy", "static-starter", "--project", "starter",
                        "--prod", "--json")
    first = json.loads(result.stdout)
    assert first["state"] == "ready" and first["source"] == "template"
    assert "It works." in server.edge_get("starter.localhost").text

    remote = f"http://dev%40example.com:{server.token}@127.0.0.1:{server.port}/git/starter.git"
    git("clone", "-q", remote, "starter", cwd=tmp_path)
    clone = tmp_path / "starter"
    assert {"index.html", "style.css"} <= {path.name for path in clone.iterdir()}
    assert git("rev-parse", "HEAD", cwd=clone) == first["commit_sha"]
    index = clone / "index.html"
    index.write_text(index.read_text().replace("It works.", "Edited and pushed."))
    git("commit", "-qam", "Say what changed", cwd=clone)
    git("push", "-q", "origin", "main", cwd=clone)
    with server.api() as api:
        pushed = wait_for_final(api, "starter")
    assert pushed["state"] == "ready" and pushed["source"] == "push", pushed
    assert "Edited and pushed." in server.edge_get("starter.localhost").text


def test_detect_explains_what_it_found(server: Server, site: Path) -> None:
    (site / "package.json").write_text(json.dumps(
        {"dependencies": {"vite": "^5.0.0", "react": "^18.2.0"},
         "scripts": {"build": "vite build"}}))
    result = json.loads(server.cli("detect", str(site), "--json").stdout)
    assert result["framework"] == "vite" and result["output_directory"] == "dist"
    assert any("vite" in reason for reason in result["reasons"])


def test_a_failing_build_errors_and_production_keeps_serving(server: Server, site: Path,
                                                             tmp_path: Path) -> None:
    deploy(server, site, "--prod", "--project", "sturdy")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "autostack.json").write_text(json.dumps(
        {"buildCommand": "echo compiling; exit 3", "outputDirectory": "out"}))
    result = server.cli("deploy", str(broken), "--prod", "--project", "sturdy", "--json",
                        check=False)
    assert result.returncode == 1
    failed = json.loads(result.stdout)
    assert failed["state"] == "error" and failed["aliases"] == []
    assert "exit" in failed["error"] or "3" in failed["error"]
    assert "version 1" in server.edge_get("sturdy.localhost").text
    logs = server.cli("logs", failed["id"]).stdout
    assert "compiling" in logs


def test_environment_variables_reach_the_build_masked_in_logs(server: Server,
                                                              tmp_path: Path) -> None:
    app = tmp_path / "envapp"
    app.mkdir()
    (app / "autostack.json").write_text(json.dumps({
        "buildCommand": "mkdir -p out && echo \"token is $API_TOKEN\" "
                        "&& echo \"<p>$PUBLIC_NAME</p>\" > out/index.html",
        "outputDirectory": "out"}))
    server.cli("link", "envapp", cwd=app)
    server.cli("deploy", str(app), "--project", "envapp", "--json")
    server.cli("env", "add", "API_TOKEN", "s3cr3t-value", "-e", "production", cwd=app)
    server.cli("env", "add", "PUBLIC_NAME", "Ada's shop", "-e", "production", cwd=app)
    server.cli("env", "add", "PUBLIC_NAME", "preview shop", "-e", "preview", cwd=app)
    production = deploy(server, app, "--prod", "--project", "envapp")
    assert "Ada&#x27;s shop" in server.edge_get("envapp.localhost").text or \
        "Ada's shop" in server.edge_get("envapp.localhost").text
    logs = server.cli("logs", production["id"]).stdout
    assert "token is ***" in logs and "s3cr3t-value" not in logs
    preview = deploy(server, app, "--project", "envapp")
    assert "preview shop" in server.edge_get(hostname_of(preview["url"])).text
    listed = json.loads(server.cli("env", "ls", "--json", cwd=app).stdout)["env"]
    assert all("s3cr3t" not in json.dumps(row) for row in listed)
    server.cli("env", "pull", ".env.local", "-e", "preview", cwd=app)
    assert (app / ".env.local").read_text() == 'PUBLIC_NAME="preview shop"\n'


def test_the_same_source_reuses_the_build(server: Server, tmp_path: Path) -> None:
    app = tmp_path / "reuse"
    app.mkdir()
    (app / "index.html").write_text("<h1>same</h1>")
    (app / "autostack.json").write_text(json.dumps({
        "buildCommand": "mkdir -p out && cp index.html out/", "outputDirectory": "out"}))
    deploy(server, app, "--project", "reuse")
    second = deploy(server, app, "--project", "reuse")
    logs = server.cli("logs", second["id"]).stdout
    assert "reusing its build output" in logs
    assert "$ mkdir -p out" not in logs
    forced = server.cli("logs", deploy(server, app, "--project", "reuse", "--force")["id"]).stdout
    assert "without the build cache" in forced and "$ mkdir -p out" in forced


def test_a_symlink_pointing_outside_the_folder_is_refused(server: Server, site: Path) -> None:
    (site / "secret").symlink_to("/etc/hostname")
    result = server.cli("deploy", str(site), "--project", "links", check=False)
    assert result.returncode != 0
    assert "symlink pointing outside" in result.stderr
