"""The commercial invoice a person signs and the broker files with (19 CFR 141.86), as a PDF.

Top to bottom: title and invoice facts, the parties, the shipment, the line table
(``invoice_table``), totals, notes and the declaration to sign. Deterministic like the other
artifacts: dates, producer and file id come from the snapshot (``canvas``).
"""

from __future__ import annotations

from collections.abc import Sequence

from entrygo.artifacts.render.canvas import CONTENT_W, FILL, MARGIN, PAGE_W, RULE, Canvas
from entrygo.artifacts.render.formatting import (
    country_name,
    grouped,
    invoice_date,
    kg,
    money,
    plural,
)
from entrygo.artifacts.render.invoice_table import ENTRY_TYPES, LineTable
from entrygo.artifacts.render.lines import totals
from entrygo.artifacts.render.text import fit, latin1, wrap
from entrygo.artifacts.snapshot import PackageSnapshot, Party, Unit
from entrygo.kit.clock import iso

_NOTES = (
    "* MID derived from the manufacturer's name and address (19 CFR Part 102, Appendix); the "
    "broker should confirm it before filing.",
    "Prices are the unit prices charged to the consignee, in U.S. dollars. Freight, insurance, "
    "packing and commissions: none declared in the orders.",
    "Country of origin is where the goods were made, not the country of export.",
)


def _address(p: Party) -> list[str]:
    place = " ".join(x for x in (p.city, p.region, p.postal_code) if x)
    lines = [p.name, p.address1, p.address2, place, country_name(p.country)]
    return [x for x in lines if x]


def _unit_summary(units: Sequence[Unit]) -> str:
    counts = {code: sum(1 for u in units if u.entry_type == code) for code in ENTRY_TYPES}
    parts = [f"{n} x type {code}" for code, n in counts.items() if n]
    other = len(units) - sum(counts.values())
    if other:
        parts.append(f"{other} other")
    return ", ".join(parts) or "none"


