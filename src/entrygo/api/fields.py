"""The field types of request bodies: exact numbers, strict integers, trimmed and optional
text, ids, countries, e-mail addresses, timestamps, free-form metadata, idempotency keys.

Each is a named ``Annotated`` type (``MoneyUsd``, ``Id``) or metadata to put in one
(``Annotated[str, trimmed(128, 1)]``), so request models read like the contract and a type
checker sees plain ``str``/``Decimal``/``int``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import annotated_types
import pycountry
from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    BeforeValidator,
    EmailStr,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from entrygo.api.validation import json_type_name
from entrygo.api.wire import decimal_to_number


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise PydanticCustomError(
            "invalid_type", "Expected number, received {received}",
            {"received": json_type_name(value)})
    if isinstance(value, int):
        return Decimal(value)
    if not value.is_finite():
        raise PydanticCustomError("invalid_type", "Expected number, received number")
    return value


def decimal_places(value: Decimal) -> int:
    """How many decimals a finite number really has (``1.50`` has 1, ``1e-9`` has 9), counted
    from its digits: no arithmetic, so no rounding to the context's precision and no
    overflow or underflow for exponents such as ``1e999999999``."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if not any(digits):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing_zeros))


def _places_check(places: int, ge: Decimal | None, le: Decimal | None):
    def check(value: Decimal) -> Decimal:
        if ge is not None and value < ge:
            raise PydanticCustomError("too_small", f"Number must be greater than or equal to {ge}")
        if le is not None and value > le:
            raise PydanticCustomError("too_big", f"Number must be less than or equal to {le}")
        if decimal_places(value) > places:
            raise PydanticCustomError("invalid_format",
                                      f"Number must have at most {places} decimal places")
        return value
    return check


@dataclass(frozen=True)
class ExactNumber(GroupedMetadata):
    """``Annotated[Decimal, ExactNumber(...)]``: an exact JSON number (no strings, no NaN), at
    most ``places`` decimals, within ``ge``/``le``; serialised back as a plain JSON number."""

    places: int
    ge: str | None = "0"
    le: str | None = None

    def __iter__(self) -> Iterator[object]:
        schema: dict[str, Any] = {"type": "number",
                                  "description": f"A JSON number with at most {self.places} "
                                                 "decimals."}
        if self.ge is not None:
            schema["minimum"] = float(self.ge)
        if self.le is not None:
            schema["maximum"] = float(self.le)
        yield WithJsonSchema(schema)
        yield PlainSerializer(decimal_to_number, return_type=int | float)
        yield BeforeValidator(_to_decimal)
        yield AfterValidator(_places_check(self.places, Decimal(self.ge) if self.ge else None,
                                           Decimal(self.le) if self.le else None))


MoneyUsd = Annotated[Decimal, ExactNumber(places=4, ge="0", le="1000000")]
"""Unit values: USD, at most 4 decimals (docs/api/contract.md §2)."""
Percent = Annotated[Decimal, ExactNumber(places=4, ge="0", le="100")]
WeightKg = Annotated[Decimal, ExactNumber(places=6, ge="0", le="1000000")]


