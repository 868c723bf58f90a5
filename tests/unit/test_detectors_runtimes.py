"""The runtimes detector: Go, Rust and Ruby (Rack, Procfile, Rails) servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from autostack_core.build.detection import detect_all
from autostack_core.config import Settings
from autostack_core.interfaces import Detection, Language, SourceTree
from autostack_core.plugins import get_plugin_manager
from autostack_plugins.builders import ruby as ruby_builder
from autostack_plugins.detectors import runtimes

pytestmark = pytest.mark.dbless

GO_MAIN = 'package main\n\nimport "net/http"\n\nfunc main() { http.ListenAndServe(":8080", nil) }\n'


def write(root: Path, files: dict[str, str]) -> SourceTree:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return SourceTree(root)


def found(root: Path, files: dict[str, str]) -> Detection:
    detection = runtimes.detect(write(root, files))
    assert detection is not None
    return detection


def test_go_module_with_main_at_the_root(tmp_path: Path) -> None:
    detection = found(tmp_path, {"go.mod": "module example.com/hello\n\ngo 1.23\n",
                                 "main.go": GO_MAIN})
    assert (detection.framework, detection.runtime) == ("go", "go")
    assert detection.build_command == "go build -o app ."
    assert detection.start_command == "./app"
    assert not any("builder yet" in reason for reason in detection.reasons)


def test_go_main_under_cmd_api(tmp_path: Path) -> None:
    detection = found(tmp_path, {"go.mod": "module x\n", "cmd/api/main.go": GO_MAIN})
    assert detection.build_command == "go build -o app ./cmd/api"


def test_go_library_without_main_is_not_an_app(tmp_path: Path) -> None:
    assert runtimes.detect(write(tmp_path, {"go.mod": "module x\n", "lib.go": "package x\n"})) \
        is None


def test_rust_binary_is_the_package_name_without_bin_section(tmp_path: Path) -> None:
    detection = found(tmp_path, {
        "Cargo.toml": '[package]\nname = "hello-server"\nversion = "0.1.0"\n\n'
                      '[dependencies]\ntokio = "1"\n',
        "src/main.rs": "fn main() {}\n",
    })
    assert (detection.framework, detection.runtime) == ("rust", "rust")
    assert detection.start_command == "./target/release/hello-server"


def test_axum_is_named_from_cargo_toml(tmp_path: Path) -> None:
    detection = found(tmp_path, {
        "Cargo.toml": '[package]\nname = "api"\n\n[[bin]]\nname = "server"\npath = "src/main.rs"'
                      '\n\n[dependencies]\naxum = "0.8"\n',
        "src/main.rs": "fn main() {}\n",
    })
    assert detection.framework == "axum"
    assert detection.start_command == "./target/release/server"


def test_rack_app(tmp_path: Path) -> None:
    detection = found(tmp_path, {"Gemfile": "gem 'sinatra'\n", "config.ru": "run App\n"})
    assert (detection.framework, detection.runtime) == ("ruby", "ruby")
    assert detection.install_command == "bundle install"



def test_a_lone_main_go_without_go_mod_is_made_a_module_in_the_build(tmp_path: Path) -> None:
    detection = found(tmp_path, {"main.go": GO_MAIN})
    assert (detection.framework, detection.runtime) == ("go", "go")
    assert detection.install_command == "go mod init app && go mod tidy"
    assert detection.build_command == "go build -o app ."


def test_a_lone_go_file_of_another_package_is_not_an_app(tmp_path: Path) -> None:
    assert runtimes.detect(write(tmp_path, {"main.go": "package tools\n"})) is None


def test_a_ruby_app_started_by_its_procfile(tmp_path: Path) -> None:
    """No config.ru: the Procfile's web line (Heroku's rule) starts it with the Gemfile's gems."""
    detection = found(tmp_path, {"Gemfile": "gem 'sinatra'\n", "app.rb": "get('/') { 'hi' }\n",
                                 "Procfile": "worker: rake jobs\nweb: bundle exec ruby app.rb "
                                             "-p $PORT\n"})
    assert (detection.framework, detection.runtime) == ("ruby", "ruby")
    assert detection.start_command == "bundle exec ruby app.rb -p $PORT"


