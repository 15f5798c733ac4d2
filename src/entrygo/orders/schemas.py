"""Wire shapes of order sync (docs/api/contract.md §5.3)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

import pycountry
from annotated_types import GroupedMetadata
from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from entrygo.api.fields import (
    CalendarDate,
    CountryCode,
    Email,
    ExactNumber,
    Id,
    IdempotencyKeyField,
    Metadata,
    MoneyUsd,
    OptionalText,
    StrictInt,
    TimestampInput,
    trimmed,
)
from entrygo.api.validation import RequestModel
from entrygo.api.wire import (
    Batch,
    LiveMode,
    Num,
    Page,
    Timestamp,
    WireModel,
    decimal_to_number,
    shaped_as,
)
from entrygo.kit.clock import iso

MAX_LINES_PER_ORDER = 250
MAX_PARCELS_PER_ORDER = 100
INCOTERMS = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")


def _currency(value: str) -> str:
    code = value.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise PydanticCustomError("invalid_value", "Not an ISO 4217 currency code")
    return code


def _incoterm(value: str) -> str:
    code = value.strip().upper()
    if code not in INCOTERMS:
        raise PydanticCustomError("invalid_value",
                                  f"Not an Incoterms 2020 rule (one of {', '.join(INCOTERMS)})")
    return code


class Consignee(RequestModel):
    """The ultimate consignee: the person the parcel is for."""

    name: Annotated[str, OptionalText(200)] | None = None
    address1: Annotated[str, OptionalText(200)] | None = None
    address2: Annotated[str, OptionalText(200)] | None = None
    city: Annotated[str, OptionalText(100)] | None = None
    phone: Annotated[str, OptionalText(40)] | None = None
    email: Email | None = None


def _greater_than_zero(value: Decimal) -> Decimal:
    if value <= 0:
        raise PydanticCustomError("too_small", "Number must be greater than 0")
    return value


@dataclass(frozen=True)
class PositiveNumber(GroupedMetadata):
    """``Annotated[Decimal, PositiveNumber(3, "100000")]``: an exact JSON number greater than 0
    (a weight, a length, a rate: zero is no value), at most ``places`` decimals, at most ``le``.

    ``le`` and ``places`` keep every accepted value within 15 significant digits, so the JSON
    number stored and answered (a binary float on the way) is exactly the decimal sent."""

    places: int
    le: str

    def __iter__(self) -> Iterator[object]:
        yield from ExactNumber(places=self.places, ge=None, le=self.le)
        yield AfterValidator(_greater_than_zero)
        yield WithJsonSchema({"type": "number", "exclusiveMinimum": 0,
                              "maximum": float(self.le),
                              "description": f"A JSON number greater than 0 with at most "
                                             f"{self.places} decimals."})




class Parcel(RequestModel):
    """One package of the order as the carrier moves it: its tracking number is the house
    bill (the marks and numbers of the entry); the count of parcels and their gross weight go
    on the entry (CBP Form 7501 / 3461) and the commercial invoice."""

    tracking_number: Annotated[str, trimmed(64, 1)] = Field(
        description="The carrier's tracking number, the parcel's house bill number; unique "
                    "within the order (compared ignoring case).")
    gross_weight_kg: Annotated[Decimal, PositiveNumber(3, "100000")] | None = Field(
        None, description="Gross weight of the packed parcel in kilograms.")
    length_cm: Annotated[Decimal, PositiveNumber(1, "10000")] | None = None
    width_cm: Annotated[Decimal, PositiveNumber(1, "10000")] | None = None
    height_cm: Annotated[Decimal, PositiveNumber(1, "10000")] | None = None


class Charges(RequestModel):
    """Costs of the sale besides the goods, in USD. The commercial invoice itemizes the charges
    upon the merchandise (freight, insurance, packing…) by name and amount, and says whether the
    unit prices include them (19 CFR 141.86(a)(8))."""

    freight_usd: MoneyUsd | None = None
    insurance_usd: MoneyUsd | None = None
    packing_usd: MoneyUsd | None = None
    other_usd: MoneyUsd | None = None
    included_in_unit_prices: bool = Field(
        False, description="Whether the lines' `unitValueUsd` already include these charges "
                           "(19 CFR 141.86(a)(8)); false when left out.")


class UsdExchangeRate(RequestModel):
    """The rate the order's `unitValueUsd` were converted at from its `currency`, for the
    broker to compare with the rate customs uses: a proclaimed or certified rate (19 CFR
    159.31-159.35; certified by the Federal Reserve Bank of New York) for the date of
    exportation (19 CFR 159.32)."""

    rate: Annotated[Decimal, PositiveNumber(8, "1000000")] = Field(
        description="Units of the order's `currency` per one US dollar: CAD 1.3712 means "
                    "1.3712 Canadian dollars to the dollar, so CAD 137.12 is USD 100. A rate "
                    "quoted the other way (US dollars per unit, as euro and sterling often "
                    "are) must be inverted. Greater than 0, at most 8 decimals.")
    date: CalendarDate = Field(description="The day the rate is for, YYYY-MM-DD.")


class LineIn(RequestModel):
    product_id: Id
    quantity: Annotated[int, StrictInt(ge=1, le=100_000)]
    unit_value_usd: MoneyUsd


def _empty_to_none(value: list[Parcel]) -> list[Parcel] | None:
    return value or None


class OrderIn(RequestModel):
    external_id: Annotated[str, trimmed(128, 1)]
    destination_country: CountryCode
    destination_region: Annotated[str, OptionalText(64)] | None = None
    destination_postal_code: Annotated[str, OptionalText(16)] | None = None
    items: Annotated[list[LineIn], Field(min_length=1, max_length=MAX_LINES_PER_ORDER)]
    metadata: Metadata | None = None
    consignee: Consignee | None = None
    ordered_at: TimestampInput | None = None
    currency: Annotated[str, trimmed(3, 3), AfterValidator(_currency)] | None = None
    incoterm: Annotated[str, trimmed(3, 3), AfterValidator(_incoterm)] | None = None
    parcels: Annotated[list[Parcel], Field(max_length=MAX_PARCELS_PER_ORDER),
                       AfterValidator(_empty_to_none)] | None = Field(
        None, description="The order's parcels (at most 100); an empty array counts as absent.")
    charges: Charges | None = None
    usd_exchange_rate: UsdExchangeRate | None = Field(
        None, description="Only for an order whose `currency` is not USD.")


class OrderSync(RequestModel):
    account_id: Id
    items: Annotated[list[OrderIn], Field(min_length=1, max_length=1000)]
    idempotency_key: IdempotencyKeyField | None = None


class LineOut(WireModel):
    product_id: str
    quantity: int
    unit_value_usd: Num
    line_value_usd: Num


class OrderOut(WireModel):
    id: str
    livemode: LiveMode
    external_id: str
    total_value_usd: Num
    destination_country: str
    destination_region: str | None
    destination_postal_code: str | None
    items: list[LineOut]
    metadata: dict[str, Any] | None
    consignee: Annotated[dict[str, Any], shaped_as(Consignee)] | None
    ordered_at: Timestamp | None
    currency: str | None
    incoterm: str | None
    parcels: Annotated[list[dict[str, Any]], shaped_as(Parcel, many=True)] | None
    charges: Annotated[dict[str, Any], shaped_as(Charges)] | None
    usd_exchange_rate: Annotated[dict[str, Any], shaped_as(UsdExchangeRate)] | None
    created_at: Timestamp
    updated_at: Timestamp


class OrderSynced(OrderOut):
    sync_status: Literal["created", "updated", "unchanged"]


def order_document(*, order_id: str, livemode: bool, external_id: str, total: Any,
                   fields: dict[str, Any], lines: list[dict[str, Any]], created_at: Any,
                   updated_at: Any, sync_status: str | None = None) -> dict[str, Any]:
    """An order as the API answers it (the shape of ``OrderOut``/``OrderSynced``), built as a
    plain document: syncs answer a thousand of these at once."""
    doc = {
        "id": order_id, "livemode": livemode, "externalId": external_id,
        "totalValueUsd": decimal_to_number(total),
        "destinationCountry": fields["destination_country"],
        "destinationRegion": fields["destination_region"],
        "destinationPostalCode": fields["destination_postal_code"],
        "items": [{"productId": ln["product_id"], "quantity": ln["quantity"],
                   "unitValueUsd": decimal_to_number(ln["unit_value_usd"]),
                   "lineValueUsd": decimal_to_number(ln["line_value_usd"])} for ln in lines],
        "metadata": fields["metadata"], "consignee": fields["consignee"],
        "orderedAt": iso(fields["ordered_at"]), "currency": fields["currency"],
        "incoterm": fields["incoterm"], "parcels": fields["parcels"],
        "charges": fields["charges"], "usdExchangeRate": fields["usd_exchange_rate"],
        "createdAt": iso(created_at),
        "updatedAt": iso(updated_at),
    }
    if sync_status is not None:
        doc["syncStatus"] = sync_status
    return doc


class OrderList(Page[OrderOut]):
    """A page of orders, newest first."""


class OrderSyncResult(Batch[OrderSynced]):
    """One entry per item of the request, in request order."""
