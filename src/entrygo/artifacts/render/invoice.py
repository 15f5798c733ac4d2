"""The commercial invoices a person signs and the broker files with (19 CFR 141.86), as a PDF.

One invoice per export unit, that is per entry (one consignee, 19 CFR 141.51), numbered
``<packageNumber>-<n>`` in the units' order, each from a new page and paged on its own. Top to
bottom: title and invoice facts, the parties (seller, sold to / ultimate consignee, importer of
record, ship from, notify party, packages), the shipment (port of entry, transport, carrier),
the line table with each order's terms, charges and parcels (``invoice_table``), totals, notes
and the declaration to sign. Values the data does not hold are printed "not provided".
Deterministic like the other artifacts: dates, producer and file id come from the snapshot
(``canvas``).
"""

from __future__ import annotations

from decimal import Decimal

from entrygo.artifacts.render.canvas import CONTENT_W, FILL, MARGIN, PAGE_W, RULE, Canvas
from entrygo.artifacts.render.formatting import (
    NOT_PROVIDED,
    Consignee,
    Parcels,
    address_lines,
    bond,
    carrier,
    charges_of,
    consignee_of,
    country_name,
    grouped,
    invoice_date,
    kg,
    mode_of_transport,
    money,
    parcels_of,
    plural,
    port_of_entry,
    price,
)
from entrygo.artifacts.render.invoice_table import LineTable, entry_label
from entrygo.artifacts.render.lines import invoice_number, unit_rows
from entrygo.artifacts.render.text import fit, latin1, wrap
from entrygo.artifacts.snapshot import PackageSnapshot, Party, Unit
from entrygo.kit.clock import iso
from entrygo.readiness.facts import OrderFacts

_MID_NOTE = ("* MID derived from the manufacturer's name and address (19 CFR Part 102, "
             "Appendix): the broker should confirm it before filing.")
_CHECK_NOTE = ("! CHECK marks a line the plan flagged for the signer (its readiness code in "
               "brackets): correct it, or confirm it is true, before signing.")
_NOTES = (
    "Prices and amounts are in U.S. dollars; an order sold in another currency shows that "
    "currency and the rate its prices were converted at.",
    "Charges are itemized per order as declared; \"not provided\" means the order declares "
    "none, not that there are none.",
    "Country of origin is where the goods were made, not the country of export.",
    "Not recorded by EntryGo, for the seller to state if any: rebates, drawbacks and bounties "
    "(19 CFR 141.86(a)(9)); assists not included in the prices (141.86(a)(11)).",
)
_NOTES_PT = 7.0
_TOTALS_W = 90.0
_SIGNATURE_H = 23.0


def _party(p: Party) -> list[str]:
    place = " ".join(x for x in (p.city, p.region, p.postal_code) if x)
    lines = [p.name, p.address1, p.address2, place, country_name(p.country)]
    return [x for x in lines if x]


def seller_lines(snapshot: PackageSnapshot) -> list[str]:
    """The seller: the account's legal name and address from the filing data; a package built
    before filing data existed names the account at the warehouse's address, as it did."""
    if snapshot.filing is None:
        return _party(snapshot.seller)
    seller = snapshot.filing.seller
    address = address_lines(seller.get("address"))
    return [str(seller.get("name") or f"Name {NOT_PROVIDED}"),
            *(address or [f"Address {NOT_PROVIDED}"])]


def importer_lines(snapshot: PackageSnapshot) -> list[str]:
    """The importer of record: name, number, address and bond; says so when there is none."""
    importer = snapshot.filing.importer if snapshot.filing else None
    if not importer:
        return [f"Importer of record {NOT_PROVIDED}"]
    return [str(importer.get("name") or f"Name {NOT_PROVIDED}"),
            f"IOR no. {importer.get('number') or NOT_PROVIDED}",
            *address_lines(importer.get("address")),
            f"Bond: {bond(importer)}"]


def _packages_lines(orders: list[OrderFacts]) -> list[str]:
    every = Parcels.total([parcels_of(o) for o in orders])
    if not every.count:
        return [f"Packages {NOT_PROVIDED}"]
    weight = NOT_PROVIDED if every.gross_weight_kg is None else \
        f"{grouped(kg(every.gross_weight_kg))} kg"
    lines = [plural(every.count, "package"), f"Gross weight: {weight}"]
    if every.gross_weight_kg is not None and every.without_weight:
        lines.append(f"({plural(every.without_weight, 'package')} without weight)")
    lines.append("Marks and numbers: the tracking numbers listed with each order")
    return lines


