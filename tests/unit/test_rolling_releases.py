"""Rolling releases on the null pair: staged weights at the edge, advance, abort, the watcher.

The project runs on the fast tier's null runtime and edge (tests/null_edge.py):
what the edge was asked, and what its visitors get, are the real thing, in
memory. A new deployment that fails is one the null runtime no longer runs:
the edge answers 502 for it, which the watcher counts as any 5xx.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import RollingRelease, RolloutState, User
from autostack_core.interfaces import Event
from autostack_core.services import deployments, notifications, rolling_releases, splits
from autostack_plugins.notifiers import messages
from tests.fixtures_auth import api, owner
from tests.web_fixtures import Site, site

__all__ = ["api", "owner", "site"]

PRODUCTION = "site.localhost"


async def start(api: httpx.AsyncClient, deployment: str, **config: object) -> dict:
    answer = await api.post(f"/api/v1/deployments/{deployment}/rolling-release", json=config)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["rolling_release"])


async def status(api: httpx.AsyncClient) -> dict:
    answer = await api.get("/api/v1/projects/site/rolling-release")
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["rolling_release"])


async def test_stages_move_the_weights_and_the_last_advance_promotes(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient
) -> None:
    new, previous = site.old.id, site.current.id
    started = await start(api, new, stages=[{"percent": 25, "seconds": 3600},
                                            {"percent": 50, "seconds": None}])
    assert started["state"] == "running" and started["weights"] == {previous: 75, new: 25}
    assert [(t.endpoint.release_id, t.weight) for t in site.edge.bindings[PRODUCTION]] == \
        [(previous, 75), (new, 25)]
    answers = [(await site.edge.fetch(PRODUCTION)).text for _ in range(8)]
    assert sorted(answers) == ["first"] * 2 + ["second"] * 6
    shown = await status(api)
    assert shown["measure"]["new"]["requests"] == 2
    assert shown["measure"]["previous"]["requests"] == 6
    again = await api.post(f"/api/v1/deployments/{new}/rolling-release", json={})
    assert again.status_code == 409 and "under way" in again.text
    split = await api.put("/api/v1/projects/site/split", json={"variants": [
        {"deployment": new, "weight": 50}, {"deployment": previous, "weight": 50}]})
    assert split.status_code == 409 and "rolling release" in split.text

    advanced = (await api.post("/api/v1/projects/site/rolling-release/advance")).json()
    assert advanced["rolling_release"]["state"] == "awaiting_approval"
    assert advanced["rolling_release"]["weights"] == {previous: 50, new: 50}
    assert (await deployments.production_deployment(autostack, site.project)).id == previous

    done = (await api.post("/api/v1/projects/site/rolling-release/advance")).json()
    assert done["rolling_release"]["state"] == "completed"
    assert (await deployments.production_deployment(autostack, site.project)).id == new
    assert site.edge.served_by(PRODUCTION) == [new]
    late = await api.post("/api/v1/projects/site/rolling-release/advance")
    assert late.status_code == 409


async def test_a_failing_new_deployment_is_aborted_by_the_watcher(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient
) -> None:
    new, previous = site.old.id, site.current.id
    await start(api, new, stages=[{"percent": 50, "seconds": 3600}], failure_budget=50)
    await site.runtime.destroy(new)
    statuses = [(await site.edge.fetch(PRODUCTION)).status for _ in range(20)]
    assert statuses.count(502) == 10
    rollout = await RollingRelease.get(to_deployment=new)
    await rolling_releases.check(autostack, rollout)
    await rollout.refresh_from_db()
    assert rollout.state == RolloutState.ABORTED
    assert rollout.reason is not None and "5xx rate 100.0%" in rollout.reason
    assert site.edge.served_by(PRODUCTION) == [previous]
    assert {(await site.edge.fetch(PRODUCTION)).text for _ in range(5)} == {"second"}
    assert (await status(api))["weights"] == {previous: 100, new: 0}


async def test_errors_of_earlier_stages_count_toward_the_failure_budget(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient
) -> None:
    """A check counts only the current stage's window; the earlier stages' failures are kept
    on the rolling release when each stage ends, so the budget spans the whole rollout."""
    new, previous = site.old.id, site.current.id
    await start(api, new, stages=[{"percent": 50, "seconds": 3600},
                                  {"percent": 75, "seconds": 3600}],
                max_error_rate=100, failure_budget=8)
    await site.runtime.destroy(new)
    first = [(await site.edge.fetch(PRODUCTION)).status for _ in range(10)]
    assert first.count(502) == 5
    advanced = (await api.post("/api/v1/projects/site/rolling-release/advance")).json()
    assert advanced["rolling_release"]["stage"] == 1
    shown = await status(api)
    assert shown["measure"]["new"]["requests"] == 0
    assert shown["measure"]["new_errors_total"] == 5

    await site.runtime.destroy(new)  # binding the stage asked the runtime for it again
    second = [(await site.edge.fetch(PRODUCTION)).status for _ in range(4)]
    assert second.count(502) == 3
    shown = await status(api)
    assert shown["measure"]["new"]["errors"] == 3 and shown["measure"]["new_errors_total"] == 8
    rollout = await RollingRelease.get(to_deployment=new)
    await rolling_releases.check(autostack, rollout)
    await rollout.refresh_from_db()
    assert rollout.state == RolloutState.ABORTED
    assert rollout.reason is not None and "8 failed requests (budget 8)" in rollout.reason
    assert site.edge.served_by(PRODUCTION) == [previous]


async def test_an_abort_is_announced_to_notifiers_with_its_reason(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event reaches the project's notifiers by default; what they would write."""
    sent: list[Event] = []

    async def record(event: Event) -> None:
        sent.append(event)

    monkeypatch.setattr(autostack, "notify", record)
    new = site.old.id
    await start(api, new, stages=[{"percent": 5, "seconds": None}])
    await api.post("/api/v1/projects/site/rolling-release/abort", json={"reason": "bad build"})
    assert [event.kind for event in sent] == ["rollout.awaiting_approval", "rollout.aborted"]
    assert set(notifications.DEFAULT_EVENTS) >= {event.kind for event in sent}
    assert messages.body(sent[-1]) == (
        "site: deployment was aborted in its rolling release; production is back on the "
        "previous deployment\nError: bad build")


