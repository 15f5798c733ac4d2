"""The plan's ``dutyEstimate`` document (docs/duty-estimate.md, "The document"): each product's
components once, each entry's and order's totals; no line amounts, which the package prints from
those components by the same rule (``readiness.estimate.line_rule``). Pure, no database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from entrygo.exports.duty_estimate import DutyEstimateOut, estimate_document
from entrygo.readiness.estimate import Component, Estimate, line_rule
from tests.readiness.test_duty_estimate import order, product, run

D = Decimal
STEEL = {"steelPctWeight": 100, "steelMeltPourCountry": "DE"}


def document(est: Estimate) -> dict[str, Any]:
    doc = estimate_document(est, [f"unit_{i}" for i in range(len(est.units))])
    DutyEstimateOut.model_validate(doc)  # the published shape
    return doc


def stored(doc: dict[str, Any], pid: str) -> tuple[Component, ...]:
    """A product's components as the package reads them back from the stored document."""
    [p] = [p for p in doc["products"] if p["productId"] == pid]
    return tuple(Component(c["kind"], c["rate"],
                           None if c.get("amountUsd") is None else D(str(c["amountUsd"])),
                           c["source"], c.get("reason"), c.get("note"))
                 for c in p["components"])


def test_the_lines_from_the_stored_components_are_the_plans() -> None:
    """Every rate form (ad valorem, per kg, compound, Free, not computable), an additional duty
    and an exemption, on lines of different values: the amounts the package computes from the
    stored components are the plan's, line by line, and add up to each order's duty."""
    products = [
        product("shirt", "6109100012", "VN"),                                  # 16.5 %
        product("cattle", "0102294024", "DE", net_weight_kg=D(450)),           # 1¢/kg
        product("glue", "3503001000", "DE", net_weight_kg=D("2.5")),           # 1.2¢/kg + 1.5 %
        product("book", "4820102060", "DE"),                                   # Free
        product("suit", "6103220010", "VN"),                                   # not computable
        product("steel", "7208103000", "GB", metal_content=STEEL),             # + 25 % (232)
        product("mx", "6109100012", "MX", preference_claim="USMCA"),           # 122 exempt
    ]
    orders = [order("o1", [("shirt", 12, "5.00"), ("cattle", 2, "1000.00"),
                           ("glue", 10, "20.00")], consignee="Ada Lovelace"),
              order("o2", [("shirt", 3, "7.33"), ("book", 4, "9.99"), ("suit", 1, "80.00")],
                    consignee="Ada Lovelace"),
              order("o3", [("steel", 1, "1000.00"), ("mx", 7, "3.17"), ("steel", 3, "12.34")])]
    est = run(products, orders, arrival="2026-05-01")  # inside the Section 122 surcharge
    doc = document(est)
    facts = {p.id: p for p in products}
    for o in est.orders:
        lines = [ln for ln in est.lines if ln.order_id == o.order_id]
        duty = D(0)
        for line, planned in zip(o.lines, lines, strict=True):
            rule = line_rule(stored(doc, line.product_id), facts[line.product_id])
            assert rule.amounts(line) == tuple(c.amount_usd for c in planned.components)
            duty += rule.duty(line)
        assert duty == o.duty_usd
    by_order = {o["orderId"]: o for u in doc["exportUnits"] for o in u["orders"]}
    assert {k: v["dutyUsd"] for k, v in by_order.items()} == {
        o.order_id: float(o.duty_usd) for o in est.orders}
    assert "linesUsd" not in by_order["o1"]


def test_a_product_gives_the_amount_every_line_owes_only_when_it_is_the_same() -> None:
    """Free and exempt: 0 on every line; unknown: null with the reason; at a rate: no amount
    (each line's is its value at the rate)."""
    est = run([product("mx", "6109100012", "MX", preference_claim="USMCA"),
               product("cn", "8518220000", "CN"), product("vn", "6109100012", "VN")],
              [order("o1", [("mx", 12, "5.00"), ("cn", 2, "30.00"), ("vn", 1, "4.00")])],
              arrival="2026-05-01")
    doc = document(est)
    kinds = {p["productId"]: {c["kind"]: c for c in p["components"]} for p in doc["products"]}
    assert (kinds["mx"]["base"]["amountUsd"], kinds["mx"]["section122"]["amountUsd"]) == (0, 0)
    assert kinds["cn"]["section301"]["amountUsd"] is None
    assert "U.S. notes 20 and 31" in kinds["cn"]["section301"]["reason"]
    assert "amountUsd" not in kinds["vn"]["base"] and "amountUsd" not in kinds["vn"]["section122"]
    assert (kinds["vn"]["base"]["rate"], kinds["vn"]["section122"]["rate"]) == ("16.5%", "+10%")
