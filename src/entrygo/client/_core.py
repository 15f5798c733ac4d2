"""What the two clients share: a request described as a value (``Call``), bodies checked with
the server's own request models before they leave, and answers read with its response models.

The sync and async clients differ only in how they send a ``Call`` and sleep between attempts;
what each endpoint sends and how its answer is read is written once, in ``_calls``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from entrygo import __version__
from entrygo.api.fields import IDEMPOTENCY_KEY_PATTERN
from entrygo.api.validation import RequestModel, issues_from
from entrygo.client.errors import (
    APIConnectionError,
    APITimeoutError,
    EntryGoError,
    UnexpectedResponse,
    ValidationFailed,
)
from entrygo.client.retries import RetryPolicy, is_retryable
from entrygo.kit.errors import ApiError, Issue, validation_error

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

DEFAULT_BASE_URL = "http://localhost:3000"
DEFAULT_TIMEOUT = 60.0
"""Seconds per attempt: execute answers after its emails went out (or after
``ENTRYGO_DELIVERY_WAIT_SECONDS``), and a sync of 1,000 orders is one transaction."""
USER_AGENT = f"entrygo-python/{__version__}"


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API operation: what to send, and how to read a 2xx answer. A write carries its
    idempotency key and its body already serialised, so every attempt sends the same bytes."""

    method: str
    path: str
    read: Callable[[httpx.Response], T]
    params: tuple[tuple[str, str], ...] = ()
    content: bytes | None = None
    idempotency_key: str | None = None

    def headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.content is not None:
            out["content-type"] = "application/json"
        if self.idempotency_key is not None:
            out["idempotency-key"] = self.idempotency_key
        return out


def get(path: str, read: Callable[[httpx.Response], T],
        params: Mapping[str, str | int | None] | None = None,
        repeated: Mapping[str, list[str]] | None = None) -> Call[T]:
    """A read. ``params`` left as None are not sent; ``repeated`` sends a name once per
    value (``?type=A&type=B``)."""
    pairs = [(k, str(v)) for k, v in (params or {}).items() if v is not None]
    pairs += [(k, v) for k, values in (repeated or {}).items() for v in values]
    return Call("GET", path, read, params=tuple(pairs))


def write(method: str, path: str, read: Callable[[httpx.Response], T], body: Mapping[str, Any],
          idempotency_key: str | None) -> Call[T]:
    """A write with its idempotency key: the caller's, or a new UUID4 made now, before the
    first attempt, and kept for every retry."""
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False,
                         allow_nan=False).encode()
    return Call(method, path, read, content=content, idempotency_key=checked_key(idempotency_key))


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def checked_key(key: str | None) -> str:
    """The key to send, refused before sending when the server would refuse it."""
    if key is None:
        return new_idempotency_key()
    if not isinstance(key, str) or not IDEMPOTENCY_KEY_PATTERN.match(key):
        raise local_error(validation_error([Issue(
            "idempotencyKey", "Idempotency key must be 1-255 printable ASCII characters",
            "invalid_format")]))
    return key


def segment(value: str) -> str:
    """An id as one path segment: nothing in it can reach another route."""
    return quote(str(value), safe="")


# --- request bodies ---------------------------------------------------------------------------

def request_body(model: type[RequestModel], fields: Mapping[str, Any]) -> dict[str, Any]:
    """The wire body of a write, checked with the server's request model first.

    ``fields`` use the wire names (``externalId``) or the Python ones (``external_id``), and
    Python values: ``Decimal`` or ``float`` for amounts (a float is sent as the shortest decimal
    that reads back as it, which is what JSON would carry), aware ``datetime`` and ``date``,
    nested request models or mappings. A body the model refuses raises ``ValidationFailed``
    with the issues the server would list, before anything is sent. Fields left out are not
    sent (a patch changes only what it names; ``None`` clears).
    """
    data = plain(dict(fields))
    try:
        validated = model.model_validate(data, by_alias=True, by_name=True)
    except ValidationError as exc:
        raise local_error(validation_error(issues_from(exc))) from None
    body: dict[str, Any] = validated.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return body


def merged(request: Mapping[str, Any] | BaseModel | None, fields: Mapping[str, Any]
           ) -> dict[str, Any]:
    """A request given as a mapping or a model, with keyword fields over it."""
    base = {} if request is None else plain(request)
    if not isinstance(base, dict):
        raise TypeError("a request is a mapping or a request model")
    return {**base, **fields}


