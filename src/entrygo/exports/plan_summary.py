"""What execution and delivery need of a plan, typed.

The stored plan is the wire document the client was answered with (camelCase and snake_case
mixed, as the guide has it). Domain code never reads it by key: ``summarise`` is the one place
that does, so renaming a public field breaks here, loudly, and not silently in a broker email.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from entrygo.artifacts.snapshot import Unit

FORMAL_ENTRY = "01"


@dataclass(frozen=True)
class PlanSummary:
    included_order_ids: tuple[str, ...]
    units: tuple[Unit, ...]
    flags: tuple[str, ...]
    blocking_codes: tuple[str, ...]
    warning_codes: tuple[str, ...]
    order_count: int
    line_count: int
    value_usd: Decimal
    importer: Mapping[str, Any]
    """The importer of record as planned (``{id, name, number}``; empty on plans stored
    before filing data)."""
    shipment: Mapping[str, Any]
    """The shipment as planned, after the warehouse's defaults (empty likewise)."""
    duty_estimate: Mapping[str, Any] | None = None
    """The plan's ``dutyEstimate`` as planned (None on plans stored before estimates)."""

    @property
    def formal_units(self) -> int:
        return sum(1 for unit in self.units if unit.entry_type == FORMAL_ENTRY)


def _decimal(number: Any) -> Decimal:
    return Decimal(str(number))  # str: a JSON float's shortest form, never its binary value


def summarise(plan: Mapping[str, Any]) -> PlanSummary:
    """The summary of a stored plan document (see ``exports.schemas.plan_document``)."""
    totals = plan["totals"]
    return PlanSummary(
        included_order_ids=tuple(plan["included_order_ids"]),
        units=tuple(Unit(u["id"], u["entryType"], _decimal(u["valueUsd"]),
                                tuple(u["orderIds"]))
                    for u in plan["strategy"]["exportUnits"]),
        flags=tuple(f["flag"] for f in plan["flags"]),
        blocking_codes=tuple(sorted({m["code"] for m in plan["validationMessages"]
                                     if m["severity"] == "blocking"})),
        warning_codes=tuple(sorted({m["code"] for m in plan["validationMessages"]
                                    if m["severity"] == "warning"})),
        order_count=totals["orderCount"], line_count=totals["lineCount"],
        value_usd=_decimal(totals["valueUsd"]),
        importer=plan.get("importer") or {}, shipment=plan.get("shipment") or {},
        duty_estimate=plan.get("dutyEstimate"))
