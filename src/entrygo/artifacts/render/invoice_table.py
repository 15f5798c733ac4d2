"""The commercial invoice's line table, drawn by hand on the shared cursor.

Export unit by export unit: a band (unit, entry type), the consignee, one row per line and a
subtotal. The column header and the band of the unit in progress are repeated on every page; a
subtotal never starts a page alone. Row heights are known before drawing (``text.wrap``), which
is what makes those rules cheap on an invoice of 15,000 lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from entrygo.artifacts.render.canvas import BAND, CONTENT_W, FILL, MARGIN, PAGE_W, Canvas
from entrygo.artifacts.render.formatting import grouped, hts, money, plural, price
from entrygo.artifacts.render.lines import LineRow, consignee, unit_rows
from entrygo.artifacts.render.text import FONT, latin1, width, wrap
from entrygo.artifacts.snapshot import PackageSnapshot, Unit
from entrygo.readiness.facts import OrderFacts

ENTRY_TYPES = {"11": "informal", "01": "formal"}

# (title, width mm, align, wrap)
COLUMNS = (
    ("Order", 24.0, "L", True),
    ("Description", 57.5, "L", True),
    ("HTS", 19.0, "L", False),
    ("Origin", 10.0, "L", False),
    ("MID", 31.0, "L", True),
    ("Qty", 10.0, "R", False),
    ("Unit price", 19.0, "R", False),
    ("Amount", 20.0, "R", False),
)
TABLE_PT = 7.5
_LINE_H = 3.3
_PAD = 1.0
_HEADER_H = 5.2
_BAND_H = 6.0
_CONSIGNEE_H = 3.6
_SUBTOTAL_H = 5.5
_MAX_DESCRIPTION_LINES = 40

Cells = list[list[str]]


def row_cells(row: LineRow) -> tuple[float, Cells]:
    """The row's height and its text, wrapped per column."""
    values = (row.order.external_id, row.description, hts(row.product.hts_code),
              row.product.country_of_origin or "",
              (row.mid or "") + ("*" if row.mid_derived else ""), f"{row.line.quantity:,}",
              grouped(price(row.line.unit_value_usd)), grouped(money(row.line.line_value_usd)))
    cells = []
    for value, (_, column_w, _, wraps) in zip(values, COLUMNS, strict=True):
        text = latin1(value)
        cells.append(wrap(text, column_w - 2 * _PAD, "", TABLE_PT) if wraps else [text])
    if len(cells[1]) > _MAX_DESCRIPTION_LINES:
        cells[1] = [*cells[1][:_MAX_DESCRIPTION_LINES - 1], "..."]
    height = max(len(c) for c in cells) * _LINE_H + 2 * _PAD
    return height, cells


def consignee_text(order: OrderFacts | None) -> str:
    """The ultimate consignee; without a name, where the goods go (region, postal code)."""
    if order is None:
        return "-"
    c = consignee(order)
    region = " ".join(x for x in (order.destination_region, order.destination_postal_code) if x)
    place = ", ".join(str(x) for x in (c.get("city"), region) if x)
    parts = [c.get("address1"), c.get("address2"), place, order.destination_country]
    where = ", ".join(str(x) for x in parts if x)
    name = c.get("name")
    return f"{name}, {where}" if name else f"name not provided - delivery to {where}"


