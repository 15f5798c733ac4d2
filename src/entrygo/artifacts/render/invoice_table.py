"""An invoice's line table, drawn by hand on the shared cursor.

Per line: the merchant's order number and SKU (the product's ``externalId``), description,
HTS, origin, MID, quantity, unit price and amount.

One export unit (the invoice's entry): a band (unit, entry type), then order by order what the
sale of that order was (date, terms, currency and rate, itemized charges, its packages and their
tracking numbers) and one row per line, then the unit's subtotal. The column header, the unit's
band and the order in progress are repeated on every page; a subtotal never starts a page
alone, nor an order's facts without its first line. Row heights are known before drawing
(``text.wrap``, ``text.flow``), which is what makes those rules cheap on 15,000 lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from entrygo.artifacts.render.canvas import (
    BAND,
    CHECK_FILL,
    CONTENT_W,
    FILL,
    MARGIN,
    PAGE_W,
    Canvas,
)
from entrygo.artifacts.render.formatting import (
    NOT_PROVIDED,
    charges_of,
    currency_of_purchase,
    grouped,
    hts,
    kg,
    money,
    parcels_of,
    plural,
    price,
    sale_date,
    terms_of_sale,
    yes_no,
)
from entrygo.artifacts.render.lines import LineRow, unit_rows
from entrygo.artifacts.render.text import Run, flow, latin1, width, wrap
from entrygo.artifacts.snapshot import PackageSnapshot, Unit
from entrygo.readiness.facts import OrderFacts

ENTRY_TYPES = {"11": "informal", "01": "formal"}

# (title, width mm, align, wrap)
COLUMNS = (
    ("Order", 19.0, "L", True),
    ("SKU", 19.0, "L", True),
    ("Description", 46.0, "L", True),
    ("HTS", 18.5, "L", False),
    ("Origin", 10.0, "L", False),
    ("MID", 30.0, "L", True),
    ("Qty", 11.0, "R", False),
    ("Unit price", 17.5, "R", False),
    ("Amount", 19.5, "R", False),
)
_QTY = 6  # the column of the quantity, totalled in the subtotal row
_DESCRIPTION = 2
TABLE_PT = 7.5
FACTS_PT = 7.5
_LINE_H = 3.3
_PAD = 1.0
_HEADER_H = 5.2
_BAND_H = 6.0
_ORDER_H = 4.6  # the order's title line
_SUBTOTAL_H = 5.5
_MAX_DESCRIPTION_LINES = 40

Cells = list[list[str]]


def entry_label(unit: Unit) -> str:
    """``01 (formal)``."""
    label = ENTRY_TYPES.get(unit.entry_type)
    return f"{unit.entry_type} ({label})" if label else unit.entry_type


CHECK_LABELS = {
    "DESCRIPTION_INSUFFICIENT": "description too vague to file",
    "VALUE_ZERO": "declared value is 0",
}
"""What the mark on a line says, for each ``Rule.signer_checks`` code."""


def check_marks(row: LineRow) -> list[str]:
    """``! CHECK: declared value is 0 (VALUE_ZERO)``: one per code the signer must see."""
    return [f"! CHECK: {CHECK_LABELS.get(code, code)} ({code})" for code in row.checks]


class Row(NamedTuple):
    height: float
    cells: Cells
    marks: int
    """How many of the description's last lines are the line's marks (``check_marks``): drawn
    in bold, on a tint."""


def row_cells(row: LineRow) -> Row:
    """The row's height and its text, wrapped per column; the marks under the description."""
    values = (row.order.external_id, row.product.external_id or NOT_PROVIDED, row.description,
              hts(row.product.hts_code),
              row.product.country_of_origin or "",
              (row.mid or "") + ("*" if row.mid_derived else ""), f"{row.line.quantity:,}",
              grouped(price(row.line.unit_value_usd)), grouped(money(row.line.line_value_usd)))
    cells = []
    for value, (_, column_w, _, wraps) in zip(values, COLUMNS, strict=True):
        text = latin1(value)
        cells.append(wrap(text, column_w - 2 * _PAD, "", TABLE_PT) if wraps else [text])
    marks = [ln for mark in check_marks(row)
             for ln in wrap(latin1(mark), COLUMNS[_DESCRIPTION][1] - 2 * _PAD, "B", TABLE_PT)]
    described = cells[_DESCRIPTION]
    if len(described) + len(marks) > _MAX_DESCRIPTION_LINES:  # the marks are never cut off
        described[_MAX_DESCRIPTION_LINES - 1 - len(marks):] = ["..."]
    described.extend(marks)
    height = max(len(c) for c in cells) * _LINE_H + 2 * _PAD
    return Row(height, cells, len(marks))


