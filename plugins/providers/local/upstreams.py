"""Where the edge sends a deployment's traffic: its replicas' ports, or a waker's while it sleeps.

Every change is told through ``on_upstreams(deployment id, program name,
ports)``. A running program's upstreams are its replicas' ports; a sleeping
deployment's are one :class:`autostack_plugins.providers.local.waker.Waker`
per program, whose first connection wakes the deployment and is then passed to
a replica. A waker keeps its port across control plane restarts when it can
(``Workload.waker_ports``, saved in the state file).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from autostack_plugins.providers.local.waker import Waker
from autostack_plugins.providers.local.workload import Workload

UpstreamsCallback = Callable[[str, str, list[int]], Awaitable[None]]


def replica_ports(runtime: Workload, program: str) -> list[int]:
    """The ports of ``program``'s replicas, in replica order."""
    return [replica.port for replica in runtime.replicas if replica.program == program]


class Upstreams:
    """Tells the edge each program's ports and keeps the wakers of sleeping deployments.

    ``wake(deployment id)`` starts a sleeping deployment and returns its
    workload once healthy; ``save`` writes the state file.
    """

    def __init__(self, on_upstreams: UpstreamsCallback, save: Callable[[], None],
                 wake: Callable[[str], Awaitable[Workload]]) -> None:
        self.on_upstreams = on_upstreams
        self.save = save
        self.wake = wake
        self._wakers: dict[tuple[str, str], Waker] = {}

    async def publish(self, runtime: Workload, program: str) -> None:
        """Point the edge at ``program``'s replicas (not while asleep: its waker has it)."""
        if runtime.status == "asleep":
            return
        ports = replica_ports(runtime, program)
        if ports:
            await self.on_upstreams(runtime.id, program, ports)

    async def open_wakers(self, runtime: Workload) -> None:
        """Open a waker for each program (on its former port if free) and point the edge at it."""
        for program in runtime.programs:
            key = (runtime.id, program.name)
            if key in self._wakers:
                continue

            async def wake(runtime_id: str = runtime.id, name: str = program.name) -> int:
                return replica_ports(await self.wake(runtime_id), name)[0]

            waker = Waker(wake)
            try:
                port = await waker.start(runtime.waker_ports.get(program.name, 0))
            except OSError:
                port = await waker.start(0)
            self._wakers[key] = waker
            runtime.waker_ports[program.name] = port
            self.save()
            await self.on_upstreams(runtime.id, program.name, [port])

    async def close_wakers(self, deployment_id: str) -> None:
        """Close and forget the deployment's wakers."""
        for key in [key for key in self._wakers if key[0] == deployment_id]:
            await self._wakers.pop(key).close()

    async def close(self) -> None:
        """Close every waker (the control plane stops)."""
        for waker in self._wakers.values():
            await waker.close()
