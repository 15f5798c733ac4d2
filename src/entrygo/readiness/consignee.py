"""The ultimate consignee of an order, normalised, and the key its orders are grouped on.

All goods for one consignee on one conveyance go on one entry (19 CFR 141.51). Merchants' data
spells one person's address several ways ("1 Market St", "1 Market St.", "1 MARKET STREET"),
and grouping on the text as synced split such orders into several informal entries where one
formal entry was due: a split the broker is liable for. So orders are grouped on the consignee
as USPS Publication 28 writes it:

- the street lines through ``usaddress-scourgify`` (a parser trained on U.S. addresses, with
  Publication 28's street-type, directional and unit abbreviations), so nothing here keeps a
  table of abbreviations; a line it cannot parse (some PO boxes, military and foreign forms,
  free text) is only folded, never an error. Consignees outside the United States are only
  folded: USPS rules are not theirs.
- the name folded: case, accents and punctuation do not tell two people apart;
- the state as its USPS code, the ZIP to its 5 digits (ZIP+4 names a delivery point, not a
  consignee).

The key is the folded name, the normalised first street line and the 5-digit ZIP: the unit
designator and the city are left out, as they were before normalisation (the ZIP names the
city; a second line is the one merchants leave out most).

Normalising a line costs a parse; plans have thousands of orders and many consignees recur, so
each distinct address is parsed once per process (``functools.lru_cache``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scourgify import normalize_address_record  # type: ignore[import-untyped]  # no hints

from entrygo.readiness.facts import OrderFacts
from entrygo.readiness.order_rules import normalize_zip
from entrygo.readiness.reference import Reference

_DROPPED = frozenset("'\u2018\u2019`.")  # apostrophes (straight, curly, grave), period
"""Punctuation inside a word (O'Brien, St.): dropped, so "O'Brien" folds as "OBRIEN"; every
other punctuation mark or symbol separates words (Jean-Luc is JEAN LUC)."""


@dataclass(frozen=True)
class Consignee:
    """An order's ultimate consignee as its export unit is grouped and shown: upper case, no
    accents, the street lines in USPS Publication 28 form where they parse, the USPS state code,
    the 5-digit ZIP. A field the order does not give is None."""

    name: str | None
    address1: str | None
    address2: str | None
    city: str | None
    region: str | None
    postal_code: str | None

    @property
    def key(self) -> str | None:
        """What two orders must share to be one consignee; None without a name (such an order
        is an entry of its own)."""
        if not self.name:
            return None
        return "|".join((self.name.replace(" ", ""), self.address1 or "",
                         self.postal_code or ""))


def fold(value: object) -> str | None:
    """Text as compared: accents stripped (NFKD), upper case, apostrophes and periods dropped,
    other punctuation and symbols read as spaces, whitespace collapsed; None when nothing is
    left."""
    text = unicodedata.normalize("NFKD", str(value or ""))
    kept = []
    for char in text:
        kind = unicodedata.category(char)
        if kind.startswith("M") or char in _DROPPED:
            continue
        kept.append(char if kind[0] in "LN" else " ")
    return " ".join("".join(kept).upper().split()) or None


@lru_cache(maxsize=1 << 16)
def street_lines(address1: str | None, address2: str | None) -> tuple[str | None, str | None]:
    """A U.S. street address's two lines in Publication 28 form (a unit written on the first
    line moves to the second); folded when the parser cannot make sense of them."""
    raw = ", ".join(x for x in (address1, address2) if x and x.strip())
    if raw:
        try:
            parsed = normalize_address_record(raw)
        except Exception:  # any failure of a parser on free text only means: fold instead
            parsed = None
        if parsed and parsed.get("address_line_1"):  # already upper case, Pub 28 characters
            return parsed["address_line_1"], parsed.get("address_line_2") or None
    return fold(address1), fold(address2)


def normalize(order: OrderFacts) -> Consignee:
    """The order's consignee at its destination, normalised (see the module's docstring)."""
    return consignee_of(order.consignee, order.destination_region,
                        order.destination_postal_code, order.destination_country)


def consignee_key(order: OrderFacts) -> str:
    """The key orders of one consignee share (19 CFR 141.51); an order without a consignee
    name has a key of its own."""
    return normalize(order).key or f"order:{order.id}"


def consignee_of(consignee: Mapping[str, Any] | None, region: str | None,
                 postal_code: str | None, country: str | None) -> Consignee:
    """An order's consignee (its wire JSON) at its destination, normalised: for order rows
    as well as facts."""
    c = consignee or {}
    return _normalized(c.get("name"), c.get("address1"), c.get("address2"), c.get("city"),
                       region, postal_code, country)


@lru_cache(maxsize=1 << 16)
def _normalized(name: str | None, address1: str | None, address2: str | None,
                city: str | None, region: str | None, postal_code: str | None,
                country: str | None) -> Consignee:
    if country != "US":
        return Consignee(fold(name), fold(address1), fold(address2), fold(city), fold(region),
                         fold(postal_code))
    zip_code = normalize_zip(postal_code or "")
    return Consignee(fold(name), *street_lines(address1, address2), fold(city),
                     Reference.us_region(region) or fold(region),
                     zip_code[:5] if zip_code else fold(postal_code))
