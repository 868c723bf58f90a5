"""Billing: hand each team's usage of a month that is over to the ``billing`` hook.

AutoStack keeps no prices and sends no invoices: a plugin implementing
``billing`` (a payment provider's, an accounting export) turns the usage into
what it bills. A server admin runs it for a month (``autostack billing run``,
``POST /api/v1/billing/run``); each team's call stands alone, so one that
fails is reported and the others are still billed.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Team
from autostack_core.services import plans, team_usage

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.billing")


async def run(app: AutoStack, month: date, today: date | None = None) -> list[dict[str, Any]]:
    """Call ``billing`` once per team with its plan and its usage of ``month`` (a month that
    is over: 409 otherwise); what happened for each team."""
    today = today or datetime.now(UTC).date()
    if team_usage.next_month(month) > today:
        raise ApiError(409, f"month: {month:%Y-%m} is not over yet; bill it from "
                            f"{team_usage.next_month(month).isoformat()}", "month")
    results = []
    for team in await Team.all().order_by("id"):
        plan = await plans.plan_of(team)
        usage = await team_usage.month_usage(team.id, month)
        result: dict[str, Any] = {"team": team.slug, "plan": plan.slug if plan else None,
                                  "total": usage["total"], "error": None}
        try:
            await app.call_hook("billing", app=app, team=team, plan=plan,
                                month=usage["month"], usage=usage)
        except Exception as error:
            logger.exception("billing team %s for %s failed", team.slug, usage["month"])
            result["error"] = f"{type(error).__name__}: {error}"
        results.append(result)
    return results
