"""Reference data, loaded once from the versioned files in ``data/`` (never constants in code).

U.S. states, territories and ZIP codes come from maintained packages (``us``, ``zipcodes``);
U.S. ports of entry (Schedule D codes) from ``data/cbp_ports.csv`` (its sources in
``data/cbp_ports.SOURCE.md`` and the manifest's ``ports`` entry); the Harmonized Tariff Schedule
from the compact file ``data/hts.json`` names (``entrygo tariff refresh`` replaces it).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pycountry

from entrygo.tariff import schedule
from entrygo.tariff.schedule import Schedule

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class HtsScope:
    """A set of HTS prefixes and prefix ranges (``"9503"``, ``"8517-8528"``)."""

    ranges: tuple[tuple[int, int, int], ...]  # (length, low, high)

    @classmethod
    def parse(cls, specs: list[str]) -> HtsScope:
        ranges = []
        for spec in specs:
            low, _, high = spec.partition("-")
            high = high or low
            if len(low) != len(high) or not (low + high).isdigit():
                raise ValueError(f"bad HTS range {spec!r}")
            ranges.append((len(low), int(low), int(high)))
        return cls(tuple(ranges))

    def contains(self, hts: str | None) -> bool:
        if not hts or not hts.isdigit():
            return False
        return any(len(hts) >= n and lo <= int(hts[:n]) <= hi for n, lo, hi in self.ranges)


@dataclass(frozen=True)
class Port:
    """A U.S. port of entry by its 4-digit Schedule D code (``3004``: BLAINE, WA), the code a
    CBP Form 7501 or 3461 names the port by. Names are spelled as the sources spell them."""

    code: str
    name: str
    state: str | None  # USPS code; None for a port named after two states (3510 Duluth-Superior)
    district_code: str  # the code's first two digits
    district_name: str | None  # None where the Census list names no such district (46, 47)


@dataclass(frozen=True)
class Reference:
    version: str
    informal_entry_max_usd: Decimal
    metals_threshold_pct: Decimal
    description_min_length: int
    generic_words: frozenset[str]
    filler_words: frozenset[str]
    embargoed_origins: frozenset[str]
    outside_customs_territory: frozenset[str]
    military_regions: frozenset[str]
    section232_prefixes: dict[str, frozenset[str]]  # HTS prefix -> its metals (often two)
    section232_declarations: dict[str, str]  # metal -> CBP declaration ("07 - SMELT & CAST")
    section232_words: dict[str, str]  # folded word in a product's materials -> its metal
    section232_unknown_origin: dict[str, str]  # metal -> what a declaration reports if unknown
    section232_fallback: dict[str, str]  # chapter -> metal
    fda_scope: HtsScope
    fda_food: HtsScope
    cpsc_scope: HtsScope
    cpsc_childrens_scope: HtsScope
    """HTS codes of children's products (toys): the CPSC certificate's data is due unless the
    product says it is not a children's product."""
    fcc_scope: HtsScope
    dangerous_goods_scope: HtsScope
    lacey_scope: HtsScope
    """The HTS codes whose imports need a Lacey Act plant declaration (APHIS's schedule)."""
    lacey_recycled_content: HtsScope
    """Pulp, paper and paperboard: their declaration gives the percent recycled content."""
    excise_scope: HtsScope
    textile_scope: HtsScope
    uflpa_origins: frozenset[str]
    uflpa_materials: tuple[str, ...]
    uflpa_scope: HtsScope
    section301_origins: frozenset[str]
    canada_provinces: dict[str, str]  # province -> MID code (ON -> XO)
    mid_skip_words: frozenset[str]
    ports: dict[str, Port]  # Schedule D code -> port
    schedule: Schedule = field(repr=False, compare=False)
    """The Harmonized Tariff Schedule (``hts.json`` names the file and its revision, which is
    part of ``version``)."""

    # --- lookups ---------------------------------------------------------------------------

    def section232_metals(self, hts: str | None) -> set[str]:
        """The metals whose Section 232 scope covers this HTS code (scope file, then chapter)."""
        if not hts or not hts.isdigit():
            return set()
        metals = {metal for n in (10, 8) for metal in self.section232_prefixes.get(hts[:n], ())}
        fallback = self.section232_fallback.get(hts[:2])
        if fallback:
            metals.add(fallback)
        return metals

    @staticmethod
    def is_country(code: str | None) -> bool:
        return code is not None and len(code) == 2 and _country(code) is not None

    @staticmethod
    def us_region(value: str | None) -> str | None:
        """A USPS code for a state, DC, territory or military region (full names accepted)."""
        return _us_regions().get(_fold(value)) if value else None

    @staticmethod
    def zip_state(zip5: str) -> str | None:
        return _zip_states().get(zip5)


def _fold(value: str) -> str:
    return " ".join(value.replace(".", " ").split()).upper()


@cache
def _country(code: str) -> Any:
    return pycountry.countries.get(alpha_2=code.upper())


