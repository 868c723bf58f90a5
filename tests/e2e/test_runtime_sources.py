"""Dependencies from sources the tests make, for Go and Ruby apps (issue 20 item 2).

Only PyPI, npm and Debian are reachable here, so each app's dependency comes
from a local source inside the uploaded folder, as a user's private proxy or
vendored folder would: a Go module proxy laid out on disk (``GOPROXY=file://``),
and a gem built by ``gem build`` in Bundler's ``vendor/cache``. Each is deployed
through ``autostack deploy`` and fetched through the edge.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_runtimes import deploy, write

# What these test is the builders; the deploy's database paths run on PostgreSQL in
# test_deploy and the other server tests, so CI's second pass skips them.
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

LONE_MAIN_GO = """\
package main

import (
\t"fmt"
\t"net/http"
\t"os"

\t"example.com/greet"
)

func main() {
\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
\t\tfmt.Fprint(w, greet.Hello(r.URL.Path[1:]))
\t})
\thttp.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil)
}
"""
GREET_GO = 'package greet\n\nfunc Hello(name string) string { return "hello " + name }\n'


def go_proxy(folder: Path) -> None:
    """``example.com/greet`` v1.0.0 in the module proxy layout GOPROXY=file:// reads."""
    versions = folder / "example.com" / "greet" / "@v"
    versions.mkdir(parents=True)
    module = "module example.com/greet\n\ngo 1.19\n"
    (versions / "list").write_text("v1.0.0\n")
    (versions / "v1.0.0.info").write_text(json.dumps({"Version": "v1.0.0",
                                                      "Time": "2026-01-01T00:00:00Z"}))
    (versions / "v1.0.0.mod").write_text(module)
    with zipfile.ZipFile(versions / "v1.0.0.zip", "w") as archive:
        archive.writestr("example.com/greet@v1.0.0/go.mod", module)
        archive.writestr("example.com/greet@v1.0.0/greet.go", GREET_GO)


def create_project(server: Server, name: str, env: dict[str, str]) -> None:
    with server.api() as api:
        assert api.post("/api/v1/projects", json={"name": name}).status_code == 201
    for key, value in env.items():
        server.cli("env", "add", key, value, "-e", "production", "--project", name)


def test_a_lone_main_go_is_made_a_module_and_fetches_from_a_local_go_proxy(
    server: Server, tmp_path: Path
) -> None:
    """No go.mod: the build runs ``go mod init`` and ``go mod tidy``, which downloads the
    imported module from the project's GOPROXY (a file:// proxy in the upload here)."""
    app = write(tmp_path / "lonego", {"main.go": LONE_MAIN_GO})
    go_proxy(app / "goproxy")
    create_project(server, "lonego", {"GOPROXY": "file:///workspace/goproxy",
                                      "GOSUMDB": "off"})
    deployment, logs = deploy(server, app, "lonego")
    assert deployment["detection"]["install_command"] == "go mod init app && go mod tidy"
    assert "go: downloading example.com/greet v1.0.0" in logs
    page = server.edge_get("lonego.localhost", "/gopher")
    assert (page.status_code, page.text) == (200, "hello gopher")


RAILS_FILES = {
    "Gemfile": 'source "https://rubygems.org"\n\ngem "railties"\ngem "actionpack"\n'
               'gem "webrick"\ngem "greeting"\n',
    "config/application.rb": """\
require "action_controller/railtie"
require "greeting"

module Hello
  class Application < Rails::Application
    config.load_defaults 6.1
    config.eager_load = true
    config.logger = ActiveSupport::Logger.new($stdout)
  end
end
""",
    "config/environment.rb": 'require_relative "application"\nRails.application.initialize!\n',
    "config/routes.rb": """\
Rails.application.routes.draw do
  root to: "greetings#show", defaults: { name: "world" }
  get "/hello/:name", to: "greetings#show"
end
""",
    "app/controllers/greetings_controller.rb": """\
class GreetingsController < ActionController::API
  def show
    render plain: "#{Greeting.hello(params[:name])} from Rails #{Rails.version} in #{Rails.env}"
  end
end
""",
    "config.ru": 'require_relative "config/environment"\nrun Rails.application\n',
    "bin/rails": 'APP_PATH = File.expand_path("../config/application", __dir__)\n'
                 'require "rails/commands"\n',
}
GEMSPEC = """\
Gem::Specification.new do |s|
  s.name = "greeting"
  s.version = "1.0.0"
  s.summary = "A gem only the test's vendor/cache has"
  s.authors = ["AutoStack tests"]
  s.files = ["lib/greeting.rb"]
end
"""


def built_gem(folder: Path) -> Path:
    """``greeting-1.0.0.gem``, built by RubyGems from its own gemspec."""
    write(folder, {"greeting.gemspec": GEMSPEC,
                   "lib/greeting.rb": 'module Greeting\n  def self.hello(name) = "hello #{name}"'
                                      "\nend\n"})
    subprocess.run(["gem", "build", "greeting.gemspec"], cwd=folder, check=True,
                   capture_output=True, timeout=60)
    return folder / "greeting-1.0.0.gem"


@pytest.mark.skipif(subprocess.run(["gem", "list", "-i", "^railties$"], capture_output=True,
                                   check=False).returncode != 0,
                    reason="Debian's ruby-railties is not installed (apt-get install "
                           "ruby-railties): Rails gems cannot be fetched here")
def test_a_rails_app_runs_in_production_with_a_gem_from_vendor_cache(
    server: Server, tmp_path: Path
) -> None:
    """Rails from Debian's ruby-railties (6.1); no Procfile, so ``rails server``; the
    ``greeting`` gem exists only in the app's ``vendor/cache`` (Bundler's local source)."""
    app = write(tmp_path / "rails", RAILS_FILES)
    (app / "vendor" / "cache").mkdir(parents=True)
    shutil.copy(built_gem(tmp_path / "gem"), app / "vendor" / "cache")
    create_project(server, "railsapp", {"SECRET_KEY_BASE": "a" * 64})
    deployment, logs = deploy(server, app, "railsapp")
    detection = deployment["detection"]
    assert (detection["framework"], detection["runtime"]) == ("rails", "ruby")
    assert "Installing greeting 1.0.0" in logs
    assert "rails server -b 127.0.0.1 -p $PORT -P /tmp/server.pid" in logs
    page = server.edge_get("railsapp.localhost", "/hello/ruby")
    assert page.status_code == 200
    assert page.text.startswith("hello ruby from Rails 6.")
    assert page.text.endswith(" in production")
