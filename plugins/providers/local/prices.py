"""The price of running a release on your own machine, set by the server's admin.

A machine has no published price list, so the admin sets what a CPU-hour of
CPU time used and a GB-hour of memory held cost (the machine's share of a
server bill, electricity): ``AUTOSTACK_PRICE_CPU_HOUR``,
``AUTOSTACK_PRICE_MEMORY_GB_HOUR`` (default 0: running here costs nothing
extra) and ``AUTOSTACK_PRICE_CURRENCY`` (default USD). A release is billed
for the CPU time its processes used and the memory they held, as the meter
measured them. A malformed price stops the start, naming the variable.
"""

from __future__ import annotations

import math
import re

from autostack_core.config import Settings
from autostack_core.interfaces.cost import Cost, PriceItem, PriceTable, Usage, bill
from autostack_core.interfaces.runtime import CostEstimate, Release

CPU_HOUR = "AUTOSTACK_PRICE_CPU_HOUR"
MEMORY_GB_HOUR = "AUTOSTACK_PRICE_MEMORY_GB_HOUR"
CURRENCY = "AUTOSTACK_PRICE_CURRENCY"
SETTINGS = f"{CPU_HOUR}, {MEMORY_GB_HOUR}, {CURRENCY}"


def _price(settings: Settings, name: str) -> float:
    raw = settings.plugin_setting(name, "0") or "0"
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a price of 0 or more, like 0.02 (got {raw!r})")
    return value


def price_table(settings: Settings, runtime: str) -> PriceTable:
    """The prices the settings give (raises ValueError naming a malformed setting)."""
    currency = (settings.plugin_setting(CURRENCY, "USD") or "USD").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(f"{CURRENCY} must be a three-letter currency code, like USD or EUR "
                         f"(got {currency!r})")
    return PriceTable(
        runtime=runtime, currency=currency, source=f"settings: {SETTINGS}", as_of=None,
        items=(
            PriceItem("cpu", "CPU-hour", _price(settings, CPU_HOUR), "CPU time used"),
            PriceItem("memory", "GB-hour", _price(settings, MEMORY_GB_HOUR), "memory held"),
        ),
        notes="Set by this server's admin; disk and traffic are not priced.",
    )


def estimate(table: PriceTable, usage: Usage) -> Cost:
    """``usage``'s CPU time and memory over time at ``table``'s prices."""
    return bill(table, {"cpu": usage.cpu_seconds / 3600, "memory": usage.memory_gib_hours})


def upper_bound(table: PriceTable, settings: Settings) -> CostEstimate:
    """An hour with every allotted CPU busy and all the allotted memory held."""
    hourly = (settings.runtime_cpus * table.price("cpu")
              + settings.runtime_memory_mb / 1024 * table.price("memory"))
    return CostEstimate.of_hourly(hourly, table.currency)


class PricedBySettings:
    """The cost methods of a runtime on this machine (``local``, ``containers``), priced
    by :func:`price_table`; the runtime sets ``settings`` and ``prices``."""

    settings: Settings
    prices: PriceTable

    def cost_estimate(self, release: Release) -> CostEstimate:
        """Every allotted CPU busy and all its memory held, at the configured prices (0 by
        default: running on your own machine costs nothing extra)."""
        return upper_bound(self.prices, self.settings)

    def price_table(self) -> PriceTable:
        return self.prices

    def estimate_cost(self, usage: Usage) -> Cost:
        """The CPU time used and the memory held, at the configured prices."""
        return estimate(self.prices, usage)