def take_key(fields: dict[str, Any], idempotency_key: str | None) -> str | None:
    """The idempotency key, whether passed as the argument or inside the fields (it travels
    in the ``Idempotency-Key`` header, never in the body)."""
    inside = [fields.pop(name) for name in ("idempotencyKey", "idempotency_key")
              if name in fields]
    keys = {k for k in [idempotency_key, *inside] if k is not None}
    if len(keys) > 1:
        raise ValueError("two different idempotency keys given for one request")
    return keys.pop() if keys else None


def with_account(fields: dict[str, Any], account_id: str) -> dict[str, Any]:
    """Every write body names its account (contract: it must be the key's)."""
    given = fields.pop("account_id", None)
    fields.setdefault("accountId", given if given is not None else account_id)
    return fields


def plain(value: Any) -> Any:
    """Python values as what the JSON parser on the server would have made of them."""
    if isinstance(value, BaseModel):
        return plain(value.model_dump(mode="json", by_alias=True, exclude_unset=True))
    if isinstance(value, bool | int | str | Decimal) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else value
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def local_error(error: ApiError) -> ValidationFailed:
    """The server's own ``ApiError`` for a request refused before sending, as the SDK raises
    it (no ``request_id``: nothing was sent)."""
    return ValidationFailed(error.message, status=error.status, code=error.error_code,
                            field=error.field, details=error.details)


# --- answers ----------------------------------------------------------------------------------

def reader(model: type[M]) -> Callable[[httpx.Response], M]:
    """Read a 2xx answer with the server's response model. Fields this version does not know
    (a newer server's) are ignored; a shape the model refuses is ``UnexpectedResponse``."""

    def read(response: httpx.Response) -> M:
        return parse(model, response)

    return read


def parse(model: type[M], response: httpx.Response) -> M:
    try:
        return model.model_validate_json(response.content, extra="ignore")
    except (ValidationError, LookupError) as exc:
        # LookupError: a field left out that only the server, inside a request, can default
        why = repr(exc)
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            why = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        raise UnexpectedResponse(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} with a body that is not a {model.__name__}: {why}",
            status=response.status_code, request_id=response.headers.get("x-request-id"),
            headers=response.headers) from None


def read_json(response: httpx.Response) -> dict[str, Any]:
    """A 2xx answer no response model describes, as parsed JSON."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise UnexpectedResponse(f"{response.request.url.path} did not answer a JSON object",
                                 status=response.status_code,
                                 request_id=response.headers.get("x-request-id"))
    return body


RETRIED_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError,
                            httpx.RemoteProtocolError)
"""No answer arrived, and the same request may be sent again: a timeout, a refused or reset
connection, a connection closed before the answer."""


def connection_error(exc: httpx.TransportError, call: Call[Any]) -> APIConnectionError:
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    what = f"{call.method} {call.path}"
    key = f" (idempotency key {call.idempotency_key})" if call.idempotency_key else ""
    error = kind(f"No answer to {what}{key}: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


def describe(error: EntryGoError) -> str:
    return f"{type(error).__name__}: {error}"


def next_delay(policy: RetryPolicy, error: EntryGoError, retry: int) -> float | None:
    """Seconds before sending ``retry`` again after ``error``, or None: raise it."""
    if retry >= policy.max_retries or not is_retryable(error):
        return None
    return policy.delay(retry, error.retry_after)


def settings_from(base_url: str | None, api_key: str | None) -> tuple[str, str]:
    """The server and key: as given, else ``ENTRYGO_BASE_URL`` and ``ENTRYGO_API_KEY`` (the
    variables the first-export guide sets), else the local default server."""
    url = base_url or os.environ.get("ENTRYGO_BASE_URL") or DEFAULT_BASE_URL
    key = api_key or os.environ.get("ENTRYGO_API_KEY")
    if not key:
        raise ValueError("no API key: pass api_key or set ENTRYGO_API_KEY")
    return url.rstrip("/"), key


def key_is_live(api_key: str) -> bool:
    """A ``shpbndl_test_`` key acts in test mode, any other in live mode. Answers are read in
    the key's mode (``api.wire.acting_in``): what a response model leaves to "the request's
    mode" (``livemode``) is the mode of the key that asked, as on the server."""
    return not api_key.startswith("shpbndl_test_")


def client_headers(api_key: str, extra: Mapping[str, str] | None) -> dict[str, str]:
    return {"authorization": f"Bearer {api_key}", "user-agent": USER_AGENT,
            "accept": "application/json", **(extra or {})}


def without_none(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}
