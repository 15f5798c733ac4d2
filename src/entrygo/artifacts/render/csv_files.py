"""The CSV artifacts: the invoice's line data, the broker's entry lines, the packing list and
the Section 232 metals declaration.

One row per line (per line and metal for the declaration), UTF-8, ``\\n`` line ends, numbers in
plain decimal text, and every cell made safe to open in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from entrygo.artifacts.render.formatting import boolean, exact, money, price
from entrygo.artifacts.render.lines import consignee, line_rows
from entrygo.artifacts.snapshot import PackageSnapshot
from entrygo.readiness.treatments import METAL_CONTENT_FIELDS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run: ``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``.

    Plain numbers (``-5``, ``+1.25``) are left alone so they stay numbers.
    """
    text = exact(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode()


COMMERCIAL_INVOICE_COLUMNS = (
    "package_number", "export_unit_id", "entry_type", "order_id", "order_external_id",
    "consignee_name", "line_index", "product_id", "description", "hts_code",
    "country_of_origin", "mid", "mid_derived", "quantity", "unit_price_usd", "amount_usd",
    "currency",
)


def render_commercial_invoice_csv(snapshot: PackageSnapshot) -> bytes:
    """The invoice's line data, for systems that cannot read the PDF."""
    return _csv(COMMERCIAL_INVOICE_COLUMNS, (
        (snapshot.package_number, r.unit.id, r.unit.entry_type, r.order.id, r.order.external_id,
         consignee(r.order).get("name"), r.index, r.product.id, r.description,
         r.product.hts_code, r.product.country_of_origin, r.mid, boolean(r.mid_derived),
         r.line.quantity, price(r.line.unit_value_usd), money(r.line.line_value_usd), "USD")
        for r in line_rows(snapshot)))


ENTRY_LINES_COLUMNS = (
    "entry_type", "export_unit_id", "consignee_name", "consignee_address", "consignee_city",
    "consignee_region", "consignee_postal_code", "order_id", "line_index", "hts_code",
    "description", "country_of_origin", "mid", "mid_derived", "quantity", "value_usd",
    "net_weight_kg", "flags", "section232_declaration", "steel_pct", "steel_melt_pour_country",
    "aluminum_pct", "aluminum_smelt_country", "aluminum_cast_country", "copper_pct",
)


def render_entry_lines_csv(snapshot: PackageSnapshot) -> bytes:
    """One row per line in the shape a broker's entry software imports."""

    def rows() -> Iterable[Sequence[Any]]:
        for r in line_rows(snapshot):
            c = consignee(r.order)
            metal = r.product.metal_content or {}
            address = ", ".join(str(a) for a in (c.get("address1"), c.get("address2")) if a)
            yield (r.unit.entry_type, r.unit.id, c.get("name"), address, c.get("city"),
                   r.order.destination_region, r.order.destination_postal_code, r.order.id,
                   r.index, r.product.hts_code, r.description, r.product.country_of_origin,
                   r.mid, boolean(r.mid_derived), r.line.quantity,
                   money(r.line.line_value_usd), exact(r.weight_total), ";".join(r.flags),
                   "; ".join(m.declaration for m in r.metals),
                   *(metal.get(key) for key in METAL_CONTENT_FIELDS))

    return _csv(ENTRY_LINES_COLUMNS, rows())


PACKING_LIST_COLUMNS = (
    "export_unit_id", "order_id", "order_external_id", "consignee_name", "product_id",
    "description", "quantity", "net_weight_kg_per_unit", "net_weight_kg_total",
)


def render_packing_list_csv(snapshot: PackageSnapshot) -> bytes:
    """What the warehouse packs per order; weights exact, empty where the product has none."""
    return _csv(PACKING_LIST_COLUMNS, (
        (r.unit.id, r.order.id, r.order.external_id, consignee(r.order).get("name"),
         r.product.id, r.description, r.line.quantity, exact(r.product.net_weight_kg),
         exact(r.weight_total))
        for r in line_rows(snapshot)))


METALS_COLUMNS = (
    "export_unit_id", "order_id", "line_index", "product_id", "hts_code", "description",
    "metal", "declaration", "metal_pct_weight", "melt_pour_country", "smelt_country",
    "cast_country", "country_of_origin", "quantity", "value_usd",
)


def render_metals_declaration_csv(snapshot: PackageSnapshot) -> bytes:
    """The Section 232 declarations: one row per flagged line and metal (steel and aluminum on
    one line give two rows, as they are two declarations)."""

    def rows() -> Iterable[Sequence[Any]]:
        for r in line_rows(snapshot):
            content = r.product.metal_content or {}
            for metal in r.metals:
                declared = (content.get(key) if key else None for key in (
                    metal.pct_field, metal.melt_pour_field, metal.smelt_field, metal.cast_field))
                yield (r.unit.id, r.order.id, r.index, r.product.id, r.product.hts_code,
                       r.description, metal.name, metal.declaration, *declared,
                       r.product.country_of_origin, r.line.quantity,
                       money(r.line.line_value_usd))

    return _csv(METALS_COLUMNS, rows())
