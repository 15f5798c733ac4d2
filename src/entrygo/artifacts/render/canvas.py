"""The invoices' pages: US Letter geometry, colours, fpdf2 set up deterministically, and one
layout cursor that the invoice blocks and the line table share.

The layout keeps its own cursor and breaks pages itself (fpdf2's automatic breaks are off): the
blocks know their heights before drawing, which keeps a subtotal off a page of its own and lets
the line table repeat its header on every page. One PDF holds the package's invoices, each from
a new page (``begin``) and numbered on its own: "Page 2 of 3" counts that invoice's pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC

from fpdf import FPDF
from fpdf.util import escape_parens

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
CHECK_FILL = 214  # a line the signer must check: darker than the bands
_FAMILY = FONT.lower()  # as fpdf2 keeps it


class _InvoicePdf(FPDF):
    """fpdf2 with EntryGo's running header and a file id taken from the snapshot."""

    def __init__(self, file_id: str) -> None:
        super().__init__(orientation="P", unit="mm", format="letter")
        self._file_id = file_id
        self.continued: str | None = None  # the invoice a new page continues, if any
        self.alias_nb_pages(None)  # type: ignore[arg-type]  # footers are written at the end

    def file_id(self) -> str:
        # fpdf2 hashes the output by default; an explicit id keeps that guarantee across versions
        return self._file_id

    def header(self) -> None:
        if self.continued:
            self.set_font(FONT, "B", 8)
            self.set_text_color(GREY_TEXT)
            self.text(MARGIN, MARGIN + 2.5, "COMMERCIAL INVOICE")
            self.set_font(FONT, "", 8)
            label = f"Invoice no. {latin1(self.continued)} (continued)"
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
        pdf = self.pdf = _InvoicePdf(f"<{digest}><{digest}>")
        executed = snapshot.executed_at
        if executed.tzinfo is None:
            executed = executed.replace(tzinfo=UTC)
        pdf.set_creation_date(executed)
        pdf.set_producer(PRODUCER)
        pdf.set_creator(CREATOR)
        pdf.set_title(latin1(f"Commercial invoices {snapshot.package_number}"))
        pdf.set_author(latin1(snapshot.seller.name))
        pdf.set_subject("Commercial invoices (19 CFR 141.86), one per entry")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.package_number = snapshot.package_number
        self.y = 0.0
        self.invoices: list[tuple[str, int]] = []  # (invoice number, its first page)
        self._colour: int | None = None  # the text colour, also the fill colour (``font``)
        # what a new page repeats before the content goes on (the line table's header)
        self.on_new_page: Callable[[], None] | None = None

    def font(self, style: str = "", pt: float = 8.5, grey: bool = False) -> None:
        """The font and colour of the text that follows. Text is written in the fill colour
        (fpdf2 then adds no colour change around each string): areas are filled with
        ``fill``, which sets its own colour."""
        pdf = self.pdf
        if pdf.font_style != style or pdf.font_size_pt != pt or pdf.font_family != _FAMILY:
            pdf.set_font(FONT, style, pt)
        colour = GREY_TEXT if grey else 0
        if colour != self._colour:
            pdf.set_text_color(colour)
            pdf.set_fill_color(colour)
            self._colour = colour

    def fill(self, x: float, y: float, w: float, h: float, grey: int) -> None:
        """A filled rectangle in ``grey`` (0 black, 255 white)."""
        self.pdf.set_fill_color(grey)
        self.pdf.rect(x, y, w, h, style="F")
        self._colour = None

    def text(self, x: float, y: float, value: str, align: str = "L", span: float = 0.0) -> None:
        """``value`` at ``(x, y)``; with ``align="R"`` right-aligned in ``span`` mm from ``x``,
        with ``"C"`` centred in it."""
        value = latin1(value)
        if align in ("R", "C"):
            pdf = self.pdf
            room = span - width(value, pdf.font_style, pdf.font_size_pt)
            x = x + (room if align == "R" else room / 2)
        self.put(x, y, value)

    def put(self, x: float, y: float, value: str) -> None:
        """Latin-1 ``value`` at ``(x, y)``, in the font and colour ``font`` set.

        What ``FPDF.text`` writes for a core font in the fill colour (``BT x y Td (…) Tj ET``),
        without its per-call checks: a package of 5,000 single-order entries is 5,000 invoice
        pages of about a hundred strings each, and this halves the time they take. When the
        colours may differ (after ``fill``, before ``font``) fpdf2 writes the string itself."""
        pdf = self.pdf
        if self._colour is None:
            pdf.text(x, y, value)
            return
        if not pdf.current_font_is_set_on_page:
            assert pdf.current_font is not None  # ``font`` set one
            pdf._out(pdf._set_font_for_page(pdf.current_font, pdf.font_size_pt))
        pdf._out(f"BT {x * pdf.k:.2f} {(pdf.h - y) * pdf.k:.2f} Td ({escape_parens(value)}) Tj ET")

    def rule(self, y: float, grey: int = RULE) -> None:
        """A horizontal line across the content width."""
        self.pdf.set_draw_color(grey)
        self.pdf.line(MARGIN, y, PAGE_W - MARGIN, y)

    def begin(self, number: str, outline: str) -> None:
        """The first page of invoice ``number`` (and its entry in the PDF's outline)."""
        self.on_new_page = None
        self.pdf.continued = None
        self.pdf.add_page()
        self._colour = None
        self.invoices.append((number, self.pdf.page))
        self.pdf.start_section(latin1(outline))
        self.y = MARGIN

    def new_page(self) -> None:
        """A page that continues the current invoice, under its running header."""
        self.pdf.continued = self.invoices[-1][0] if self.invoices else self.package_number
        self.pdf.add_page()
        self._colour = None  # the running header set its own
        self.y = MARGIN + 7
        if self.on_new_page:
            self.on_new_page()

    def ensure(self, height: float) -> None:
        """A new page unless ``height`` mm still fit above the footer."""
        if self.y + height > BOTTOM:
            self.new_page()

    def finish(self) -> bytes:
        """Every footer, written once the page counts are known (fpdf2's alias would need a
        reserved width): the invoice number and "Page n of N" of that invoice, and where the
        page sits in the package when it holds several invoices. Then the document."""
        pdf = self.pdf
        last = pdf.page  # the last page: pages are only ever added at the end
        starts = self.invoices or [(self.package_number, 1)]
        ends = [first - 1 for _, first in starts[1:]] + [last]
        for (number, first), end in zip(starts, ends, strict=True):
            for page in range(first, end + 1):
                pdf.page = page
                # set_font and the colours only write to the page when they change: force them
                pdf.set_font(FONT, "", 1)
                self._colour = None
                pdf.set_fill_color(255)
                self.font("", 7.5, grey=True)
                self.text(MARGIN, PAGE_H - 9, f"Commercial invoice {number}")
                if len(starts) > 1:
                    self.text(MARGIN, PAGE_H - 9, f"Customs package {self.package_number}, "
                              f"sheet {page:,} of {last:,}", "C", CONTENT_W)
                self.text(MARGIN, PAGE_H - 9, f"Page {page - first + 1:,} of "
                          f"{end - first + 1:,}", "R", CONTENT_W)
        pdf.page = last
        return bytes(pdf.output())
