"""Wire shapes of order sync (docs/api/contract.md §5.3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pycountry
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from entrygo.api.fields import (
    CountryCode,
    Email,
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
    Num,
    Page,
    Timestamp,
    WireModel,
    decimal_to_number,
    shaped_as,
)
from entrygo.kit.clock import iso

MAX_LINES_PER_ORDER = 250
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


class LineIn(RequestModel):
    product_id: Id
    quantity: Annotated[int, StrictInt(ge=1, le=100_000)]
    unit_value_usd: MoneyUsd


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
    created_at: Timestamp
    updated_at: Timestamp


class OrderSynced(OrderOut):
    sync_status: Literal["created", "updated", "unchanged"]


def order_document(*, order_id: str, external_id: str, total: Any, fields: dict[str, Any],
                   lines: list[dict[str, Any]], created_at: Any, updated_at: Any,
                   sync_status: str | None = None) -> dict[str, Any]:
    """An order as the API answers it (the shape of ``OrderOut``/``OrderSynced``), built as a
    plain document: syncs answer a thousand of these at once."""
    doc = {
        "id": order_id, "externalId": external_id, "totalValueUsd": decimal_to_number(total),
        "destinationCountry": fields["destination_country"],
        "destinationRegion": fields["destination_region"],
        "destinationPostalCode": fields["destination_postal_code"],
        "items": [{"productId": ln["product_id"], "quantity": ln["quantity"],
                   "unitValueUsd": decimal_to_number(ln["unit_value_usd"]),
                   "lineValueUsd": decimal_to_number(ln["line_value_usd"])} for ln in lines],
        "metadata": fields["metadata"], "consignee": fields["consignee"],
        "orderedAt": iso(fields["ordered_at"]), "currency": fields["currency"],
        "incoterm": fields["incoterm"], "createdAt": iso(created_at),
        "updatedAt": iso(updated_at),
    }
    if sync_status is not None:
        doc["syncStatus"] = sync_status
    return doc


class OrderList(Page[OrderOut]):
    """A page of orders, newest first."""


class OrderSyncResult(Batch[OrderSynced]):
    """One entry per item of the request, in request order."""
