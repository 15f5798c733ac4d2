"""How values are written in the artifacts: one spelling of an amount, a weight, a date.

Shared by the JSON, CSV and PDF renderers so that a value reads the same in every file (the PDF
adds thousands separators on top). Below them, what the commercial invoices (PDF and CSV) read
of an order and the filing data: consignee, terms, currency, charges, parcels, port, carrier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pycountry

from entrygo.artifacts.render.lines import (
    consignee,
    destination_state,
    destination_zip,
    tracking_numbers,
)
from entrygo.artifacts.snapshot import PackageSnapshot
from entrygo.kit.clock import iso
from entrygo.kit.money import cents, plain
from entrygo.readiness import reference
from entrygo.readiness.facts import OrderFacts


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


# --- the commercial invoices: one per export unit, the PDF and the CSV alike -------------------

NOT_PROVIDED = "not provided"
"""What an invoice prints where the data holds no value, so that the broker sees the gap."""

INCOTERMS = {
    "EXW": "Ex Works", "FCA": "Free Carrier", "CPT": "Carriage Paid To",
    "CIP": "Carriage and Insurance Paid To", "DAP": "Delivered at Place",
    "DPU": "Delivered at Place Unloaded", "DDP": "Delivered Duty Paid",
    "FAS": "Free Alongside Ship", "FOB": "Free on Board", "CFR": "Cost and Freight",
    "CIF": "Cost, Insurance and Freight",
}
"""The Incoterms 2020 rules an order's terms of sale may name."""

CHARGES = (("freightUsd", "Freight"), ("insuranceUsd", "Insurance"), ("packingUsd", "Packing"),
           ("otherUsd", "Other"))
"""The charges an order itemizes (19 CFR 141.86(a)(8)), in invoice order: key, label."""

MODES = {"truck": "Truck", "air": "Air", "ocean": "Ocean", "rail": "Rail",
         "courier": "Courier (express consignment)", "postal": "Postal (mail)"}


def decimal(value: Any) -> Decimal | None:
    """A stored JSON number as an exact Decimal (``12.5`` -> ``Decimal("12.5")``); None when
    absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:  # decimal.InvalidOperation
        return None


def sale_date(order: OrderFacts) -> str | None:
    """The date of sale: the date part of the order's ``orderedAt`` (UTC), ``2026-11-20``."""
    return order.ordered_at[:10] if order.ordered_at else None


def terms_of_sale(code: str | None) -> str | None:
    """``DDP`` -> ``DDP (Delivered Duty Paid)``."""
    if not code:
        return None
    name = INCOTERMS.get(code.upper())
    return f"{code} ({name})" if name else code


def currency_of_purchase(order: OrderFacts) -> str | None:
    """The order's currency and, when it is not USD, the rate its prices were converted to USD
    at: ``CAD, converted at 1.3712 CAD per USD (rate of 2026-11-19)``."""
    currency = order.currency
    if not currency or currency == "USD":
        return currency
    rate = order.usd_exchange_rate or {}
    value = decimal(rate.get("rate"))
    if value is None:
        return f"{currency}, exchange rate to USD {NOT_PROVIDED}"
    on = rate.get("date")
    return (f"{currency}, converted at {plain(value)} {currency} per USD "
            + (f"(rate of {on})" if on else f"(rate date {NOT_PROVIDED})"))


def port_name(code: str | None) -> str | None:
    """A Schedule D port's name from the reference data: ``3004`` -> ``BLAINE, WA``."""
    port = reference.load().ports.get(code) if code else None
    return port.name if port else None


def port_of_entry(code: str | None) -> str | None:
    """``3004 - BLAINE, WA``; the code alone when the reference data does not know it."""
    if not code:
        return None
    name = port_name(code)
    return f"{code} - {name}" if name else code


def carrier(shipment: Mapping[str, Any]) -> str | None:
    """``Acme Freight (SCAC ACMF, IATA AC)``."""
    given = shipment.get("carrier") or {}
    ids = ", ".join(f"{label} {given[key]}" for key, label in
                    (("scac", "SCAC"), ("iataCode", "IATA")) if given.get(key))
    name = given.get("name")
    return (f"{name} ({ids})" if name and ids else name or ids) or None


def mode_of_transport(shipment: Mapping[str, Any]) -> str | None:
    mode = shipment.get("modeOfTransport")
    return MODES.get(mode, mode) if mode else None


