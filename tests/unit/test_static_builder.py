"""The static builder, running its commands through the real bubblewrap sandbox."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import Detection
from autostack_plugins.builders import static
from autostack_plugins.builders.routes_config import IMMUTABLE
from autostack_plugins.builders.static import StaticBuilder
from tests.build_harness import Build

pytestmark = [
    pytest.mark.dbless,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap"),
]


class StaticBuild(Build):
    """A build of the static builder (commands in the sandbox, 60 s each at most), and
    what it published."""

    async def run_static(self, detection: Detection) -> None:
        await self.run(StaticBuilder(), detection, wall_seconds=60)

    def published(self) -> list[str]:
        static_dir = self.output / "static"
        return sorted(p.relative_to(static_dir).as_posix() for p in static_dir.rglob("*")
                      if not p.is_dir())

    def routes(self) -> list[dict[str, Any]]:
        config = json.loads((self.output / "config.json").read_text())
        assert config["version"] == 3
        routes: list[dict[str, Any]] = config["routes"]
        return routes


def detection(**fields: Any) -> Detection:
    base: dict[str, Any] = {
        "framework": "static", "name": "Static HTML", "runtime": "static", "confidence": 0.1,
    }
    return Detection(**(base | fields))


@pytest.fixture
def build(tmp_path: Path) -> StaticBuild:
    return StaticBuild(tmp_path)


async def test_plain_html_is_published_without_project_files(build: StaticBuild) -> None:
    build.write({
        "index.html": "<h1>Home</h1>",
        "about/index.html": "about",
        ".well-known/security.txt": "contact",
        ".git/config": "[core]",
        ".env": "SECRET=1",
        "node_modules/x/index.js": "x",
        "vercel.json": "{}",
    })
    await build.run_static(detection(output_directory="."))
    assert build.published() == [".well-known/security.txt", "about/index.html", "index.html"]
    assert build.routes() == [{"handle": "filesystem"}]
    assert build.commands == []


async def test_install_and_build_run_in_the_sandbox_then_the_output_is_published(
    build: StaticBuild,
) -> None:
    build.write({"src/page.html": "<p>built</p>"})
    script = (
        "const fs = require('fs'); fs.mkdirSync('dist/assets', {recursive: true});"
        "fs.copyFileSync('src/page.html', 'dist/index.html');"
        "fs.writeFileSync('dist/assets/index-BxXrZ1aT.js', 'console.log(1)');"
        "console.log('built in', process.cwd())"
    )
    await build.run_static(detection(
        framework="vite", runtime="node", install_command="echo installing in $HOME",
        build_command=f'node -e "{script}"', output_directory="dist", spa_fallback=True,
    ))
    assert [step for step, _ in build.commands] == ["install", "build"]
    assert "installing in /cache" in build.log
    assert "built in /workspace" in build.log
    assert build.published() == ["assets/index-BxXrZ1aT.js", "index.html"]
    routes = build.routes()
    assert routes[0]["headers"] == {"Cache-Control": IMMUTABLE}
    assert routes[-1] == {"src": "^/.*$", "dest": "/index.html"}
    assert any(line.startswith("published 2 files from dist/") for line in build.log)


async def test_a_failing_build_command_raises_a_clear_build_error(build: StaticBuild) -> None:
    build.write({"index.html": "x"})
    with pytest.raises(BuildError, match=r"build command `exit 2` exited with code 2"):
        await build.run_static(detection(build_command="exit 2", output_directory="dist"))
    assert not (build.output / "config.json").exists()


async def test_a_failing_install_stops_before_the_build(build: StaticBuild) -> None:
    with pytest.raises(BuildError, match="install command"):
        await build.run_static(detection(install_command="false", build_command="echo never"))
    assert [step for step, _ in build.commands] == ["install"]


def other(**fields: Any) -> Detection:
    """Vercel's "Other" preset as the node detector answers it: a build script, no output."""
    return detection(framework="other", name="Other", **fields)


@pytest.mark.parametrize("folder", ["dist", "build", "public", "out"])
async def test_other_publishes_the_usual_folder_the_build_wrote(
    build: StaticBuild, folder: str
) -> None:
    build.write({"index.html": "<h1>source, not served</h1>"})
    await build.run_static(
        other(build_command=f"mkdir -p {folder} && echo built > {folder}/index.html"))
    assert build.published() == ["index.html"]
    assert (build.output / "static" / "index.html").read_text() == "built\n"
    assert f"output directory: `{folder}/`, the first of dist, build, public, out the " \
           "build wrote" in build.log


async def test_other_takes_dist_before_public(build: StaticBuild) -> None:
    build.write({"public/favicon.txt": "icon"})
    await build.run_static(other(build_command="mkdir dist && echo app > dist/index.html"))
    assert build.published() == ["index.html"]


async def test_other_publishes_the_root_with_an_index_html_when_no_folder_was_written(
    build: StaticBuild,
) -> None:
    build.write({"index.html": "<h1>home</h1>", "style.src.css": "a{}"})
    await build.run_static(other(build_command="cp style.src.css style.css"))
    assert build.published() == ["index.html", "style.css", "style.src.css"]
    assert any(line.startswith("output directory: the project root") for line in build.log)


async def test_other_without_any_output_is_a_clear_error(build: StaticBuild) -> None:
    build.write({"src/main.js": "1"})
    with pytest.raises(BuildError, match="the build wrote none of the output directories "
                                         "dist, build, public, out"):
        await build.run_static(other(build_command="echo nothing"))
    assert not (build.output / "config.json").exists()


