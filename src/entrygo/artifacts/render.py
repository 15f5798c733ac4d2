"""The customs artifacts of an executed export: pure functions from a ``PackageSnapshot`` to bytes.

CONTRACT §5.5: the content is a deterministic function of the executed plan, so the same snapshot
gives byte-identical files (the PDF included: its dates, producer and file id come from the
snapshot, never from the clock or a random source). Nothing here reads the database, the clock
or EntryGo's reference-data files: the broker receives exactly what was planned and executed.
Layouts are described in ``docs/artifacts.md``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import pycountry
from fpdf import FPDF

from entrygo.artifacts.snapshot import PackageSnapshot, Party, Unit
from entrygo.kit.clock import iso
from entrygo.kit.money import cents, plain
from entrygo.readiness.facts import LineFacts, OrderFacts, ProductFacts

MANIFEST_FORMAT = "entrygo.customs-manifest"
READINESS_REPORT_FORMAT = "entrygo.readiness-report"
FORMAT_VERSION = 1

JSON = "application/json"
PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
PRODUCER = "EntryGo artifact renderer, fpdf2"
CREATOR = "EntryGo"

METALS = ("steel", "aluminum", "copper")
# CBP's additional declaration codes for Section 232 lines (reference/README.md).
SECTION232_DECLARATIONS = {
    "steel": "08 - MELT & POUR",
    "aluminum": "07 - SMELT & CAST",
    "copper": "11 - COPPER CONTENT",
}
# metal -> (percentage, melt-and-pour country, smelt country, cast country) in metalContent
_METAL_KEYS: dict[str, tuple[str, str | None, str | None, str | None]] = {
    "steel": ("steelPctWeight", "steelMeltPourCountry", None, None),
    "aluminum": ("aluminumPctWeight", None, "aluminumSmeltCountry", "aluminumCastCountry"),
    "copper": ("copperPctWeight", None, None, None),
}
ENTRY_TYPES = {"11": "informal", "01": "formal"}


@dataclass(frozen=True)
class RenderedArtifact:
    artifact_type: str
    filename: str
    content_type: str
    content: bytes


# --- the lines, in artifact order ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Row:
    """One order line with everything the artifacts print about it."""

    unit: Unit
    order: OrderFacts
    index: int
    line: LineFacts
    product: ProductFacts
    mid: str | None
    mid_derived: bool
    flags: tuple[str, ...]

    @property
    def description(self) -> str:
        return self.product.customs_description or self.product.title

    @property
    def weight_total(self) -> Decimal | None:
        weight = self.product.net_weight_kg
        return None if weight is None else weight * self.line.quantity

    @property
    def metals(self) -> tuple[str, ...]:
        return tuple(m for m in METALS if f"SECTION_232_{m.upper()}" in self.flags)


def _orders(snapshot: PackageSnapshot) -> Iterator[tuple[Unit, OrderFacts]]:
    for unit in snapshot.units:
        for order_id in unit.order_ids:
            yield unit, snapshot.orders[order_id]


def _unit_rows(snapshot: PackageSnapshot, unit: Unit) -> Iterator[_Row]:
    for order_id in unit.order_ids:
        order = snapshot.orders[order_id]
        for index, line in enumerate(order.lines):
            product = snapshot.products[line.product_id]
            mid, derived = snapshot.mids.get(product.id, (product.mid, False))
            flags = tuple(sorted(snapshot.product_flags.get(product.id, ())))
            yield _Row(unit, order, index, line, product, mid, derived, flags)


def _rows(snapshot: PackageSnapshot) -> Iterator[_Row]:
    """Units in snapshot order, orders in unit order, lines in index order."""
    for unit in snapshot.units:
        yield from _unit_rows(snapshot, unit)


def has_section232(snapshot: PackageSnapshot) -> bool:
    """Whether the metals declaration is due: some line's product carries a Section 232 flag."""
    return any(row.metals for row in _rows(snapshot))


# --- value formatting ----------------------------------------------------------------------------

def _money(value: Decimal) -> str:
    """An amount in cents, half-up: ``110.00``."""
    return f"{cents(value):.2f}"


