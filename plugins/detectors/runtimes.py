"""Detector for Go, Rust and Ruby servers.

Vercel knows them as the ``go``, ``rust`` (``axum``, ``actix-web``) and ``ruby``
presets; ``plugins/builders/go.py``, ``rust.py`` and ``ruby.py`` build them.
They score just below a Dockerfile (0.3), which container providers build,
and above a bare Procfile and plain HTML, which would misread these apps.

Beyond Vercel's presets, as Heroku and Nixpacks do: a lone ``main.go`` without
``go.mod`` (made a module in the build sandbox), a Ruby app started by its
Procfile's ``web:`` line, and Rails (``rails``, not a Vercel slug: Vercel runs
Ruby only as Rack).
"""

from __future__ import annotations

import re
from typing import Any

from autostack_core import hookimpl
from autostack_core.interfaces import Detection, SourceTree

from .procfile import procfile_web

DETECTOR = "autostack_plugins.detectors.runtimes"

CONFIDENCE = 0.28
FRAMEWORK_BONUS = 0.01
GO_MAINS = ("main.go", "cmd/api/main.go", "cmd/server/main.go")
RUST_FRAMEWORKS = (("axum", "Axum"), ("actix-web", "Actix Web"))


_PACKAGE_MAIN = re.compile(r"^package\s+main\b", re.MULTILINE)
#: A lone main.go becomes a module in the sandbox; ``tidy`` fetches what it imports
#: from the project's GOPROXY (nothing at all for the standard library alone).
GO_MODULE_INIT = "go mod init app && go mod tidy"


def go(tree: SourceTree) -> Detection | None:
    """A ``go.mod`` module with a ``main`` package at the root or under ``cmd/``, or a lone
    ``main.go`` of ``package main`` without ``go.mod``."""
    main = next((path for path in GO_MAINS if tree.exists(path)), None)
    if main is None:
        return None
    if tree.exists("go.mod"):
        install, reason = "go mod download", f"Go: `go.mod` and `{main}` present"
    elif main == "main.go" and _PACKAGE_MAIN.search(tree.read_text(main) or ""):
        install, reason = GO_MODULE_INIT, ("Go: a lone `main.go` (package main) without "
                                           "`go.mod`: made a module in the build")
    else:
        return None
    package = "." if main == "main.go" else "./" + main.rsplit("/", 1)[0]
    return Detection(
        framework="go", name="Go", runtime="go", confidence=CONFIDENCE,
        reasons=[reason],
        install_command=install,
        build_command=f"go build -o app {package}",
        start_command="./app",
        dev_command=f"go run {package}",
        detector=DETECTOR,
    )


def _binary(cargo: str) -> str:
    """The binary ``cargo build`` writes: the first ``[[bin]]`` name, else the package name."""
    for section, body in re.findall(r"^\[\[?([\w.-]+)\]\]?\s*$(.*?)(?=^\[|\Z)", cargo,
                                    re.MULTILINE | re.DOTALL):
        name = re.search(r"^\s*name\s*=\s*['\"]([^'\"]+)", body, re.MULTILINE)
        if section == "bin" and name:
            return name.group(1)
    package = re.search(r"^\[package\][^\[]*?^\s*name\s*=\s*['\"]([^'\"]+)", cargo,
                        re.MULTILINE | re.DOTALL)
    return package.group(1) if package else "app"


def rust(tree: SourceTree) -> Detection | None:
    """A Cargo package with ``src/main.rs``; Axum or Actix Web when Cargo.toml names them."""
    cargo = tree.read_text("Cargo.toml")
    if cargo is None or not tree.exists("src/main.rs"):
        return None
    slug, name, confidence = "rust", "Rust", CONFIDENCE
    reasons = ["Rust: `Cargo.toml` and `src/main.rs` present"]
    for crate, title in RUST_FRAMEWORKS:
        if re.search(rf"^\s*{re.escape(crate)}\s*=", cargo, re.MULTILINE):
            slug, name, confidence = crate, title, CONFIDENCE + FRAMEWORK_BONUS
            reasons.append(f"{title}: the `{crate}` crate in Cargo.toml")
            break
    binary = _binary(cargo)
    return Detection(
        framework=slug, name=name, runtime="rust", confidence=confidence,
        reasons=reasons,
        build_command="cargo build --release",
        start_command=f"./target/release/{binary}",
        dev_command="cargo run",
        detector=DETECTOR,
    )


