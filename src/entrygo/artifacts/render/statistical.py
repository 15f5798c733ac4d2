"""Statistical quantities: each line's quantity in its statistical line's units of quantity,
as the entry reports them (docs/readiness.md, "Statistical quantities"), and what the schedule
calls each product.

Every unit gives the quantity reported (whole units: ``quantities.reported``) and the exact one
(to 6 decimals), with where it comes from: the count, or the product field it is computed from.
A unit EntryGo does not derive (``Cu kg``, ``pf.liters``) has its unit and no quantity.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from entrygo.artifacts.render.formatting import exact, json_number
from entrygo.artifacts.render.lines import LineRow
from entrygo.readiness import reference
from entrygo.readiness.classification import statistical_line
from entrygo.readiness.quantities import Quantity, reported, statistical

CSV_UNITS = 2
"""Units per line in ``entry_lines.csv``: no line of the schedule has more."""
_PLACES = Decimal("0.000001")


def quantities(row: LineRow) -> tuple[Quantity, ...]:
    """The line's quantities, one per unit of its statistical line (none when its HTS code is
    no statistical line of the schedule: readiness blocked it)."""
    line = statistical_line(row.product.hts_code, reference.load().schedule)
    return () if line is None else statistical(line.units, row.product, row.line.quantity)


def _exact(value: Decimal) -> Decimal:
    return value.quantize(_PLACES, rounding=ROUND_HALF_UP).normalize()


def document(row: LineRow) -> list[dict[str, Any]]:
    """The line's quantities as the JSON artifacts list them."""
    return [{"unit": q.unit,
             "quantity": None if q.value is None else reported(q.value),
             "exactQuantity": None if q.value is None else json_number(_exact(q.value)),
             "source": ("count" if q.field is None else q.field) if q.derived else None}
            for q in quantities(row)]


def cells(row: LineRow) -> list[Any]:
    """``entry_lines.csv``'s cells: unit, quantity reported, exact quantity, per unit."""
    found = list(quantities(row))[:CSV_UNITS]
    out: list[Any] = []
    for q in found + [None] * (CSV_UNITS - len(found)):
        if q is None:
            out += [None, None, None]
        else:
            out += [q.unit, None if q.value is None else reported(q.value),
                    None if q.value is None else exact(_exact(q.value))]
    return out


CSV_COLUMNS = tuple(name for n in range(1, CSV_UNITS + 1) for name in (
    f"statistical_unit_{n}", f"statistical_quantity_{n}", f"statistical_quantity_{n}_exact"))


def classifications(rows: Iterable[LineRow]) -> list[dict[str, Any]]:
    """Each product of the lines, once, in line order: its description beside the schedule's
    for its HTS code, so a reviewer sees a mismatch (``schedulePath`` null when the code is no
    statistical line of the schedule)."""
    schedule = reference.load().schedule
    seen: set[str] = set()
    out = []
    for r in rows:
        if r.product.id in seen:
            continue
        seen.add(r.product.id)
        line = statistical_line(r.product.hts_code, schedule)
        out.append({"productId": r.product.id, "sku": r.product.external_id,
                    "description": r.description, "htsCode": r.product.hts_code,
                    "schedulePath": None if line is None else list(schedule.path(line))})
    return out