class LineTable:
    """Draws the units of ``snapshot`` on ``canvas``, from its cursor down."""

    def __init__(self, canvas: Canvas, snapshot: PackageSnapshot) -> None:
        self.c = canvas
        self.s = snapshot
        self.current_unit: Unit | None = None  # whose band a new page repeats

    def draw(self) -> None:
        c = self.c
        c.ensure(_HEADER_H + 20)
        c.y += 3
        self.header()
        c.on_new_page = self.continue_on_new_page
        for unit in self.s.units:
            self.unit(unit)
        c.on_new_page = None

    def continue_on_new_page(self) -> None:
        self.header()
        if self.current_unit:
            self.unit_band(self.current_unit, continued=True)

    def header(self) -> None:
        c = self.c
        c.pdf.set_fill_color(FILL)
        c.pdf.rect(MARGIN, c.y, CONTENT_W, _HEADER_H, style="F")
        c.font("B", TABLE_PT)
        x = MARGIN
        for title, column_w, align, _ in COLUMNS:
            c.text(x + _PAD, c.y + 3.6, title, align, column_w - 2 * _PAD)
            x += column_w
        c.y += _HEADER_H

    def unit_band(self, unit: Unit, continued: bool = False) -> None:
        c = self.c
        label = ENTRY_TYPES.get(unit.entry_type)
        entry = f"{unit.entry_type} ({label})" if label else unit.entry_type
        heading = f"Export unit {unit.id} - Entry type {entry}"
        c.pdf.set_fill_color(BAND)
        c.pdf.rect(MARGIN, c.y + 0.4, CONTENT_W, _BAND_H - 0.4, style="F")
        c.font("B", 8.5)
        c.text(MARGIN + _PAD, c.y + 4.4, heading + (" (continued)" if continued else ""))
        if not continued:
            c.font("", 7.5, grey=True)
            c.text(MARGIN, c.y + 4.4, f"{plural(len(unit.order_ids), 'order')}, planned value "
                   f"{grouped(money(unit.value_usd))} USD", "R", CONTENT_W - _PAD)
        c.y += _BAND_H

    def unit(self, unit: Unit) -> None:
        """One export unit (one consignee, one entry): a band, the consignee, lines, subtotal."""
        c, s = self.c, self.s
        orders = [s.orders[oid] for oid in unit.order_ids]
        who = wrap(latin1("Consignee: " + consignee_text(orders[0] if orders else None)),
                   CONTENT_W - 2 * _PAD, "", 8)
        lines = list(unit_rows(s, unit))
        rows = [row_cells(r) for r in lines]
        first = rows[0][0] if rows else 0.0
        c.ensure(1.5 + _BAND_H + _CONSIGNEE_H * len(who) + 1 + first)
        c.y += 1.5
        self.current_unit = unit
        self.unit_band(unit)
        c.font("", 8)
        for text in who:
            c.text(MARGIN + _PAD, c.y + 2.6, text)
            c.y += _CONSIGNEE_H
        c.y += 1
        c.rule(c.y)
        last = len(rows) - 1
        for n, (height, cells) in enumerate(rows):
            c.ensure(height + (_SUBTOTAL_H if n == last else 0))  # no subtotal alone on a page
            self.draw_row(height, cells)
        c.ensure(_SUBTOTAL_H)
        self.current_unit = None
        self.subtotal(unit, len(orders), lines)

    def subtotal(self, unit: Unit, orders: int, lines: Sequence[LineRow]) -> None:
        c = self.c
        quantity = sum(r.line.quantity for r in lines)
        amount = sum((r.line.line_value_usd for r in lines), Decimal(0))
        c.font("B", TABLE_PT)
        y = c.y + 3.7
        c.text(MARGIN + _PAD, y, f"Subtotal export unit {unit.id} ({plural(orders, 'order')}, "
                                 f"{plural(len(lines), 'line')})")
        x_qty = MARGIN + sum(col[1] for col in COLUMNS[:5])
        c.text(x_qty + _PAD, y, f"{quantity:,}", "R", COLUMNS[5][1] - 2 * _PAD)
        x_amount = PAGE_W - MARGIN - COLUMNS[7][1]
        c.text(x_amount + _PAD, y, grouped(money(amount)), "R", COLUMNS[7][1] - 2 * _PAD)
        c.rule(c.y + _SUBTOTAL_H, grey=120)
        c.y += _SUBTOTAL_H

    def draw_row(self, height: float, cells: Cells) -> None:
        c, pdf = self.c, self.c.pdf
        pdf.set_font(FONT, "", TABLE_PT)
        pdf.set_text_color(0)
        pdf.set_fill_color(0)  # text in the fill colour is written without a colour change
        x = MARGIN
        for lines, (_, column_w, align, _) in zip(cells, COLUMNS, strict=True):
            for i, line in enumerate(lines):
                y = c.y + _PAD + 2.6 + i * _LINE_H
                if align == "R":
                    pdf.text(x + column_w - _PAD - width(line, "", TABLE_PT), y, line)
                else:
                    pdf.text(x + _PAD, y, line)
            x += column_w
        c.y += height
        c.rule(c.y)