def test_a_procfile_wins_over_config_ru(tmp_path: Path) -> None:
    detection = found(tmp_path, {"Gemfile": "gem 'rack'\n", "config.ru": "run App\n",
                                 "Procfile": "web: bundle exec puma -p $PORT\n"})
    assert detection.start_command == "bundle exec puma -p $PORT"


def test_rails_without_procfile_runs_rails_server_and_precompiles_its_assets(
    tmp_path: Path
) -> None:
    detection = found(tmp_path, {"Gemfile": 'gem "rails", "~> 8.0"\ngem "propshaft"\n',
                                 "config.ru": "run Rails.application\n",
                                 "config/application.rb": "module Blog; end\n"})
    assert (detection.framework, detection.runtime) == ("rails", "ruby")
    assert detection.start_command == runtimes.RAILS_START
    assert detection.build_command == "bundle exec rails assets:precompile"
    assert any("SECRET_KEY_BASE" in reason for reason in detection.reasons)


def test_an_api_only_rails_app_with_a_procfile_has_no_asset_build(tmp_path: Path) -> None:
    detection = found(tmp_path, {"Gemfile": "gem 'rails'\n", "bin/rails": "#!/usr/bin/env ruby\n",
                                 "Procfile": "web: bundle exec puma -C config/puma.rb\n"})
    assert detection.framework == "rails"
    assert detection.build_command is None
    assert detection.start_command == "bundle exec puma -C config/puma.rb"


def test_a_gemfile_alone_is_not_an_app(tmp_path: Path) -> None:
    assert runtimes.detect(write(tmp_path, {"Gemfile": "gem 'rake'\n"})) is None


@pytest.mark.parametrize(("command", "bound"), [
    ("bundle exec rails server -b 0.0.0.0 -p $PORT -P /tmp/server.pid", "-b 127.0.0.1 -p"),
    ("bundle exec puma -b tcp://0.0.0.0:$PORT", "-b tcp://127.0.0.1:$PORT"),
    ("bundle exec rackup --host 0.0.0.0 --port $PORT", "--host 127.0.0.1 --port"),
])
def test_ruby_servers_are_bound_to_the_loopback(command: str, bound: str) -> None:
    assert bound in ruby_builder.loopback(command)
    assert "0.0.0.0" not in ruby_builder.loopback(command)

async def frameworks(root: Path, files: dict[str, str]) -> list[str]:
    """Every detector's answer for ``files``, best first."""
    manager = get_plugin_manager(load_entry_points=False).manager
    return [d.framework for d in await detect_all(write(root, files), manager, Settings())]


async def test_a_dockerfile_beside_a_go_server_still_wins(tmp_path: Path) -> None:
    """Container providers build the Dockerfile today; the Go runtime is not there yet."""
    found = await frameworks(tmp_path, {"go.mod": "module x\n", "main.go": GO_MAIN,
                                        "Dockerfile": "FROM golang:1.23\n"})
    assert found == ["docker", "go"]


async def test_a_go_server_beats_its_procfile_and_html(tmp_path: Path) -> None:
    """A bare Procfile would be read as a Python app, the HTML as a static site."""
    found = await frameworks(tmp_path, {"go.mod": "module x\n", "main.go": GO_MAIN,
                                        "Procfile": "web: ./app\n",
                                        "public/index.html": "<h1>hi</h1>"})
    assert found == ["go", "procfile", "static"]


@pytest.mark.parametrize("runtime", ["go", "ruby", "rust"])
async def test_go_ruby_and_rust_have_their_builders(runtime: Language) -> None:
    manager = get_plugin_manager(load_entry_points=False).manager
    builders = [b for found in manager.hook.register_builders(settings=Settings()) for b in found]
    detection = Detection(framework=runtime, name=runtime, runtime=runtime, confidence=0.28)
    assert [b.name for b in builders if b.can_build(detection)] == [runtime]


async def test_the_node_builder_builds_bun_servers() -> None:
    manager = get_plugin_manager(load_entry_points=False).manager
    builders = [b for found in manager.hook.register_builders(settings=Settings()) for b in found]
    detection = Detection(framework="bun", name="Bun", runtime="bun", confidence=0.45,
                          package_manager="bun")
    assert [b.name for b in builders if b.can_build(detection)] == ["node"]
