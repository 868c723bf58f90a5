"""Sending log records to one drain: batched, retried with exponential backoff, counted.

Each drain has a bounded queue and one task that sends it in batches of at most
:data:`BATCH` records, or what came in :data:`FLUSH_SECONDS`. A batch that fails with
a network error, 408, 429 or 5xx is tried again after 0.5, 1, 2, 4 s (:data:`DELAYS`);
one refused for good (another 4xx) or failing every try is dropped, and so are records
that find the queue full (a drain that stays down must not hold the server's memory).
``sent`` and ``dropped`` are added to the drain's row after each batch, with the reason
of the last failure.

Two formats: ``ndjson`` posts one JSON object per line (``application/x-ndjson``);
``otlp`` posts an OTLP/HTTP ``ExportLogsServiceRequest`` in protobuf, built with the
``opentelemetry-proto`` package, one ``ResourceLogs`` per project and deployment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs, SeverityNumber
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from tortoise.expressions import F

from autostack_core import __version__
from autostack_core.infrastructure.models import LogDrain
from autostack_core.security.outbound import Outbound

logger = logging.getLogger("autostack.drains")

BATCH = 500
QUEUE = 20_000
"""Records a drain's queue holds; more are dropped (and counted)."""
FLUSH_SECONDS = 1.0
DELAYS = (0.5, 1.0, 2.0, 4.0)
"""Waits before the second to fifth try of a batch."""
TIMEOUT_SECONDS = 10.0
STOP_SECONDS = 5.0
"""How long stopping waits for the queue to be sent."""
SEVERITY = {"error": (17, "ERROR"), "warning": (13, "WARN"), "info": (9, "INFO")}
"""OpenTelemetry severity numbers and texts of our levels."""


@dataclass(frozen=True)
class DrainRecord:
    """One log record: a build log line, a runtime log line or an edge request."""

    timestamp: datetime
    source: str
    """``build``, ``runtime`` or ``edge``."""
    project: str
    deployment: str
    message: str
    level: str = "info"
    attributes: Mapping[str, str | int | float] = field(default_factory=dict)

    def json(self) -> dict[str, object]:
        return {
            "timestamp": self.timestamp.isoformat(),
            "source": self.source,
            "project": self.project,
            "deployment": self.deployment,
            "level": self.level,
            "message": self.message,
            **self.attributes,
        }


def ndjson_body(records: Sequence[DrainRecord]) -> bytes:
    return "".join(json.dumps(record.json()) + "\n" for record in records).encode()


def _value(value: str | int | float) -> AnyValue:
    if isinstance(value, (bool, str)):
        return AnyValue(string_value=str(value))
    if isinstance(value, int):
        return AnyValue(int_value=value)
    return AnyValue(double_value=value)


def _attributes(values: Mapping[str, str | int | float]) -> list[KeyValue]:
    return [KeyValue(key=key, value=_value(value)) for key, value in values.items()]


def otlp_body(records: Sequence[DrainRecord]) -> bytes:
    """An OTLP ``ExportLogsServiceRequest``: a resource per project and deployment
    (``service.name`` is the project), a log record per line."""
    groups: dict[tuple[str, str], list[DrainRecord]] = {}
    for record in records:
        groups.setdefault((record.project, record.deployment), []).append(record)
    request = ExportLogsServiceRequest()
    for (project, deployment), members in groups.items():
        resource = Resource(
            attributes=_attributes(
                {
                    "service.name": project,
                    "autostack.project": project,
                    "autostack.deployment": deployment,
                }
            )
        )
        logs = []
        for record in members:
            number, text = SEVERITY.get(record.level, SEVERITY["info"])
            nanos = int(record.timestamp.timestamp() * 1_000_000_000)
            logs.append(
                LogRecord(
                    time_unix_nano=nanos,
                    observed_time_unix_nano=nanos,
                    severity_number=SeverityNumber.ValueType(number),
                    severity_text=text,
                    body=AnyValue(string_value=record.message),
                    attributes=_attributes({"log.source": record.source, **record.attributes}),
                )
            )
        scope = ScopeLogs(
            scope=InstrumentationScope(name="autostack", version=__version__), log_records=logs
        )
        request.resource_logs.append(ResourceLogs(resource=resource, scope_logs=[scope]))
    body: bytes = request.SerializeToString()
    return body


