"""The plan's duty and fee estimate in the package: ``duty_estimate.csv`` (one row per line and
component, and per entry fee), and the parts ``manifest.json`` and ``entry_summary.json`` carry.

Printed from the estimate the plan stored (``PackageSnapshot.duty_estimate``), never estimated
again (neither the rules file nor the schedule is read): the broker sees what the client was
told, with its date, its rules' edition and its disclaimer. The plan gives each product's
components once (rate, source, reason, the amount when it is the same on every line) with the
totals of each entry and order; each line's amounts are those components applied to the line's
value and quantity, by the same rule the plan added them up with
(``readiness.estimate.line_rule``), so the lines add up to the plan's totals. Plans stored
before estimates have none, and the package then has no estimate file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from entrygo.artifacts.render.csv_files import _csv
from entrygo.artifacts.render.formatting import decimal, json_number, money
from entrygo.artifacts.snapshot import PackageSnapshot
from entrygo.readiness.estimate import Component, LineRule, line_rule
from entrygo.readiness.facts import LineFacts

DUTY_ESTIMATE_COLUMNS = (
    "as_of", "date_basis", "export_unit_id", "entry_type", "order_id", "order_external_id",
    "line_index", "product_id", "hts_code", "country_of_origin", "value_usd", "component",
    "rate", "amount_usd", "reason", "note", "source", "disclaimer",
)


def _amount(value: Any) -> str | None:
    number = decimal(value)
    return None if number is None else money(number)


def has_estimate(snapshot: PackageSnapshot) -> bool:
    return snapshot.duty_estimate is not None


class _Product:
    """A product's components as the plan stored them, and the rule its lines owe them by."""

    def __init__(self, doc: Mapping[str, Any], snapshot: PackageSnapshot) -> None:
        self.components: list[Mapping[str, Any]] = list(doc.get("components", []))
        self.by_kind = {c["kind"]: c for c in self.components}
        self.facts = snapshot.products.get(doc["productId"])
        self.rule: LineRule | None = None

    def amounts(self, line: LineFacts) -> list[Any]:
        if self.facts is None:  # not among the package's products: what is stored
            return [c.get("amountUsd") for c in self.components]
        if self.rule is None:
            self.rule = line_rule(tuple(_component(c) for c in self.components), self.facts)
        return [None if a is None else json_number(a) for a in self.rule.amounts(line)]


def _component(doc: Mapping[str, Any]) -> Component:
    return Component(doc["kind"], doc.get("rate"), decimal(doc.get("amountUsd")),
                     doc.get("source") or "", doc.get("reason"), doc.get("note"))


def _products(est: Mapping[str, Any], snapshot: PackageSnapshot) -> dict[str, _Product]:
    return {p["productId"]: _Product(p, snapshot) for p in est.get("products", [])}


def _lines(order: Mapping[str, Any], snapshot: PackageSnapshot,
           products: Mapping[str, _Product]) -> Iterable[tuple[int, LineFacts | None,
                                                               list[dict[str, Any]]]]:
    """Each line of an order of the estimate, in the order's line order: its index, its facts
    and its components whole."""
    facts = snapshot.orders.get(order["orderId"])
    lines = facts.lines if facts else ()
    stored = order.get("linesUsd")
    if stored is not None:  # a plan stored when the plan gave every line's amounts by kind
        for index, amounts in enumerate(stored):
            line = lines[index] if index < len(lines) else None
            product = products.get(line.product_id) if line else None
            rests_on = product.by_kind if product else {}
            yield index, line, _whole([(rests_on.get(kind, {"kind": kind}), amount)
                                       for kind, amount in amounts.items()])
        return
    for index, line in enumerate(lines):
        product = products.get(line.product_id)
        if product is not None:
            yield index, line, _whole(list(zip(product.components, product.amounts(line),
                                               strict=True)))