def _price(value: Decimal) -> str:
    """A unit price exactly as sold (up to 4 decimals), at least 2 decimals: ``12.3456``."""
    whole, _, frac = plain(value).partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _exact(value: Any) -> str:
    """A number as plain decimal text (no exponent, no binary-float noise); empty when absent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return plain(Decimal(str(value)))
    return str(value)


def _kg(value: Decimal) -> str:
    """A weight for people: at most 3 decimals."""
    return plain(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def _grouped(text: str) -> str:
    """Thousands separators for the PDF: ``12345.60`` -> ``12,345.60``."""
    whole, dot, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}{dot}{frac}"


def _hts(code: str | None) -> str:
    """``7323930045`` -> ``7323.93.0045`` (how people read HTS numbers)."""
    if code and len(code) == 10 and code.isdigit():
        return f"{code[:4]}.{code[4:6]}.{code[6:]}"
    return code or ""


def _number(value: Decimal) -> int | float:
    """JSON numbers: integral values as integers, the rest as the float that prints exactly.

    Amounts carry at most 4 decimals and stay far below 2**53 (same rule as the API's wire).
    """
    return int(value) if value == value.to_integral_value() else float(value)


def _date(snapshot: PackageSnapshot) -> str:
    return (iso(snapshot.executed_at) or "")[:10]


def _country_name(code: str | None) -> str:
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code.upper())
    name = getattr(country, "common_name", None) or getattr(country, "name", None)
    return f"{name} ({code})" if name else code


# --- JSON ----------------------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    """Plan data as JSON types. Dict keys sorted, so storage that reorders keys changes nothing."""
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def _json_bytes(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()


def _party(p: Party) -> dict[str, Any]:
    return {"name": p.name, "address1": p.address1, "address2": p.address2, "city": p.city,
            "region": p.region, "postalCode": p.postal_code, "country": p.country,
            "email": p.email, "filerCode": p.code}


def _totals(snapshot: PackageSnapshot) -> dict[str, Any]:
    """Totals recomputed from the lines the artifacts list, so every file adds up."""
    rows = list(_rows(snapshot))
    weights = [w for r in rows if (w := r.weight_total) is not None]
    return {
        "unitCount": len(snapshot.units),
        "orderCount": sum(len(u.order_ids) for u in snapshot.units),
        "lineCount": len(rows),
        "quantity": sum(r.line.quantity for r in rows),
        "valueUsd": _number(sum((r.line.line_value_usd for r in rows), Decimal(0))),
        "netWeightKg": _number(sum(weights, Decimal(0))),
        "linesWithoutWeight": len(rows) - len(weights),
    }


def render_manifest(snapshot: PackageSnapshot) -> bytes:
    """The machine-readable customs package (``entrygo.customs-manifest`` v1)."""
    lines_by_order: dict[str, list[dict[str, Any]]] = {}
    for r in _rows(snapshot):
        weight = r.product.net_weight_kg
        lines_by_order.setdefault(r.order.id, []).append({
            "lineIndex": r.index,
            "productId": r.product.id,
            "sku": r.product.id,
            "description": r.description,
            "htsCode": r.product.hts_code,
            "countryOfOrigin": r.product.country_of_origin,
            "mid": r.mid,
            "midDerived": r.mid_derived,
            "quantity": r.line.quantity,
            "unitValueUsd": _number(r.line.unit_value_usd),
            "lineValueUsd": _number(r.line.line_value_usd),
            "netWeightKg": None if weight is None else _number(weight),
            "flags": list(r.flags),
        })
    doc = {
        "format": MANIFEST_FORMAT,
        "formatVersion": FORMAT_VERSION,
        "package": {
            "packageNumber": snapshot.package_number,
            "executedAt": iso(snapshot.executed_at),
            "batchId": snapshot.batch_id,
            "planHash": snapshot.plan_hash,
            "readinessState": snapshot.readiness_state,
            "rulesVersion": snapshot.rules_version,
            "referenceDataVersion": snapshot.reference_data_version,
            "destinationCountry": snapshot.destination_country,
            "portOfEntry": snapshot.port_of_entry,
        },
        "parties": {
            "seller": _party(snapshot.seller),
            "warehouse": _party(snapshot.warehouse),
            "broker": _party(snapshot.broker),
        },
        "exportUnits": [{
            "id": u.id,
            "entryType": u.entry_type,
            "valueUsd": _number(u.value_usd),
            "consignee": _jsonable(snapshot.orders[u.order_ids[0]].consignee
                                   if u.order_ids else None),
            "orderIds": list(u.order_ids),
        } for u in snapshot.units],
        "orders": [{
            "id": o.id,
            "externalId": o.external_id,
            "exportUnitId": u.id,
            "destination": {"country": o.destination_country, "region": o.destination_region,
                            "postalCode": o.destination_postal_code},
            "consignee": _jsonable(o.consignee),
            "totalValueUsd": _number(o.total_value_usd),
            "lines": lines_by_order.get(o.id, []),
        } for u, o in _orders(snapshot)],
        "flags": _jsonable(snapshot.flags),
        "totals": _totals(snapshot),
    }
    return _json_bytes(doc)


def render_readiness_report(snapshot: PackageSnapshot) -> bytes:
    """What the plan found, as planned: the record of what the client chose to execute."""
    doc = {
        "format": READINESS_REPORT_FORMAT,
        "formatVersion": FORMAT_VERSION,
        "packageNumber": snapshot.package_number,
        "executedAt": iso(snapshot.executed_at),
        "batchId": snapshot.batch_id,
        "planHash": snapshot.plan_hash,
        "readinessState": snapshot.readiness_state,
        "rulesVersion": snapshot.rules_version,
        "referenceDataVersion": snapshot.reference_data_version,
        "validationMessages": _jsonable(snapshot.validation_messages),
        "flags": _jsonable(snapshot.flags),
        "missing_data": _jsonable(snapshot.missing_data),
        "totals": _jsonable(snapshot.totals),
    }
    return _json_bytes(doc)


# --- CSV -----------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run: ``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``.

    Plain numbers (``-5``, ``+1.25``) are left alone so they stay numbers.
    """
    text = _exact(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv(header: Sequence[str], rows: Iterator[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode()


def _consignee(order: OrderFacts) -> dict[str, Any]:
    return order.consignee or {}


def _bool(value: bool) -> str:
    return "true" if value else "false"


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
         _consignee(r.order).get("name"), r.index, r.product.id, r.description,
         r.product.hts_code, r.product.country_of_origin, r.mid, _bool(r.mid_derived),
         r.line.quantity, _price(r.line.unit_value_usd), _money(r.line.line_value_usd), "USD")
        for r in _rows(snapshot)))


ENTRY_LINES_COLUMNS = (
    "entry_type", "export_unit_id", "consignee_name", "consignee_address", "consignee_city",
    "consignee_region", "consignee_postal_code", "order_id", "line_index", "hts_code",
    "description", "country_of_origin", "mid", "mid_derived", "quantity", "value_usd",
    "net_weight_kg", "flags", "section232_declaration", "steel_pct", "steel_melt_pour_country",
    "aluminum_pct", "aluminum_smelt_country", "aluminum_cast_country", "copper_pct",
)


def render_entry_lines_csv(snapshot: PackageSnapshot) -> bytes:
    """One row per line in the shape a broker's entry software imports."""

    def rows() -> Iterator[Sequence[Any]]:
        for r in _rows(snapshot):
            c = _consignee(r.order)
            metal = r.product.metal_content or {}
            address = ", ".join(str(a) for a in (c.get("address1"), c.get("address2")) if a)
            yield (r.unit.entry_type, r.unit.id, c.get("name"), address, c.get("city"),
                   r.order.destination_region, r.order.destination_postal_code, r.order.id,
                   r.index, r.product.hts_code, r.description, r.product.country_of_origin,
                   r.mid, _bool(r.mid_derived), r.line.quantity,
                   _money(r.line.line_value_usd), _exact(r.weight_total), ";".join(r.flags),
                   "; ".join(SECTION232_DECLARATIONS[m] for m in r.metals),
                   metal.get("steelPctWeight"), metal.get("steelMeltPourCountry"),
                   metal.get("aluminumPctWeight"), metal.get("aluminumSmeltCountry"),
                   metal.get("aluminumCastCountry"), metal.get("copperPctWeight"))

    return _csv(ENTRY_LINES_COLUMNS, rows())


PACKING_LIST_COLUMNS = (
    "export_unit_id", "order_id", "order_external_id", "consignee_name", "product_id",
    "description", "quantity", "net_weight_kg_per_unit", "net_weight_kg_total",
)


def render_packing_list_csv(snapshot: PackageSnapshot) -> bytes:
    """What the warehouse packs per order; weights exact, empty where the product has none."""
    return _csv(PACKING_LIST_COLUMNS, (
        (r.unit.id, r.order.id, r.order.external_id, _consignee(r.order).get("name"),
         r.product.id, r.description, r.line.quantity, _exact(r.product.net_weight_kg),
         _exact(r.weight_total))
        for r in _rows(snapshot)))


METALS_COLUMNS = (
    "export_unit_id", "order_id", "line_index", "product_id", "hts_code", "description",
    "metal", "declaration", "metal_pct_weight", "melt_pour_country", "smelt_country",
    "cast_country", "country_of_origin", "quantity", "value_usd",
)


def render_metals_declaration_csv(snapshot: PackageSnapshot) -> bytes:
    """The Section 232 declarations: one row per flagged line and metal (steel and aluminum on
    one line give two rows, as they are two declarations)."""

    def rows() -> Iterator[Sequence[Any]]:
        for r in _rows(snapshot):
            content = r.product.metal_content or {}
            for metal in r.metals:
                pct, melt, smelt, cast = _METAL_KEYS[metal]
                yield (r.unit.id, r.order.id, r.index, r.product.id, r.product.hts_code,
                       r.description, metal, SECTION232_DECLARATIONS[metal], content.get(pct),
                       content.get(melt) if melt else None,
                       content.get(smelt) if smelt else None,
                       content.get(cast) if cast else None,
                       r.product.country_of_origin, r.line.quantity,
                       _money(r.line.line_value_usd))

    return _csv(METALS_COLUMNS, rows())


# --- PDF: the commercial invoice (19 CFR 141.86) -------------------------------------------------

_PUNCTUATION = str.maketrans({
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201b": "'", "\u201c": '"',
    "\u201d": '"', "\u201e": '"', "\u2026": "...", "\u2022": "*", "\u20ac": "EUR",
    "\u2122": "(TM)", "\u2032": "'", "\u2033": '"', "\u2009": " ", "\u200a": " ", "\u202f": " ",
    "\u2007": " ", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
    # letters NFKD does not decompose
    "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0152": "OE", "\u0153": "oe",
    "\u0131": "i", "\u0126": "H", "\u0127": "h", "\u0166": "T", "\u0167": "t", "\u0138": "q",
    "\u014a": "N", "\u014b": "n", "\u0132": "IJ", "\u0133": "ij", "\u1e9e": "SS",
    **{chr(c): " " for c in (*range(32), *range(127, 160))},
})


def latin1(text: str) -> str:
    """Text the PDF core fonts can show: latin-1 kept, the rest transliterated, else ``?``.

    ``Łódź`` -> ``Lodz``, ``—`` -> ``-``, ``東`` -> ``?``: always the same answer, so the PDF
    stays deterministic; the CSV and JSON artifacts keep the original text.
    """
    if text.isascii() and text.isprintable():
        return text
    text = text.translate(_PUNCTUATION)
    if all(ord(ch) < 256 for ch in text):
        return text
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch)
                       if ord(c) < 256 and not unicodedata.combining(c))
        out.append(base.translate(_PUNCTUATION) or "?")
    return "".join(out)


