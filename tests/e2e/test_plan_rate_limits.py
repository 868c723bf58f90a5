"""A plan's rate limit through the real server and the real Caddy edge (issue 23): with no
server-wide limit, only the hostnames of the plan's team are asked about (through the
protection gate), and one address flooding one project is answered 429 with
``Retry-After`` while another address and another project are still served.

The second client address is 127.0.0.2 (the loopback is 127.0.0.0/8 on Linux). The
limit is one request per 1000 s after a burst of 3: nothing here is timed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Server, signed_in_server
from tests.e2e.test_deploy import deploy
from tests.e2e.test_rate_limits import get

pytestmark = pytest.mark.e2e

BURST = 3


@pytest.fixture
def admin_server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    with signed_in_server(tmp_path, database_url, AUTOSTACK_ADMINS="dev@example.com") as server:
        yield server


def test_a_plans_limit_per_address_holds_back_one_address_on_one_project(
        admin_server: Server, site: Path) -> None:
    deploy(admin_server, site, "--prod", "--project", "alpha")
    deploy(admin_server, site, "--prod", "--project", "beta")
    assert [get(admin_server, "alpha.localhost").status_code for _ in range(BURST + 1)] \
        == [200] * (BURST + 1)  # no limit yet: the edge does not ask
    admin_server.cli("plans", "create", "capped", "--name", "Capped",
                     "--rate-limit-address", f"0.001/{BURST}")
    with admin_server.api() as api:
        team = api.get("/api/v1/teams").json()["teams"][0]["slug"]
    admin_server.cli("teams", "set-plan", team, "capped")
    flood = [get(admin_server, "alpha.localhost") for _ in range(BURST + 2)]
    assert [page.status_code for page in flood] == [200] * BURST + [429] * 2
    assert "version 1" in flood[0].text
    refused = flood[-1]
    assert int(refused.headers["retry-after"]) >= 1 and "version 1" not in refused.text
    assert "more requests than its limit" in refused.text
    assert get(admin_server, "beta.localhost").status_code == 200
    other = get(admin_server, "alpha.localhost", source="127.0.0.2")
    assert other.status_code == 200 and "version 1" in other.text
