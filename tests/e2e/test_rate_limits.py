"""Rate limits through the real server and the real Caddy edge: one address floods one
project; other projects and other addresses are still served.

The edge listens on 127.0.0.1; the test's second client address is 127.0.0.2
(the whole 127.0.0.0/8 is the loopback on Linux), bound as the connection's
source. The limits are one request per 1000 s after a burst, so only the burst
passes however fast or slow the machine is: nothing here is timed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, signed_in_server
from tests.e2e.test_deploy import deploy, hostname_of

pytestmark = pytest.mark.e2e

ADDRESS_BURST, PROJECT_BURST = 5, 9


@pytest.fixture
def limited(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    with signed_in_server(tmp_path, database_url,
                          AUTOSTACK_RATE_LIMIT_ADDRESS=f"0.001/{ADDRESS_BURST}",
                          AUTOSTACK_RATE_LIMIT_PROJECT=f"0.001/{PROJECT_BURST}") as server:
        yield server


def get(server: Server, hostname: str, source: str = "127.0.0.1") -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=10) as http:
        return http.get(f"http://127.0.0.1:{server.edge_port}/", headers={"Host": hostname})


def test_a_flood_from_one_address_leaves_other_projects_and_addresses_served(
        limited: Server, site: Path) -> None:
    alpha = deploy(limited, site, "--prod", "--project", "alpha")
    beta = deploy(limited, site, "--prod", "--project", "beta")
    flood = [get(limited, "alpha.localhost") for _ in range(ADDRESS_BURST + 3)]
    assert [page.status_code for page in flood] == [200] * ADDRESS_BURST + [429] * 3
    assert "version 1" in flood[0].text
    refused = flood[-1]
    assert int(refused.headers["retry-after"]) >= 1
    assert "Too Many Requests" in refused.text and "version 1" not in refused.text
    # The same project through its deployment's own hostname: the same project, still held.
    assert get(limited, hostname_of(alpha["url"])).status_code == 429
    # Another project from the flooding address, and the flooded project from another one.
    assert get(limited, "beta.localhost").status_code == 200
    assert get(limited, hostname_of(beta["url"])).status_code == 200
    other = get(limited, "alpha.localhost", source="127.0.0.2")
    assert other.status_code == 200 and "version 1" in other.text
    # The project's own limit: alpha has served ADDRESS_BURST + 1; its burst is the rest.
    left = PROJECT_BURST - ADDRESS_BURST - 1
    answers = [get(limited, "alpha.localhost", source=f"127.0.0.{3 + n}").status_code
               for n in range(left + 1)]
    assert answers == [200] * left + [429]
    assert get(limited, "beta.localhost", source="127.0.0.2").status_code == 200