def bond(importer: Mapping[str, Any]) -> str:
    """``continuous 99-1234567, surety 457``; says so when the importer has none."""
    given = importer.get("bond")
    if not given:
        return "none on file"
    kind = {"continuous": "continuous", "single": "single transaction"}.get(
        str(given.get("type")), str(given.get("type") or "type not provided"))
    number = given.get("number") or NOT_PROVIDED
    surety = f", surety {given['suretyCode']}" if given.get("suretyCode") else ""
    return f"{kind} {number}{surety}"


def address_lines(address: Mapping[str, Any] | None) -> list[str]:
    """A wire address (``address1``, ``address2``, ``city``, ``region``, ``postalCode``,
    ``country``) as printed lines; empty when there is none."""
    a = address or {}
    place = " ".join(str(a[k]) for k in ("city", "region", "postalCode") if a.get(k))
    lines = [a.get("address1"), a.get("address2"), place, country_name(a.get("country"))]
    return [str(x) for x in lines if x]


@dataclass(frozen=True, slots=True)
class Consignee:
    """The ultimate consignee (sold to) of an export unit: its first order's consignee and
    destination, the state as its USPS code and the ZIP normalised where they are U.S. ones."""

    name: str | None
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None

    @property
    def place(self) -> str:
        """``San Francisco, CA 94105``."""
        region = " ".join(x for x in (self.state, self.postal_code) if x)
        return ", ".join(x for x in (self.city, region) if x)

    def lines(self) -> list[str]:
        """Printed lines; what is missing says so."""
        street = [x for x in (self.address1, self.address2) if x] or \
            [f"Street address {NOT_PROVIDED}"]
        return [self.name or f"Name {NOT_PROVIDED}", *street,
                self.place or f"City, state and ZIP {NOT_PROVIDED}",
                country_name(self.country) or f"Country {NOT_PROVIDED}"]


def consignee_of(order: OrderFacts | None) -> Consignee:
    """The consignee of ``order`` (an export unit's first): the destination's USPS state code
    and ZIP where they are recognised U.S. ones, else the region and postal code as synced."""
    if order is None:
        return Consignee(None, None, None, None, None, None, None)
    c = consignee(order)
    return Consignee(c.get("name"), c.get("address1"), c.get("address2"), c.get("city"),
                     destination_state(order) or order.destination_region,
                     destination_zip(order) or order.destination_postal_code,
                     order.destination_country)


@dataclass(frozen=True, slots=True)
class Parcels:
    """An order's packages: the marks and numbers (tracking numbers) and gross weight."""

    count: int
    tracking: tuple[str, ...]
    gross_weight_kg: Decimal | None  # None when no parcel has a weight
    without_weight: int  # parcels without a gross weight

    @staticmethod
    def total(many: list[Parcels]) -> Parcels:
        weights = [p.gross_weight_kg for p in many if p.gross_weight_kg is not None]
        return Parcels(sum(p.count for p in many), tuple(t for p in many for t in p.tracking),
                       sum(weights, Decimal(0)) if weights else None,
                       sum(p.without_weight for p in many))


def parcels_of(order: OrderFacts) -> Parcels:
    weights = [decimal(p.get("grossWeightKg")) for p in order.parcels]
    known = [w for w in weights if w is not None]
    return Parcels(len(weights), tracking_numbers(order),
                   sum(known, Decimal(0)) if known else None, len(weights) - len(known))


@dataclass(frozen=True, slots=True)
class Charges:
    """An order's charges upon the merchandise, as declared (None: not declared)."""

    amounts: tuple[tuple[str, Decimal | None], ...]  # (label, USD) in ``CHARGES`` order
    included: bool | None  # whether the unit prices include them; None: no charges given

    @property
    def declared(self) -> Decimal:
        return sum((a for _, a in self.amounts if a is not None), Decimal(0))


def charges_of(order: OrderFacts) -> Charges:
    given = order.charges
    if given is None:
        return Charges(tuple((label, None) for _, label in CHARGES), None)
    return Charges(tuple((label, decimal(given.get(key))) for key, label in CHARGES),
                   bool(given.get("includedInUnitPrices")))


def yes_no(value: bool | None) -> str:
    return NOT_PROVIDED if value is None else ("yes" if value else "no")
