"""Detector for static site generators that are not npm packages.

Hugo, Jekyll, Middleman, Zola and MkDocs.

Their toolchains (a Go binary, Ruby and Bundler, a Rust binary) may be missing
on the build machine; detection still answers, and a reason says what the build
will need, so the user learns it before the build fails.
"""

from __future__ import annotations

import re
import shutil
from typing import Any

from autostack_core import hookimpl
from autostack_core.interfaces import Detection, SourceTree

from .package_managers import has_python_package, python_environment, with_runner

DETECTOR = "autostack_plugins.detectors.ssg"

HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json")
LEGACY_HUGO_CONFIGS = ("config.toml", "config.yaml", "config.yml", "config.json")


def _with_toolchain_note(detection: Detection, binary: str, what: str) -> Detection:
    """``detection``, with a reason saying ``binary`` is missing when this server lacks it."""
    if not shutil.which(binary):
        detection.reasons.append(f"`{binary}` is not installed on this server: "
                                 f"building needs {what}")
    return detection


def _config_value(text: str, *keys: str) -> str | None:
    """A top-level string setting in TOML, YAML or JSON config text."""
    for key in keys:
        match = re.search(
            rf"""^\s*["']?{key}["']?\s*[:=]\s*["']?([^"'\s,#]+)""", text, re.MULTILINE
        )
        if match:
            return match.group(1).strip("/")
    return None


def _hugo(tree: SourceTree) -> Detection | None:
    config = next((path for path in HUGO_CONFIGS if tree.exists(path)), None)
    confidence = 0.95
    if config is None:
        config = next(
            (
                path for path in LEGACY_HUGO_CONFIGS
                if "baseurl" in (tree.read_text(path) or "").lower()
                and "base_url" not in (tree.read_text(path) or "")
            ),
            None,
        )
        confidence = 0.9
    if config is None and tree.is_dir("config/_default"):
        config, confidence = "config/_default", 0.9
    if config is None:
        return None
    text = tree.read_text(config) or ""
    output = _config_value(text, "publishDir") or "public"
    detection = Detection(
        framework="hugo",
        name="Hugo",
        runtime="static",
        confidence=confidence,
        reasons=[f"Hugo: `{config}` present"],
        build_command="hugo --gc --minify",
        output_directory=output,
        dev_command="hugo server -D -w -p $PORT",
        detector=DETECTOR,
    )
    detection.reasons.append(f"output directory `{output}`")
    return _with_toolchain_note(detection, "hugo",
                                "the Hugo binary (https://gohugo.io/installation/)")


def _jekyll(tree: SourceTree) -> Detection | None:
    config = tree.read_text("_config.yml")
    if config is None:
        return None
    gemfile = (tree.read_text("Gemfile") or "").lower()
    gems = [gem for gem in ("jekyll", "github-pages") if f"'{gem}'" in gemfile
            or f'"{gem}"' in gemfile]
    if gems:
        confidence = 0.95
        evidence = f"`_config.yml` present, gem `{gems[0]}` in `Gemfile`"
    elif tree.is_dir("_posts") or tree.is_dir("_layouts"):
        confidence = 0.7
        evidence = "`_config.yml` with `_posts`/`_layouts` folders"
    else:
        return None
    output = _config_value(config, "destination") or "_site"
    bundled = tree.exists("Gemfile")
    detection = Detection(
        framework="jekyll",
        name="Jekyll",
        runtime="static",
        confidence=confidence,
        reasons=[f"Jekyll: {evidence}", f"output directory `{output}`"],
        package_manager="bundler" if bundled else None,
        install_command="bundle install" if bundled else None,
        build_command="bundle exec jekyll build" if bundled else "jekyll build",
        output_directory=output,
        dev_command="bundle exec jekyll serve --watch --port $PORT" if bundled else None,
        detector=DETECTOR,
    )
    return _with_toolchain_note(detection, "bundle" if bundled else "jekyll", "Ruby with Bundler")


def _gem(gemfile: str, gem: str) -> bool:
    return re.search(rf"""^\s*gem\s+['"]{re.escape(gem)}['"]""", gemfile, re.MULTILINE) is not None


def _middleman(tree: SourceTree) -> Detection | None:
    """Middleman: Vercel needs only ``config.rb``; the gem in the Gemfile confirms it."""
    if not tree.exists("config.rb"):
        return None
    gemfile = tree.read_text("Gemfile") or ""
    if _gem(gemfile, "middleman"):
        confidence, evidence = 0.95, "`config.rb` present, gem `middleman` in `Gemfile`"
    else:
        # config.rb alone is also Compass's and many Ruby tools' file.
        confidence, evidence = 0.6, "`config.rb` present"
    detection = Detection(
        framework="middleman",
        name="Middleman",
        runtime="static",
        confidence=confidence,
        reasons=[f"Middleman: {evidence}", "output directory `build`"],
        package_manager="bundler",
        install_command="bundle install",
        build_command="bundle exec middleman build",
        output_directory="build",
        dev_command="bundle exec middleman server -p $PORT",
        detector=DETECTOR,
    )
    return _with_toolchain_note(detection, "bundle", "Ruby with Bundler")


def _zola(tree: SourceTree) -> Detection | None:
    text = tree.read_text("config.toml") or ""
    if "base_url" not in text or not (tree.is_dir("templates") or tree.is_dir("content")):
        return None
    output = _config_value(text, "output_dir") or "public"
    detection = Detection(
        framework="zola",
        name="Zola",
        runtime="static",
        confidence=0.9,
        reasons=["Zola: `base_url` in `config.toml`", f"output directory `{output}`"],
        build_command="zola build",
        output_directory=output,
        dev_command="zola serve --port $PORT",
        detector=DETECTOR,
    )
    return _with_toolchain_note(detection, "zola", "the Zola binary (https://www.getzola.org)")


def _mkdocs(tree: SourceTree) -> Detection | None:
    config_file = next((path for path in ("mkdocs.yml", "mkdocs.yaml") if tree.exists(path)), None)
    if config_file is None:
        return None
    output = _config_value(tree.read_text(config_file) or "", "site_dir") or "site"
    env = python_environment(tree)
    declared = env is not None and has_python_package(env.requirements, "mkdocs")
    runner = env.run if env else ""
    detection = Detection(
        framework="mkdocs",
        name="MkDocs",
        runtime="static",
        confidence=0.9,
        reasons=[f"MkDocs: `{config_file}` present", f"output directory `{output}`"],
        package_manager=env.name if env else "pip",
        install_command=env.install_command if declared and env else "pip install mkdocs",
        build_command=with_runner(runner, "mkdocs build"),
        output_directory=output,
        dev_command=with_runner(runner, "mkdocs serve -a 0.0.0.0:$PORT"),
        detector=DETECTOR,
    )
    return detection


def detect(tree: SourceTree) -> Detection | None:
    """The static site generator of ``tree``, or None."""
    found = [
        detection
        for detector in (_hugo, _jekyll, _middleman, _zola, _mkdocs)
        if (detection := detector(tree)) is not None
    ]
    return min(found, key=lambda d: (-d.confidence, d.framework), default=None)


@hookimpl
def framework_slugs(settings: Any) -> list[str]:
    """What :func:`detect_framework` here can name."""
    return ["hugo", "jekyll", "middleman", "zola", "mkdocs"]


@hookimpl
def detect_framework(tree: SourceTree, settings: Any) -> Detection | None:
    """Recognise Hugo, Jekyll, Middleman, Zola or MkDocs from their config files."""
    return detect(tree)
