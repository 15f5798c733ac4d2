"""The order lines every artifact lists, in one order, with what each artifact prints of them.

Every file walks the same rows (units in snapshot order, orders in unit order, lines in index
order), so the PDF, the CSVs and the manifest always agree line for line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from entrygo.artifacts.snapshot import PackageSnapshot, Unit
from entrygo.readiness import reference
from entrygo.readiness.facts import LineFacts, OrderFacts, ProductFacts
from entrygo.readiness.order_rules import normalize_zip
from entrygo.readiness.product_rules import section232_metals
from entrygo.readiness.reference import Reference
from entrygo.readiness.treatments import SECTION_232_METALS, Metal


@dataclass(frozen=True, slots=True)
class LineRow:
    """One order line with everything the artifacts print about it."""

    unit: Unit
    order: OrderFacts
    index: int
    line: LineFacts
    product: ProductFacts
    mid: str | None
    mid_derived: bool
    flags: tuple[str, ...]
    metals: tuple[Metal, ...]
    """The metals its Section 232 declaration lists, in declaration order: every metal of the
    product (``product_rules.section232_metals``) when the line carries a Section 232 flag, at
    or below the threshold included; none otherwise."""
    checks: tuple[str, ...] = ()
    """The codes the signer of the invoice must see on this line (``Rule.signer_checks``:
    an insufficient description, a value of 0)."""

    @property
    def description(self) -> str:
        return self.product.customs_description or self.product.title

    @property
    def weight_total(self) -> Decimal | None:
        weight = self.product.net_weight_kg
        return None if weight is None else weight * self.line.quantity


def unit_orders(snapshot: PackageSnapshot) -> Iterator[tuple[Unit, OrderFacts]]:
    for unit in snapshot.units:
        for order_id in unit.order_ids:
            yield unit, snapshot.orders[order_id]


_SECTION_232_FLAGS = frozenset(metal.flag for metal in SECTION_232_METALS)


def unit_rows(snapshot: PackageSnapshot, unit: Unit) -> Iterator[LineRow]:
    ref = reference.load()
    metals: dict[str, tuple[Metal, ...]] = {}  # by product, judged once per unit
    for order_id in unit.order_ids:
        order = snapshot.orders[order_id]
        for index, line in enumerate(order.lines):
            product = snapshot.products[line.product_id]
            mid, derived = snapshot.mids.get(product.id, (product.mid, False))
            flags = tuple(sorted(snapshot.product_flags.get(product.id, ())))
            if product.id not in metals:
                metals[product.id] = (section232_metals(product, ref)
                                      if _SECTION_232_FLAGS.intersection(flags) else ())
            yield LineRow(unit, order, index, line, product, mid, derived, flags,
                          metals[product.id], snapshot.signer_checks.get((order.id, index), ()))


def line_rows(snapshot: PackageSnapshot) -> Iterator[LineRow]:
    """Units in snapshot order, orders in unit order, lines in index order."""
    for unit in snapshot.units:
        yield from unit_rows(snapshot, unit)


def has_section232(snapshot: PackageSnapshot) -> bool:
    """Whether the metals declaration is due: some line's product carries a Section 232 flag."""
    return any(row.metals for row in line_rows(snapshot))


def consignee(order: OrderFacts) -> dict[str, Any]:
    return order.consignee or {}


def destination_state(order: OrderFacts) -> str | None:
    """The destination's USPS code (``new york`` -> ``NY``), read as the readiness rules read
    it; None when it is none (never the text as synced). Outside the U.S., where there is no
    USPS code, the region as synced."""
    if order.destination_country != "US":
        return order.destination_region
    return Reference.us_region(order.destination_region)


def destination_zip(order: OrderFacts) -> str | None:
    """The destination's ZIP code as ``NNNNN`` or ``NNNNN-NNNN`` (``101181234`` ->
    ``10118-1234``); None when it is none. Outside the U.S. the postal code as synced."""
    postal = order.destination_postal_code
    if order.destination_country != "US":
        return postal
    return normalize_zip(postal) if postal else None


def tracking_numbers(order: OrderFacts) -> tuple[str, ...]:
    """The order's parcels' tracking numbers (their house bills), in the order's parcel order."""
    return tuple(str(p["trackingNumber"]) for p in order.parcels if p.get("trackingNumber"))


def invoice_number(snapshot: PackageSnapshot, position: int) -> str:
    """The commercial invoice number of the entry at ``position`` (1-based, in unit order):
    ``EG-20261127-7K3Q9M-1``. One invoice per entry, numbered the same in every artifact."""
    return f"{snapshot.package_number}-{position}"


@dataclass(frozen=True, slots=True)
class Totals:
    """Totals recomputed from the lines the artifacts list, so every file adds up."""

    units: int
    orders: int
    lines: int
    quantity: int
    value_usd: Decimal
    net_weight_kg: Decimal
    lines_without_weight: int


def totals(snapshot: PackageSnapshot) -> Totals:
    rows = list(line_rows(snapshot))
    weights = [w for r in rows if (w := r.weight_total) is not None]
    return Totals(
        units=len(snapshot.units),
        orders=sum(len(u.order_ids) for u in snapshot.units),
        lines=len(rows),
        quantity=sum(r.line.quantity for r in rows),
        value_usd=sum((r.line.line_value_usd for r in rows), Decimal(0)),
        net_weight_kg=sum(weights, Decimal(0)),
        lines_without_weight=len(rows) - len(weights),
    )
