"""The Harmonized Tariff Schedule of the United States, in memory: lines by number in O(1),
each with its description path, units of quantity, rates and statistical children.

Loaded from the compact file ``usitc`` writes (reference data, ``readiness/data``). A line's
parent is the nearest row above it with a smaller indent, superior text rows ("Other:")
included, which is how the schedule itself is read. A statistical line that prints no rate takes
its tariff line's, as the schedule prescribes (rates are printed on the 8-digit line).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from entrygo.tariff.usitc import Row, read_compact


@dataclass(frozen=True, slots=True)
class Line:
    """A row of the schedule. ``general``, ``special`` and ``column2`` are the rates that apply
    to it: its own where it prints any, else its nearest ancestor's that does."""

    index: int
    number: str  # digits only; "" for a superior text row
    indent: int
    description: str
    units: tuple[str, ...]
    general: str
    special: str
    column2: str
    parent: int  # index of the parent row, -1 for a heading

    @property
    def dotted(self) -> str:
        """``7323.93.00.45``, as the schedule prints numbers."""
        n = self.number
        return ".".join(part for part in (n[:4], n[4:6], n[6:8], n[8:10]) if part)

    @property
    def statistical(self) -> bool:
        return len(self.number) == 10


@dataclass(frozen=True)
class Schedule:
    revision: str
    lines: tuple[Line, ...]
    by_number: dict[str, Line] = field(repr=False)
    statistical_children: dict[str, tuple[Line, ...]] = field(repr=False)
    """8-digit tariff line -> its 10-digit statistical lines, in schedule order."""

    def line(self, number: str | None) -> Line | None:
        """The line of an HTS number (dots and spaces ignored), or None."""
        if not number:
            return None
        return self.by_number.get(number.replace(".", "").replace(" ", ""))

    def path(self, line: Line) -> tuple[str, ...]:
        """The descriptions from the heading down to ``line``, superior text rows included:
        (``Table, kitchen or other household articles…``, ``Of stainless steel``, ``Cooking and
        kitchen ware:``, …, ``Other``)."""
        chain = []
        at: Line | None = line
        while at is not None:
            chain.append(at.description)
            at = self.lines[at.parent] if at.parent >= 0 else None
        return tuple(reversed(chain))

    def children(self, line: Line) -> tuple[Line, ...]:
        """The statistical lines of a tariff line (empty for other lines)."""
        return self.statistical_children.get(line.number[:8], ()) if len(line.number) == 8 \
            else ()

    def nearest(self, number: str, limit: int = 5) -> tuple[Line, ...]:
        """Statistical lines under the same heading as ``number``, closest first: the longest
        common prefix, then the smallest numeric distance."""
        digits = "".join(ch for ch in number if ch.isdigit())
        heading = digits[:4]
        if len(heading) < 4:
            return ()
        candidates = [ln for ln in self._heading_lines(heading) if ln.statistical]

        def closeness(ln: Line) -> tuple[int, int]:
            common = next((i for i, (a, b) in enumerate(zip(ln.number, digits, strict=False))
                           if a != b), min(len(ln.number), len(digits)))
            return (-common, abs(int(ln.number) - int(digits.ljust(10, "0")[:10])))

        return tuple(sorted(candidates, key=closeness)[:limit])

    def _heading_lines(self, heading: str) -> list[Line]:
        start = self._heading_starts.get(heading)
        if start is None:
            return []
        found = []
        for ln in self.lines[start:]:
            if ln.number and not ln.number.startswith(heading):
                break
            found.append(ln)
        return found

    @cached_property
    def _heading_starts(self) -> dict[str, int]:
        """Heading -> the index of its first numbered row. Not every heading prints a row of
        its own: 9617 starts at 9617.00, 4801 at 4801.00.01."""
        starts: dict[str, int] = {}
        for ln in self.lines:
            if ln.number:
                starts.setdefault(ln.number[:4], ln.index)
        return starts


def build(rows: list[Row], revision: str) -> Schedule:
    """The schedule of ``rows`` (in the export's order): parents, inherited rates, indexes."""
    lines: list[Line] = []
    stack: list[Line] = []  # the open ancestors, indents increasing
    for index, r in enumerate(rows):
        while stack and stack[-1].indent >= r.indent:
            stack.pop()
        parent = stack[-1] if stack else None
        rates = (r.general, r.special, r.column2)
        if not any(rates) and r.number and parent is not None:
            rates = _inherited(stack)
        line = Line(index, r.number, r.indent, r.description, r.units, *rates,
                    parent=parent.index if parent else -1)
        lines.append(line)
        stack.append(line)
    by_number = {ln.number: ln for ln in lines if ln.number}
    children: dict[str, list[Line]] = {}
    for ln in lines:
        if ln.statistical and ln.number[:8] in by_number:
            children.setdefault(ln.number[:8], []).append(ln)
    return Schedule(revision, tuple(lines), by_number,
                    {k: tuple(v) for k, v in children.items()})


def _inherited(stack: list[Line]) -> tuple[str, str, str]:
    """The rates of the nearest open ancestor that has any (a statistical line's tariff line)."""
    for ancestor in reversed(stack):
        if ancestor.general or ancestor.special or ancestor.column2:
            return ancestor.general, ancestor.special, ancestor.column2
    return "", "", ""


def load(path: Path, revision: str) -> Schedule:
    """The schedule in a compact file (``usitc.write_compact``)."""
    return build(list(read_compact(gzip.decompress(path.read_bytes()))), revision)


@dataclass(frozen=True)
class Changes:
    """What a new revision changes, number by number (superior text rows are not compared)."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    rates: tuple[tuple[str, str, str, str], ...]  # number, column, old rate, new rate
    units: tuple[tuple[str, str, str], ...]  # number, old units, new units

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.rates or self.units)


def compare(old: Schedule, new: Schedule) -> Changes:
    """The lines ``new`` adds and removes, and the rates and units it changes on the others."""
    rates, units = [], []
    for number in sorted(old.by_number.keys() & new.by_number.keys()):
        a, b = old.by_number[number], new.by_number[number]
        for column in ("general", "special", "column2"):
            if getattr(a, column) != getattr(b, column):
                rates.append((number, column, getattr(a, column), getattr(b, column)))
        if a.units != b.units:
            units.append((number, "|".join(a.units), "|".join(b.units)))
    return Changes(tuple(sorted(new.by_number.keys() - old.by_number.keys())),
                   tuple(sorted(old.by_number.keys() - new.by_number.keys())),
                   tuple(rates), tuple(units))
