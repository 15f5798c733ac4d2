"""The response side of the edge: wire models and exact JSON rendering.

Every response body is a Pydantic model serialised in one pass (``model_dump_json``): decimals
become JSON numbers (never strings, never binary-float arithmetic), timestamps RFC 3339 with
milliseconds, names camelCase unless a field says otherwise (the contract's mixed casing).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import SkipJsonSchema
from starlette.responses import Response

from entrygo.kit.clock import iso
from entrygo.kit.modes import public_account_id

T = TypeVar("T")


def decimal_to_number(value: Decimal) -> int | float:
    """Integral values as JSON integers, others as the shortest float that round-trips.

    Amounts carry at most 4 decimals and stay far below 2**53, so the float printed is exactly
    the decimal value (``110.1`` stays ``110.1``).
    """
    if value == value.to_integral_value():
        return int(value)
    return float(value)


Num = Annotated[Decimal, PlainSerializer(decimal_to_number, return_type=int | float)]
Timestamp = Annotated[datetime, PlainSerializer(iso, return_type=str),
                      WithJsonSchema({"type": "string", "format": "date-time"})]
DateTime = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
"""An RFC 3339 timestamp already rendered (``kit.clock.iso``), in a response document."""


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


Omittable = Annotated[T | SkipJsonSchema[None], Field(json_schema_extra=_no_default)]
"""A response field left out of the JSON when it has no value: optional in the published
schema, never null (``Omittable[str] = None``)."""


request_livemode: ContextVar[bool] = ContextVar("request_livemode")
"""The mode of the key the request authenticated with (``auth.context.authenticated`` sets
it). A request sees the objects of its key's mode only (``kit.modes``), so every object it
answers with is of that mode."""


def _livemode() -> bool:
    return request_livemode.get()  # LookupError outside an authenticated request: a bug


@contextmanager
def acting_in(livemode: bool) -> Iterator[None]:
    """Build responses of this mode outside a request (the command line acts on live
    accounts, the demo in test mode)."""
    token = request_livemode.set(livemode)
    try:
        yield
    finally:
        request_livemode.reset(token)


LiveMode = Annotated[bool, Field(default_factory=_livemode, description=(
    "True for a live-mode object, false for a test-mode one (made with a shpbndl_test_ key; "
    "its broker email and notifications never leave EntryGo)."))]
"""``livemode`` on every object a response carries: the request's mode unless given."""


PublicAccountId = Annotated[str, AfterValidator(public_account_id)]
"""An account id as clients know it (a test-mode object's stored one is its partition's)."""


COMPONENT_REF = "#/components/schemas/{model}"
"""Where the published contract keeps each model's schema."""


def shaped_as(model: type[BaseModel], *, many: bool = False) -> WithJsonSchema:
    """A group of fields stored as it was sent (the request model's JSON dump) and answered
    as stored: at run time the field stays that JSON; the published schema is the request
    model's (``Annotated[dict[str, Any], shaped_as(Consignee)] | None``)."""
    ref = {"$ref": COMPONENT_REF.format(model=model.__name__)}
    return WithJsonSchema({"type": "array", "items": ref} if many else ref)


def _livemode_required(schema: dict[str, Any]) -> None:
    """``livemode`` is in every answer although the model fills it in (``LiveMode``): the
    published schema says it is required, so generated clients need not guess."""
    if "livemode" in schema.get("properties", {}) and "livemode" not in schema.get(
            "required", []):
        schema.setdefault("required", []).append("livemode")


class WireModel(BaseModel):
    """Base of every response body. ``extra="forbid"``: the published schema lists every field
    a response carries (``additionalProperties: false``), and tests hold responses to it."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              serialize_by_alias=True, extra="forbid",
                              json_schema_extra=_livemode_required)


class DataList(WireModel):
    """A batch result: ``{"data": [...]}``."""

    data: list[Any]


class Batch(WireModel, Generic[T]):
    """The published shape of a batch result: one entry per item of the request, in order
    (``class ProductSyncResult(Batch[ProductSynced])``)."""

    data: list[T]


class Page(WireModel, Generic[T]):
    """The published shape of a list page (``class OrderList(Page[OrderOut])``)."""

    data: list[T]
    has_more: bool = Field(alias="has_more")
    next_cursor: str | None = Field(alias="next_cursor", description="Pass as `cursor` for the "
                                    "next page; null on the last page.")


def json_bytes(body: BaseModel | dict[str, Any]) -> bytes:
    """A wire model, or a document already made of JSON types, as compact UTF-8 JSON."""
    if isinstance(body, BaseModel):
        return body.model_dump_json(by_alias=True).encode()
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()


class WireResponse(Response):
    media_type = "application/json"


def respond(model: BaseModel | dict[str, Any], status: int = 200,
            headers: dict[str, str] | None = None) -> Response:
    return WireResponse(json_bytes(model), status_code=status, headers=headers)
