"""The GitHub plugin reads the ``AUTOSTACK_GITHUB_*`` variables servers already set."""

from __future__ import annotations

import pytest

from autostack_core.config import Settings
from autostack_plugins.git_hosts.github.config import GitHubConfig
from autostack_plugins.git_hosts.github.host import GitHubHost
from autostack_plugins.sign_in.github import GitHubSignIn


def test_the_variables_of_earlier_releases_configure_the_plugin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {"AUTOSTACK_GITHUB_CLIENT_ID": "Iv1.abc",
                        "AUTOSTACK_GITHUB_CLIENT_SECRET": "shh",
                        "AUTOSTACK_GITHUB_URL": "https://ghe.example.com",
                        "AUTOSTACK_GITHUB_API_URL": "https://ghe.example.com/api/v3",
                        "AUTOSTACK_GITHUB_APP_ID": "12",
                        "AUTOSTACK_GITHUB_APP_PRIVATE_KEY_FILE": "/etc/app.pem"}.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert GitHubConfig.of(settings) == GitHubConfig(
        "Iv1.abc", "shh", "https://ghe.example.com", "https://ghe.example.com/api/v3", "12",
        "/etc/app.pem")
    oauth = GitHubHost().oauth_app(settings)
    assert oauth is not None and oauth.configured
    assert oauth.authorize_url == "https://ghe.example.com/login/oauth/authorize"
    assert oauth.token_url == "https://ghe.example.com/login/oauth/access_token"
    assert oauth.scopes == ("repo",) and oauth.client_id == "Iv1.abc"
    assert GitHubSignIn().configured(settings)
    assert "shh" not in repr(settings)


def test_without_the_variables_github_is_unconfigured_and_says_what_to_set() -> None:
    settings = Settings()
    config = GitHubConfig.of(settings)
    assert (config.url, config.api_url) == ("https://github.com", "https://api.github.com")
    oauth = GitHubHost().oauth_app(settings)
    assert oauth is not None and not oauth.configured
    assert "AUTOSTACK_GITHUB_CLIENT_ID and AUTOSTACK_GITHUB_CLIENT_SECRET" in oauth.configure
    assert not GitHubSignIn().configured(settings)