def otlp_url(url: str) -> str:
    """A collector's base URL gets OTLP/HTTP's logs path (``/v1/logs``)."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return urlunsplit(parts._replace(path="/v1/logs"))
    return url


def ssl_context(ca_file: str) -> ssl.SSLContext:
    """The system's CAs, plus ``ca_file``'s when the operator names one."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


class DrainSender:
    """One drain's queue and the task that sends it."""

    def __init__(
        self, drain: LogDrain, headers: Mapping[str, str], outbound: Outbound, tls: ssl.SSLContext
    ) -> None:
        self.drain_id = drain.id
        self.project_id: int = drain.project_id  # type: ignore[attr-defined]
        self.kind = drain.kind
        self.sources = frozenset(drain.sources)
        self.url = otlp_url(drain.url) if drain.kind == "otlp" else drain.url
        self.version = (drain.url, drain.kind, tuple(drain.sources), drain.headers_sealed)
        content_type = "application/x-protobuf" if drain.kind == "otlp" else "application/x-ndjson"
        self.headers = {
            **headers,
            "content-type": content_type,
            "user-agent": f"autostack/{__version__} log-drain",
        }
        self.outbound = outbound
        self.tls = tls
        self.queue: deque[DrainRecord] = deque()
        self.shed = 0
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def put(self, record: DrainRecord) -> None:
        if len(self.queue) >= QUEUE:
            self.shed += 1
            return
        self.queue.append(record)
        if len(self.queue) >= BATCH:
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"log-drain-{self.drain_id}")

    async def stop(self) -> None:
        """Send what is queued (for at most :data:`STOP_SECONDS`), then stop."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_SECONDS)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        async with self.outbound.client(verify=self.tls, timeout=TIMEOUT_SECONDS) as client:
            while not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
                self._wake.clear()
                while self.queue or self.shed:
                    batch = [self.queue.popleft() for _ in range(min(BATCH, len(self.queue)))]
                    await self.deliver(client, batch)

    async def deliver(self, client: httpx.AsyncClient, batch: list[DrainRecord]) -> None:
        """Send one batch with retries and add the outcome to the drain's counters."""
        shed, self.shed = self.shed, 0
        error = await self._send(client, batch) if batch else None
        sent, dropped = (0, len(batch)) if error else (len(batch), 0)
        changes: dict[str, object] = {}
        if sent:
            changes.update(
                sent=F("sent") + sent, last_delivery_at=datetime.now(UTC), last_error=None
            )
        if dropped or shed:
            changes["dropped"] = F("dropped") + (dropped + shed)
        if error:
            changes["last_error"] = error[:2000]
        elif shed:
            changes["last_error"] = f"{shed} records dropped: the drain's queue was full"
        if changes:
            await LogDrain.filter(id=self.drain_id).update(**changes)

    async def _send(self, client: httpx.AsyncClient, batch: list[DrainRecord]) -> str | None:
        """None once the batch is delivered, else why it was given up."""
        body = otlp_body(batch) if self.kind == "otlp" else ndjson_body(batch)
        reason = ""
        for attempt in range(len(DELAYS) + 1):
            if attempt:
                await asyncio.sleep(DELAYS[attempt - 1])
            try:
                response = await client.post(self.url, content=body, headers=self.headers)
            except Exception as error:  # network, TLS, refused address: all worth a retry
                reason = f"{type(error).__name__}: {error}"
                continue
            if response.status_code < 300:
                return None
            reason = f"{self.url} answered {response.status_code}"
            if response.status_code not in (408, 429) and response.status_code < 500:
                break
        logger.warning("log drain %s dropped %d records: %s", self.drain_id, len(batch), reason)
        return f"{len(batch)} records dropped: {reason}"
