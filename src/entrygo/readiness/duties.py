"""The duty estimate's rules: ``data/duties.json`` read into typed, effective-dated records.

Pure: the file is read once. Every record keeps the source the file cites for it, and each
estimate component names its source, so what a figure rests on can always be read back. A
period includes its ``from`` day and excludes its ``to`` day; null is open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from entrygo.readiness.reference import DATA, HtsScope


@dataclass(frozen=True, slots=True)
class Period:
    start: date | None
    end: date | None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Period:
        return cls(_date(doc.get("from")), _date(doc.get("to")))

    def contains(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Column2:
    countries: frozenset[str]
    period: Period
    citation: str
    source: str


@dataclass(frozen=True, slots=True)
class Preference:
    name: str
    indicators: frozenset[str]
    origins: frozenset[str]
    citation: str
    source: str


@dataclass(frozen=True, slots=True)
class ArticleRate:
    rate_pct: Decimal
    heading: str
    metals: frozenset[str] | None = None
    """The metals the rate is for (None: every one)."""


@dataclass(frozen=True, slots=True)
class Section232:
    period: Period
    steel: HtsScope
    aluminum: HtsScope
    article_rate: ArticleRate
    by_origin: dict[str, ArticleRate]
    articles_source: str
    threshold_pct: Decimal
    threshold_heading: str
    threshold_except_chapters: frozenset[str]
    threshold_source: str
    derivatives_citation: str
    derivatives_reason: str
    derivatives_source: str

    def article_metal(self, hts: str) -> str | None:
        """``steel`` or ``aluminum`` for an article of the metal itself, else None."""
        if self.steel.contains(hts):
            return "steel"
        if self.aluminum.contains(hts):
            return "aluminum"
        return None

    def rate_for(self, metal: str, origin: str | None) -> ArticleRate:
        special = self.by_origin.get(origin or "")
        if special is not None and (special.metals is None or metal in special.metals):
            return special
        return self.article_rate


@dataclass(frozen=True, slots=True)
class AdValorem:
    """An additional duty on the value of every line, but its exemptions."""

    kind: str
    period: Period
    rate_pct: Decimal
    heading: str
    exempt_section232: str | None
    exempt_preferences: dict[str, dict[str, str]]  # program -> origin -> heading
    note: str | None
    citation: str
    source: str


@dataclass(frozen=True, slots=True)
class NotComputed:
    """A program EntryGo names but cannot compute: its lines carry a null amount and why."""

    kind: str
    period: Period
    origins: frozenset[str] | None  # None: any origin
    rate: str
    reason: str
    citation: str
    source: str


@dataclass(frozen=True, slots=True)
class MpfYear:
    fiscal_year: int
    period: Period
    formal_min_usd: Decimal
    formal_max_usd: Decimal
    informal_usd: Decimal
    citation: str
    source: str


@dataclass(frozen=True, slots=True)
class Mpf:
    ad_valorem_pct: Decimal
    exempt_preferences: frozenset[str]
    exempt_source: str
    citation: str
    source: str
    years: tuple[MpfYear, ...]

    def year(self, day: date) -> MpfYear | None:
        return next((y for y in self.years if y.period.contains(day)), None)


@dataclass(frozen=True, slots=True)
class Hmf:
    pct: Decimal
    modes: frozenset[str]
    period: Period
    note: str
    citation: str
    source: str


@dataclass(frozen=True)
class DutyRules:
    edition: str
    disclaimer: str
    column2: tuple[Column2, ...]
    preferences: dict[str, Preference]
    section232: Section232
    ad_valorem: tuple[AdValorem, ...]
    not_computed: tuple[NotComputed, ...]
    mpf: Mpf
    hmf: Hmf

    def column2_of(self, origin: str | None, day: date) -> Column2 | None:
        """The entry that puts ``origin`` in column 2 on ``day``, or None."""
        return next((c for c in self.column2
                     if origin in c.countries and c.period.contains(day)), None)


def fiscal_year(day: date) -> int:
    """The U.S. Government's fiscal year of ``day`` (October 1 to September 30)."""
    return day.year + 1 if day.month >= 10 else day.year


def _section232(doc: dict[str, Any]) -> Section232:
    articles, below, derivatives = doc["articles"], doc["belowThreshold"], doc["derivatives"]

    def rate(spec: dict[str, Any]) -> ArticleRate:
        metals = spec.get("metals")
        return ArticleRate(Decimal(spec["ratePct"]), spec["heading"],
                           None if metals is None else frozenset(metals))

    return Section232(
        period=Period.of(doc),
        steel=HtsScope.parse(articles["steel"]), aluminum=HtsScope.parse(articles["aluminum"]),
        article_rate=rate(articles),
        by_origin={c: rate(spec) for c, spec in articles["byOrigin"].items()},
        articles_source=articles["source"],
        threshold_pct=Decimal(below["weightPct"]), threshold_heading=below["heading"],
        threshold_except_chapters=frozenset(below["exceptChapters"]),
        threshold_source=below["source"], derivatives_citation=derivatives["citation"],
        derivatives_reason=derivatives["reason"], derivatives_source=derivatives["source"])


def parse(doc: dict[str, Any]) -> DutyRules:
    section232 = None
    ad_valorem, not_computed = [], []
    for program in doc["programs"]:
        method = program["method"]
        if method == "section232":
            section232 = _section232(program)
        elif method == "ad_valorem":
            ad_valorem.append(AdValorem(
                program["kind"], Period.of(program), Decimal(program["ratePct"]),
                program["heading"], program.get("exemptSection232"),
                dict(program.get("exemptPreferences", {})), program.get("note"),
                program["citation"], program["source"]))
        elif method == "not_computed":
            origins = program.get("origins")
            not_computed.append(NotComputed(
                program["kind"], Period.of(program),
                None if origins is None else frozenset(origins), program["rate"],
                program["reason"], program["citation"], program["source"]))
        else:
            raise ValueError(f"duties.json: unknown method {method!r}")
    if section232 is None:
        raise ValueError("duties.json: no section232 program")
    mpf, hmf = doc["mpf"], doc["hmf"]
    return DutyRules(
        edition=doc["edition"], disclaimer=doc["disclaimer"],
        column2=tuple(Column2(frozenset(c["countries"]), Period.of(c), c["citation"],
                              c["source"]) for c in doc["column2"]),
        preferences={name: Preference(name, frozenset(p["indicators"]),
                                      frozenset(p["origins"]), p["citation"], p["source"])
                     for name, p in doc["preferences"].items()},
        section232=section232, ad_valorem=tuple(ad_valorem), not_computed=tuple(not_computed),
        mpf=Mpf(Decimal(mpf["adValoremPct"]), frozenset(mpf["exemptPreferences"]),
                mpf["exemptSource"], mpf["citation"], mpf["source"],
                tuple(MpfYear(y["fiscalYear"], Period.of(y), Decimal(y["formalMinUsd"]),
                              Decimal(y["formalMaxUsd"]), Decimal(y["informalUsd"]),
                              y["citation"], y["source"]) for y in mpf["fiscalYears"])),
        hmf=Hmf(Decimal(hmf["pct"]), frozenset(hmf["modes"]), Period.of(hmf), hmf["note"],
                hmf["citation"], hmf["source"]))


@cache
def load(path: Path = DATA / "duties.json") -> DutyRules:
    return parse(json.loads(path.read_text(encoding="utf-8")))
