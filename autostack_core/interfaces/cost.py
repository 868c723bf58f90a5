"""What a release costs: a runtime's price table applied to its measured usage.

Optional for a runtime (:class:`EstimatesCost`): one that has a published
price list keeps it as a :class:`PriceTable` (the currency, the date the
prices were taken, the page they come from, a price per unit), and
``estimate_cost(usage)`` turns a release's measured :class:`Usage` (the
meter's readings, :mod:`autostack_core.services.usage`) into a :class:`Cost`
with one line per priced item. :func:`bill` does the arithmetic for every
runtime; each runtime only says how many units of each item the usage is
(CPU time used on your own machine; vCPU-seconds allotted while an instance
runs on Cloud Run and ACI). ``docs/cost.md`` lists the tables.

A cloud runtime whose API reports no CPU time measures what it is billed for
instead: :func:`allotted_usage` turns the vCPU and memory a release asks for,
its instances and when they started into a reading, and :func:`allotted_seconds`
prices that reading (or, with no reading, hours at the configured size).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from autostack_core.interfaces.usage import ResourceUsage

GIB = 1024 ** 3


@dataclass(frozen=True)
class Usage:
    """What one release used over a period, as the meter measured it."""

    cpu_seconds: float
    """CPU time its processes used."""
    memory_gib_hours: float
    """Memory held over time: the average GiB in use times ``hours``."""
    hours: float
    """How long something of it ran (the meter's samples times their interval)."""
    requests: int = 0


@dataclass(frozen=True)
class PriceItem:
    """One priced unit of a table (``vcpu``: 0.000024 USD a vCPU-second)."""

    name: str
    unit: str
    price: float
    note: str = ""


@dataclass(frozen=True)
class PriceTable:
    """A runtime's prices: where they come from and when they were taken."""

    runtime: str
    currency: str
    items: tuple[PriceItem, ...]
    source: str
    """The page the prices are from (a URL), or the settings that set them."""
    as_of: str | None
    """The date the prices were taken (``2026-12-07``); None for prices set by settings."""
    region: str = ""
    notes: str = ""
    """What the estimate leaves out (a free tier, a fee per cluster)."""

    def price(self, name: str) -> float:
        return next(item.price for item in self.items if item.name == name)

    def to_json(self) -> dict[str, Any]:
        return {"runtime": self.runtime, "currency": self.currency, "source": self.source,
                "as_of": self.as_of, "region": self.region, "notes": self.notes,
                "items": [{"name": item.name, "unit": item.unit, "price": item.price,
                           "note": item.note} for item in self.items]}


@dataclass(frozen=True)
class CostLine:
    item: str
    quantity: float
    unit: str
    price: float
    amount: float


@dataclass(frozen=True)
class Cost:
    """A release's estimated cost: one line per priced item, and their sum."""

    currency: str
    total: float
    lines: tuple[CostLine, ...]
    source: str
    as_of: str | None

    def to_json(self) -> dict[str, Any]:
        return {"currency": self.currency, "total": self.total, "source": self.source,
                "as_of": self.as_of,
                "lines": [{"item": line.item, "quantity": line.quantity, "unit": line.unit,
                           "price": line.price, "amount": line.amount} for line in self.lines]}


def bill(table: PriceTable, quantities: Mapping[str, float]) -> Cost:
    """``quantities`` (units per item name of ``table``) at the table's prices; an item
    without a quantity is not billed."""
    lines = tuple(
        CostLine(item=item.name, quantity=round(quantities[item.name], 6), unit=item.unit,
                 price=item.price, amount=round(quantities[item.name] * item.price, 6))
        for item in table.items if item.name in quantities
    )
    return Cost(currency=table.currency, total=round(sum(line.amount for line in lines), 6),
                lines=lines, source=table.source, as_of=table.as_of)


@runtime_checkable
class EstimatesCost(Protocol):
    """A runtime that prices its releases' measured usage."""

    def price_table(self) -> PriceTable:
        """The prices it applies, with their source and date."""
        ...

    def estimate_cost(self, usage: Usage) -> Cost:
        """What a release that used ``usage`` costs at :meth:`price_table`'s prices."""
        ...


def allotted_usage(vcpu: float, memory_gib: float, instances: int, started: datetime | None,
                   now: datetime | None = None) -> ResourceUsage:
    """A reading of what a cloud bills while ``instances`` of a release run: vCPU-seconds
    allotted since ``started`` (a counter that starts again when the instance restarts)
    and the memory allotted now; no start time counts from now."""
    elapsed = 0.0 if started is None else \
        max(((now or datetime.now(UTC)) - started.astimezone(UTC)).total_seconds(), 0.0)
    return ResourceUsage(cpu_seconds=vcpu * instances * elapsed,
                         memory_bytes=int(memory_gib * instances * GIB))


def allotted_seconds(usage: Usage, vcpu: float, memory_gib: float) -> tuple[float, float]:
    """``(vCPU-seconds, GiB-seconds)`` to bill for ``usage``: what :func:`allotted_usage`
    readings added up to, else (an estimate's ``Usage(0, 0, hours)``) ``usage.hours`` at
    ``vcpu`` and ``memory_gib``."""
    if usage.cpu_seconds > 0 or usage.memory_gib_hours > 0:
        return usage.cpu_seconds, usage.memory_gib_hours * 3600
    seconds = usage.hours * 3600
    return seconds * vcpu, seconds * memory_gib
