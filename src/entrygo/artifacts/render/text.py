"""Text for the PDF's core fonts: transliteration to latin-1, widths, wrapping and shortening.

Helvetica in a PDF can show latin-1 only, and the layout needs text widths many thousands of
times per invoice; both are answered here from fixed tables (no FPDF call per word), so the same
text always measures, wraps and prints the same way.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

from fpdf import FPDF

FONT = "Helvetica"

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


@cache
def _char_widths(style: str) -> dict[str, int]:
    probe = FPDF()
    probe.set_font(FONT, style, 10)
    font: Any = probe.current_font
    return dict(font["cw"] if isinstance(font, dict) else font.cw)  # a dict before fpdf2 2.8


_WORD_UNITS: dict[str, dict[str, int]] = {}
_UNIT_MM = 25.4 / 72 / 1000
_SOFT_BREAKS = ("-", "/", "_", ".", ",")


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


def width(text: str, style: str, pt: float) -> float:
    """Text width in mm from the core font metrics."""
    return _units(text, style) * pt * _UNIT_MM


def wrap(text: str, max_width: float, style: str, pt: float,
         first_width: float | None = None) -> list[str]:
    """Greedy word wrap; a word wider than the column is cut by characters. With
    ``first_width`` the first line is that wide (what is left beside a label)."""
    unit = pt * _UNIT_MM
    full = max_width / unit  # in font units
    limit = full if first_width is None else first_width / unit
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
            limit = full
        elif units > limit and lines == [] and limit < full:
            lines.append("")  # the first word does not fit beside the label: start below it
            limit = full
        while units > limit and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and _units(word[:cut], style) > limit:
                cut -= 1
            soft = max(word.rfind(mark, 0, cut) for mark in _SOFT_BREAKS) + 1
            cut = soft if soft > 1 else cut  # after a hyphen, slash or underscore if possible
            lines.append(word[:cut])
            limit = full
            word = word[cut:]
            units = _units(word, style)
        current, used = [word], units
    if current or not lines:
        lines.append(" ".join(current))
    return lines


def fit(text: str, max_width: float, style: str, pt: float) -> str:
    """One line that fits ``max_width``, shortened with ``...`` when it does not."""
    if width(text, style, pt) <= max_width:
        return text
    while text and width(text + "...", style, pt) > max_width:
        text = text[:-1]
    return text + "..."


Run = tuple[float, str, bool]
"""A piece of a laid-out line: x offset in mm, its text, and whether it is a label."""


def flow(pairs: list[tuple[str, str]], max_width: float, pt: float,
         gap: float = 5.0) -> list[list[Run]]:
    """``label value`` pairs laid out left to right at ``pt`` (labels and values in the same
    font, so they measure alike), a new line when the next pair does not fit; a pair wider than
    a line starts one and wraps its value under it. Lines of runs, in order."""
    space = width(" ", "", pt)
    lines: list[list[Run]] = [[]]
    x = 0.0
    for label, value in pairs:
        label_w = width(label, "", pt)
        value_w = width(value, "", pt)
        start = x + gap if lines[-1] else 0.0
        if lines[-1] and start + label_w + space + value_w > max_width:
            lines.append([])
            start = 0.0
        lines[-1].append((start, label, True))
        left = start + label_w + space
        first, *rest = wrap(value, max_width, "", pt, first_width=max_width - left)
        if first:
            lines[-1].append((left, first, False))
            x = left + width(first, "", pt)
        for more in rest:
            lines.append([(0.0, more, False)])
            x = width(more, "", pt)
    return [line for line in lines if line]