async def test_an_abort_by_hand_is_final_and_viewers_cannot_abort(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient, owner: User
) -> None:
    new, previous = site.old.id, site.current.id
    await start(api, new, stages=[{"percent": 5, "seconds": None}])
    aborted = await api.post("/api/v1/projects/site/rolling-release/abort",
                             json={"reason": "wrong build"})
    assert aborted.json()["rolling_release"]["reason"] == "wrong build"
    assert site.edge.served_by(PRODUCTION) == [previous]
    assert (await api.post("/api/v1/projects/site/rolling-release/abort")).status_code == 409
    refused = await api.post(f"/api/v1/deployments/{new}/rolling-release",
                             json={"stages": [{"percent": 50, "seconds": 1},
                                              {"percent": 20, "seconds": 1}]})
    assert refused.status_code == 422 and "stages" in refused.text


async def test_a_promote_during_a_rollout_ends_it_without_rebinding(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient
) -> None:
    new = site.old.id
    await start(api, new, stages=[{"percent": 5, "seconds": 3600}])
    await deployments.promote(autostack, site.project, site.old)
    rollout = await RollingRelease.get(to_deployment=new)
    await rolling_releases.check(autostack, rollout)
    assert rollout.state == RolloutState.ABORTED and "promote" in (rollout.reason or "")
    assert site.edge.served_by(PRODUCTION) == [new]


async def test_the_watcher_holds_a_lease_and_advances_a_stage_that_is_over(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient
) -> None:
    new = site.old.id
    await start(api, new, stages=[{"percent": 5, "seconds": 0}, {"percent": 10, "seconds": 0}])
    rollout = await RollingRelease.get(to_deployment=new)
    await rolling_releases.watch(autostack, rollout.id, "someone-else")
    await rollout.refresh_from_db()
    assert rollout.stage == 0, "the starter's watcher holds the lease"
    await rolling_releases.watch(autostack, rollout.id, rollout.watcher or "")
    await rollout.refresh_from_db()
    assert rollout.stage == 1 and rollout.state == RolloutState.RUNNING
    await RollingRelease.filter(id=rollout.id).update(watched_until=rollout.started_at)
    assert await rolling_releases.rescue(autostack) == 1


async def test_an_abort_saved_while_a_stage_is_being_bound_wins(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker aborts between the advance's save and its binding (the binding is
    where it interleaves, so the test runs the abort there)."""
    new, previous = site.old.id, site.current.id
    await start(api, new, stages=[{"percent": 5, "seconds": None},
                                  {"percent": 50, "seconds": None}])
    bind_weighted = splits.bind_weighted

    async def abort_first(*args: Any) -> None:
        other = await RollingRelease.get(to_deployment=new)
        assert await rolling_releases.abort(autostack, other, "aborted elsewhere")
        await bind_weighted(*args)

    monkeypatch.setattr(splits, "bind_weighted", abort_first)
    rollout = await RollingRelease.get(to_deployment=new)
    assert await rolling_releases.advance(autostack, None, rollout)
    assert site.edge.served_by(PRODUCTION) == [previous]


async def test_a_first_stage_the_edge_refuses_leaves_an_aborted_record_and_production(
    autostack: AutoStack, site: Site, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The edge's refusal is simulated at the binding (the null edge accepts any target)."""
    async def refuse(*args: Any) -> None:
        raise ApiError(409, "edge: cannot serve that", "edge")

    monkeypatch.setattr(splits, "bind_weighted", refuse)
    answer = await api.post(f"/api/v1/deployments/{site.old.id}/rolling-release",
                            json={"stages": [{"percent": 5, "seconds": 60}]})
    assert answer.status_code == 409 and "cannot serve" in answer.text
    shown = await status(api)
    assert shown["state"] == "aborted" and "could not be applied" in shown["reason"]
    assert site.edge.served_by(PRODUCTION) == [site.current.id]
