"""A product's HTS code read against the tariff schedule: the statistical line it names, or
the lines it should have named.

An entry reports each line under a 10-digit statistical reporting number (HTSUS General
Statistical Note 1(a)(x)): an 8-digit tariff line with statistical suffixes is not one, and
neither is a number the schedule does not have. A tariff line the schedule does not divide
reports as its 8 digits and ``00``; a statistical line printed without a tariff line above it
(3924.10.40.00) is its own tariff line.
"""

from __future__ import annotations

from typing import Any

from entrygo.readiness.quantities import units_of
from entrygo.tariff.schedule import Line, Schedule


def statistical_line(hts: str | None, schedule: Schedule) -> Line | None:
    """The line a 10-digit code reports under, or None when the schedule has no such number."""
    if not hts or len(hts) != 10 or not hts.isdigit():
        return None
    line = schedule.line(hts)
    if line is not None:
        return line
    if hts.endswith("00"):
        tariff = schedule.line(hts[:8])
        if tariff is not None and not schedule.children(tariff):
            return tariff
    return None


def tariff_lines(hts8: str, schedule: Schedule) -> tuple[Line, ...]:
    """The statistical lines an 8-digit tariff number stands for (empty: it is none)."""
    tariff = schedule.line(hts8)
    if tariff is not None:
        return schedule.children(tariff)
    only = schedule.line(hts8 + "00")
    return (only,) if only is not None else ()


def below(schedule: Schedule, line: Line, depth: int) -> str:
    """``line``'s description path without its first ``depth`` steps, joined with `` > ``:
    what sets it apart from lines that share those steps. A step that repeats the one above it
    (a subheading spelled as its heading) is left out."""
    path = schedule.path(line)
    steps = [text for i, text in enumerate(path) if i >= min(depth, len(path) - 1)
             and (i == 0 or text != path[i - 1])]
    return " > ".join(steps or path[-1:])


def line_refs(schedule: Schedule, lines: tuple[Line, ...], depth: int) -> list[dict[str, Any]]:
    """Lines as a finding's details list them (``{htsCode, description, units}``)."""
    return [{"htsCode": ln.number, "description": below(schedule, ln, depth),
             "units": list(units_of(ln.units))} for ln in lines]
