"""Rates of duty as the schedule prints them, read into numbers: pure, no data of its own.

The forms that cover nearly every line are read: ``Free``, ad valorem (``6.5%``), specific
(``2.2¢/kg``, ``$1.32/kg``, ``37.5¢/doz.``, ``5¢ each``) and compound (``2.2¢/kg + 5%``, a
sum of such terms). Anything else (``The duty provided in the applicable subheading + 5%``,
``16.9¢/kg of total sugars``, ``1.5¢/kg on drained weight``, ranges with a floor) is reported
as not computable, with the text, rather than guessed: a term qualified by what it is measured
on is a quantity EntryGo has no data for.

The special column lists its rates with the programs they apply to, ``Free (A*,AU,...,S,SG)``,
sometimes several groups (``Free (AU,...) 3.2% (KR)``): ``special_rate`` finds the group of a
program indicator (``S`` and ``S+`` are USMCA, General Note 11).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from entrygo.kit.money import plain

HUNDRED = Decimal(100)

RATE_UNITS: dict[str, str] = {
    "kg": "kg",
    "liter": "liters",
    "pr.": "prs.",
    "doz.": "doz.",
    "doz. pr.": "doz. prs.",
    "gross": "gross",
    "m²": "m²",
    "m³": "m³",
    "t": "t",
    "each": "No.",
    "No.": "No.",
    "head": "No.",
}
"""The unit a specific rate is per, as the schedule prints it -> the unit of quantity it is
measured in (``readiness.quantities.UNITS`` spells those). A unit not here (``bbl``,
``pf.liter``, ``clean kg``) is read but has no quantity EntryGo derives."""

_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"[A-Za-z.²³]+(?: pr\.)?"
_TERM = re.compile(
    rf"^(?:(?P<pct>{_NUMBER})%"
    rf"|(?P<cents>{_NUMBER})¢(?:/\s*(?P<cunit>{_UNIT})|\s+(?P<ceach>each))"
    rf"|\$(?P<dollars>{_NUMBER})(?:/\s*(?P<dunit>{_UNIT})|\s+(?P<deach>each)))$")


@dataclass(frozen=True, slots=True)
class Specific:
    """So many dollars per unit (``2.2¢/kg`` is 0.022 per ``kg``)."""

    usd: Decimal
    unit: str
    """As printed: ``kg``, ``liter``, ``doz.``, ``each``."""

    @property
    def quantity_unit(self) -> str | None:
        """The unit of quantity to measure it in, or None when EntryGo derives none."""
        return RATE_UNITS.get(self.unit)


@dataclass(frozen=True, slots=True)
class Rate:
    """A rate as a sum of terms: a percentage of the value plus amounts per unit."""

    text: str
    ad_valorem_pct: Decimal = Decimal(0)
    specific: tuple[Specific, ...] = ()

    @property
    def free(self) -> bool:
        return self.ad_valorem_pct == 0 and not self.specific

    def amount(self, value_usd: Decimal, quantities: dict[str, Decimal]) -> Decimal:
        """The duty on ``value_usd`` and ``quantities`` (unit of quantity -> amount), not
        rounded. Every specific term's unit must be in ``quantities``."""
        total = value_usd * self.ad_valorem_pct / HUNDRED
        for term in self.specific:
            unit = term.quantity_unit
            assert unit is not None
            total += term.usd * quantities[unit]
        return total


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A rate text in none of the forms EntryGo computes."""

    text: str

    @property
    def reason(self) -> str:
        return (f"The rate \"{self.text}\" is not in a form EntryGo computes (free, ad valorem, "
                "specific or their sum): see the schedule.")


@lru_cache(maxsize=4096)
def parse(text: str) -> Rate | Unreadable:
    """The rate printed as ``text`` (a schedule column), or ``Unreadable``."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return Unreadable(text)
    if cleaned == "Free":
        return Rate(cleaned)
    ad_valorem = Decimal(0)
    specific: list[Specific] = []
    for part in re.split(r"\s*\+\s*", cleaned):
        m = _TERM.match(part)
        if m is None:
            return Unreadable(text)
        if m["pct"] is not None:
            ad_valorem += Decimal(m["pct"])
        elif m["cents"] is not None:
            specific.append(Specific(Decimal(m["cents"]) / HUNDRED,
                                     _unit(m["cunit"] or m["ceach"])))
        else:
            specific.append(Specific(Decimal(m["dollars"]), _unit(m["dunit"] or m["deach"])))
    return Rate(cleaned, ad_valorem, tuple(specific))


def _unit(raw: str) -> str:
    return " ".join(raw.split())


_GROUP = re.compile(r"(?P<rate>[^()]+?)\s*\((?P<codes>[^()]*)\)")


@lru_cache(maxsize=4096)
def special_groups(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The special column as (rate text, program indicators) groups, in printed order:
    ``Free (A+,AU,S,SG) 3.2% (KR)`` -> ``(("Free", {A+, AU, S, SG}), ("3.2%", {KR}))``."""
    groups = []
    for m in _GROUP.finditer(text):
        codes = frozenset(code.strip() for code in m["codes"].split(",") if code.strip())
        groups.append((" ".join(m["rate"].split()), codes))
    return tuple(groups)


def special_rate(text: str, indicators: frozenset[str]) -> str | None:
    """The rate text the special column gives any of ``indicators``, or None when it lists
    none of them."""
    for rate, codes in special_groups(text):
        if codes & indicators:
            return rate
    return None


def percent(pct: Decimal) -> str:
    """``10`` -> ``10%``, ``0.3464`` -> ``0.3464%``: how a rate is written back."""
    return f"{plain(pct)}%"
