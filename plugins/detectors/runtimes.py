"""Detector for Go, Rust and Ruby servers.

Vercel knows them as the ``go``, ``rust`` (``axum``, ``actix-web``) and ``ruby``
presets; ``plugins/builders/go.py``, ``rust.py`` and ``ruby.py`` build them.
They score just below a Dockerfile (0.3), which container providers build,
and above a Procfile and plain HTML, which would misread these apps.
"""

from __future__ import annotations

import re
from typing import Any

from autostack_core import hookimpl
from autostack_core.interfaces import Detection, SourceTree

DETECTOR = "autostack_plugins.detectors.runtimes"

CONFIDENCE = 0.28
FRAMEWORK_BONUS = 0.01
GO_MAINS = ("main.go", "cmd/api/main.go", "cmd/server/main.go")
RUST_FRAMEWORKS = (("axum", "Axum"), ("actix-web", "Actix Web"))


def go(tree: SourceTree) -> Detection | None:
    """A ``go.mod`` module with a ``main`` package at the root or under ``cmd/``."""
    main = next((path for path in GO_MAINS if tree.exists(path)), None)
    if not tree.exists("go.mod") or main is None:
        return None
    package = "." if main == "main.go" else "./" + main.rsplit("/", 1)[0]
    return Detection(
        framework="go", name="Go", runtime="go", confidence=CONFIDENCE,
        reasons=[f"Go: `go.mod` and `{main}` present"],
        install_command="go mod download",
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


def ruby(tree: SourceTree) -> Detection | None:
    """A Rack app (Sinatra, Rails, Roda...): ``config.ru`` with a ``Gemfile``."""
    if not (tree.exists("config.ru") and tree.exists("Gemfile")):
        return None
    return Detection(
        framework="ruby", name="Ruby", runtime="ruby", confidence=CONFIDENCE,
        reasons=["Ruby (Rack): `config.ru` and `Gemfile` present"],
        package_manager="bundler",
        install_command="bundle install",
        start_command="bundle exec rackup config.ru --host 0.0.0.0 --port $PORT",
        dev_command="bundle exec rackup config.ru --port $PORT",
        detector=DETECTOR,
    )


def detect(tree: SourceTree) -> Detection | None:
    """The Go, Rust or Ruby server of ``tree``, or None."""
    found = [d for d in (go(tree), rust(tree), ruby(tree)) if d is not None]
    return min(found, key=lambda d: (-d.confidence, d.framework), default=None)


@hookimpl
def framework_slugs(settings: Any) -> list[str]:
    """What :func:`detect_framework` here can name."""
    return ["go", "rust", *(crate for crate, _ in RUST_FRAMEWORKS), "ruby"]


@hookimpl
def detect_framework(tree: SourceTree, settings: Any) -> Detection | None:
    """Recognise a Go, Rust or Ruby server."""
    return detect(tree)