PAGE_W, PAGE_H = 215.9, 279.4  # US Letter, mm
MARGIN = 12.7
CONTENT_W = PAGE_W - 2 * MARGIN
BOTTOM = PAGE_H - 16.0  # content stops here; the footer lives below
FONT = "Helvetica"
GREY_TEXT = 90
RULE = 200
FILL = 228
BAND = 244

# (title, width mm, align, wrap)
_COLUMNS = (
    ("Order", 24.0, "L", True),
    ("Description", 57.5, "L", True),
    ("HTS", 19.0, "L", False),
    ("Origin", 10.0, "L", False),
    ("MID", 31.0, "L", True),
    ("Qty", 10.0, "R", False),
    ("Unit price", 19.0, "R", False),
    ("Amount", 20.0, "R", False),
)
_TABLE_PT = 7.5
_LINE_H = 3.3
_PAD = 1.0
_MAX_DESCRIPTION_LINES = 40


@cache
def _char_widths(style: str) -> dict[str, int]:
    probe = FPDF()
    probe.set_font(FONT, style, 10)
    font: Any = probe.current_font
    return dict(font["cw"] if isinstance(font, dict) else font.cw)  # a dict before fpdf2 2.8


_WORD_UNITS: dict[str, dict[str, int]] = {}


def _units(text: str, style: str) -> int:
    """Width in font units (1/1000 of the size), memoised: invoices repeat the same words."""
    cache = _WORD_UNITS.setdefault(style, {})
    units = cache.get(text)
    if units is None:
        cw = _char_widths(style)
        try:
            units = sum(map(cw.__getitem__, text))  # every latin-1 character has a width
        except KeyError:
            units = sum(cw.get(ch, 600) for ch in text)
        if len(cache) < 100_000:
            cache[text] = units
    return units


