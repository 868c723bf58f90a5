"""The Caddy edge's own Prometheus metrics, for the control plane's ``/metrics``.

Caddy's admin endpoint (on the edge's unix socket) serves ``/metrics``: its admin API
and config reload counters and the Go runtime of the edge process. Per-request HTTP
metrics are not turned on (they cost the edge CPU on every request, which the access
log already records for analytics).
"""

from __future__ import annotations

from pathlib import Path

import httpx

TIMEOUT_SECONDS = 5.0


async def caddy_metrics(admin_socket: Path) -> str | None:
    """Caddy's metrics in the Prometheus text format; ``None`` when no Caddy answers."""
    if not admin_socket.exists():
        return None
    transport = httpx.AsyncHTTPTransport(uds=str(admin_socket))
    async with httpx.AsyncClient(transport=transport, base_url="http://caddy-admin",
                                 timeout=TIMEOUT_SECONDS) as client:
        try:
            response = await client.get("/metrics")
        except httpx.TransportError:
            return None
    return response.text if response.status_code == 200 else None
