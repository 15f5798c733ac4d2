"""Manufacturer identification codes (19 CFR Part 102, Appendix).

ISO country of origin (for Canada the province code: XO Ontario, XQ Quebec, ...), then the first
three letters of the first two words of the manufacturer's name (skipping a, an, and, of, the),
the first four digits of the largest number on the street line, and the first three letters of
the city; at most 15 characters. Amalgamated Plastics Corp., 11455 Main St, Melbourne,
Australia gives ``AUAMAPLA1145MEL``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pycountry

from entrygo.readiness.reference import Reference

MID_SHAPE = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,13}$")


def _ascii_upper(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def country_part(origin: str, region: str | None, ref: Reference) -> str | None:
    """The MID's first two letters, or None when they cannot be known (Canada needs a province)."""
    if origin != "CA":
        return origin
    if not region:
        return None
    code = region.strip().upper()
    if code not in ref.canada_provinces:
        found = next((s for s in pycountry.subdivisions.get(country_code="CA") or []
                      if _ascii_upper(s.name) == _ascii_upper(region.strip())), None)
        code = found.code.split("-")[1] if found else code
    return ref.canada_provinces.get(code)


def derive(manufacturer: dict[str, Any] | None, origin: str | None,
           ref: Reference) -> str | None:
    """The MID for a manufacturer, or None when name, street, city or country is missing."""
    if not manufacturer or not origin:
        return None
    name, street, city = (manufacturer.get(k) for k in ("name", "address1", "city"))
    if not (name and street and city):
        return None
    country = country_part(origin, manufacturer.get("region"), ref)
    if country is None:
        return None
    words = [w for w in re.findall(r"[A-Z0-9]+", _ascii_upper(name).replace("'", ""))
             if w.lower() not in ref.mid_skip_words]
    name_part = "".join(w[:3] for w in words[:2])
    numbers = [int(n) for n in re.findall(r"\d+", street)]
    number_part = str(max(numbers))[:4] if numbers else ""
    city_part = "".join(re.findall(r"[A-Z]", _ascii_upper(city)))[:3]
    if not name_part or not city_part:
        return None
    return (country + name_part + number_part + city_part)[:15]


def expected_prefixes(origin: str, ref: Reference) -> set[str]:
    """The country prefixes a MID may have for goods of this origin."""
    return set(ref.canada_provinces.values()) if origin == "CA" else {origin}
