"""Every error the SDK raises: one class per ``errorCode`` of the contract, plus the failures
that happen on the client's side (no answer, a download whose bytes do not match, an execute
whose outcome could not be confirmed, a wait that ran out).

Branch on the class (or on ``status``, then ``code``, then ``field``/``details``), never on
``message``: its wording may change in any release. Codes this version does not know (a newer
server's) arrive as the base class ``EntryGoError`` with their ``code`` set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from entrygo.kit.errors import Issue, IssueCode
from entrygo.tariff.schemas import TariffLineBrief

if TYPE_CHECKING:
    from entrygo.exports.schemas import InspectOut

_BY_CODE: dict[str, type[EntryGoError]] = {}


class EntryGoError(Exception):
    """Base of every SDK error. For an answer from the server: its HTTP ``status``, the
    envelope's ``code`` (``errorCode``), ``message``, ``field``, ``details`` and ``request_id``
    (also the ``X-Request-Id`` header: quote it when reporting a problem)."""

    error_code: str | None = None
    """The ``errorCode`` a subclass stands for (None on the base and client-side errors)."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 field: str | None = None, details: Mapping[str, Any] | None = None,
                 request_id: str | None = None, headers: Mapping[str, str] | None = None
                 ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code if code is not None else self.error_code
        self.field = field
        self.details: dict[str, Any] = dict(details or {})
        self.request_id = request_id
        self.headers: dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}

    def __init_subclass__(cls, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.error_code = code
            _BY_CODE[code] = cls

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (``Retry-After``), when it did."""
        return retry_after_seconds(self.headers.get("retry-after"))

    def __str__(self) -> str:
        head = " ".join(str(p) for p in (self.status, self.code) if p is not None)
        where = f" (field {self.field})" if self.field else ""
        request = f" [requestId {self.request_id}]" if self.request_id else ""
        return f"{head + ': ' if head else ''}{self.message}{where}{request}"

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
                f"message={self.message!r}, field={self.field!r}, "
                f"request_id={self.request_id!r})")


# --- one class per errorCode (docs/api/errors.md) --------------------------------------------

class InvalidRequest(EntryGoError, code="INVALID_REQUEST"):
    """400: the body was not JSON (or the request not HTTP): fix the serialisation."""


class ValidationFailed(EntryGoError, code="VALIDATION_ERROR"):
    """400: the body or a parameter fails the schema or a reference check; ``issues`` lists
    every problem. Also raised before sending, with the same issues the server would list,
    when a request does not pass the server's own request model (``request_id`` is None)."""

    @property
    def issues(self) -> list[Issue]:
        found = self.details.get("issues")
        if not isinstance(found, list):
            return []
        return [Issue(str(i.get("path", "")), str(i.get("message", "")),
                      _issue_code(i.get("code"))) for i in found if isinstance(i, dict)]


def _issue_code(value: Any) -> IssueCode:
    known: tuple[IssueCode, ...] = ("required", "invalid_type", "too_small", "too_big",
                                    "invalid_format", "invalid_value", "unknown_reference",
                                    "duplicate")
    return next((k for k in known if k == value), "invalid_value")


class InvalidApiKey(EntryGoError, code="INVALID_API_KEY"):
    """401: the key is missing, malformed, unknown, revoked or expired. Retrying never helps."""


class InvalidAccountScope(EntryGoError, code="INVALID_ACCOUNT_SCOPE"):
    """403: ``field`` names the value outside the key's account or warehouse."""


class NotFound(EntryGoError, code="NOT_FOUND"):
    """404: no such route, or no such object in the caller's account."""


class TariffLineNotFound(NotFound, code="TARIFF_LINE_NOT_FOUND"):
    """404 on a tariff line lookup; ``suggestions`` are the closest statistical lines."""

    @property
    def suggestions(self) -> list[TariffLineBrief]:
        return [TariffLineBrief.model_validate(s, extra="ignore")
                for s in self.details.get("suggestions") or [] if isinstance(s, dict)]


class MethodNotAllowed(EntryGoError, code="METHOD_NOT_ALLOWED"):
    """405: a client bug (the route exists with another method)."""


class IdempotencyConflict(EntryGoError, code="IDEMPOTENCY_CONFLICT"):
    """409: the idempotency key was used for a different request. Never retried: find out
    why the payload changed under the same key."""


class IdempotencyInProgress(EntryGoError, code="IDEMPOTENCY_IN_PROGRESS"):
    """409: the first request with this key is still running. Retried after ``Retry-After``;
    raised only once the retries are used up."""


class InvalidExportState(EntryGoError, code="INVALID_EXPORT_STATE"):
    """409: the batch cannot make this transition; ``current_state`` is where it is."""

    @property
    def current_state(self) -> str | None:
        return _text(self.details.get("currentState"))


class PlanStale(EntryGoError, code="PLAN_STALE"):
    """409: the data under the plan changed since planning: re-plan, review, execute the new
    ``planHash``."""

    @property
    def stored_plan_hash(self) -> str | None:
        return _text(self.details.get("storedPlanHash"))

    @property
    def current_plan_hash(self) -> str | None:
        return _text(self.details.get("currentPlanHash"))


class PlanHashMismatch(EntryGoError, code="PLAN_HASH_MISMATCH"):
    """409: the batch was re-planned since the ``planHash`` sent was reviewed."""

    @property
    def stored_plan_hash(self) -> str | None:
        return _text(self.details.get("storedPlanHash"))

    @property
    def provided_plan_hash(self) -> str | None:
        return _text(self.details.get("providedPlanHash"))


class ExportBlocked(EntryGoError, code="EXPORT_BLOCKED"):
    """409: execute on a BLOCKED plan; ``blocking_codes`` say what to fix."""

    @property
    def blocking_codes(self) -> list[str]:
        return _texts(self.details.get("blockingCodes"))


class ReviewNotAcknowledged(EntryGoError, code="REVIEW_NOT_ACKNOWLEDGED"):
    """409: the account requires every warning code to be acknowledged at execute."""

    @property
    def unacknowledged_codes(self) -> list[str]:
        return _texts(self.details.get("unacknowledgedCodes"))


class OrdersAlreadyExported(EntryGoError, code="ORDERS_ALREADY_EXPORTED"):
    """409: ``order_ids`` were exported in another batch: re-plan (they are then excluded)."""

    @property
    def order_ids(self) -> list[str]:
        return _texts(self.details.get("orderIds"))


class OrderLocked(EntryGoError, code="ORDER_LOCKED"):
    """409: a sync would change orders of an executed batch (``external_ids``)."""

    @property
    def external_ids(self) -> list[str]:
        return _texts(self.details.get("externalIds"))


class DeliveryInProgress(EntryGoError, code="DELIVERY_IN_PROGRESS"):
    """409: another delivery attempt holds the submission or webhook delivery. Not retried
    blindly: inspect first, as the guide says."""


class InvalidDeliveryState(EntryGoError, code="INVALID_DELIVERY_STATE"):
    """409: the webhook delivery was already sent, or its endpoint is disabled."""


class PayloadTooLarge(EntryGoError, code="PAYLOAD_TOO_LARGE"):
    """413: split the request."""


class UnsupportedMediaType(EntryGoError, code="UNSUPPORTED_MEDIA_TYPE"):
    """415: a write without a JSON body (the SDK always sends one)."""


class RateLimited(EntryGoError, code="RATE_LIMITED"):
    """429: the key's rate limit; retried after ``Retry-After``, raised once retries are used
    up (or when the wait asked for is longer than the client is willing to sleep)."""


class InternalError(EntryGoError, code="INTERNAL_ERROR"):
    """500: retried with the same idempotency key; report ``request_id`` if it persists."""


class ServiceUnavailable(EntryGoError, code="SERVICE_UNAVAILABLE"):
    """503: the database is unreachable; retried with backoff."""


ERRORS_BY_CODE: Mapping[str, type[EntryGoError]] = MappingProxyType(_BY_CODE)
"""Every ``errorCode`` this SDK knows, with its class."""


def error_class(code: str | None) -> type[EntryGoError]:
    """The class for an ``errorCode``; the base class for a code this version does not know."""
    return _BY_CODE.get(code or "", EntryGoError)


# --- failures on the client's side ----------------------------------------------------------

class APIConnectionError(EntryGoError):
    """No answer: the connection failed, was cut, or timed out, on every attempt. A write may
    or may not have happened; sending it again with the same idempotency key is safe."""


class APITimeoutError(APIConnectionError):
    """The server did not answer in time (on every attempt)."""


class UnexpectedResponse(EntryGoError):
    """The server answered something that is not the contract's shape (a proxy's error page,
    a body the response model does not accept)."""


class ChecksumMismatch(EntryGoError):
    """Downloaded bytes whose sha256 is not the artifact's recorded digest. Nothing was
    written to the destination."""

    def __init__(self, message: str, *, expected: str, actual: str,
                 request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.expected = expected
        self.actual = actual


class ExecuteUnconfirmed(EntryGoError):
    """An execute whose answer never arrived (every attempt, with one idempotency key, ended
    without a definite answer), and whose batch inspect does not show COMPLETED with the plan
    sent. ``current_state`` is what inspect showed (None when inspect failed too); ``cause``
    the last attempt's error (its status and code, if any).

    PLANNED or EXECUTING: the execute may still be running or may never have arrived; calling
    ``execute`` again with the same ``idempotency_key`` is safe (it replays or completes the
    original, never a second package). CANCELLED, FAILED, SUPERSEDED, or COMPLETED with another
    ``planHash``: the batch will not execute with this plan; stop and report."""

    def __init__(self, message: str, *, batch_id: str, idempotency_key: str,
                 inspected: InspectOut | None, cause: EntryGoError) -> None:
        super().__init__(message, request_id=cause.request_id)
        self.batch_id = batch_id
        self.idempotency_key = idempotency_key
        self.inspected = inspected
        self.cause = cause

    @property
    def current_state(self) -> str | None:
        return None if self.inspected is None else str(self.inspected.state)


class WaitFailed(EntryGoError):
    """``exports.wait`` stopped without its condition: the batch reached a final state from
    which the states waited for cannot follow. ``inspected`` is the last inspect."""

    def __init__(self, message: str, *, inspected: InspectOut | None) -> None:
        super().__init__(message)
        self.inspected = inspected

    @property
    def current_state(self) -> str | None:
        return None if self.inspected is None else str(self.inspected.state)


class WaitTimeout(WaitFailed):
    """``exports.wait`` ran out of time; ``inspected`` is the last inspect, if any."""


# --- reading an error response ----------------------------------------------------------------

def error_from_response(status: int, content: bytes, headers: Mapping[str, str]
                        ) -> EntryGoError:
    """The typed error of a non-2xx answer: the envelope's code picks the class. A body that
    is not the envelope (a proxy's page) gives the base class with the status only."""
    request_id = headers.get("x-request-id")
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("errorCode"), str):
        text = content[:200].decode("utf-8", "replace").strip()
        return EntryGoError(f"HTTP {status} without an EntryGo error body"
                            + (f": {text}" if text else ""), status=status,
                            request_id=request_id, headers=headers)
    code: str = body["errorCode"]
    details = body.get("details")
    return error_class(code)(
        str(body.get("message", "")), status=status, code=code,
        field=_text(body.get("field")),
        details=details if isinstance(details, dict) else None,
        request_id=_text(body.get("requestId")) or request_id, headers=headers)


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _texts(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
