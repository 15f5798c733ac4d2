"""The CSV artifacts: the invoices' line data, the broker's entry lines, the packing list and
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

from entrygo.artifacts.render.formatting import (
    boolean,
    charges_of,
    consignee_of,
    decimal,
    exact,
    money,
    parcels_of,
    price,
    sale_date,
)
from entrygo.artifacts.render.lines import (
    consignee,
    destination_state,
    destination_zip,
    invoice_number,
    line_rows,
    tracking_numbers,
    unit_rows,
)
from entrygo.artifacts.render.pga import PGA_COLUMNS, pga_cells
from entrygo.artifacts.render.statistical import CSV_COLUMNS as STATISTICAL_COLUMNS
from entrygo.artifacts.render.statistical import cells as statistical_cells
from entrygo.artifacts.snapshot import PackageSnapshot
from entrygo.readiness import reference
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
    "invoice_number", "package_number", "export_unit_id", "entry_type", "port_of_entry",
    "seller_name", "importer_name", "importer_number", "consignee_name", "consignee_address",
    "consignee_city", "consignee_state", "consignee_postal_code", "consignee_country",
    "order_id", "order_external_id", "date_of_sale", "terms_of_sale", "currency_of_purchase",
    "usd_exchange_rate", "usd_exchange_rate_date", "order_freight_usd", "order_insurance_usd",
    "order_packing_usd", "order_other_usd", "order_charges_included_in_unit_prices",
    "order_package_count", "order_gross_weight_kg", "order_tracking_numbers",
    "line_index", "product_id", "sku", "description", "hts_code", "country_of_origin", "mid",
    "mid_derived", "quantity", "unit_price_usd", "amount_usd", "currency", "signer_checks",
)


def render_commercial_invoice_csv(snapshot: PackageSnapshot) -> bytes:
    """The invoices' line data, for systems that cannot read the PDF: one row per line, its
    invoice (one per export unit) first; what belongs to the invoice or to the order (the
    ``order_`` columns: charges and parcels, not to be summed over lines) repeated per line."""
    filing = snapshot.filing
    importer = (filing.importer if filing else None) or {}
    seller = filing.seller.get("name") if filing else snapshot.seller.name
    port = ((filing.shipment.get("portOfEntry") if filing else None)
            or snapshot.port_of_entry)

    def rows() -> Iterable[Sequence[Any]]:
        for position, unit in enumerate(snapshot.units, start=1):
            number = invoice_number(snapshot, position)
            first = snapshot.orders[unit.order_ids[0]] if unit.order_ids else None
            who = consignee_of(first)
            address = ", ".join(a for a in (who.address1, who.address2) if a)
            invoice = (number, snapshot.package_number, unit.id, unit.entry_type, port, seller,
                       importer.get("name"), importer.get("number"), who.name, address,
                       who.city, who.state, who.postal_code, who.country)
            for r in unit_rows(snapshot, unit):
                o = r.order
                rate = o.usd_exchange_rate or {}
                charges = charges_of(o)
                parcels = parcels_of(o)
                included = None if charges.included is None else boolean(charges.included)
                yield (*invoice, o.id, o.external_id, sale_date(o), o.incoterm, o.currency,
                       exact(decimal(rate.get("rate"))), rate.get("date"),
                       *(None if amount is None else price(amount)
                         for _, amount in charges.amounts),
                       included, parcels.count or None, exact(parcels.gross_weight_kg),
                       ";".join(parcels.tracking), r.index, r.product.id,
                       r.product.external_id, r.description,
                       r.product.hts_code, r.product.country_of_origin, r.mid,
                       boolean(r.mid_derived), r.line.quantity, price(r.line.unit_value_usd),
                       money(r.line.line_value_usd), "USD", ";".join(r.checks))

    return _csv(COMMERCIAL_INVOICE_COLUMNS, rows())


ENTRY_LINES_COLUMNS = (
    "entry_type", "export_unit_id", "consignee_name", "consignee_address", "consignee_city",
    "consignee_region", "consignee_postal_code", "order_id", "order_external_id",
    "tracking_numbers", "line_index", "product_id", "sku", "hts_code", "description",
    "country_of_origin", "mid",
    "mid_derived", "quantity", "value_usd", "net_weight_kg", *STATISTICAL_COLUMNS, "flags",
    "section232_declaration",
    "steel_pct", "steel_melt_pour_country", "aluminum_pct", "aluminum_smelt_country",
    "aluminum_cast_country", "copper_pct", *PGA_COLUMNS,
)


def render_entry_lines_csv(snapshot: PackageSnapshot) -> bytes:
    """One row per line in the shape a broker's entry software imports. The consignee is the
    entry's: its first order's, on every row of the unit as on its invoice (orders that spell
    one consignee's address differently are one entry, printed one way); region and postal code
    are the USPS state code and normalised ZIP. The partner agencies' data of the product last
    (``pga.PGA_COLUMNS``)."""
    declarations = reference.load().section232_declarations

    def rows() -> Iterable[Sequence[Any]]:
        for r in line_rows(snapshot):
            entry = snapshot.orders[r.unit.order_ids[0]]
            c = consignee(entry)
            metal = r.product.metal_content or {}
            address = ", ".join(str(a) for a in (c.get("address1"), c.get("address2")) if a)
            yield (r.unit.entry_type, r.unit.id, c.get("name"), address, c.get("city"),
                   destination_state(entry), destination_zip(entry), r.order.id,
                   r.order.external_id, ";".join(tracking_numbers(r.order)), r.index,
                   r.product.id, r.product.external_id, r.product.hts_code, r.description,
                   r.product.country_of_origin, r.mid,
                   boolean(r.mid_derived), r.line.quantity, money(r.line.line_value_usd),
                   exact(r.weight_total), *statistical_cells(r), ";".join(r.flags),
                   "; ".join(declarations[m.name] for m in r.metals),
                   *(metal.get(key) for key in METAL_CONTENT_FIELDS), *pga_cells(r.product))

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
    """The Section 232 declarations: one row per flagged line and metal, for every metal of the
    line (steel and aluminum on one chair give two rows, as they are two declarations, the one
    at or below 15 % included), each with the declaration code the scope data gives its metal.
    An origin country the product does not give is reported as CBP asks where it is unknown
    (``OTH`` for steel's melt and pour, ``UN`` for aluminum's smelt and cast)."""
    ref = reference.load()

    def rows() -> Iterable[Sequence[Any]]:
        for r in line_rows(snapshot):
            content = r.product.metal_content or {}
            for metal in r.metals:
                unknown = ref.section232_unknown_origin.get(metal.name)
                countries = (content.get(key) or unknown if key else None for key in (
                    metal.melt_pour_field, metal.smelt_field, metal.cast_field))
                yield (r.unit.id, r.order.id, r.index, r.product.id, r.product.hts_code,
                       r.description, metal.name, ref.section232_declarations[metal.name],
                       content.get(metal.pct_field), *countries,
                       r.product.country_of_origin, r.line.quantity,
                       money(r.line.line_value_usd))

    return _csv(METALS_COLUMNS, rows())
