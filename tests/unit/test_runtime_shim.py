"""The replica shim's network made ahead of need by a spare (real namespaces, real slirp4netns)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from autostack_plugins.providers.local.netns_relay import entered
from autostack_plugins.providers.local.runtime_shim import PrivateNetwork, prepared_outbound
from tests.conftest import free_port

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("slirp4netns") is None,
    reason="network namespaces need root here, and slirp4netns",
)


def routes(netns: int) -> list[list[str]]:
    with entered(netns):
        lines = Path("/proc/thread-self/net/route").read_text().splitlines()[1:]
    return [line.split() for line in lines]


def test_a_prepared_network_is_configured_and_ends_with_close() -> None:
    """A spare's namespace has its default route through tap0 before any job comes; a job
    that wants no network of its own closes it, and slirp4netns ends."""
    outbound = prepared_outbound()
    assert outbound is not None
    assert any(route[:2] == ["tap0", "00000000"] for route in routes(outbound.netns))
    outbound.close()
    assert outbound.slirp.returncode is not None


def test_a_replica_given_a_prepared_network_is_not_held() -> None:
    """With the namespace configured already, bubblewrap gets no --block-fd to wait on."""
    outbound = prepared_outbound()
    assert outbound is not None
    network = PrivateNetwork(free_port(), [], outbound)
    try:
        assert "--block-fd" not in network.bwrap_args()
        assert network.netns == outbound.netns
        assert network.pass_fds == (network.resolv,)
    finally:
        os.close(network.resolv)
        network.relay.listener.close()
        outbound.close()