async def test_other_with_a_configured_output_directory_uses_it(build: StaticBuild) -> None:
    build.write({"dist/index.html": "dist", "site/index.html": "site"})
    await build.run_static(other(output_directory="site"))
    assert (build.output / "static" / "index.html").read_text() == "site"


async def test_a_missing_output_directory_is_explained(build: StaticBuild) -> None:
    with pytest.raises(BuildError, match="output directory 'dist' does not exist"):
        await build.run_static(detection(build_command="echo nothing", output_directory="dist"))


async def test_an_output_directory_outside_the_workspace_is_refused(build: StaticBuild) -> None:
    with pytest.raises(BuildError, match="output directory"):
        await build.run_static(detection(output_directory="../cache"))


async def test_build_output_api_folder_is_taken_as_is(build: StaticBuild) -> None:
    config = {"version": 3, "routes": [{"src": "^/x$", "dest": "/y"}]}
    build.write({
        ".vercel/output/config.json": json.dumps(config),
        ".vercel/output/static/index.html": "prebuilt",
        "index.html": "source",
    })
    await build.run_static(detection(output_directory="."))
    assert json.loads((build.output / "config.json").read_text()) == config
    assert (build.output / "static" / "index.html").read_text() == "prebuilt"


async def test_project_routing_files_become_routes(build: StaticBuild) -> None:
    build.write({
        "vercel.json": json.dumps({
            "redirects": [{"source": "/old", "destination": "/"}],
            "headers": [{"source": "/(.*)", "headers": [{"key": "X-Frame-Options",
                                                         "value": "DENY"}]}],
        }),
        "netlify.toml": '[[redirects]]\nfrom = "/docs/*"\nto = "/guide/:splat"\n',
        "public/index.html": "home",
        "public/404.html": "not found",
        "public/_redirects": "/blog/:slug /posts/:slug 302!\n",
        "public/_headers": "/*\n  X-Robots-Tag: noindex\n",
    })
    await build.run_static(detection(output_directory="public"))
    assert build.published() == ["404.html", "index.html"]
    routes = build.routes()
    locations = [r["headers"]["Location"] for r in routes if "status" in r and "headers" in r]
    assert locations == ["/", "/posts/$1", "/guide/$1"]
    assert {"X-Frame-Options": "DENY"} in [r.get("headers") for r in routes]
    assert {"X-Robots-Tag": "noindex"} in [r.get("headers") for r in routes]
    assert routes[-2:] == [{"handle": "error"},
                           {"src": "^/.*$", "dest": "/404.html", "status": 404}]


async def test_an_invalid_vercel_json_fails_the_build_with_its_name(build: StaticBuild) -> None:
    build.write({"index.html": "x", "vercel.json": "{not json"})
    with pytest.raises(BuildError, match=r"vercel\.json is not valid JSON"):
        await build.run_static(detection(output_directory="."))


async def test_a_symlink_leaving_the_output_is_left_out_with_a_warning_never_copied(
    build: StaticBuild,
) -> None:
    build.write({"dist/index.html": "x", "dist/v2.html": "two"})
    (build.workspace / "dist" / "passwd").symlink_to("/etc/passwd")
    (build.workspace / "dist" / "up").symlink_to("../../..")
    (build.workspace / "dist" / "latest.html").symlink_to("v2.html")
    await build.run_static(detection(output_directory="dist"))
    static = build.output / "static"
    assert not os.path.lexists(static / "passwd") and not os.path.lexists(static / "up")
    assert os.readlink(static / "latest.html") == "v2.html"
    assert any("dist/passwd is a symlink pointing outside" in line for line in build.log)
    assert any("dist/up is a symlink pointing outside" in line for line in build.log)


async def test_the_published_count_takes_links_to_files_not_links_to_folders(
    build: StaticBuild,
) -> None:
    build.write({"dist/index.html": "x", "dist/v2.html": "two", "dist/docs/a.html": "a"})
    (build.workspace / "dist" / "latest.html").symlink_to("v2.html")
    (build.workspace / "dist" / "current").symlink_to("docs")
    await build.run_static(detection(output_directory="dist"))
    assert os.readlink(build.output / "static" / "current") == "docs"
    assert "published 4 files from dist/ with 1 routes" in build.log


async def test_a_headers_file_linked_outside_fails_the_build_without_its_content(
    build: StaticBuild, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.key"
    secret.write_text("the-server-key\n")
    build.write({"index.html": "x"})
    (build.workspace / "_headers").symlink_to(secret)
    with pytest.raises(BuildError) as error:
        await build.run_static(detection(output_directory="."))
    assert "_headers is a symlink that points outside the project" in str(error.value)
    assert "the-server-key" not in str(error.value)


def test_static_builder_claims_static_sites_and_static_outputs() -> None:
    builder = StaticBuilder()
    assert builder.name == "static" and builder.priority == 10
    assert builder.can_build(detection())
    assert builder.can_build(detection(runtime="node", output_directory="dist"))
    assert not builder.can_build(detection(runtime="node", output_directory=".next",
                                           start_command="next start"))
    assert not builder.can_build(detection(runtime="python"))


def test_hook_register_builders_returns_the_static_builder() -> None:
    (builder,) = static.register_builders(settings=None)
    assert isinstance(builder, StaticBuilder)
