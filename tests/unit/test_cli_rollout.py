"""``autostack promote --rolling`` stage syntax and ``autostack rollout status``'s table."""

from __future__ import annotations

import click
import pytest

from autostack_core.cli.client import rolling_stages
from autostack_core.cli.rollout import describe


def test_stages_take_minutes_approval_or_the_default_minutes() -> None:
    assert rolling_stages("5,25:30,50:approve,100", 10) == [
        {"percent": 5, "seconds": 600.0}, {"percent": 25, "seconds": 1800.0},
        {"percent": 50, "seconds": None}, {"percent": 100, "seconds": 600.0}]
    assert rolling_stages("5, 25", None) == [{"percent": 5, "seconds": None},
                                             {"percent": 25, "seconds": None}]
    for bad in ("five", "5:soon", "5;25"):
        with pytest.raises(click.BadParameter):
            rolling_stages(bad, 1)


def test_status_shows_each_side_and_why_it_stopped() -> None:
    rollout = {
        "id": 3, "state": "aborted", "reason": "5xx rate 100.0% over 11 requests exceeds 5%",
        "from_deployment": "dplold", "to_deployment": "dplnew",
        "stages": [{"percent": 5, "seconds": 600}, {"percent": 50, "seconds": None}],
        "stage": 0, "weights": {"dplold": 100, "dplnew": 0}, "max_error_rate": 5.0,
        "max_p95_ms": 800, "failure_budget": 40, "stage_ends_at": None,
        "measure": None,
    }
    text = describe(rollout)
    assert "Rolling release 3: aborted, stage 1 of 2 (5% -> 50% -> 100%)" in text
    assert "Reason: 5xx rate 100.0%" in text
    assert "previous  dplold" in text and "100%" in text
    assert "p95 above 800 ms" in text and "40 failed requests" in text
    rollout.update(state="running", reason=None, weights={"dplold": 95, "dplnew": 5},
                   stage_ends_at="2026-12-06T20:00:00+00:00",
                   measure={"previous": {"requests": 190, "errors": 0, "error_rate": 0.0,
                                         "p95_ms": 3.2},
                            "new": {"requests": 10, "errors": 1, "error_rate": 10.0,
                                    "p95_ms": 12.6},
                            "new_errors_total": 1})
    text = describe(rollout)
    assert "Stage ends at 2026-12-06T20:00:00+00:00" in text
    assert "10.0%" in text and "13 ms" in text and "190" in text
    assert describe(None) == "No rolling release yet."
