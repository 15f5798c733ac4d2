"""The edge of the system: strict JSON parsing and request models with contract-shaped errors.

Bodies are parsed with ``Decimal`` for every non-integer number (money stays exact from the first
byte), ``NaN``/``Infinity`` survive parsing only to be rejected as ``invalid_type``, and
Pydantic's errors become the contract's issue vocabulary (docs/api/contract.md §2.1) with our
own wording, so nothing about the validation library leaks to clients.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar, cast

import annotated_types
import pycountry
from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails, PydanticCustomError

from entrygo.api.wire import decimal_to_number
from entrygo.kit.errors import Issue, IssueCode, invalid_request, validation_error

M = TypeVar("M", bound=BaseModel)


class _NonFinite:
    """What ``NaN``/``Infinity`` parse to: a value no field accepts."""

    def __init__(self, text: str) -> None:
        self.text = text


MAX_JSON_DEPTH = 32
"""How deeply a request body may nest arrays and objects (the top-level object is level 1).

Checked once at the edge, without recursion, so that no later step (validation, hashing,
storage) can ever reach Python's recursion limit on client input."""


def parse_json(raw: bytes) -> Any:
    """Parse a request body; anything that is not JSON is 400 ``INVALID_REQUEST``.

    Then, in one walk without recursion: nesting deeper than ``MAX_JSON_DEPTH`` is a
    ``VALIDATION_ERROR`` (``too_big``) naming where it went too deep, and strings must be text
    every database can store (a NUL character or a lone surrogate, ``"\\ud800"``, is valid JSON
    but not storable Unicode text) -- a ``VALIDATION_ERROR`` naming the path, for every field
    and every key.
    """
    if not raw.strip():
        raise invalid_request()
    try:
        # UTF-8 only (docs/api/contract.md §2): json.loads would also guess UTF-16 and UTF-32 from
        # bytes; a byte-order mark is refused by the parser
        text = raw.decode("utf-8")
        data = json.loads(text, parse_float=Decimal, parse_constant=_NonFinite)
    except RecursionError:  # the parser's own guard: far deeper than MAX_JSON_DEPTH
        raise validation_error([_too_deep(_where_too_deep(text))]) from None
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        raise invalid_request() from exc
    issues = _edge_issues(data)
    if issues:
        raise validation_error(issues)
    return data


def _too_deep(path: str) -> Issue:
    return Issue(path, f"JSON must not nest arrays and objects more than {MAX_JSON_DEPTH} "
                 "levels deep", "too_big")


def _where_too_deep(text: str) -> str:
    """The path of the first container nested past ``MAX_JSON_DEPTH`` in a document too deep
    for the parser: the text up to it is scanned without recursion, closed with a placeholder
    where that container starts, parsed (it is now shallow enough), and the path of the
    placeholder read off. "" where the text is not JSON up to there."""
    closers: list[str] = []
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            if len(closers) == MAX_JSON_DEPTH:
                shallow = text[:index] + "null" + "".join(reversed(closers))
                break
            closers.append("]" if char == "[" else "}")
        elif char in "]}" and closers:
            closers.pop()
    else:
        return ""
    try:
        node = json.loads(shallow)
    except ValueError:
        return ""
    path: list[str] = []
    while isinstance(node, dict | list) and node:  # the placeholder is the last value of each
        if isinstance(node, dict):
            key = next(reversed(node))
            path.append(key)
            node = node[key]
        else:
            path.append(str(len(node) - 1))
            node = node[-1]
    return ".".join(path)


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _edge_issues(data: Any) -> list[Issue]:
    """Nesting and text problems of parsed JSON, in document order, found without recursion.

    Each stack entry is ``(value, key, parent entry, depth)``: the dotted path is only put
    together for a value that has an issue (the hot path, a valid body, builds none)."""
    issues: list[Issue] = []
    stack: list[tuple[Any, str, Any, int]] = [(data, "", None, 1)]
    while stack:
        entry = stack.pop()
        value, _, _, depth = entry
        if isinstance(value, str):
            if _bad_text(value):
                issues.append(Issue(_path_of(entry), "Text must be Unicode without NUL "
                                    "characters", "invalid_format"))
            continue
        if depth > MAX_JSON_DEPTH:
            issues.append(_too_deep(_path_of(entry)))
            continue
        if isinstance(value, dict):
            children: list[tuple[Any, str, Any, int]] = []
            for key, item in value.items():
                if _bad_text(key):
                    issues.append(Issue(_path_of(entry), "Object keys must be Unicode without "
                                        "NUL characters", "invalid_format"))
                elif isinstance(item, str | dict | list):
                    children.append((item, key, entry, depth + 1))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend((item, str(index), entry, depth + 1)
                         for index, item in reversed(list(enumerate(value)))
                         if isinstance(item, str | dict | list))
    return issues