def order_facts(order: OrderFacts) -> list[list[tuple[str, str]]]:
    """What the invoice states about the sale of one order, as (label, value) pairs in three
    groups, each starting a line: the date and terms of sale and the currency (19 CFR
    141.86(a)(2), (a)(7)); the itemized charges and whether the prices include them ((a)(8));
    its packages: count, gross weight and marks and numbers, the carriers' tracking numbers
    ((a)(3), (a)(4))."""
    sale = [("Date of sale:", sale_date(order) or NOT_PROVIDED),
            ("Terms of sale:", terms_of_sale(order.incoterm) or NOT_PROVIDED),
            ("Currency of purchase:", currency_of_purchase(order) or NOT_PROVIDED)]
    charges = charges_of(order)
    if charges.included is None:
        itemized = [("Charges (freight, insurance, packing, other):", NOT_PROVIDED)]
    else:
        itemized = [(f"{label}:", NOT_PROVIDED if amount is None
                     else f"{grouped(price(amount))} USD") for label, amount in charges.amounts]
    itemized.append(("Charges included in unit prices:", yes_no(charges.included)))
    parcels = parcels_of(order)
    if not parcels.count:
        packages = [("Packages:", NOT_PROVIDED)]
    else:
        weight = NOT_PROVIDED if parcels.gross_weight_kg is None else \
            f"{grouped(kg(parcels.gross_weight_kg))} kg"
        if parcels.gross_weight_kg is not None and parcels.without_weight:
            weight += f" ({plural(parcels.without_weight, 'package')} without weight)"
        packages = [("Packages:", f"{parcels.count:,}"), ("Gross weight:", weight),
                    ("Marks and numbers (tracking):", ", ".join(parcels.tracking) or NOT_PROVIDED)]
    return [[(label, latin1(value)) for label, value in group]
            for group in (sale, itemized, packages)]


