"""The stage machine of rolling releases: stages, thresholds, breaches, timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from autostack_core.errors import ApiError
from autostack_core.interfaces.edge import TrafficCount
from autostack_core.services.rollout_stages import (
    MIN_REQUESTS,
    Stage,
    Thresholds,
    breach,
    configure,
    parse_stages,
    stage_over,
    weights,
)

LIMITS = Thresholds(max_error_rate=5.0, max_p95_ms=500, failure_budget=20)


def test_stages_rise_below_100_and_a_final_100_is_the_end() -> None:
    assert parse_stages([(5, 60.0), (25, None), (100, 60.0)]) == \
        [Stage(5, 60.0), Stage(25, None)]
    for bad in ([], [(25, 1.0), (5, 1.0)], [(0, 1.0)], [(5, -1.0)], [(100, 1.0)],
                [(5, 1.0), (5, 1.0)]):
        with pytest.raises(ApiError) as refused:
            parse_stages(bad)
        assert refused.value.status == 422 and "stages" in str(refused.value)


def test_a_request_falls_back_on_the_project_defaults_then_the_built_in_ones() -> None:
    stages, thresholds = configure({"failure_budget": 7},
                                   {"stages": [{"percent": 10, "seconds": 30}],
                                    "max_p95_ms": 800})
    assert stages == [Stage(10, 30)]
    assert thresholds == Thresholds(5.0, 800, 7)
    stages, _ = configure({}, {})
    assert [stage.percent for stage in stages] == [5, 25]
    with pytest.raises(ApiError, match="failure_budget"):
        configure({"failure_budget": 0}, {})
    with pytest.raises(ApiError, match="max_error_rate"):
        configure({"max_error_rate": 101}, {})


def test_a_high_5xx_rate_aborts_once_the_sample_is_big_enough() -> None:
    assert breach(LIMITS, TrafficCount(MIN_REQUESTS - 1, MIN_REQUESTS - 1), 9) is None
    reason = breach(LIMITS, TrafficCount(MIN_REQUESTS, 1), 1)
    assert reason is not None and "5xx rate 10.0%" in reason
    assert breach(LIMITS, TrafficCount(100, 5), 5) is None, "5% is not above 5%"


def test_the_failure_budget_aborts_without_waiting_for_a_sample() -> None:
    reason = breach(LIMITS, TrafficCount(3, 3), 20)
    assert reason is not None and "failure budget" in reason
    assert breach(LIMITS, TrafficCount(3, 3), 19) is None


def test_a_slow_p95_aborts_and_an_unmeasured_one_does_not() -> None:
    reason = breach(LIMITS, TrafficCount(50, 0, 501.0), 0)
    assert reason is not None and "p95 501 ms" in reason
    assert breach(LIMITS, TrafficCount(50, 0, 500.0), 0) is None
    assert breach(LIMITS, TrafficCount(50, 0, None), 0) is None
    assert breach(Thresholds(5.0, None, 20), TrafficCount(50, 0, 9999.0), 0) is None


def test_timed_stages_end_and_approval_stages_wait() -> None:
    started = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert not stage_over(Stage(5, 60), started, started + timedelta(seconds=59))
    assert stage_over(Stage(5, 60), started, started + timedelta(seconds=60))
    assert not stage_over(Stage(5, None), started, started + timedelta(days=30))
    assert weights(5) == (95, 5)
