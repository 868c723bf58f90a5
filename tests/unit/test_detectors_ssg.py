"""The ssg detector: Hugo, Jekyll, Middleman, Zola and MkDocs from their config files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autostack_core.interfaces import Detection, SourceTree
from autostack_plugins.detectors import ssg

pytestmark = pytest.mark.dbless


def detect(root: Path, files: dict[str, str]) -> Detection | None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return ssg.detect(SourceTree(root))


def test_hugo_modern_config(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"hugo.toml": "baseURL = 'https://example.org/'\n"
                                               "publishDir = 'site'\n",
                                  "content/_index.md": "# Home\n"})
    assert detection is not None
    assert (detection.framework, detection.runtime) == ("hugo", "static")
    assert detection.build_command == "hugo --gc --minify"
    assert detection.output_directory == "site"
    assert detection.reasons[0] == "Hugo: `hugo.toml` present"


def test_hugo_legacy_config_toml(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"config.toml": "baseurl = \"https://example.org/\"\n"
                                                 "theme = \"ananke\"\n"})
    assert detection is not None
    assert (detection.framework, detection.output_directory) == ("hugo", "public")


@pytest.mark.skipif(shutil.which("hugo") is not None, reason="Hugo is installed here")
def test_missing_hugo_binary_is_explained(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"hugo.yaml": "baseURL: https://example.org/\n"})
    assert detection is not None
    assert any("`hugo` is not installed" in reason for reason in detection.reasons)


def test_jekyll_with_gemfile(tmp_path: Path) -> None:
    detection = detect(tmp_path, {
        "_config.yml": "title: Blog\ndestination: _build\n",
        "Gemfile": "source \"https://rubygems.org\"\ngem \"jekyll\", \"~> 4.3.3\"\n",
    })
    assert detection is not None
    assert detection.framework == "jekyll"
    assert detection.install_command == "bundle install"
    assert detection.build_command == "bundle exec jekyll build"
    assert detection.output_directory == "_build"
    assert "gem `jekyll` in `Gemfile`" in detection.reasons[0]
    if shutil.which("bundle") is None:
        assert any("Ruby with Bundler" in reason for reason in detection.reasons)


def test_github_pages_jekyll_without_gemfile(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"_config.yml": "theme: minima\n", "_posts/2024-01-01-a.md": ""})
    assert detection is not None
    assert (detection.framework, detection.output_directory) == ("jekyll", "_site")
    assert detection.build_command == "jekyll build"


def test_a_lone_config_yml_is_not_jekyll(tmp_path: Path) -> None:
    assert detect(tmp_path, {"_config.yml": "title: x\n"}) is None


def test_zola(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"config.toml": "base_url = \"https://example.com\"\n",
                                  "templates/index.html": ""})
    assert detection is not None
    assert (detection.framework, detection.build_command) == ("zola", "zola build")


def test_mkdocs(tmp_path: Path) -> None:
    detection = detect(tmp_path, {"mkdocs.yml": "site_name: Docs\nsite_dir: public\n",
                                  "requirements.txt": "mkdocs-material==9.5.29\nmkdocs\n"})
    assert detection is not None
    assert detection.framework == "mkdocs"
    assert detection.install_command == "pip install -r requirements.txt"
    assert (detection.build_command, detection.output_directory) == ("mkdocs build", "public")


def test_middleman_with_its_gem(tmp_path: Path) -> None:
    detection = detect(tmp_path, {
        "config.rb": "activate :autoprefixer\n",
        "Gemfile": "source 'https://rubygems.org'\n\ngem 'middleman', '~> 4.5'\n",
    })
    assert detection is not None
    assert (detection.framework, detection.output_directory) == ("middleman", "build")
    assert detection.build_command == "bundle exec middleman build"
    assert detection.confidence == 0.95


def test_a_lone_config_rb_is_a_weak_middleman_guess(tmp_path: Path) -> None:
    """Vercel needs only config.rb; Compass and other Ruby tools use the name too."""
    detection = detect(tmp_path, {"config.rb": "http_path = '/'\n"})
    assert detection is not None
    assert (detection.framework, detection.confidence) == ("middleman", 0.6)
