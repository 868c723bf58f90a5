"""Split testing through the real server, CLI and edge (issue 16, item 2).

``autostack split set`` shares the production hostname between the
production deployment and a preview, 80/20: fresh visitors land on both in
about that proportion, a visitor with the edge's cookie stays on one variant,
and ``autostack split show`` reports each variant's requests as the edge's
access log counted them. Ending the split sends everyone to production again.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

VISITORS = 200


def site(folder: Path, name: str) -> Path:
    folder.mkdir()
    (folder / "index.html").write_text(f"<h1>{name}</h1>")
    return folder


def deploy(server: Server, folder: Path, *args: str) -> str:
    result = json.loads(server.cli("deploy", str(folder), "--project", "abtest", "--json",
                                   *args).stdout)
    assert result["state"] == "ready", result
    return str(result["id"])


def test_a_split_serves_both_variants_in_proportion_and_sticks_per_visitor(
    server: Server, tmp_path: Path
) -> None:
    control = deploy(server, site(tmp_path / "a", "control"), "--prod")
    variant = deploy(server, site(tmp_path / "b", "variant"))
    refused = server.cli("split", "set", "abtest", f"{control}=80", f"{variant}=30",
                         check=False)
    assert refused.returncode != 0 and "add up to 100" in refused.stdout + refused.stderr
    started = json.loads(server.cli("split", "set", "abtest", f"{control}=80",
                                    f"{variant}=20", "--json").stdout)["split"]
    assert [(v["deployment"], v["weight"]) for v in started["variants"]] == \
        [(control, 80), (variant, 20)]

    edge = f"http://127.0.0.1:{server.edge_port}/"
    seen = {"control": 0, "variant": 0}
    with httpx.Client(timeout=10, headers={"Host": "abtest.localhost"}) as fresh:
        for _ in range(VISITORS):
            fresh.cookies.clear()
            seen[fresh.get(edge).text.removeprefix("<h1>").removesuffix("</h1>")] += 1
    assert seen["control"] + seen["variant"] == VISITORS
    assert abs(seen["variant"] - VISITORS * 51 / 256) <= 25, seen  # 51 of 256 buckets
    with httpx.Client(timeout=10, headers={"Host": "abtest.localhost"}) as visitor:
        first = visitor.get(edge).text
        assert visitor.cookies.get("autostack_split")
        assert {visitor.get(edge).text for _ in range(20)} == {first}
    seen[first.removeprefix("<h1>").removesuffix("</h1>")] += 21

    def counted() -> dict[str, int]:
        shown = json.loads(server.cli("split", "show", "abtest", "--json").stdout)["split"]
        return {v["deployment"]: v["requests"] for v in shown["variants"]}

    deadline = time.monotonic() + 10
    while counted() != {control: seen["control"], variant: seen["variant"]}:
        assert time.monotonic() < deadline, (counted(), seen)
        time.sleep(0.2)
    table = server.cli("split", "show", "abtest").stdout
    assert f"{variant}" in table and "20%" in table and str(seen["variant"]) in table

    server.cli("split", "end", "abtest")
    assert json.loads(server.cli("split", "show", "abtest", "--json").stdout) == {"split": None}
    with httpx.Client(timeout=10, headers={"Host": "abtest.localhost"}) as anyone:
        assert {anyone.get(edge).text for _ in range(20)} == {"<h1>control</h1>"}