@cache
def _us_regions() -> dict[str, str]:
    import us

    regions: dict[str, str] = {}
    for state in [*us.states.STATES_AND_TERRITORIES, us.states.DC]:
        regions[_fold(state.abbr)] = state.abbr
        regions[_fold(state.name)] = state.abbr
    extra = {"UM": "United States Minor Outlying Islands", "FM": "Federated States of Micronesia",
             "MH": "Marshall Islands", "PW": "Palau", "AA": "Armed Forces Americas",
             "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific"}
    for abbr, name in extra.items():
        regions[abbr] = abbr
        regions[_fold(name)] = abbr
    return regions


@cache
def _zip_states() -> dict[str, str]:
    import zipcodes

    return {z["zip_code"]: z["state"] for z in zipcodes.list_all()}


def _ports(path: Path) -> dict[str, Port]:
    """The port file, one port per code; a malformed or repeated code is a broken data file."""
    ports: dict[str, Port] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["port_code"]
            if len(code) != 4 or not code.isascii() or not code.isdigit() or code in ports:
                raise ValueError(f"{path.name}: bad or repeated port code {code!r}")
            ports[code] = Port(code=code, name=row["port_name"], state=row["state"] or None,
                               district_code=row["district_code"],
                               district_name=row["district_name"] or None)
    return ports


def fold(text: str) -> str:
    """Lower case without accents (``Latón`` is ``laton``): how material words are compared."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower())
                   if not unicodedata.combining(ch))


@cache
def load() -> Reference:
    manifest = json.loads((DATA / "manifest.json").read_text())
    s232 = manifest["section232"]
    prefixes: dict[str, set[str]] = {}
    declarations: dict[str, str] = {}
    with (DATA / s232["scope_file"]).open(newline="") as fh:
        for row in csv.DictReader(fh):  # a prefix in scope for two metals has a row for each
            metal = row["metal"]
            if metal in s232["metals"]:
                prefixes.setdefault(row["hts_prefix"], set()).add(metal)
                if declarations.setdefault(metal, row["declaration"]) != row["declaration"]:
                    raise ValueError(f"{s232['scope_file']}: two declarations for {metal}")
    uflpa = manifest["uflpa"]
    hts = json.loads((DATA / "hts.json").read_text(encoding="utf-8"))
    tariff = schedule.load(DATA / hts["file"], hts["revision"])
    return Reference(
        version=f"{manifest['version']}+hts.{hts['file'].removeprefix('hts_').split('.')[0]}",
        informal_entry_max_usd=Decimal(manifest["informal_entry_max_usd"]),
        metals_threshold_pct=Decimal(manifest["metals_threshold_pct"]),
        description_min_length=int(manifest["description_min_length"]),
        generic_words=frozenset(manifest["generic_description_words"]),
        filler_words=frozenset(manifest["description_filler_words"]),
        embargoed_origins=frozenset(manifest["embargoed_origins"]),
        outside_customs_territory=frozenset(manifest["us_outside_customs_territory"]),
        military_regions=frozenset(manifest["us_military_regions"]),
        section232_prefixes={prefix: frozenset(m) for prefix, m in prefixes.items()},
        section232_declarations=declarations,
        section232_words={fold(word): metal for metal in s232["metals"]
                          for word in s232["material_words"][metal]},
        section232_fallback=dict(s232["fallback_chapters"]),
        section232_unknown_origin={metal: code for metal, code
                                   in s232["unknown_origin_country"].items()
                                   if metal in s232["metals"]},
        fda_scope=HtsScope.parse(manifest["fda"]["scope"]),
        fda_food=HtsScope.parse(manifest["fda"]["food_chapters"]),
        cpsc_scope=HtsScope.parse(manifest["cpsc_scope"]),
        cpsc_childrens_scope=HtsScope.parse(manifest["cpsc_childrens_scope"]),
        fcc_scope=HtsScope.parse(manifest["fcc_scope"]),
        dangerous_goods_scope=HtsScope.parse(manifest["dangerous_goods_scope"]),
        lacey_scope=HtsScope.parse(manifest["lacey"]["scope"]),
        lacey_recycled_content=HtsScope.parse(manifest["lacey"]["recycled_content_chapters"]),
        excise_scope=HtsScope.parse(manifest["excise_scope"]),
        textile_scope=HtsScope.parse(manifest["textile_chapters"]),
        uflpa_origins=frozenset(uflpa["origins"]),
        uflpa_materials=tuple(uflpa["materials"]),
        uflpa_scope=HtsScope.parse(uflpa["chapters"]),
        section301_origins=frozenset(manifest["section301_origins"]),
        canada_provinces=dict(manifest["canada_mid_province_codes"]),
        mid_skip_words=frozenset(manifest["mid_skip_words"]),
        ports=_ports(DATA / manifest["ports"]["file"]),
        schedule=tariff,
    )


def warm() -> None:
    """Load everything now (the ZIP table takes a moment), not on the first plan."""
    ref = load()
    ref.zip_state("00000")
    ref.us_region("CA")
