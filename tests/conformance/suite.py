"""The cases every runtime + edge pair must pass (issue 13, item 4).

Subclass :class:`ProviderConformance` in a module named ``test_*.py`` with a
class named ``Test*`` and override its ``pair`` fixture; every case below then
runs against your pair. Cases about output kinds the runtime does not accept,
or scale to zero when the pair has no ``idle_seconds``, are skipped with the
reason. Pairs whose runtime runs the apps (``runs_code``) are also checked on
what the apps themselves answer and print.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from autostack_core.interfaces.cost import EstimatesCost, Usage
from autostack_core.interfaces.edge import PROTECTION_PREFIX, SKEW_QUERY, Protection
from autostack_core.interfaces.runtime import (
    CostEstimate,
    LogLine,
    OutputKind,
    ReleaseStatus,
    Runtime,
    ScalePolicy,
)
from autostack_core.utils import random_id
from tests.conformance.pair import (
    Files,
    Pair,
    Stage,
    functions_output,
    server_output,
    static_output,
)
from tests.conformance.protection_check import KEY, control_plane

STATIC = frozenset({OutputKind.STATIC})
SERVER = frozenset({OutputKind.STATIC, OutputKind.SERVER})
FUNCTIONS = frozenset({OutputKind.FUNCTIONS})
IMAGE = frozenset({OutputKind.IMAGE})
WEIGHTED_REQUESTS = 200


async def app_output(pair: Pair, marker: str) -> tuple[Files, frozenset[OutputKind]]:
    """An app answering ``server <marker> <path>`` as the runtime runs it: a server app,
    else an image (``pair.image``); a static site for runtimes that run neither."""
    if pair.runtime.accepts >= SERVER:
        return server_output(marker), SERVER
    if OutputKind.IMAGE in pair.runtime.accepts and pair.image is not None:
        return await pair.image(marker), IMAGE
    return static_output(marker), STATIC


async def some_output(pair: Pair, marker: str) -> tuple[Files, frozenset[OutputKind]]:
    """A static site saying ``marker`` on ``/``, or the app when the runtime runs no static."""
    if OutputKind.STATIC in pair.runtime.accepts:
        return static_output(marker), STATIC
    return await app_output(pair, marker)


def needs(pair: Pair, kinds: frozenset[OutputKind]) -> None:
    missing = kinds - pair.runtime.accepts
    if missing:
        pytest.skip(f"runtime {pair.runtime.name} does not accept "
                    f"{', '.join(sorted(missing))} outputs")


class ProviderConformance:
    """The conformance cases; a subclass provides the ``pair`` fixture."""

    @pytest.fixture
    def pair(self) -> Pair:
        raise NotImplementedError("a provider's test class overrides the `pair` fixture")

    @pytest.fixture
    async def stage(self, pair: Pair) -> AsyncIterator[Stage]:
        stage = Stage(pair)
        try:
            yield stage
        finally:
            await stage.clean()

    def test_the_pair_follows_the_interfaces(self, pair: Pair) -> None:
        assert isinstance(pair.runtime.name, str) and pair.runtime.name
        assert isinstance(pair.edge.name, str) and pair.edge.name
        assert pair.runtime.accepts and pair.runtime.accepts <= frozenset(OutputKind)
        for method in ("start", "stop", "publish", "deploy", "status", "destroy", "scale",
                       "logs", "cost_estimate"):
            assert callable(getattr(pair.runtime, method)), f"runtime has no {method}"
        for method in ("start", "stop", "bind", "unbind", "redirect", "protect", "certificate",
                       "public_url"):
            assert callable(getattr(pair.edge, method)), f"edge has no {method}"

    # -- deploying each kind of output ----------------------------------------

    async def test_deploy_static(self, pair: Pair, stage: Stage) -> None:
        needs(pair, STATIC)
        marker = random_id()
        release, endpoint = await stage.deploy(static_output(marker), STATIC)
        assert endpoint.release_id == release.id
        assert await pair.runtime.status(release.id) == ReleaseStatus.READY
        hostname = await stage.bind(endpoint)
        home = await stage.get(hostname, "/")
        assert (home.status, home.text) == (200, f"<h1>home {marker}</h1>")
        assert home.headers.get("content-type", "").startswith("text/html")
        about = await stage.get(hostname, "/about/")
        assert (about.status, about.text) == (200, f"<h1>about {marker}</h1>")
        missing = await stage.get(hostname, "/nowhere")
        assert (missing.status, missing.text) == (404, f"<h1>missing {marker}</h1>")

    async def test_deploy_server(self, pair: Pair, stage: Stage) -> None:
        needs(pair, SERVER)
        marker = random_id()
        _, endpoint = await stage.deploy(server_output(marker), SERVER)
        hostname = await stage.bind(endpoint)
        file = await stage.get(hostname, "/hello.txt")
        assert (file.status, file.text) == (200, f"file {marker}"), "static files come first"
        answer = await stage.get(hostname, "/app/path")
        assert answer.status == 200
        if pair.runs_code:
            assert answer.text == f"server {marker} /app/path"

    async def test_deploy_functions(self, pair: Pair, stage: Stage) -> None:
        needs(pair, FUNCTIONS)
        marker = random_id()
        _, endpoint = await stage.deploy(functions_output(marker), FUNCTIONS)
        hostname = await stage.bind(endpoint)
        answer = await stage.get(hostname, "/api/hello")
        assert answer.status == 200
        if pair.runs_code:
            assert answer.text == f"function {marker}"
        assert (await stage.get(hostname, "/api/nothing")).status == 404

    async def test_deploy_image(self, pair: Pair, stage: Stage) -> None:
        needs(pair, IMAGE)
        if pair.image is None:
            pytest.skip("the pair builds no image (Pair.image)")
        marker = random_id()
        release, endpoint = await stage.deploy(await pair.image(marker), IMAGE)
        assert await pair.runtime.status(release.id) == ReleaseStatus.READY
        hostname = await stage.bind(endpoint)
        answer = await stage.get(hostname, "/app/path")
        assert (answer.status, answer.text) == (200, f"server {marker} /app/path")

    # -- the release's life -----------------------------------------------------

    async def test_status_moves_from_absent_to_ready_to_absent(
        self, pair: Pair, stage: Stage
    ) -> None:
        files, kinds = await app_output(pair, random_id())
        unknown = f"c{random_id(9)}"
        assert await pair.runtime.status(unknown) == ReleaseStatus.ABSENT
        release, _ = await stage.deploy(files, kinds, release_id=unknown)
        assert await pair.runtime.status(release.id) == ReleaseStatus.READY
        await pair.runtime.destroy(release.id)
        assert await pair.runtime.status(release.id) == ReleaseStatus.ABSENT

    async def test_deploy_is_idempotent(self, pair: Pair, stage: Stage) -> None:
        marker = random_id()
        files, kinds = await app_output(pair, marker)
        release, first = await stage.deploy(files, kinds)
        _, second = await stage.deploy(files, kinds, release_id=release.id)
        assert second == first
        assert await pair.runtime.status(release.id) == ReleaseStatus.READY
        hostname = await stage.bind(second)
        assert (await stage.get(hostname, "/")).status == 200
        if pair.runs_code and kinds != STATIC:
            started = [line for line in await lines(pair.runtime, release.id)
                       if f"conformance server {marker} started" in line.text]
            assert len(started) == 1, "a second deploy started a second copy"

    async def test_destroy(self, pair: Pair, stage: Stage) -> None:
        marker = random_id()
        release, endpoint = await stage.deploy(*await some_output(pair, marker))
        hostname = await stage.bind(endpoint)
        await pair.runtime.destroy(release.id)
        assert await pair.runtime.status(release.id) == ReleaseStatus.ABSENT
        gone = await stage.get(hostname, "/")
        assert marker not in gone.text and gone.status != 200
        await pair.runtime.destroy(release.id)
        await pair.runtime.destroy(f"c{random_id(9)}")

    async def test_scale_to_zero_and_wake(self, pair: Pair, stage: Stage) -> None:
        if pair.idle_seconds is None:
            pytest.skip(f"runtime {pair.runtime.name} does not scale to zero")
        needs(pair, SERVER)
        marker = random_id()
        release, endpoint = await stage.deploy(server_output(marker), SERVER)
        hostname = await stage.bind(endpoint)
        await pair.runtime.scale(release.id, ScalePolicy(min_replicas=0, max_replicas=1))

        async def asleep() -> bool:
            return await pair.runtime.status(release.id) == ReleaseStatus.ASLEEP

        await stage.eventually(asleep, "asleep after idling",
                               timeout=pair.idle_seconds + pair.timeout)
        answer = await stage.get(hostname, "/woken")
        assert answer.status == 200
        if pair.runs_code:
            assert answer.text == f"server {marker} /woken"

        # A runtime may answer the held request as soon as the replica listens and finish
        # the wake (its health check) afterwards: ready once the wake is over.
        async def ready() -> bool:
            return await pair.runtime.status(release.id) == ReleaseStatus.READY

        await stage.eventually(ready, "ready after the wake")

    # -- the edge ---------------------------------------------------------------

    async def test_bind_moves_and_unbind_stops(self, pair: Pair, stage: Stage) -> None:
        old, new = random_id(), random_id()
        _, first = await stage.deploy(*await some_output(pair, old))
        _, second = await stage.deploy(*await some_output(pair, new))
        hostname = await stage.bind(first)
        assert old in (await stage.get(hostname, "/")).text
        await stage.bind(second, hostname=hostname)
        assert new in (await stage.get(hostname, "/")).text
        await pair.edge.unbind(hostname)
        after = await stage.get(hostname, "/")
        assert new not in after.text and after.status != 200
        await pair.edge.unbind(hostname)
        await pair.edge.unbind(pair.hostname(f"c{random_id(9)}"))

    async def test_bind_splits_traffic_by_weight(self, pair: Pair, stage: Stage) -> None:
        heavy, light = random_id(), random_id()
        _, first = await stage.deploy(*await some_output(pair, heavy))
        _, second = await stage.deploy(*await some_output(pair, light))
        hostname = await stage.bind((first, 3), (second, 1))
        answers = [await stage.get(hostname, "/") for _ in range(WEIGHTED_REQUESTS)]
        assert {answer.status for answer in answers} == {200}
        first_count = sum(heavy in answer.text for answer in answers)
        assert first_count + sum(light in answer.text for answer in answers) == WEIGHTED_REQUESTS
        share = first_count / WEIGHTED_REQUESTS
        assert 0.6 <= share <= 0.9, f"weights 3:1 gave {share:.0%} to the first"

    async def test_a_refused_bind_changes_nothing(self, pair: Pair, stage: Stage) -> None:
        marker = random_id()
        _, endpoint = await stage.deploy(*await some_output(pair, marker))
        hostname = await stage.bind(endpoint)
        with pytest.raises(Exception):  # noqa: B017 - the contract names no exception type
            await pair.edge.bind(hostname, [])
        assert marker in (await stage.get(hostname, "/")).text

    async def test_redirect(self, pair: Pair, stage: Stage) -> None:
        hostname = pair.hostname(f"c{random_id(9)}")
        stage.hostnames.append(hostname)
        await pair.edge.redirect(hostname, "example.org", 308)
        answer = await stage.get(hostname, "/some/page?q=1")
        assert answer.status == 308
        assert answer.headers["location"] == "http://example.org/some/page?q=1"
        _, endpoint = await stage.deploy(*await some_output(pair, marker := random_id()))
        await stage.bind(endpoint, hostname=hostname)
        assert marker in (await stage.get(hostname, "/")).text, "a bind replaces a redirect"

    async def test_protect_asks_the_control_plane(self, pair: Pair, stage: Stage) -> None:
        needs(pair, STATIC)
        if pair.control_plane is None:
            pytest.skip("the pair names no control plane for protection checks")
        marker = random_id()
        _, endpoint = await stage.deploy(static_output(marker), STATIC)
        hostname = await stage.bind(endpoint)
        async with control_plane(pair.control_plane):
            await pair.edge.protect(hostname, Protection(pair.control_plane))
            try:
                denied = await stage.get(hostname, "/")
                assert (denied.status, denied.text) == (401, "sign in first")
                page = await stage.get(hostname, f"{PROTECTION_PREFIX}login")
                assert (page.status, page.text) == (200, f"login page of {hostname}")
                allowed = await stage.get(hostname, f"/?{KEY}")
                assert (allowed.status, allowed.text) == (200, f"<h1>home {marker}</h1>")
                for answer in (denied, page, allowed):
                    assert answer.headers.get("cache-control") == "private, no-store"
                await stage.bind(endpoint, hostname=hostname)
                assert (await stage.get(hostname, "/")).status == 401, "a bind keeps protection"
            finally:
                await pair.edge.protect(hostname, None)
            public = await stage.get(hostname, "/")
            assert (public.status, public.text) == (200, f"<h1>home {marker}</h1>")
            assert "no-store" not in public.headers.get("cache-control", "")

    async def test_skew_protection_pins_requests_to_their_deployment(
        self, pair: Pair, stage: Stage
    ) -> None:
        needs(pair, STATIC)
        old_marker, new_marker, other_marker = random_id(), random_id(), random_id()
        old, old_endpoint = await stage.deploy(static_output(old_marker), STATIC)
        hostname = await stage.bind(old_endpoint)
        other, other_endpoint = await stage.deploy(static_output(other_marker), STATIC)
        await stage.bind(other_endpoint)  # another hostname's deployment
        try:
            await pair.edge.skew_protection(hostname, 300)
        except NotImplementedError as refused:
            pytest.skip(f"the edge refuses skew protection: {refused}")
        _, new_endpoint = await stage.deploy(static_output(new_marker), STATIC)
        await stage.bind(new_endpoint, hostname=hostname)

        async def home(path: str) -> str:
            return (await stage.get(hostname, path)).text

        assert await home("/") == f"<h1>home {new_marker}</h1>"
        assert await home(f"/?{SKEW_QUERY}={old.id}") == f"<h1>home {old_marker}</h1>"
        for pin in (other.id, "c-unknown", "..%2F..%2Fx"):
            assert await home(f"/?{SKEW_QUERY}={pin}") == f"<h1>home {new_marker}</h1>", pin
        await pair.edge.skew_protection(hostname, 1)

        async def expired() -> bool:
            return await home(f"/?{SKEW_QUERY}={old.id}") == f"<h1>home {new_marker}</h1>"

        await stage.eventually(expired, "the pin ends with its window")

    async def test_traffic_counts_what_each_release_answered(
        self, pair: Pair, stage: Stage
    ) -> None:
        needs(pair, STATIC)
        since = datetime.now(UTC) - timedelta(seconds=1)
        first, one = await stage.deploy(static_output(random_id()), STATIC)
        second, two = await stage.deploy(static_output(random_id()), STATIC)
        hostname = await stage.bind((one, 1), (two, 1))
        try:
            await pair.edge.traffic(hostname, since)
        except NotImplementedError as refused:
            pytest.skip(f"the edge does not count requests: {refused}")
        for _ in range(20):
            assert (await stage.get(hostname, "/")).status == 200

        async def counted() -> bool:
            counts = await pair.edge.traffic(hostname, since)
            return sum(count.requests for count in counts.values()) == 20

        await stage.eventually(counted, "20 requests counted")
        counts = await pair.edge.traffic(hostname, since)
        assert set(counts) == {first.id, second.id}
        assert all(count.errors == 0 for count in counts.values())
        assert await pair.edge.traffic(hostname, datetime.now(UTC) + timedelta(hours=1)) == {}

    def test_public_url_names_the_hostname(self, pair: Pair) -> None:
        hostname = pair.hostname("public")
        url = pair.edge.public_url(hostname)
        assert url.startswith(("http://", "https://")) and hostname in url

    # -- logs and cost ------------------------------------------------------------

    async def test_logs_read_and_follow(self, pair: Pair, stage: Stage) -> None:
        marker = random_id()
        files, kinds = await app_output(pair, marker)
        if kinds == STATIC:
            pytest.skip(f"runtime {pair.runtime.name} runs no app that writes logs")
        release, endpoint = await stage.deploy(files, kinds)
        hostname = await stage.bind(endpoint)
        assert (await stage.get(hostname, f"/first-{marker}")).status == 200

        async def first_line() -> LogLine | None:
            return next((line for line in await lines(pair.runtime, release.id)
                         if f"/first-{marker}" in line.text), None)

        seen = await stage.eventually(first_line, "the request's log line")
        earlier = await lines(pair.runtime, release.id)
        assert [line.timestamp for line in earlier] == sorted(line.timestamp for line in earlier)
        if pair.runs_code:
            assert any(f"conformance server {marker} started" in line.text for line in earlier)
        since = await lines(pair.runtime, release.id, since=seen.timestamp)
        assert since and all(line.timestamp >= seen.timestamp for line in since)
        assert len(since) <= len(earlier)

        async def follow() -> LogLine:
            async for line in pair.runtime.logs(release.id, follow=True):
                if f"/second-{marker}" in line.text:
                    return line
            raise AssertionError("logs(follow=True) ended")

        follower = asyncio.create_task(follow())
        try:
            await asyncio.sleep(0.2)
            assert (await stage.get(hostname, f"/second-{marker}")).status == 200
            followed = await asyncio.wait_for(follower, pair.timeout)
        finally:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
        assert followed.timestamp >= seen.timestamp

    async def test_cost_estimate(self, pair: Pair, stage: Stage) -> None:
        release, _ = await stage.deploy(*await some_output(pair, random_id()))
        estimate = pair.runtime.cost_estimate(release)
        assert isinstance(estimate, CostEstimate) and estimate.currency
        assert estimate.hourly >= 0 and estimate.monthly >= 0
        if not isinstance(pair.runtime, EstimatesCost):
            return  # no price table: measured usage is shown without a cost
        table = pair.runtime.price_table()
        assert table.currency and table.source and table.items
        assert all(item.price >= 0 for item in table.items)
        cost = pair.runtime.estimate_cost(Usage(cpu_seconds=3600, memory_gib_hours=1, hours=1,
                                                requests=1000))
        assert cost.currency == table.currency and cost.as_of == table.as_of
        for line in cost.lines:
            assert line.price == table.price(line.item)
            assert line.amount == pytest.approx(line.quantity * line.price)
        assert cost.total == pytest.approx(sum(line.amount for line in cost.lines))
        assert pair.runtime.estimate_cost(Usage(0, 0, 0)).total == 0


async def lines(runtime: Runtime, release_id: str,
                since: datetime | None = None) -> list[LogLine]:
    """Every log line ``release_id`` has now (no follow)."""
    return [line async for line in runtime.logs(release_id, since=since)]
