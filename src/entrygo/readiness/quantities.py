"""Quantities in the tariff schedule's units: what a line of an order amounts to in ``No.``,
``doz.``, ``kg``, ``m²``, ``liters``, ``prs.``, ``doz. prs.``…

A statistical line names the units its quantity is reported in (``["doz.", "kg"]`` for cotton
T-shirts); specific duty rates are per unit too (``2.2¢/kg``, ``37.5¢/doz.``). Each unit is the
count of items, or one measure of the product per item (``netWeightKg``, ``measures.*``),
scaled. A unit EntryGo cannot derive from product data (a metal's content weight ``Cu kg``,
proof liters, carats) is reported as such, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from entrygo.readiness.facts import ProductFacts


@dataclass(frozen=True)
class Conversion:
    """A unit as ``field`` (None: the count itself) times the line's count, times ``scale``,
    divided by ``per`` (12 for dozens: exact, where 1/12 as a decimal is not)."""

    field: str | None
    scale: Decimal = Decimal(1)
    per: int = 1

    def given(self, product: ProductFacts) -> bool:
        """Whether the product has the measure (a 0 is none), as ``of`` reads it."""
        if self.field is None:
            return True
        if self.field == "netWeightKg":
            return bool(product.net_weight_kg)
        return bool((product.measures or {}).get(self.field.removeprefix("measures.")))

    def of(self, product: ProductFacts, count: int) -> Decimal | None:
        """The quantity of ``count`` items, or None when the product lacks the measure."""
        if self.field is None:
            per_item: Decimal | None = Decimal(1)
        elif self.field == "netWeightKg":
            per_item = product.net_weight_kg or None
        else:
            raw = (product.measures or {}).get(self.field.removeprefix("measures."))
            per_item = Decimal(str(raw)) if raw else None
        return None if per_item is None else per_item * count * self.scale / self.per


UNITS: dict[str, Conversion] = {
    "No.": Conversion(None),
    "pcs": Conversion("measures.piecesPerUnit"),
    "doz.": Conversion(None, per=12),
    "Dz Pcs": Conversion("measures.piecesPerUnit", per=12),
    "gross": Conversion(None, per=144),
    "hundreds": Conversion(None, per=100),
    "thousands": Conversion(None, per=1000),
    "kg": Conversion("netWeightKg"),
    "g": Conversion("netWeightKg", Decimal(1000)),
    "t": Conversion("netWeightKg", per=1000),
    "m²": Conversion("measures.areaM2"),
    "cm²": Conversion("measures.areaM2", Decimal(10_000)),
    "liters": Conversion("measures.volumeLiters"),
    "m³": Conversion("measures.volumeLiters", per=1000),
    "m": Conversion("measures.lengthM"),
    "lin. m": Conversion("measures.lengthM"),
    "prs.": Conversion("measures.pairsPerUnit"),
    "doz. prs.": Conversion("measures.pairsPerUnit", per=12),
}
"""Every unit of quantity EntryGo derives, as the schedule spells it (after markup removal)."""


@dataclass(frozen=True)
class Quantity:
    unit: str
    value: Decimal | None
    """None when it cannot be computed: ``field`` is missing, or the unit is not derived."""
    field: str | None
    """The product field the unit comes from (``netWeightKg``, ``measures.areaM2``), None for
    the count; for a unit EntryGo does not derive, None as well (``derived`` is False)."""
    derived: bool = True


def quantity(unit: str, product: ProductFacts, count: int) -> Quantity:
    """``count`` items of ``product`` in ``unit``."""
    conversion = UNITS.get(unit)
    if conversion is None:
        return Quantity(unit, None, None, derived=False)
    return Quantity(unit, conversion.of(product, count), conversion.field)


_SPELLINGS = {"No": ("No.",), "No. and kg": ("No.", "kg")}
"""Units the schedule spells two ways: ``No. and kg`` is how some lines of chapter 39 print
their two units, ``No`` a missing period (9301.20.00.00)."""


@cache
def units_of(units: tuple[str, ...]) -> tuple[str, ...]:
    """A line's units of quantity, one per quantity reported (``("No. and kg",)`` is
    ``("No.", "kg")``). Cached: the schedule has a few dozen combinations."""
    return tuple(u for unit in units for u in _SPELLINGS.get(unit, (unit,)))


def statistical(units: tuple[str, ...], product: ProductFacts, count: int) -> tuple[Quantity, ...]:
    """``count`` items of ``product`` in each unit of a statistical line, in the line's order
    (the first is the entry's first quantity)."""
    return tuple(quantity(unit, product, count) for unit in units_of(units))


def reported(value: Decimal) -> int:
    """A statistical quantity as the entry reports it: in whole units, halves rounded up; a
    quantity of goods that are there is never 0, so anything under half a unit is 1
    (docs/readiness.md, "Statistical quantities")."""
    whole = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return max(whole, 1) if value > 0 else whole
