"""How values are written in the artifacts: one spelling of an amount, a weight, a date.

Shared by the JSON, CSV and PDF renderers so that a value reads the same in every file (the PDF
adds thousands separators on top).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pycountry

from entrygo.artifacts.snapshot import PackageSnapshot
from entrygo.kit.clock import iso
from entrygo.kit.money import cents, plain


def money(value: Decimal) -> str:
    """An amount in cents, half-up: ``110.00``."""
    return f"{cents(value):.2f}"


def price(value: Decimal) -> str:
    """A unit price exactly as sold (up to 4 decimals), at least 2 decimals: ``12.3456``."""
    whole, _, frac = plain(value).partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def exact(value: Any) -> str:
    """A number as plain decimal text (no exponent, no binary-float noise); empty when absent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return boolean(value)
    if isinstance(value, int | float | Decimal):
        return plain(Decimal(str(value)))
    return str(value)


def boolean(value: bool) -> str:
    return "true" if value else "false"


def kg(value: Decimal) -> str:
    """A weight for people: at most 3 decimals."""
    return plain(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def grouped(text: str) -> str:
    """Thousands separators for the PDF: ``12345.60`` -> ``12,345.60``."""
    whole, dot, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}{dot}{frac}"


def hts(code: str | None) -> str:
    """``7323930045`` -> ``7323.93.0045`` (how people read HTS numbers)."""
    if code and len(code) == 10 and code.isdigit():
        return f"{code[:4]}.{code[4:6]}.{code[6:]}"
    return code or ""


def json_number(value: Decimal) -> int | float:
    """JSON numbers: integral values as integers, the rest as the float that prints exactly.

    Amounts carry at most 4 decimals and stay far below 2**53 (same rule as the API's wire).
    """
    return int(value) if value == value.to_integral_value() else float(value)


def invoice_date(snapshot: PackageSnapshot) -> str:
    return (iso(snapshot.executed_at) or "")[:10]


def country_name(code: str | None) -> str:
    """``CA`` -> ``Canada (CA)``; the code alone when pycountry does not know it."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code.upper())
    name = getattr(country, "common_name", None) or getattr(country, "name", None)
    return f"{name} ({code})" if name else code


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
