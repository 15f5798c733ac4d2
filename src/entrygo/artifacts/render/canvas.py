"""The invoice's page: US Letter geometry, colours, fpdf2 set up deterministically, and one
layout cursor that the invoice blocks and the line table share.

The layout keeps its own cursor and breaks pages itself (fpdf2's automatic breaks are off): the
blocks know their heights before drawing, which keeps a subtotal off a page of its own and lets
the line table repeat its header on every page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC

from fpdf import FPDF

from entrygo.artifacts.render.text import FONT, latin1, width
from entrygo.artifacts.snapshot import PackageSnapshot
from entrygo.kit.clock import iso

PRODUCER = "EntryGo artifact renderer, fpdf2"
CREATOR = "EntryGo"

PAGE_W, PAGE_H = 215.9, 279.4  # US Letter, mm
MARGIN = 12.7
CONTENT_W = PAGE_W - 2 * MARGIN
BOTTOM = PAGE_H - 16.0  # content stops here; the footer lives below
GREY_TEXT = 90
RULE = 200
FILL = 228
BAND = 244


class _InvoicePdf(FPDF):
    """fpdf2 with EntryGo's running header and a file id taken from the snapshot."""

    def __init__(self, package_number: str, file_id: str) -> None:
        super().__init__(orientation="P", unit="mm", format="letter")
        self._package_number = package_number
        self._file_id = file_id
        self.alias_nb_pages(None)  # type: ignore[arg-type]  # footers are written at the end

    def file_id(self) -> str:
        # fpdf2 hashes the output by default; an explicit id keeps that guarantee across versions
        return self._file_id

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FONT, "B", 8)
            self.set_text_color(GREY_TEXT)
            self.text(MARGIN, MARGIN + 2.5, "COMMERCIAL INVOICE")
            self.set_font(FONT, "", 8)
            label = f"Invoice no. {latin1(self._package_number)} (continued)"
            self.text(PAGE_W - MARGIN - width(label, "", 8), MARGIN + 2.5, label)
            self.set_draw_color(RULE)
            self.line(MARGIN, MARGIN + 4, PAGE_W - MARGIN, MARGIN + 4)
            self.set_text_color(0)

    def footer(self) -> None:
        """Nothing here: ``Canvas.footers`` writes every footer once the page count is known."""


class Canvas:
    """The PDF and the cursor ``y`` (mm from the top of the page) where the next block goes."""

    def __init__(self, snapshot: PackageSnapshot) -> None:
        seed = "\n".join((snapshot.package_number, snapshot.plan_hash,
                          iso(snapshot.executed_at) or ""))
        digest = hashlib.sha256(seed.encode()).hexdigest()[:32].upper()
        pdf = self.pdf = _InvoicePdf(snapshot.package_number, f"<{digest}><{digest}>")
        executed = snapshot.executed_at
        if executed.tzinfo is None:
            executed = executed.replace(tzinfo=UTC)
        pdf.set_creation_date(executed)
        pdf.set_producer(PRODUCER)
        pdf.set_creator(CREATOR)
        pdf.set_title(latin1(f"Commercial invoice {snapshot.package_number}"))
        pdf.set_author(latin1(snapshot.seller.name))
        pdf.set_subject("Commercial invoice (19 CFR 141.86)")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.package_number = snapshot.package_number
        self.y = 0.0
        # what a new page repeats before the content goes on (the line table's header)
        self.on_new_page: Callable[[], None] | None = None

    def font(self, style: str = "", pt: float = 8.5, grey: bool = False) -> None:
        self.pdf.set_font(FONT, style, pt)
        self.pdf.set_text_color(GREY_TEXT if grey else 0)

    def text(self, x: float, y: float, value: str, align: str = "L", span: float = 0.0) -> None:
        """``value`` at ``(x, y)``; with ``align="R"`` right-aligned in ``span`` mm from ``x``."""
        value = latin1(value)
        if align == "R":
            pdf = self.pdf
            x = x + span - width(value, pdf.font_style, pdf.font_size_pt)
        self.pdf.text(x, y, value)

    def rule(self, y: float, grey: int = RULE) -> None:
        """A horizontal line across the content width."""
        self.pdf.set_draw_color(grey)
        self.pdf.line(MARGIN, y, PAGE_W - MARGIN, y)

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = MARGIN + (0 if self.pdf.page_no() == 1 else 7)
        if self.on_new_page:
            self.on_new_page()

    def ensure(self, height: float) -> None:
        """A new page unless ``height`` mm still fit above the footer."""
        if self.y + height > BOTTOM:
            self.new_page()

    def finish(self) -> bytes:
        """Page n of N on every page, written once N is known (fpdf2's alias would need a
        reserved width), then the document."""
        pdf = self.pdf
        total = pdf.page  # the last page: pages are only ever added at the end
        number = latin1(self.package_number)
        for page in range(1, total + 1):
            pdf.page = page
            # set_font only writes to the page when the font changes: force it on every page
            pdf.set_font(FONT, "", 1)
            self.font("", 7.5, grey=True)
            self.text(MARGIN, PAGE_H - 9, f"Commercial invoice {number}")
            self.text(MARGIN, PAGE_H - 9, f"Page {page:,} of {total:,}", "R", CONTENT_W)
        pdf.page = total
        return bytes(pdf.output())
