"""Runtime providers on the team page: plain form posts, the runtime's own checks.

The runtimes are the real ``kubernetes`` and ``eks`` ones; nothing reaches a cluster.
"""

from __future__ import annotations

import httpx
import pytest
import yaml

from autostack_core.infrastructure.models import ProviderSettings, User
from tests.fixtures_auth import owner, personal_team
from tests.web_fixtures import signed_in

__all__ = ["owner", "signed_in"]

pytest.importorskip("kubernetes")
TOKEN = "team-a-cluster-token-Zx81"


def team_kubeconfig(**user: object) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443"}}],
            "users": [{"name": "u", "user": user or {"token": TOKEN}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        }
    )


async def test_the_team_page_saves_and_never_shows_a_secret(
    signed_in: tuple[httpx.AsyncClient, str], owner: User
) -> None:
    http, token = signed_in
    team_url = f"/teams/{(await personal_team(owner)).slug}"
    page = await http.get(team_url)
    assert 'id="providers"' in page.text and 'name="kubeconfig"' in page.text
    refused = await http.post(
        f"{team_url}/providers/kubernetes",
        data={
            "csrf_token": token,
            "kubeconfig": team_kubeconfig(exec={"command": "sh"}),
            "namespace": "shop",
        },
    )
    assert refused.status_code == 422
    assert "users[0].user.exec runs a command on the server" in refused.text
    assert 'aria-invalid="true" aria-describedby="e-kubernetes-kubeconfig"' in refused.text
    assert "command: sh" not in refused.text, "the refused secret is not sent back"
    saved = await http.post(
        f"{team_url}/providers/kubernetes",
        data={"csrf_token": token, "kubeconfig": team_kubeconfig(), "namespace": "shop"},
    )
    assert saved.status_code == 200 and "kubernetes settings saved" in saved.text
    assert TOKEN not in saved.text and "(set, hidden)" in saved.text
    forged = await http.post(
        f"{team_url}/providers/kubernetes/delete", data={"csrf_token": "forged"}
    )
    assert forged.status_code == 403 and await ProviderSettings.exists()
    gone = await http.post(f"{team_url}/providers/kubernetes/delete", data={"csrf_token": token})
    assert gone.status_code == 303 and not await ProviderSettings.exists()
