"""The plan's ``dutyEstimate``: the wire document of ``readiness.estimate`` and its published
shape (docs/duty-estimate.md; docs/api/contract.md §5.4).

The estimate is derived output, like the export units: the plan document carries it, the batch
stores it with the plan, and inspect and the artifacts show it as planned. It is not an input of
``planHash``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from entrygo.api.wire import Omittable, WireModel, decimal_to_number
from entrygo.readiness.estimate import Component, Estimate, per_line

ComponentKind = Literal["base", "section232", "section301", "section122", "ieepa", "mpf", "hmf"]


def _money(value: Decimal | None) -> int | float | None:
    return None if value is None else decimal_to_number(value)


def descriptor(c: Component) -> dict[str, Any]:
    """What a component says besides its amount: kind, rate, source, and its reason and note
    when it has them."""
    doc: dict[str, Any] = {"kind": c.kind, "rate": c.rate, "source": c.source}
    if c.reason is not None:
        doc["reason"] = c.reason
    if c.note is not None:
        doc["note"] = c.note
    return doc


def rests_on(c: Component) -> dict[str, Any]:
    """What a product's component says: kind, rate, the amount when it is the same on every
    line (null with the reason, 0 when free, exempt or unchanged), source, reason, note."""
    doc: dict[str, Any] = {"kind": c.kind, "rate": c.rate}
    if not per_line(c):
        doc["amountUsd"] = _money(c.amount_usd)
    doc["source"] = c.source
    if c.reason is not None:
        doc["reason"] = c.reason
    if c.note is not None:
        doc["note"] = c.note
    return doc


def estimate_document(est: Estimate, unit_ids: list[str]) -> dict[str, Any]:
    """The estimate as the plan answers it, export units by the plan's unit ids.

    Entries hold their orders, with their totals. What a line owes rests on its product alone
    (its rate, origin, claim, metals) and the date, so it is given once per product, in
    ``products``: each component's rate and source, the reason an amount is null, the amount
    itself when it is the same on every line; a line owes the others at their rate on its
    value (and quantity). The package prints every line's amounts (``duty_estimate.csv``,
    ``entry_summary.json``); the plan does not repeat them for thousands of lines. Likewise
    ``fees`` gives each fee's rate and source by kind of entry, and an entry its amounts and
    its own notes (the MPF minimum applied). Totals are ``dutyUsd + feesUsd`` (given once, in
    ``totals``)."""
    number = decimal_to_number
    fees: dict[tuple[str, str], dict[str, Any]] = {}
    orders = est.orders
    oi = 0
    units = []
    for u in est.units:
        unit_orders = []
        while oi < len(orders) and orders[oi].unit_index == u.unit_index:
            o = orders[oi]
            oi += 1
            unit_orders.append({"orderId": o.order_id, "dutyUsd": number(o.duty_usd),
                                "feesUsd": number(o.fees_usd), "complete": o.complete})
        unit: dict[str, Any] = {
            "exportUnitId": unit_ids[u.unit_index], "entryType": u.entry_type,
            "dutyUsd": number(u.duty_usd), "feesUsd": number(u.fees_usd),
            "complete": u.complete,
            "feeAmountsUsd": {c.kind: _money(c.amount_usd) for c in u.fees}}
        notes = {c.kind: c.note for c in u.fees if c.note is not None}
        if notes:
            unit["feeNotes"] = notes
        unit["orders"] = unit_orders
        units.append(unit)
        for c in u.fees:
            if (u.entry_type, c.kind) not in fees:
                fees[(u.entry_type, c.kind)] = {"entryType": u.entry_type,
                                                **descriptor(c._replace(note=None))}
    return {
        "disclaimer": est.disclaimer,
        "asOf": est.as_of.isoformat(),
        "dateBasis": est.date_basis,
        "rulesEdition": est.edition,
        "totals": {"dutyUsd": number(est.duty_usd), "feesUsd": number(est.fees_usd),
                   "totalUsd": number(est.duty_usd + est.fees_usd),
                   "complete": est.complete, "unknownComponents": est.unknown_components},
        "exportUnits": units,
        "products": [{"productId": p.product_id, "htsCode": p.hts_code,
                      "countryOfOrigin": p.country_of_origin,
                      "components": [rests_on(c) for c in p.components]}
                     for _, p in sorted(est.products.items())],
        "fees": [fees[key] for key in sorted(fees)],
        "sources": dict(est.sources),
    }


# --- published shapes ---------------------------------------------------------------------------

COMPLETE = ("Whether every component has an amount; when false, the sums add the known amounts "
            "only and `products` or `fees` say why the others are null.")
AMOUNTS = ("Each component's amount by kind, rounded half-up to cents; null where EntryGo "
           "cannot compute it.")


class EstimateRateOut(WireModel):
    """What a component's amounts rest on: its rate as applied and where it comes from."""

    kind: ComponentKind = Field(description="`base` (the schedule's rate: column 1 general, "
                                "special or column 2), an additional duty of chapter 99 "
                                "(`section232`, `section301`, `section122`, `ieepa`), or a fee "
                                "(`mpf`, `hmf`).")
    rate: str | None = Field(description="The rate as applied, as the schedule or rule prints "
                             "it (`2.2¢/kg + 5%`, `+50%`, `0.3464% (minimum $33.58, ...)`).")
    source: str = Field(description="A short citation: the HTS line and column, the chapter 99 "
                        "heading or the CFR section (`sources` gives the full text).")
    reason: Omittable[str] = Field(None, description="Why its amounts are null (only then).")
    note: Omittable[str] = Field(None, description="What its amounts assume or leave out.")