def _path_of(entry: tuple[Any, str, Any, int]) -> str:
    keys: list[str] = []
    while entry[2] is not None:
        keys.append(entry[1])
        entry = entry[2]
    return ".".join(reversed(keys))


def json_type_name(value: Any) -> str:
    """How a value looks in JSON terms, for "Expected X, received Y" messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | Decimal | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, _NonFinite):
        return value.text
    return "unknown"


_EXPECTED = {
    "string_type": "string",
    "int_type": "integer",
    "int_from_float": "integer",
    "bool_type": "boolean",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "list_type": "array",
    "decimal_type": "number",
    "float_type": "number",
}
_CONTRACT_CODES = {
    "required", "invalid_type", "too_small", "too_big", "invalid_format", "invalid_value",
    "unknown_reference", "duplicate",
}


def _issue(err: ErrorDetails) -> Issue:
    path = ".".join(str(p) for p in err["loc"])
    kind: str = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind in _CONTRACT_CODES:  # our own PydanticCustomError: message already worded for clients
        return Issue(path, err["msg"], cast(IssueCode, kind))
    if kind == "missing":
        return Issue(path, "Required", "required")
    if kind in _EXPECTED:
        return Issue(path, f"Expected {_EXPECTED[kind]}, received {json_type_name(value)}",
                     "invalid_type")
    if kind in ("too_short", "string_too_short"):
        unit = "element(s)" if kind == "too_short" else "character(s)"
        noun = "Array" if kind == "too_short" else "String"
        return Issue(path, f"{noun} must contain at least {ctx.get('min_length')} {unit}",
                     "too_small")
    if kind in ("too_long", "string_too_long"):
        unit = "element(s)" if kind == "too_long" else "character(s)"
        noun = "Array" if kind == "too_long" else "String"
        return Issue(path, f"{noun} must contain at most {ctx.get('max_length')} {unit}",
                     "too_big")
    if kind in ("greater_than", "greater_than_equal"):
        op = "greater than" if kind == "greater_than" else "greater than or equal to"
        return Issue(path, f"Number must be {op} {ctx.get('gt', ctx.get('ge'))}", "too_small")
    if kind in ("less_than", "less_than_equal"):
        op = "less than" if kind == "less_than" else "less than or equal to"
        return Issue(path, f"Number must be {op} {ctx.get('lt', ctx.get('le'))}", "too_big")
    if kind == "string_pattern_mismatch":
        return Issue(path, "Invalid format", "invalid_format")
    if kind in ("literal_error", "enum"):
        return Issue(path, f"Invalid enum value. Expected {ctx.get('expected')}, received "
                     f"{value!r}" if isinstance(value, str) else "Invalid enum value.",
                     "invalid_value")
    if kind == "value_error":  # e.g. the e-mail validator
        return Issue(path, "Invalid format", "invalid_format")
    return Issue(path, "Invalid value", "invalid_value")


def issues_from(exc: ValidationError) -> list[Issue]:
    return [_issue(e) for e in exc.errors(include_url=False)]


def validate_as(model: type[M], data: Any) -> M:
    """Validate parsed JSON against a request model, or raise 400 ``VALIDATION_ERROR``."""
    if not isinstance(data, dict):
        raise validation_error(
            [Issue("", f"Expected object, received {json_type_name(data)}", "invalid_type")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(issues_from(exc)) from None


class RequestModel(BaseModel):
    """Base of every request body: camelCase on the wire, strict types, unknown fields ignored."""

    model_config = ConfigDict(
        strict=True,
        extra="ignore",
        frozen=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
    )


# --- field types --------------------------------------------------------------------------------

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
    parsed = parsed.astimezone(UTC)
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)


TimestampInput = Annotated[datetime, BeforeValidator(_timestamp),
                           WithJsonSchema({"type": "string", "format": "date-time"})]
"""RFC 3339 with an offset; stored in UTC to the millisecond."""