class _Invoice:
    """Lays the invoice out top to bottom on one ``Canvas`` (no automatic page breaks)."""

    def __init__(self, snapshot: PackageSnapshot) -> None:
        self.s = snapshot
        self.c = Canvas(snapshot)

    def render(self) -> bytes:
        self.c.new_page()
        self.title_block()
        self.party_blocks()
        self.shipment_block()
        LineTable(self.c, self.s).draw()
        self.totals()
        self.notes()
        self.signature()
        return self.c.finish()

    def title_block(self) -> None:
        c, s = self.c, self.s
        c.font("B", 18)
        c.text(MARGIN, c.y + 6.5, "COMMERCIAL INVOICE")
        c.font("", 8, grey=True)
        c.text(MARGIN, c.y + 11.5, "19 CFR 141.86 - goods for entry into the "
                                   f"{country_name(s.destination_country)}")
        facts = (("Invoice no.", s.package_number), ("Invoice date", invoice_date(s)),
                 ("Currency", "USD (U.S. dollar)"), ("Export batch", s.batch_id))
        x_label, x_value = PAGE_W - MARGIN - 78, PAGE_W - MARGIN - 56
        for i, (label, value) in enumerate(facts):
            y = c.y + 3.2 + i * 4.2
            c.font("", 8, grey=True)
            c.text(x_label, y, label)
            c.font("B" if i == 0 else "", 8.5)
            c.text(x_value, y, fit(latin1(value), PAGE_W - MARGIN - x_value, "B", 8.5))
        c.y += 20
        c.font("", 7, grey=True)
        trace = (f"Executed {iso(s.executed_at)}  |  {s.plan_hash}  |  rules {s.rules_version}, "
                 f"reference data {s.reference_data_version}")
        c.text(MARGIN, c.y, fit(latin1(trace), CONTENT_W, "", 7))
        c.pdf.set_draw_color(RULE)
        c.y += 2.5

    def party_blocks(self) -> None:
        c, s = self.c, self.s
        broker = [s.broker.name]
        if s.broker.email:
            broker.append(f"Email: {s.broker.email}")
        if s.broker.code:
            broker.append(f"Filer code: {s.broker.code}")
        blocks = (("SELLER / EXPORTER", _address(s.seller)),
                  ("SHIP FROM (WAREHOUSE)", _address(s.warehouse)),
                  ("NOTIFY PARTY (CUSTOMS BROKER)", broker))
        gap = 2.0
        block_w = (CONTENT_W - 2 * gap) / 3
        wrapped = [[ln for item in lines for ln in wrap(latin1(item), block_w - 4, "", 8.5)]
                   for _, lines in blocks]
        height = 8 + 3.8 * max(len(w) for w in wrapped)
        c.y += 1.5
        for i, ((title, _), lines) in enumerate(zip(blocks, wrapped, strict=True)):
            x = MARGIN + i * (block_w + gap)
            c.pdf.set_draw_color(RULE)
            c.pdf.rect(x, c.y, block_w, height)
            c.font("B", 7, grey=True)
            c.text(x + 2, c.y + 4, title)
            for j, line in enumerate(lines):
                c.font("B" if j == 0 else "", 8.5)
                c.text(x + 2, c.y + 8.5 + j * 3.8, line)
        c.y += height + 2

    def shipment_block(self) -> None:
        c, s = self.c, self.s
        port = s.port_of_entry or "To be determined by the broker"
        facts = (("Country of export", country_name(s.warehouse.country) or "-"),
                 ("Country of destination", country_name(s.destination_country)),
                 ("Port of entry", port),
                 ("Export units", _unit_summary(s.units)))
        fact_w = CONTENT_W / 4
        values = [wrap(latin1(value), fact_w - 4, "", 8.5) for _, value in facts]
        height = 6.5 + 3.8 * max(len(v) for v in values)
        c.pdf.set_fill_color(FILL)
        c.pdf.rect(MARGIN, c.y, CONTENT_W, height, style="F")
        for i, ((label, _), lines) in enumerate(zip(facts, values, strict=True)):
            x = MARGIN + i * fact_w + 2
            c.font("B", 7, grey=True)
            c.text(x, c.y + 3.8, label.upper())
            c.font("", 8.5)
            for j, line in enumerate(lines):
                c.text(x, c.y + 8 + j * 3.8, line)
        c.y += height + 4

    def totals(self) -> None:
        c, t = self.c, totals(self.s)
        weight = f"{grouped(kg(t.net_weight_kg))} kg"
        if t.lines_without_weight:
            weight += f" ({plural(t.lines_without_weight, 'line')} without weight)"
        facts = (("Orders", f"{t.orders:,}"),
                 ("Lines", f"{t.lines:,}"),
                 ("Total quantity", f"{t.quantity:,}"),
                 ("Total net weight", weight),
                 ("TOTAL VALUE (USD)", grouped(money(t.value_usd))))
        c.ensure(6 + 5 * len(facts))
        c.y += 5
        x = PAGE_W - MARGIN - 95
        for i, (label, text) in enumerate(facts):
            last = i == len(facts) - 1
            if last:
                c.pdf.set_fill_color(FILL)
                c.pdf.rect(x, c.y + 0.6, 95, 5.2, style="F")
            c.font("B" if last else "", 9 if last else 8.5)
            c.text(x + 2, c.y + 4.3, label)
            c.text(x + 40, c.y + 4.3, text, "R", 53)
            c.y += 5.2 if last else 4.4

    def notes(self) -> None:
        c = self.c
        wrapped = [wrap(latin1(n), CONTENT_W, "", 7.5) for n in _NOTES]
        c.ensure(6 + 3.4 * sum(len(w) for w in wrapped))
        c.y += 5
        c.font("", 7.5, grey=True)
        for lines in wrapped:
            for line in lines:
                c.text(MARGIN, c.y + 3, line)
                c.y += 3.4
            c.y += 0.6

    def signature(self) -> None:
        c = self.c
        c.ensure(42)
        c.y += 6
        c.font("B", 9)
        c.text(MARGIN, c.y + 3, "I declare that all the information contained in this invoice "
                                "is true and correct.")
        c.y += 8
        c.pdf.set_draw_color(0)
        half = CONTENT_W / 2
        for row, labels in enumerate((("Name", "Title"), ("Signature", "Date"))):
            for col, label in enumerate(labels):
                x = MARGIN + col * (half + 6)
                y = c.y + row * 13 + 8
                c.font("", 8, grey=True)
                c.text(x, y + 4, label)
                c.pdf.line(x, y, x + half - 6, y)
        c.y += 26


def render_commercial_invoice_pdf(snapshot: PackageSnapshot) -> bytes:
    """The commercial invoice a person signs and the broker files with (19 CFR 141.86)."""
    return _Invoice(snapshot).render()