class EstimateComponentOut(EstimateRateOut):
    """A duty every line of a product bears: at its rate on the line's value (and, for a
    specific rate, its quantity), or the same amount on every line."""

    amount_usd: float | None = Field(
        None, description="Present when every line of the product owes the same: 0 (free, "
        "exempt, no change) or null, with the `reason`. Absent, each line owes the `rate` on "
        "its value (and quantity), rounded half-up to cents: the package prints each line's "
        "amount.")


class EstimateProductOut(WireModel):
    """The duties a product's lines bear, one component per kind."""

    product_id: str
    hts_code: str | None
    country_of_origin: str | None
    components: list[EstimateComponentOut]


class EstimateFeeOut(EstimateRateOut):
    """A fee of a kind of entry (`11` informal, `01` formal)."""

    entry_type: Literal["11", "01"]


class EstimateTotalsOut(WireModel):
    duty_usd: float
    fees_usd: float
    total_usd: float
    complete: bool = Field(description=COMPLETE)
    unknown_components: int = Field(description="Amounts (of lines and of fees) that are null.")


class EstimateOrderOut(WireModel):
    """An order's totals; each line's amounts are in the package (`duty_estimate.csv`,
    `entry_summary.json`), from its product's `components`."""

    order_id: str
    duty_usd: float = Field(description="Its lines' known amounts, added.")
    fees_usd: float = Field(description="Its share of its entry's fees, by value.")
    complete: bool = Field(description=COMPLETE)
    lines_usd: Omittable[list[dict[str, float | None]]] = Field(
        None, description="Only on plans stored when the plan gave each line's amounts by "
        "kind, in the order's line order: " + AMOUNTS)


class EstimateUnitOut(WireModel):
    export_unit_id: str
    entry_type: Literal["11", "01"]
    duty_usd: float = Field(description="Its lines' known amounts, added.")
    fees_usd: float
    complete: bool = Field(description=COMPLETE)
    fee_amounts_usd: dict[str, float | None] = Field(description=AMOUNTS + " `fees` gives "
                                                     "each one's rate and source.")
    fee_notes: Omittable[dict[str, str]] = Field(
        None, description="A fee's note that is the entry's own (the MPF minimum or maximum "
        "applied, originating goods left out), by kind.")
    orders: list[EstimateOrderOut]


class DutyEstimateOut(WireModel):
    """Duties and fees per entry, per order and in total, and what each product's lines owe
    (the package prints every line's amounts): an estimate for planning, not a duty
    determination (/docs/duty-estimate)."""

    disclaimer: str
    as_of: str = Field(description="The date whose rules apply, YYYY-MM-DD.")
    date_basis: Literal["estimatedArrival", "planningDate"] = Field(
        description="`estimatedArrival`: the shipment's; `planningDate`: the day of planning "
        "(UTC), when the shipment gives no arrival date.")
    rules_edition: str = Field(description="The edition of the estimate's rules file.")
    totals: EstimateTotalsOut
    export_units: list[EstimateUnitOut]
    products: list[EstimateProductOut]
    fees: list[EstimateFeeOut]
    sources: dict[str, str] = Field(description="Each citation the components use that the "
                                    "rules file explains -> its source text.")