RAILS_MARKERS = ("config/application.rb", "bin/rails")
#: ``-P``: the app folder is read-only at run time; the pid file goes to the private /tmp.
RAILS_START = "bundle exec rails server -b 0.0.0.0 -p $PORT -P /tmp/server.pid"
#: Asset pipelines whose ``assets:precompile`` a Rails build runs (as Heroku's buildpack).
RAILS_ASSET_GEMS = ("propshaft", "sprockets", "jsbundling-rails", "cssbundling-rails")


def rails(tree: SourceTree, gemfile: str, web: str | None) -> Detection | None:
    """A Rails app: ``config/application.rb`` or ``bin/rails`` beside a Gemfile."""
    marker = next((path for path in RAILS_MARKERS if tree.exists(path)), None)
    if marker is None:
        return None
    reasons = [f"Rails: `{marker}` and `Gemfile` present",
               "production: RAILS_ENV=production; set SECRET_KEY_BASE (or RAILS_MASTER_KEY) "
               "in the project's environment"]
    assets = next((gem for gem in RAILS_ASSET_GEMS
                   if re.search(rf"""^\s*gem\s+['"]{re.escape(gem)}['"]""", gemfile,
                                re.MULTILINE)), None)
    if assets:
        reasons.append(f"build: `{assets}` in the Gemfile, so the assets are precompiled")
    reasons.append(f"start: `web: {web}` in `Procfile`" if web else
                   "start: `rails server` (no Procfile `web:` line)")
    return Detection(
        framework="rails", name="Ruby on Rails", runtime="ruby",
        confidence=CONFIDENCE + FRAMEWORK_BONUS, reasons=reasons,
        package_manager="bundler",
        install_command="bundle install",
        build_command="bundle exec rails assets:precompile" if assets else None,
        start_command=web or RAILS_START,
        dev_command="bundle exec rails server -p $PORT",
        detector=DETECTOR,
    )


def ruby(tree: SourceTree) -> Detection | None:
    """A Ruby app with a ``Gemfile``: Rails, else a Procfile ``web:`` line, else a Rack
    ``config.ru`` (Sinatra, Roda, Hanami...)."""
    gemfile = tree.read_text("Gemfile")
    if gemfile is None:
        return None
    web = procfile_web(tree)
    found = rails(tree, gemfile, web)
    if found is not None:
        return found
    if web is not None:
        start, reason = web, f"Ruby: `Gemfile` and `web: {web}` in `Procfile`"
    elif tree.exists("config.ru"):
        start = "bundle exec rackup config.ru --host 0.0.0.0 --port $PORT"
        reason = "Ruby (Rack): `config.ru` and `Gemfile` present"
    else:
        return None
    return Detection(
        framework="ruby", name="Ruby", runtime="ruby", confidence=CONFIDENCE,
        reasons=[reason],
        package_manager="bundler",
        install_command="bundle install",
        start_command=start,
        dev_command="bundle exec rackup config.ru --port $PORT" if tree.exists("config.ru")
        else None,
        detector=DETECTOR,
    )


def detect(tree: SourceTree) -> Detection | None:
    """The Go, Rust or Ruby server of ``tree``, or None."""
    found = [d for d in (go(tree), rust(tree), ruby(tree)) if d is not None]
    return min(found, key=lambda d: (-d.confidence, d.framework), default=None)


@hookimpl
def framework_slugs(settings: Any) -> list[str]:
    """What :func:`detect_framework` here can name."""
    return ["go", "rust", *(crate for crate, _ in RUST_FRAMEWORKS), "ruby", "rails"]


@hookimpl
def detect_framework(tree: SourceTree, settings: Any) -> Detection | None:
    """Recognise a Go, Rust or Ruby server."""
    return detect(tree)