class LineTable:
    """Draws export unit ``unit`` of ``snapshot`` on ``canvas``, from its cursor down."""

    def __init__(self, canvas: Canvas, snapshot: PackageSnapshot, unit: Unit) -> None:
        self.c = canvas
        self.s = snapshot
        self.unit = unit
        self.current_order: OrderFacts | None = None  # whose title a new page repeats
        self.in_unit = False  # whether a new page repeats the unit's band

    def draw(self) -> None:
        c, unit = self.c, self.unit
        orders = [self.s.orders[oid] for oid in unit.order_ids]
        rows_by_order: dict[str, list[LineRow]] = {o.id: [] for o in orders}
        for row in unit_rows(self.s, unit):
            rows_by_order[row.order.id].append(row)
        c.ensure(_HEADER_H + _BAND_H + 25)
        c.y += 3
        self.header()
        c.on_new_page = self.continue_on_new_page
        c.y += 1.5
        self.unit_band(continued=False)
        self.in_unit = True
        lines: list[LineRow] = []
        for order in orders:
            rows = rows_by_order[order.id]
            self.order(order, [row_cells(r) for r in rows], last=order is orders[-1])
            lines.extend(rows)
        c.ensure(_SUBTOTAL_H)
        self.in_unit = False
        self.current_order = None
        self.subtotal(len(orders), lines)
        c.on_new_page = None

    def continue_on_new_page(self) -> None:
        self.header()
        if self.in_unit:
            self.unit_band(continued=True)
        if self.current_order is not None:
            self.order_title(self.current_order, continued=True)

    def header(self) -> None:
        c = self.c
        c.fill(MARGIN, c.y, CONTENT_W, _HEADER_H, FILL)
        c.font("B", TABLE_PT)
        x = MARGIN
        for title, column_w, align, _ in COLUMNS:
            c.text(x + _PAD, c.y + 3.6, title, align, column_w - 2 * _PAD)
            x += column_w
        c.y += _HEADER_H

    def unit_band(self, continued: bool) -> None:
        c, unit = self.c, self.unit
        heading = f"Export unit {unit.id} - Entry type {entry_label(unit)}"
        c.fill(MARGIN, c.y + 0.4, CONTENT_W, _BAND_H - 0.4, BAND)
        c.font("B", 8.5)
        c.text(MARGIN + _PAD, c.y + 4.4, heading + (" (continued)" if continued else ""))
        if not continued:
            c.font("", 7.5, grey=True)
            c.text(MARGIN, c.y + 4.4, f"{plural(len(unit.order_ids), 'order')}, planned value "
                   f"{grouped(money(unit.value_usd))} USD", "R", CONTENT_W - _PAD)
        c.y += _BAND_H

    def order_title(self, order: OrderFacts, continued: bool = False) -> None:
        c = self.c
        c.font("B", 8)
        title = f"Order {order.external_id}" + (" (continued)" if continued else "")
        c.text(MARGIN + _PAD, c.y + 3.4, title)
        if not continued:
            c.font("", 7, grey=True)
            about = (f"{order.id}, {plural(len(order.lines), 'line')}, "
                     f"{grouped(money(order.total_value_usd))} USD")
            c.text(MARGIN, c.y + 3.4, about, "R", CONTENT_W - _PAD)
        c.y += _ORDER_H

    def order(self, order: OrderFacts, rows: list[Row], last: bool) -> None:
        """An order: its title, the facts of its sale and packages, its lines."""
        c = self.c
        laid = [line for group in order_facts(order)
                for line in flow(group, CONTENT_W - 2 * _PAD, FACTS_PT)]
        facts_h = len(laid) * _LINE_H + 1.2
        first = rows[0][0] if rows else 0.0
        tail = _SUBTOTAL_H if last and len(rows) == 1 else 0.0
        c.ensure(0.8 + _ORDER_H + facts_h + first + tail)
        c.y += 0.8
        self.order_title(order)
        self.draw_facts(laid)
        c.y += 1.2
        c.rule(c.y)
        self.current_order = order
        for n, row in enumerate(rows):
            end = last and n == len(rows) - 1
            c.ensure(row.height + (_SUBTOTAL_H if end else 0))  # no subtotal alone on a page
            self.draw_row(row)
        self.current_order = None

    def draw_facts(self, laid: list[list[Run]]) -> None:
        """Labels in grey, values in black: all the labels first, then all the values."""
        c = self.c
        for labels in (True, False):
            c.font("", FACTS_PT, grey=labels)
            for n, line in enumerate(laid):
                for x, text, is_label in line:
                    if is_label == labels:
                        c.put(MARGIN + _PAD + x, c.y + 2.6 + n * _LINE_H, text)
        c.y += len(laid) * _LINE_H

    def subtotal(self, orders: int, lines: Sequence[LineRow]) -> None:
        c = self.c
        quantity = sum(r.line.quantity for r in lines)
        amount = sum((r.line.line_value_usd for r in lines), Decimal(0))
        c.font("B", TABLE_PT)
        y = c.y + 3.7
        c.text(MARGIN + _PAD, y, f"Subtotal export unit {self.unit.id} "
                                 f"({plural(orders, 'order')}, {plural(len(lines), 'line')})")
        x_qty = MARGIN + sum(col[1] for col in COLUMNS[:_QTY])
        c.text(x_qty + _PAD, y, f"{quantity:,}", "R", COLUMNS[_QTY][1] - 2 * _PAD)
        x_amount = PAGE_W - MARGIN - COLUMNS[-1][1]
        c.text(x_amount + _PAD, y, grouped(money(amount)), "R", COLUMNS[-1][1] - 2 * _PAD)
        c.rule(c.y + _SUBTOTAL_H, grey=120)
        c.y += _SUBTOTAL_H

    def draw_row(self, row: Row) -> None:
        c = self.c
        if row.marks:
            c.fill(MARGIN, c.y, CONTENT_W, row.height, CHECK_FILL)
        c.font("", TABLE_PT)
        x = MARGIN
        for n, (lines, (_, column_w, align, _)) in enumerate(zip(row.cells, COLUMNS,
                                                                 strict=True)):
            plain = lines[:len(lines) - row.marks] if n == _DESCRIPTION else lines
            for i, line in enumerate(plain):
                y = c.y + _PAD + 2.6 + i * _LINE_H
                if align == "R":
                    c.put(x + column_w - _PAD - width(line, "", TABLE_PT), y, line)
                else:
                    c.put(x + _PAD, y, line)
            x += column_w
        if row.marks:
            c.font("B", TABLE_PT)
            x = MARGIN + sum(col[1] for col in COLUMNS[:_DESCRIPTION])
            lines = row.cells[_DESCRIPTION]
            for i in range(len(lines) - row.marks, len(lines)):
                c.put(x + _PAD, c.y + _PAD + 2.6 + i * _LINE_H, lines[i])
        c.y += row.height
        c.rule(c.y)
