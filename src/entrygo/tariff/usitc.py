"""The USITC's CSV export of the Harmonized Tariff Schedule, read into EntryGo's compact form.

The export (``HTS Number, Indent, Description, Unit of Quantity, General Rate of Duty, Special
Rate of Duty, Column 2 Rate of Duty, Quota Quantity, Additional Duties``) prints a line's rates
on its 8-digit tariff line, its units on the 10-digit statistical lines, a JSON list inside the
units cell, and HTML markup in any cell. The compact form keeps what EntryGo reads, cleaned: one
tab-separated row per line of the export, in its order (superior text rows such as "Other:"
included, with an empty number: they give the lines beneath them their meaning), gzipped
without a timestamp so the same export always gives the same bytes.

Markup is removed with the standard library's HTML parser rather than a pattern, because the
export writes tags in several spellings (``<\\/sup>``, ``<sup style=…>``, ``<nl/>``).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

HEADER = ["HTS Number", "Indent", "Description", "Unit of Quantity", "General Rate of Duty",
          "Special Rate of Duty", "Column 2 Rate of Duty", "Quota Quantity", "Additional Duties"]
COMPACT_COLUMNS = ("number", "indent", "description", "units", "general", "special", "column2")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class ExportError(ValueError):
    """The file is not a USITC HTS export EntryGo can read (the message says why)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the schedule, cleaned: ``number`` is digits only (``7323930045``), empty on
    a superior text row; rates as printed (``2%``, ``16.9¢/kg of total sugars + 5.1%``),
    empty where the export prints none."""

    number: str
    indent: int
    description: str
    units: tuple[str, ...]
    general: str
    special: str
    column2: str


class _Text(HTMLParser):
    """The text of a cell: tags dropped, entities decoded, super- and subscript digits kept
    as such (``m<sup>2</sup>`` is ``m²``, ``V<sub>2</sub>O<sub>5</sub>`` is ``V₂O₅``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("sup", "sub"):
            self.script = tag
        elif tag in ("br", "newline", "nl"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "newline", "nl"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("sup", "sub"):
            self.script = None

    def handle_data(self, data: str) -> None:
        if self.script == "sup":
            data = data.translate(_SUPERSCRIPT)
        elif self.script == "sub":
            data = data.translate(_SUBSCRIPT)
        self.parts.append(data)


def clean(cell: str) -> str:
    """A cell as plain text on one line."""
    if "<" not in cell and "&" not in cell:
        return " ".join(cell.split())
    parser = _Text()
    parser.feed(cell.replace("<\\/", "</").replace('\\"', '"'))
    parser.close()
    return " ".join("".join(parser.parts).split())


def _units(cell: str) -> tuple[str, ...]:
    if not cell.strip():
        return ()
    try:
        values = json.loads(cell)
    except json.JSONDecodeError as exc:
        raise ExportError(f"units cell {cell!r} is not a JSON list") from exc
    if not isinstance(values, list):
        raise ExportError(f"units cell {cell!r} is not a JSON list")
    return tuple(unit for value in values if (unit := clean(str(value))))


def read_export(path: Path) -> list[Row]:
    """Every row of a USITC export (``.csv`` or ``.csv.gz``), cleaned, in the file's order."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None or [h.strip() for h in header[:len(HEADER)]] != HEADER:
            raise ExportError(f"{path.name}: the header is not a USITC HTS export's "
                              f"({', '.join(HEADER)})")
        return [_row(cells, n) for n, cells in enumerate(reader, start=2) if any(cells)]


def _row(cells: list[str], line: int) -> Row:
    cells = [*cells, *[""] * (len(HEADER) - len(cells))]
    number = cells[0].replace(".", "").strip()
    if number and (not number.isdigit() or len(number) not in (4, 6, 8, 10)):
        raise ExportError(f"line {line}: {cells[0]!r} is not an HTS number")
    try:
        indent = int(cells[1] or 0)
    except ValueError as exc:
        raise ExportError(f"line {line}: indent {cells[1]!r} is not a number") from exc
    return Row(number, indent, clean(cells[2]), _units(cells[3]), clean(cells[4]),
               clean(cells[5]), clean(cells[6]))


def write_compact(rows: Iterable[Row], path: Path) -> None:
    """The compact form: gzipped TSV, one header line, no timestamp (same rows, same bytes)."""
    lines = ["\t".join(COMPACT_COLUMNS)]
    for r in rows:
        cells = (r.number, str(r.indent), r.description, "|".join(r.units), r.general,
                 r.special, r.column2)
        if any("|" in unit for unit in r.units) or any("\t" in c or "\n" in c for c in cells):
            raise ExportError(f"{r.number or r.description!r}: a tab, newline or | in a cell")
        lines.append("\t".join(cells))
    data = ("\n".join(lines) + "\n").encode()
    with path.open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0,
                                              filename="") as gz:
        gz.write(data)


def read_compact(data: bytes) -> Iterator[Row]:
    """The rows of a compact file's (decompressed) bytes."""
    lines = data.decode().split("\n")
    if lines[0].split("\t") != list(COMPACT_COLUMNS):
        raise ExportError("not EntryGo's compact schedule (header differs)")
    for line in lines[1:]:
        if line:
            number, indent, description, units, general, special, column2 = line.split("\t")
            yield Row(number, int(indent), description, tuple(units.split("|")) if units else (),
                      general, special, column2)


def revision_of(path: Path) -> str | None:
    """The revision a USITC export's file name states (``hts_2026_rev11…`` -> ``2026 Rev. 11``);
    the data itself carries none."""
    match = re.search(r"(\d{4})[_ -]?(?:rev|revision)[_ -]?(\d+)", path.name, re.IGNORECASE)
    return f"{match.group(1)} Rev. {int(match.group(2))}" if match else None