def _whole(components: list[tuple[Mapping[str, Any], Any]],
           notes: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Components whole, each with its amount: kind, rate, amount, source, and the reason and
    note (``notes``, the entry's own, over the shared one)."""
    whole = []
    for c, amount in components:
        kind = c["kind"]
        doc = {"kind": kind, "rate": c.get("rate"), "amountUsd": amount,
               "source": c.get("source")}
        note = (notes or {}).get(kind, c.get("note"))
        doc.update({k: v for k, v in (("reason", c.get("reason")), ("note", note)) if v})
        whole.append(doc)
    return whole


def _fees(est: Mapping[str, Any]) -> dict[str, dict[str, Mapping[str, Any]]]:
    """Entry type -> kind -> what the fee rests on."""
    fees: dict[str, dict[str, Mapping[str, Any]]] = {}
    for f in est.get("fees", []):
        fees.setdefault(f["entryType"], {})[f["kind"]] = f
    return fees


def _unit_fees(unit: Mapping[str, Any], fees: Mapping[str, Mapping[str, Mapping[str, Any]]]
               ) -> list[dict[str, Any]]:
    rests_on = fees.get(unit["entryType"], {})
    return _whole([(rests_on.get(kind, {"kind": kind}), amount)
                   for kind, amount in unit.get("feeAmountsUsd", {}).items()],
                  unit.get("feeNotes"))


def render_duty_estimate_csv(snapshot: PackageSnapshot) -> bytes:
    """Every component of every line, in plan order, then each entry's fees (line columns
    empty); amounts in cents, empty where the estimate has none (its ``reason`` says why)."""
    est = snapshot.duty_estimate or {}
    head = (est.get("asOf"), est.get("dateBasis"))
    disclaimer = est.get("disclaimer")
    products, fees = _products(est, snapshot), _fees(est)

    def component(c: Mapping[str, Any]) -> tuple[Any, ...]:
        return (c["kind"], c.get("rate"), _amount(c.get("amountUsd")), c.get("reason"),
                c.get("note"), c.get("source"), disclaimer)

    def rows() -> Iterable[Sequence[Any]]:
        units = est.get("exportUnits", [])
        for u in units:
            for o in u.get("orders", []):
                order = snapshot.orders.get(o["orderId"])
                for index, facts, components in _lines(o, snapshot, products):
                    product = snapshot.products.get(facts.product_id) if facts else None
                    line = (*head, u["exportUnitId"], u["entryType"], o["orderId"],
                            order.external_id if order else None, index,
                            product.id if product else None,
                            product.hts_code if product else None,
                            product.country_of_origin if product else None,
                            money(facts.line_value_usd) if facts else None)
                    for c in components:
                        yield (*line, *component(c))
        values = {unit.id: unit.value_usd for unit in snapshot.units}
        for u in units:
            value = values.get(u["exportUnitId"])
            unit = (*head, u["exportUnitId"], u["entryType"], None, None, None, None, None, None,
                    None if value is None else money(value))
            for c in _unit_fees(u, fees):
                yield (*unit, *component(c))

    return _csv(DUTY_ESTIMATE_COLUMNS, rows())


def _totals(doc: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {key: doc.get(key) for key in keys}


def add_entry_estimates(snapshot: PackageSnapshot, entries: list[dict[str, Any]]) -> None:
    """Give each entry record of ``entry_summary.json`` its part of the estimate
    (``dutyEstimate``): its totals and fees, and its lines' components whole (rate, amount,
    source, reason) by the record's ``lineNumber``; null on plans stored before estimates."""
    est = snapshot.duty_estimate
    units = {u["exportUnitId"]: u for u in (est or {}).get("exportUnits", [])}
    products, fees = _products(est or {}, snapshot), _fees(est or {})
    for entry in entries:
        unit = units.get(entry["exportUnitId"])
        if est is None or unit is None:
            entry["dutyEstimate"] = None
            continue
        numbered = {(r["orderId"], r["lineIndex"]): r for r in entry["lines"]}
        lines = []
        for o in unit.get("orders", []):
            for index, _, components in _lines(o, snapshot, products):
                row = numbered.get((o["orderId"], index), {})
                known = [c["amountUsd"] for c in components if c["amountUsd"] is not None]
                lines.append({"lineNumber": row.get("lineNumber"),
                              "dutyUsd": _sum(known), "components": components})
        entry["dutyEstimate"] = {
            "asOf": est.get("asOf"), "dateBasis": est.get("dateBasis"),
            "rulesEdition": est.get("rulesEdition"), "disclaimer": est.get("disclaimer"),
            **_totals(unit, "dutyUsd", "feesUsd", "complete"),
            "totalUsd": _sum([unit.get("dutyUsd"), unit.get("feesUsd")]),
            "fees": _unit_fees(unit, fees), "lines": lines}


def _sum(amounts: list[Any]) -> int | float:
    total = sum((decimal(a) or Decimal(0) for a in amounts), Decimal(0))
    return json_number(total)