def _width(text: str, style: str, pt: float) -> float:
    """Text width in mm from the core font metrics (no FPDF call per word)."""
    return _units(text, style) * pt * _UNIT_MM


_UNIT_MM = 25.4 / 72 / 1000
_SOFT_BREAKS = ("-", "/", "_", ".", ",")


def _wrap(text: str, width: float, style: str = "", pt: float = _TABLE_PT) -> list[str]:
    """Greedy word wrap; a word wider than the column is cut by characters."""
    limit = width / (pt * _UNIT_MM)  # in font units
    space = _units(" ", style)
    lines: list[str] = []
    current: list[str] = []
    used = 0
    for word in text.split():
        units = _units(word, style)
        if current and used + space + units <= limit:
            current.append(word)
            used += space + units
            continue
        if current:
            lines.append(" ".join(current))
        while units > limit and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and _units(word[:cut], style) > limit:
                cut -= 1
            soft = max(word.rfind(mark, 0, cut) for mark in _SOFT_BREAKS) + 1
            cut = soft if soft > 1 else cut  # after a hyphen, slash or underscore if possible
            lines.append(word[:cut])
            word = word[cut:]
            units = _units(word, style)
        current, used = [word], units
    if current or not lines:
        lines.append(" ".join(current))
    return lines


class _InvoicePdf(FPDF):
    """fpdf2 with EntryGo's running header and footer and a file id taken from the snapshot."""

    def __init__(self, package_number: str, file_id: str) -> None:
        super().__init__(orientation="P", unit="mm", format="letter")
        self._package_number = package_number
        self._file_id = file_id
        self.alias_nb_pages(None)  # type: ignore[arg-type]  # footers are written at the end

    def file_id(self) -> str:  # type: ignore[override]
        # fpdf2 hashes the output by default; an explicit id keeps that guarantee across versions
        return self._file_id

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FONT, "B", 8)
            self.set_text_color(GREY_TEXT)
            self.text(MARGIN, MARGIN + 2.5, "COMMERCIAL INVOICE")
            self.set_font(FONT, "", 8)
            label = f"Invoice no. {latin1(self._package_number)} (continued)"
            self.text(PAGE_W - MARGIN - _width(label, "", 8), MARGIN + 2.5, label)
            self.set_draw_color(RULE)
            self.line(MARGIN, MARGIN + 4, PAGE_W - MARGIN, MARGIN + 4)
            self.set_text_color(0)

    def footer(self) -> None:
        """Nothing here: ``_Invoice.footers`` writes every footer once the page count is known."""