class _Invoice:
    """Lays one export unit's invoice out top to bottom on the shared ``Canvas``."""

    def __init__(self, canvas: Canvas, snapshot: PackageSnapshot, unit: Unit,
                 position: int) -> None:
        self.c = canvas
        self.s = snapshot
        self.unit = unit
        self.position = position
        self.number = invoice_number(snapshot, position)
        self.orders = [snapshot.orders[oid] for oid in unit.order_ids]
        self.consignee: Consignee = consignee_of(self.orders[0] if self.orders else None)

    def draw(self) -> None:
        who = self.consignee.name or self.consignee.place or self.unit.id
        self.c.begin(self.number, f"Invoice {self.number}: {who}")
        self.title_block()
        self.party_blocks()
        self.shipment_block()
        LineTable(self.c, self.s, self.unit).draw()
        self.totals_and_notes(keep_with=_SIGNATURE_H)  # the declaration never stands alone
        self.signature()

    def title_block(self) -> None:
        c, s = self.c, self.s
        c.font("B", 18)
        c.text(MARGIN, c.y + 6.5, "COMMERCIAL INVOICE")
        c.font("", 8, grey=True)
        c.text(MARGIN, c.y + 11.5, "19 CFR 141.86 - goods for entry into the "
                                   f"{country_name(s.destination_country)}")
        c.text(MARGIN, c.y + 15.5, f"Invoice {self.position:,} of {len(s.units):,} in customs "
                                   f"package {s.package_number} (one invoice per entry)")
        facts = (("Invoice no.", self.number), ("Invoice date", invoice_date(s)),
                 ("Currency", "USD (U.S. dollar)"), ("Entry type", entry_label(self.unit)),
                 ("Export batch", s.batch_id))
        x_label, x_value = PAGE_W - MARGIN - 78, PAGE_W - MARGIN - 54
        c.font("", 8, grey=True)
        for i, (label, _) in enumerate(facts):
            c.text(x_label, c.y + 3.2 + i * 4.2, label)
        for i, (_, value) in enumerate(facts):
            c.font("B" if i == 0 else "", 8.5)
            c.text(x_value, c.y + 3.2 + i * 4.2,
                   fit(latin1(value), PAGE_W - MARGIN - x_value, "B", 8.5))
        c.y += 24
        c.font("", 7, grey=True)
        trace = (f"Executed {iso(s.executed_at)}  |  {s.plan_hash}  |  rules {s.rules_version}, "
                 f"reference data {s.reference_data_version}")
        c.text(MARGIN, c.y, fit(latin1(trace), CONTENT_W, "", 7))
        c.pdf.set_draw_color(RULE)
        c.y += 2.5

    def party_blocks(self) -> None:
        s = self.s
        broker = [s.broker.name]
        if s.broker.email:
            broker.append(f"Email: {s.broker.email}")
        if s.broker.code:
            broker.append(f"Filer code: {s.broker.code}")
        self.blocks((("SELLER", seller_lines(s)),
                     ("SOLD TO / ULTIMATE CONSIGNEE", self.consignee.lines()),
                     ("IMPORTER OF RECORD", importer_lines(s))))
        self.blocks((("SHIP FROM (WAREHOUSE)", _party(s.warehouse)),
                     ("NOTIFY PARTY (CUSTOMS BROKER)", broker),
                     ("PACKAGES", _packages_lines(self.orders))))

    def blocks(self, blocks: tuple[tuple[str, list[str]], ...]) -> None:
        """A row of boxed blocks, as high as the tallest; the first line of each in bold."""
        c = self.c
        gap = 2.0
        block_w = (CONTENT_W - 2 * gap) / 3
        wrapped = [[ln for item in lines for ln in wrap(latin1(item), block_w - 4, "", 8.5)]
                   for _, lines in blocks]
        height = 7.2 + 3.6 * max(len(w) for w in wrapped)
        c.y += 1.5
        xs = [MARGIN + i * (block_w + gap) for i in range(len(blocks))]
        c.pdf.set_draw_color(RULE)
        for x in xs:
            c.pdf.rect(x, c.y, block_w, height)
        # style by style (titles, first lines, the rest): fewer font changes on 5,000 invoices
        c.font("B", 7, grey=True)
        for x, (title, _) in zip(xs, blocks, strict=True):
            c.text(x + 2, c.y + 4, title)
        c.font("B", 8.5)
        for x, lines in zip(xs, wrapped, strict=True):
            c.text(x + 2, c.y + 8, lines[0])
        c.font("", 8.5)
        for x, lines in zip(xs, wrapped, strict=True):
            for j, line in enumerate(lines[1:], start=1):
                c.text(x + 2, c.y + 8 + j * 3.6, line)
        c.y += height

    def shipment_block(self) -> None:
        """How the goods arrive, as the plan decided it; two rows of four facts."""
        c, s = self.c, self.s
        shipment = s.filing.shipment if s.filing else {}
        port = port_of_entry(shipment.get("portOfEntry") or s.port_of_entry)
        rows = ((("Port of entry", port or f"{NOT_PROVIDED} (to be determined by the broker)"),
                 ("Mode of transport", mode_of_transport(shipment)),
                 ("Carrier", carrier(shipment)),
                 ("Trip / flight / voyage no.", shipment.get("conveyanceReference"))),
                (("Master bill (B/L, air waybill)", shipment.get("masterBill")),
                 ("Estimated arrival", shipment.get("estimatedArrival")),
                 ("Country of export", country_name(s.warehouse.country)),
                 ("Country of destination", country_name(s.destination_country))))
        fact_w = CONTENT_W / 4
        c.y += 1.5
        for row in rows:
            values = [wrap(latin1(str(value or NOT_PROVIDED)), fact_w - 4, "", 8.5)
                      for _, value in row]
            height = 6.4 + 3.6 * max(len(v) for v in values)
            c.fill(MARGIN, c.y, CONTENT_W, height, FILL)
            xs = [MARGIN + i * fact_w + 2 for i in range(len(row))]
            c.font("B", 7, grey=True)
            for x, (label, _) in zip(xs, row, strict=True):
                c.text(x, c.y + 3.6, label.upper())
            c.font("", 8.5)
            for x, lines in zip(xs, values, strict=True):
                for j, line in enumerate(lines):
                    c.text(x, c.y + 7.6 + j * 3.6, line)
            c.y += height
        c.y += 2

    def totals_and_notes(self, keep_with: float) -> None:
        """The invoice's totals on the right, the notes beside them on the left; on a new page
        with what follows (``keep_with`` mm) unless both fit."""
        c = self.c
        rows = list(unit_rows(self.s, self.unit))
        weights = [w for r in rows if (w := r.weight_total) is not None]
        weight = f"{grouped(kg(sum(weights, Decimal(0))))} kg"
        if len(weights) < len(rows):
            weight += f" ({plural(len(rows) - len(weights), 'line')} without weight)"
        parcels = Parcels.total([parcels_of(o) for o in self.orders])
        gross = NOT_PROVIDED if parcels.gross_weight_kg is None else \
            f"{grouped(kg(parcels.gross_weight_kg))} kg"
        value = sum((r.line.line_value_usd for r in rows), Decimal(0))
        extra = sum((ch.declared for o in self.orders
                     if (ch := charges_of(o)).included is False), Decimal(0))
        facts = [("Total net weight", weight),
                 ("Packages", f"{parcels.count:,}" if parcels.count else NOT_PROVIDED),
                 ("Total gross weight", gross)]
        after = []
        if extra:
            after = [("Charges not included in unit prices (USD)", grouped(price(extra))),
                     ("Total with those charges (USD)", grouped(price(value + extra)))]
        first = [note for note, due in ((_CHECK_NOTE, any(r.checks for r in rows)),
                                        (_MID_NOTE, any(r.mid_derived for r in rows))) if due]
        notes_w = CONTENT_W - _TOTALS_W - 8
        notes = [wrap(latin1(n), notes_w, "", _NOTES_PT) for n in (*first, *_NOTES)]
        notes_h = sum(3.1 * len(n) + 0.7 for n in notes)
        totals_h = 4.4 * (len(facts) + len(after)) + 5.2
        c.ensure(5 + max(notes_h, totals_h) + keep_with)
        c.y += 5
        top = c.y
        c.font("", _NOTES_PT, grey=True)
        y = top + 0.3
        for lines in notes:
            for line in lines:
                c.text(MARGIN, y + 3, line)
                y += 3.1
            y += 0.7
        x = PAGE_W - MARGIN - _TOTALS_W
        for label, text in facts:
            self.total_line(x, label, text)
        c.fill(x, c.y + 0.6, _TOTALS_W, 5.2, FILL)
        self.total_line(x, "TOTAL VALUE OF GOODS (USD)", grouped(money(value)), strong=True)
        for label, text in after:
            self.total_line(x, label, text)
        c.y = max(c.y, y)

    def total_line(self, x: float, label: str, text: str, strong: bool = False) -> None:
        c = self.c
        c.font("B" if strong else "", 9 if strong else 8.5)
        c.text(x + 2, c.y + 4.3, label)
        c.text(x + 2, c.y + 4.3, text, "R", _TOTALS_W - 4)
        c.y += 5.2 if strong else 4.4

    def signature(self) -> None:
        """The declaration and, on one row, where to write name, title, signature and date."""
        c = self.c
        c.ensure(_SIGNATURE_H)
        c.y += 4
        c.font("B", 9)
        c.text(MARGIN, c.y + 3, "I declare that all the information contained in this invoice "
                                "is true and correct.")
        c.pdf.set_draw_color(0)
        gap = 6.0
        field_w = (CONTENT_W - 3 * gap) / 4
        line_y = c.y + 14
        for i, label in enumerate(("Name", "Title", "Signature", "Date")):
            x = MARGIN + i * (field_w + gap)
            c.pdf.line(x, line_y, x + field_w, line_y)
            c.font("", 8, grey=True)
            c.text(x, line_y + 3.8, label)
        c.y = line_y + 5


def render_commercial_invoice_pdf(snapshot: PackageSnapshot) -> bytes:
    """The package's commercial invoices, one per export unit (entry), in one PDF."""
    canvas = Canvas(snapshot)
    for position, unit in enumerate(snapshot.units, start=1):
        _Invoice(canvas, snapshot, unit, position).draw()
    if not snapshot.units:
        canvas.begin(snapshot.package_number, "No invoice")
        canvas.font("B", 12)
        canvas.text(MARGIN, canvas.y + 8, "This customs package holds no export unit: it has no "
                                          "commercial invoice.")
    return canvas.finish()
