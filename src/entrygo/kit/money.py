"""Money is decimal, never float; totals are rounded half-up to cents (docs/api/contract.md §2)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """A canonical text form for hashing: ``110``, ``110.5``, ``0.0001`` (no exponent)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def for_people(value: Decimal) -> str:
    """An amount as a person reads it: thousands grouped, two decimals, more only when the
    value has them (``3,200.00``, ``12.3456``, ``0.50``), never ``3200.0000``."""
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{value:,.{places}f}"