class _Invoice:
    """Lays the invoice out top to bottom, keeping its own cursor (no auto page breaks)."""

    def __init__(self, snapshot: PackageSnapshot) -> None:
        self.s = snapshot
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
        self.y = 0.0
        self.in_table = False  # repeat the column header on a new page
        self.current_unit: Unit | None = None  # and say which unit continues

    # -- primitives

    def font(self, style: str = "", pt: float = 8.5, grey: bool = False) -> None:
        self.pdf.set_font(FONT, style, pt)
        self.pdf.set_text_color(GREY_TEXT if grey else 0)

    def text(self, x: float, y: float, value: str, align: str = "L", width: float = 0.0) -> None:
        value = latin1(value)
        if align == "R":
            pdf = self.pdf
            x = x + width - _width(value, pdf.font_style, pdf.font_size_pt)
        self.pdf.text(x, y, value)

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = MARGIN + (0 if self.pdf.page_no() == 1 else 7)
        if self.in_table:
            self.table_header()
            if self.current_unit:
                self.unit_band(self.current_unit, continued=True)

    def ensure(self, height: float) -> None:
        if self.y + height > BOTTOM:
            self.new_page()

    # -- blocks

    def title_block(self) -> None:
        s, pdf = self.s, self.pdf
        self.font("B", 18)
        self.text(MARGIN, self.y + 6.5, "COMMERCIAL INVOICE")
        self.font("", 8, grey=True)
        self.text(MARGIN, self.y + 11.5, "19 CFR 141.86 - goods for entry into the "
                                         f"{_country_name(s.destination_country)}")
        facts = (("Invoice no.", s.package_number), ("Invoice date", _date(s)),
                 ("Currency", "USD (U.S. dollar)"), ("Export batch", s.batch_id))
        x_label, x_value = PAGE_W - MARGIN - 78, PAGE_W - MARGIN - 56
        for i, (label, value) in enumerate(facts):
            y = self.y + 3.2 + i * 4.2
            self.font("", 8, grey=True)
            self.text(x_label, y, label)
            self.font("B" if i == 0 else "", 8.5)
            self.text(x_value, y, _fit(latin1(value), PAGE_W - MARGIN - x_value, "B", 8.5))
        self.y += 20
        self.font("", 7, grey=True)
        trace = (f"Executed {iso(s.executed_at)}  |  {s.plan_hash}  |  rules {s.rules_version}, "
                 f"reference data {s.reference_data_version}")
        self.text(MARGIN, self.y, _fit(latin1(trace), CONTENT_W, "", 7))
        pdf.set_draw_color(RULE)
        self.y += 2.5

    def party_blocks(self) -> None:
        s = self.s
        broker = [s.broker.name]
        if s.broker.email:
            broker.append(f"Email: {s.broker.email}")
        if s.broker.code:
            broker.append(f"Filer code: {s.broker.code}")
        blocks = (("SELLER / EXPORTER", _address(s.seller)),
                  ("SHIP FROM (WAREHOUSE)", _address(s.warehouse)),
                  ("NOTIFY PARTY (CUSTOMS BROKER)", broker))
        gap = 2.0
        width = (CONTENT_W - 2 * gap) / 3
        wrapped = [[ln for item in lines for ln in _wrap(latin1(item), width - 4, "", 8.5)]
                   for _, lines in blocks]
        height = 8 + 3.8 * max(len(w) for w in wrapped)
        self.y += 1.5
        for i, ((title, _), lines) in enumerate(zip(blocks, wrapped, strict=True)):
            x = MARGIN + i * (width + gap)
            self.pdf.set_draw_color(RULE)
            self.pdf.rect(x, self.y, width, height)
            self.font("B", 7, grey=True)
            self.text(x + 2, self.y + 4, title)
            for j, line in enumerate(lines):
                self.font("B" if j == 0 else "", 8.5)
                self.text(x + 2, self.y + 8.5 + j * 3.8, line)
        self.y += height + 2

    def shipment_block(self) -> None:
        s = self.s
        port = s.port_of_entry or "To be determined by the broker"
        facts = (("Country of export", _country_name(s.warehouse.country) or "-"),
                 ("Country of destination", _country_name(s.destination_country)),
                 ("Port of entry", port),
                 ("Export units", _unit_summary(s.units)))
        width = CONTENT_W / 4
        values = [_wrap(latin1(value), width - 4, "", 8.5) for _, value in facts]
        height = 6.5 + 3.8 * max(len(v) for v in values)
        self.pdf.set_fill_color(FILL)
        self.pdf.rect(MARGIN, self.y, CONTENT_W, height, style="F")
        for i, ((label, _), lines) in enumerate(zip(facts, values, strict=True)):
            x = MARGIN + i * width + 2
            self.font("B", 7, grey=True)
            self.text(x, self.y + 3.8, label.upper())
            self.font("", 8.5)
            for j, line in enumerate(lines):
                self.text(x, self.y + 8 + j * 3.8, line)
        self.y += height + 4

    def table_header(self) -> None:
        pdf = self.pdf
        pdf.set_fill_color(FILL)
        pdf.rect(MARGIN, self.y, CONTENT_W, 5.2, style="F")
        self.font("B", _TABLE_PT)
        x = MARGIN
        for title, width, align, _ in _COLUMNS:
            self.text(x + _PAD, self.y + 3.6, title, align, width - 2 * _PAD)
            x += width
        self.y += 5.2

    def unit_band(self, unit: Unit, continued: bool = False) -> None:
        label = ENTRY_TYPES.get(unit.entry_type)
        entry = f"{unit.entry_type} ({label})" if label else unit.entry_type
        heading = f"Export unit {unit.id} - Entry type {entry}"
        self.pdf.set_fill_color(BAND)
        self.pdf.rect(MARGIN, self.y + 0.4, CONTENT_W, 5.6, style="F")
        self.font("B", 8.5)
        self.text(MARGIN + _PAD, self.y + 4.4, heading + (" (continued)" if continued else ""))
        if not continued:
            self.font("", 7.5, grey=True)
            count = len(unit.order_ids)
            self.text(MARGIN, self.y + 4.4, f"{_plural(count, 'order')}, planned value "
                      f"{_grouped(_money(unit.value_usd))} USD", "R", CONTENT_W - _PAD)
        self.y += 6

    def unit(self, unit: Unit) -> None:
        """One export unit (one consignee, one entry): a band, the consignee, lines, subtotal."""
        s = self.s
        orders = [s.orders[oid] for oid in unit.order_ids]
        consignee = _wrap(latin1("Consignee: " + _consignee_text(orders[0] if orders else None)),
                          CONTENT_W - 2 * _PAD, "", 8)
        lines = list(_unit_rows(s, unit))
        rows = [self.row_cells(r) for r in lines]
        first = rows[0][0] if rows else 0.0
        self.ensure(1.5 + 6 + 3.6 * len(consignee) + 1 + first)
        self.y += 1.5
        self.current_unit = unit
        self.unit_band(unit)
        self.font("", 8)
        for text in consignee:
            self.text(MARGIN + _PAD, self.y + 2.6, text)
            self.y += 3.6
        self.y += 1
        self.pdf.set_draw_color(RULE)
        self.pdf.line(MARGIN, self.y, PAGE_W - MARGIN, self.y)
        quantity, amount = 0, Decimal(0)
        last = len(rows) - 1
        for n, ((height, cells), row) in enumerate(zip(rows, lines, strict=True)):
            self.ensure(height + (5.5 if n == last else 0))  # no subtotal alone on a page
            self.draw_row(height, cells)
            quantity += row.line.quantity
            amount += row.line.line_value_usd
        self.ensure(5.5)
        self.current_unit = None
        self.font("B", _TABLE_PT)
        y = self.y + 3.7
        self.text(MARGIN + _PAD, y, f"Subtotal export unit {unit.id} "
                                    f"({_plural(len(orders), 'order')}, "
                                    f"{_plural(len(rows), 'line')})")
        x_qty = MARGIN + sum(c[1] for c in _COLUMNS[:5])
        self.text(x_qty + _PAD, y, f"{quantity:,}", "R", _COLUMNS[5][1] - 2 * _PAD)
        x_amount = PAGE_W - MARGIN - _COLUMNS[7][1]
        self.text(x_amount + _PAD, y, _grouped(_money(amount)), "R", _COLUMNS[7][1] - 2 * _PAD)
        self.pdf.set_draw_color(120)
        self.pdf.line(MARGIN, self.y + 5.5, PAGE_W - MARGIN, self.y + 5.5)
        self.y += 5.5

    def units(self) -> None:
        self.ensure(5.2 + 20)
        self.y += 3
        self.table_header()
        self.in_table = True
        for unit in self.s.units:
            self.unit(unit)
        self.in_table = False

    @staticmethod
    def row_cells(row: _Row) -> tuple[float, list[list[str]]]:
        """The row's height and its text, wrapped per column."""
        values = (row.order.external_id, row.description, _hts(row.product.hts_code),
                  row.product.country_of_origin or "",
                  (row.mid or "") + ("*" if row.mid_derived else ""), f"{row.line.quantity:,}",
                  _grouped(_price(row.line.unit_value_usd)),
                  _grouped(_money(row.line.line_value_usd)))
        cells = []
        for value, (_, width, _, wrap) in zip(values, _COLUMNS, strict=True):
            text = latin1(value)
            cells.append(_wrap(text, width - 2 * _PAD) if wrap else [text])
        if len(cells[1]) > _MAX_DESCRIPTION_LINES:
            cells[1] = [*cells[1][:_MAX_DESCRIPTION_LINES - 1], "..."]
        height = max(len(c) for c in cells) * _LINE_H + 2 * _PAD
        return height, cells

    def draw_row(self, height: float, cells: list[list[str]]) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "", _TABLE_PT)
        pdf.set_text_color(0)
        pdf.set_fill_color(0)  # text in the fill colour is written without a colour change
        x = MARGIN
        for lines, (_, width, align, _) in zip(cells, _COLUMNS, strict=True):
            for i, line in enumerate(lines):
                y = self.y + _PAD + 2.6 + i * _LINE_H
                if align == "R":
                    pdf.text(x + width - _PAD - _width(line, "", _TABLE_PT), y, line)
                else:
                    pdf.text(x + _PAD, y, line)
            x += width
        self.y += height
        pdf.set_draw_color(RULE)
        pdf.line(MARGIN, self.y, PAGE_W - MARGIN, self.y)

    def totals(self) -> None:
        s = self.s
        rows = list(_rows(s))
        weights = [w for r in rows if (w := r.weight_total) is not None]
        weight = f"{_grouped(_kg(sum(weights, Decimal(0))))} kg"
        if len(weights) < len(rows):
            weight += f" ({_plural(len(rows) - len(weights), 'line')} without weight)"
        value = sum((r.line.line_value_usd for r in rows), Decimal(0))
        facts = (("Orders", f"{sum(len(u.order_ids) for u in s.units):,}"),
                 ("Lines", f"{len(rows):,}"),
                 ("Total quantity", f"{sum(r.line.quantity for r in rows):,}"),
                 ("Total net weight", weight),
                 ("TOTAL VALUE (USD)", _grouped(_money(value))))
        self.ensure(6 + 5 * len(facts))
        self.y += 5
        x = PAGE_W - MARGIN - 95
        for i, (label, text) in enumerate(facts):
            last = i == len(facts) - 1
            if last:
                self.pdf.set_fill_color(FILL)
                self.pdf.rect(x, self.y + 0.6, 95, 5.2, style="F")
            self.font("B" if last else "", 9 if last else 8.5)
            self.text(x + 2, self.y + 4.3, label)
            self.text(x + 40, self.y + 4.3, text, "R", 53)
            self.y += 5.2 if last else 4.4

    def notes(self) -> None:
        notes = [
            "* MID derived from the manufacturer's name and address (19 CFR Part 102, "
            "Appendix); the broker should confirm it before filing.",
            "Prices are the unit prices charged to the consignee, in U.S. dollars. Freight, "
            "insurance, packing and commissions: none declared in the orders.",
            "Country of origin is where the goods were made, not the country of export.",
        ]
        wrapped = [_wrap(latin1(n), CONTENT_W, "", 7.5) for n in notes]
        self.ensure(6 + 3.4 * sum(len(w) for w in wrapped))
        self.y += 5
        self.font("", 7.5, grey=True)
        for lines in wrapped:
            for line in lines:
                self.text(MARGIN, self.y + 3, line)
                self.y += 3.4
            self.y += 0.6

    def signature(self) -> None:
        self.ensure(42)
        self.y += 6
        self.font("B", 9)
        self.text(MARGIN, self.y + 3,
                  "I declare that all the information contained in this invoice is true and "
                  "correct.")
        self.y += 8
        self.pdf.set_draw_color(0)
        half = CONTENT_W / 2
        for row, labels in enumerate((("Name", "Title"), ("Signature", "Date"))):
            for col, label in enumerate(labels):
                x = MARGIN + col * (half + 6)
                y = self.y + row * 13 + 8
                self.font("", 8, grey=True)
                self.text(x, y + 4, label)
                self.pdf.line(x, y, x + half - 6, y)
        self.y += 26

    def render(self) -> bytes:
        self.new_page()
        self.title_block()
        self.party_blocks()
        self.shipment_block()
        self.units()
        self.totals()
        self.notes()
        self.signature()
        self.footers()
        return bytes(self.pdf.output())

    def footers(self) -> None:
        """Page n of N, written once N is known (fpdf2's alias would need a reserved width)."""
        pdf = self.pdf
        total = pdf.page  # the last page: pages are only ever added at the end
        number = latin1(self.s.package_number)
        for page in range(1, total + 1):
            pdf.page = page
            # set_font only writes to the page when the font changes: force it on every page
            pdf.set_font(FONT, "", 1)
            self.font("", 7.5, grey=True)
            self.text(MARGIN, PAGE_H - 9, f"Commercial invoice {number}")
            self.text(MARGIN, PAGE_H - 9, f"Page {page:,} of {total:,}", "R", CONTENT_W)
        pdf.page = total


