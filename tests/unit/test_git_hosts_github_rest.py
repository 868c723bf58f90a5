"""The GitHub plugin's REST client and its URLs: what a token may follow, which paths it
builds, and which URLs name a repository on the configured GitHub host."""

from __future__ import annotations

import pytest

from autostack_core.config import Settings
from autostack_core.interfaces.git_host import GitHostError
from autostack_plugins.git_hosts.github import rest
from autostack_plugins.git_hosts.github.host import repository_of


def test_only_next_links_on_the_api_host_are_followed() -> None:
    assert rest.same_host("http://127.0.0.1:9/user/repos?page=2", "http://127.0.0.1:9")
    assert not rest.same_host("http://evil.example/user/repos?page=2", "http://127.0.0.1:9")
    assert not rest.same_host("http://127.0.0.1:10/user/repos", "http://127.0.0.1:9")


def test_repository_path_refuses_what_is_not_owner_slash_name() -> None:
    assert rest.repository_path("octo-org/site.js") == "/repos/octo-org/site.js"
    for bad in ("site", "a/b/c", "/site", ".."):
        with pytest.raises(GitHostError):
            rest.repository_path(bad)


def test_a_repository_url_names_the_repository_on_the_github_host_only() -> None:
    settings = Settings()
    assert repository_of(settings, "https://github.com/o/r.git") == "o/r"
    assert repository_of(settings, "https://GitHub.com/o/r/") == "o/r"
    for other in ("https://gitlab.com/o/r.git", "http://github.com/o/r.git",
                  "https://x@github.com/o/r.git", "https://github.com/o/r/tree/main",
                  "https://github.com/o/r#x", "https://github.com/o",
                  "https://github.com/../r", "git@github.com:o/r.git"):
        assert repository_of(settings, other) is None, other