def _strict_int(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        expected = "integer"
        if isinstance(value, Decimal) and value.is_finite():
            raise PydanticCustomError("invalid_type", "Expected integer, received fraction")
        raise PydanticCustomError("invalid_type", "Expected {e}, received {r}",
                                  {"e": expected, "r": json_type_name(value)})
    return value


@dataclass(frozen=True)
class StrictInt(GroupedMetadata):
    """``Annotated[int, StrictInt(ge=..., le=...)]``: a JSON integer (not a boolean, not a
    fraction, not a string) within bounds."""

    ge: int
    le: int

    def __iter__(self) -> Iterator[object]:
        yield annotated_types.Ge(self.ge)
        yield annotated_types.Le(self.le)
        yield BeforeValidator(_strict_int)


IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$")


def _idempotency_key(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected string, received {r}",
                                  {"r": json_type_name(value)})
    if not 1 <= len(value) <= 255 or not IDEMPOTENCY_KEY_PATTERN.match(value):
        raise PydanticCustomError(
            "invalid_format", "Idempotency key must be 1-255 printable ASCII characters")
    return value


IdempotencyKeyField = Annotated[str, BeforeValidator(_idempotency_key), WithJsonSchema({
    "type": "string", "minLength": 1, "maxLength": 255, "pattern": IDEMPOTENCY_KEY_PATTERN.pattern,
    "description": "Same as the Idempotency-Key header (the header wins when both are sent)."})]


def trimmed(max_length: int, min_length: int = 0) -> StringConstraints:
    """``Annotated[str, trimmed(64, 1)]``: a string with length bounds, checked after
    surrounding white space is removed."""
    return StringConstraints(strip_whitespace=True, min_length=min_length,
                             max_length=max_length)


@dataclass(frozen=True)
class OptionalText(GroupedMetadata):
    """``Annotated[str, OptionalText(200)] | None``: trimmed, at most ``max_length``; blank
    means absent (``None``)."""

    max_length: int

    def __iter__(self) -> Iterator[object]:
        yield StringConstraints(strip_whitespace=True, max_length=self.max_length)
        yield AfterValidator(_blank_to_none)


Id = Annotated[str, trimmed(64, 1)]
"""An id or reference in a request body (``accountId``, ``warehouseId``, ``orderIds.N``)."""


def _blank_to_none(value: str) -> str | None:
    return value or None


def jsonable(value: Any) -> Any:
    """Parsed JSON (with ``Decimal`` numbers) back to plain JSON types, for storing as is."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def _metadata(value: Any) -> Any:
    if not isinstance(value, dict):
        raise PydanticCustomError("invalid_type", "Expected object, received {r}",
                                  {"r": json_type_name(value)})
    try:
        plain = jsonable(value)
        size = len(json.dumps(plain, allow_nan=False))
    except ValueError:
        raise PydanticCustomError("invalid_type", "Metadata must be plain JSON") from None
    if size > 16_384:
        raise PydanticCustomError("too_big", "Metadata must be at most 16384 bytes as JSON")
    return plain


Metadata = Annotated[dict[str, Any], BeforeValidator(_metadata), WithJsonSchema({
    "type": "object", "description": "Free-form JSON, kept as is (at most 16 KiB)."})]
"""A free-form JSON object kept as is (at most 16 KiB)."""


def _iso_country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise PydanticCustomError("invalid_value", "Not an ISO 3166-1 alpha-2 country code")
    return code


CountryCode = Annotated[str, AfterValidator(_iso_country), WithJsonSchema({
    "type": "string", "minLength": 2, "maxLength": 2,
    "description": "ISO 3166-1 alpha-2 country code (upper-cased on input)."})]
"""An ISO 3166-1 alpha-2 code, upper-cased on input (``UK`` is not one; ``GB`` is)."""

Email = Annotated[EmailStr, Field(max_length=254)]

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected string, received {r}",
                                  {"r": json_type_name(value)})
    if not _RFC3339.match(value):
        raise PydanticCustomError("invalid_format", "Expected an RFC 3339 timestamp with offset")
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.replace("z", "Z").replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("invalid_format", "Not a valid date and time") from None
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first representable day
        raise PydanticCustomError("invalid_value", "Date and time out of range") from None
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)


TimestampInput = Annotated[datetime, BeforeValidator(_timestamp),
                           WithJsonSchema({"type": "string", "format": "date-time"})]
"""RFC 3339 with an offset; stored in UTC to the millisecond."""


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _calendar_date(value: Any) -> date:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected string, received {r}",
                                  {"r": json_type_name(value)})
    try:
        if not _ISO_DATE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("invalid_format", "Expected a date as YYYY-MM-DD") from None


CalendarDate = Annotated[date, BeforeValidator(_calendar_date),
                         WithJsonSchema({"type": "string", "format": "date"})]
"""A calendar date, ``YYYY-MM-DD`` (no time, no offset); stored and answered the same way."""