def _address(p: Party) -> list[str]:
    place = " ".join(x for x in (p.city, p.region, p.postal_code) if x)
    lines = [p.name, p.address1, p.address2, place, _country_name(p.country)]
    return [x for x in lines if x]


def _consignee_text(order: OrderFacts | None) -> str:
    """The ultimate consignee; without a name, where the goods go (region, postal code)."""
    if order is None:
        return "-"
    c = _consignee(order)
    region = " ".join(x for x in (order.destination_region, order.destination_postal_code) if x)
    place = ", ".join(str(x) for x in (c.get("city"), region) if x)
    parts = [c.get("address1"), c.get("address2"), place, order.destination_country]
    where = ", ".join(str(x) for x in parts if x)
    name = c.get("name")
    return f"{name}, {where}" if name else f"name not provided - delivery to {where}"


def _unit_summary(units: Sequence[Unit]) -> str:
    counts = {code: sum(1 for u in units if u.entry_type == code) for code in ("11", "01")}
    parts = [f"{n} x type {code}" for code, n in counts.items() if n]
    other = len(units) - sum(counts.values())
    if other:
        parts.append(f"{other} other")
    return ", ".join(parts) or "none"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _fit(text: str, width: float, style: str, pt: float) -> str:
    """One line that fits ``width``, shortened with ``...`` when it does not."""
    if _width(text, style, pt) <= width:
        return text
    while text and _width(text + "...", style, pt) > width:
        text = text[:-1]
    return text + "..."


