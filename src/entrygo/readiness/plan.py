"""Judging a whole plan: pure functions from frozen facts to a sorted ``Assessment``.

Every order is judged with its lines (each product once), orders with blocking findings are left
out when the plan asks for it, the rest are grouped into export units per consignee, and the
plan-level rules run on what is left: de minimis, formal entries, a consignee's goods split over
batches of one conveyance, origins that differ from the warehouse's country. Everything returned
is sorted, so the same facts always give the same answer (and the same planHash).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from entrygo.kit.money import for_people
from entrygo.readiness.consignee import Consignee, consignee_key, normalize
from entrygo.readiness.facts import ConsigneeElsewhere, OrderFacts, PlanFacts
from entrygo.readiness.filing_rules import judge_filing
from entrygo.readiness.findings import Collector, Finding, Missing, ReadinessState, state_of
from entrygo.readiness.order_rules import judge_line, judge_order
from entrygo.readiness.product_rules import ProductVerdict, judge_product
from entrygo.readiness.reference import Reference


@dataclass(frozen=True)
class ExportUnit:
    key: str
    order_ids: tuple[str, ...]
    value_usd: Decimal
    entry_type: str  # "11" informal, "01" formal
    consignee: Consignee
    """The consignee normalised as the orders were grouped (its first order's, where they
    differ in what the key leaves out: the unit designator, the city, the ZIP+4)."""


@dataclass(frozen=True)
class Exclusion:
    order_id: str
    reason: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    readiness_state: ReadinessState
    findings: tuple[Finding, ...]
    flags: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # flag, orders, products
    missing: tuple[Missing, ...]
    included_order_ids: tuple[str, ...]
    exclusions: tuple[Exclusion, ...]
    units: tuple[ExportUnit, ...]
    totals: dict[str, Any] = field(hash=False)
    derived_mids: dict[str, str] = field(hash=False)

    @property
    def next_action(self) -> str:
        return {"BLOCKED": "fix_blocking_issues_then_replan",
                "REVIEW_REQUIRED": "review_flags_then_execute"}.get(self.readiness_state,
                                                                      "execute")


def export_units(orders: list[OrderFacts], ref: Reference) -> list[ExportUnit]:
    """One unit per consignee (normalised: ``readiness.consignee``); its value decides informal
    (11) or formal (01) entry."""
    groups: dict[str, list[OrderFacts]] = {}
    for o in orders:
        groups.setdefault(consignee_key(o), []).append(o)
    units = []
    for key, members in groups.items():
        value = sum((o.total_value_usd for o in members), Decimal(0))
        units.append(ExportUnit(key, tuple(o.id for o in members), value,
                                "11" if value <= ref.informal_entry_max_usd else "01",
                                normalize(members[0])))
    return sorted(units, key=lambda u: u.order_ids[0])


def judge_split(units: list[ExportUnit], elsewhere: tuple[ConsigneeElsewhere, ...],
                plan: Collector, ref: Reference) -> None:
    """A unit whose consignee also has goods in another batch on this conveyance: the one entry
    due (19 CFR 141.51) would be filed as two, each perhaps under the informal threshold the
    whole exceeds (19 CFR 143.21). Said on the unit, with the other batches and the value
    the single entry would have."""
    by_key: dict[str, list[ConsigneeElsewhere]] = defaultdict(list)
    for share in elsewhere:
        by_key[share.consignee_key].append(share)
    for index, unit in enumerate(units):
        others = by_key.get(unit.key)
        if not others:
            continue
        combined = unit.value_usd + sum((s.value_usd for s in others), Decimal(0))
        batches = ", ".join(sorted({s.batch_id for s in others}))
        entry = ("above the informal threshold of "
                 f"{for_people(ref.informal_entry_max_usd)} USD: one Type 01 formal entry"
                 if combined > ref.informal_entry_max_usd else "one entry")
        who = ", ".join(x for x in (unit.consignee.name, unit.consignee.address1,
                                    unit.consignee.postal_code) if x)
        Collector("batch", unit_index=index, order_ids=unit.order_ids, into=plan).add(
            "CONSIGNEE_SPLIT_ACROSS_BATCHES",
            f"{who} also has goods on this conveyance in {batches}: "
            f"{for_people(combined)} USD together ({for_people(unit.value_usd)} USD here), "
            f"{entry}. Plan this consignee's orders in one batch.")


def assess(facts: PlanFacts, ref: Reference) -> Assessment:
    """The plan's readiness: findings, flags, missing data, exclusions and export units."""
    verdicts: dict[str, ProductVerdict] = {}
    judged: dict[str, Collector] = {}
    for o in facts.orders:
        c = judged[o.id] = judge_order(o, ref)
        for index, line in enumerate(o.lines):
            product = facts.products[line.product_id]
            verdict = verdicts.get(product.id)
            if verdict is None:
                verdict = verdicts[product.id] = judge_product(product, ref)
            judge_line(c, index, line, product, verdict.findings)
        if facts.filing is not None and facts.filing.policy == "strict":
            c.enforce_strict()

    included, exclusions = [], []
    for o in facts.orders:
        blocking = sorted({f.code for f in judged[o.id].findings if f.severity == "blocking"})
        if facts.exclude_blocked_orders and blocking:
            exclusions.append(Exclusion(o.id, "BLOCKING_ISSUES", tuple(blocking)))
        else:
            included.append(o)

    plan = Collector("batch")
    missing: set[Missing] = set()
    product_flags: dict[str, set[str]] = defaultdict(set)  # flag -> product ids
    order_flags: dict[str, set[str]] = defaultdict(set)  # flag -> order ids
    noted: set[str] = set()  # products whose origin note is out
    for o in included:
        plan.findings.extend(judged[o.id].findings)
        missing.update(judged[o.id].missing)
        missing.update(m for line in o.lines for m in verdicts[line.product_id].missing)
        for line in o.lines:
            for flag in verdicts[line.product_id].flags:
                product_flags[flag].add(line.product_id)
                order_flags[flag].add(o.id)
            origin = facts.products[line.product_id].country_of_origin
            if (origin and ref.is_country(origin) and origin != facts.warehouse_country
                    and line.product_id not in noted):
                noted.add(line.product_id)
                Collector("product", product_id=line.product_id, into=plan).add(
                    "ORIGIN_DIFFERS_FROM_EXPORT_COUNTRY", f"Made in {origin}, shipped from "
                    f"{facts.warehouse_country}: tariffs follow the country of origin.")

    units = export_units(included, ref)
    if facts.filing is not None:
        judge_filing(facts.filing, plan, ref)
    if facts.destination_country == "US":
        plan.add("DE_MINIMIS_UNAVAILABLE", "No duty-free de minimis (Section 321) entry exists: "
                 "every parcel is entered.")
    for index, unit in enumerate(units):
        if unit.entry_type == "01":
            here = Collector("batch", unit_index=index, order_ids=unit.order_ids, into=plan)
            here.treat("FORMAL_ENTRY", message=f"Export unit worth "
                       f"{for_people(unit.value_usd)} USD exceeds the informal threshold of "
                       f"{for_people(ref.informal_entry_max_usd)} USD: Type 01 formal entry.")
            for flag in here.flags:  # a unit's flags are its orders', no product's
                order_flags[flag].update(unit.order_ids)
                product_flags.setdefault(flag, set())
    judge_split(units, facts.same_conveyance, plan, ref)
    if not included:
        plan.add("NO_ORDERS_INCLUDED", "No order is left to plan after exclusions.")

    findings = sorted(plan.findings, key=Finding.sort_key)
    flags = tuple((flag, tuple(sorted(order_flags[flag])), tuple(sorted(product_flags[flag])))
                  for flag in sorted(order_flags))
    return Assessment(
        readiness_state=state_of(findings), findings=tuple(findings), flags=flags,
        missing=tuple(sorted(missing)), included_order_ids=tuple(o.id for o in included),
        exclusions=tuple(exclusions), units=tuple(units), totals=_totals(facts, included, units),
        derived_mids={pid: v.derived_mid for pid, v in verdicts.items() if v.derived_mid})


def _totals(facts: PlanFacts, included: list[OrderFacts],
            units: list[ExportUnit]) -> dict[str, Any]:
    lines = [line for o in included for line in o.lines]
    weights = [facts.products[line.product_id].net_weight_kg for line in lines]
    return {
        "orderCount": len(included),
        "lineCount": len(lines),
        "unitCount": len(units),
        "valueUsd": sum((o.total_value_usd for o in included), Decimal(0)),
        "netWeightKg": sum((w * line.quantity for line, w in zip(lines, weights, strict=True)
                            if w is not None), Decimal(0)),
    }
