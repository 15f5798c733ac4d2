"""The edge of the system: strict JSON parsing and request models with contract-shaped errors.

Bodies are parsed with ``Decimal`` for every non-integer number (money stays exact from the first
byte), ``NaN``/``Infinity`` survive parsing only to be rejected as ``invalid_type``, and
Pydantic's errors become the contract's issue vocabulary (docs/api/contract.md §2.1) with our
own wording, so nothing about the validation library leaks to clients.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, TypeVar, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonDict
from pydantic_core import ErrorDetails, PydanticCustomError

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
    "int_parsing": "integer",  # a query parameter that is not a number
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


def issue_of(err: ErrorDetails, *, skip: tuple[str, ...] = ()) -> Issue:
    """One Pydantic error in the contract's vocabulary (body fields, and query and path
    parameters with their ``skip`` location prefix left out)."""
    path = ".".join(str(p) for p in err["loc"] if p not in skip)
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
    return [issue_of(e) for e in exc.errors(include_url=False)]


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


def not_null_schema(schema: JsonDict) -> None:
    """The published schema of a patch field that may be left out but not sent as null
    (``Field(json_schema_extra=not_null_schema)``, with ``refuse_null`` as its validator)."""
    options = cast(list[JsonDict], schema.pop("anyOf"))
    schema.update(next(o for o in options if o.get("type") != "null"))
    schema.pop("default", None)


def refuse_null(value: Any) -> Any:
    """A ``mode="before"`` validator of a patch field that cannot be cleared: ``null`` is
    refused (``required``), leaving the field out keeps it."""
    if value is None:
        raise PydanticCustomError("required", "Required: it cannot be cleared")
    return value