def render_commercial_invoice_pdf(snapshot: PackageSnapshot) -> bytes:
    """The commercial invoice a person signs and the broker files with (19 CFR 141.86)."""
    return _Invoice(snapshot).render()


# --- everything ----------------------------------------------------------------------------------

_RENDERERS: tuple[tuple[str, str, str, Callable[[PackageSnapshot], bytes]], ...] = (
    ("manifest", "manifest.json", JSON, render_manifest),
    ("commercial_invoice", "commercial_invoice.pdf", PDF, render_commercial_invoice_pdf),
    ("commercial_invoice_data", "commercial_invoice.csv", CSV, render_commercial_invoice_csv),
    ("entry_lines", "entry_lines.csv", CSV, render_entry_lines_csv),
    ("packing_list", "packing_list.csv", CSV, render_packing_list_csv),
    ("readiness_report", "readiness_report.json", JSON, render_readiness_report),
    ("metals_declaration", "section_232_metals.csv", CSV, render_metals_declaration_csv),
)


def render_all(snapshot: PackageSnapshot) -> list[RenderedArtifact]:
    """Every artifact of the package, in contract order; the metals declaration only when due."""
    due = has_section232(snapshot)
    return [RenderedArtifact(kind, filename, content_type, render(snapshot))
            for kind, filename, content_type, render in _RENDERERS
            if kind != "metals_declaration" or due]
