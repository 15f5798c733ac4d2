"""The Python SDK of EntryGo: a typed client of any EntryGo server, over HTTP (docs/sdk.md).

    from entrygo.client import EntryGo

    with EntryGo("http://localhost:3000", "shpbndl_live_…") as client:
        orders = client.orders.sync([{"externalId": "ord-ext-1001", ...}])
        plan = client.exports.plan(warehouse_id=..., broker_id=...,
                                   order_ids=[o.id for o in orders])
        if plan.readiness_state != "BLOCKED":
            done = client.exports.execute(plan.export_id, plan_hash=plan.plan_hash)

Requests are checked and answers read with the server's own Pydantic models (``entrygo.*.
schemas``): one definition of every shape. Writes follow the first-export guide's safe retry
rules (``retries``); every ``errorCode`` is an exception class (``errors``).
"""

from entrygo.client._async import AsyncEntryGo, AsyncPager
from entrygo.client._core import new_idempotency_key
from entrygo.client._flows import Until
from entrygo.client._sync import EntryGo, Pager
from entrygo.client.errors import (
    ERRORS_BY_CODE,
    APIConnectionError,
    APITimeoutError,
    ChecksumMismatch,
    DeliveryInProgress,
    EntryGoError,
    ExecuteUnconfirmed,
    ExportBlocked,
    IdempotencyConflict,
    IdempotencyInProgress,
    InternalError,
    InvalidAccountScope,
    InvalidApiKey,
    InvalidDeliveryState,
    InvalidExportState,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    OrderLocked,
    OrdersAlreadyExported,
    PayloadTooLarge,
    PlanHashMismatch,
    PlanStale,
    RateLimited,
    ReviewNotAcknowledged,
    ServiceUnavailable,
    TariffLineNotFound,
    UnexpectedResponse,
    UnsupportedMediaType,
    ValidationFailed,
    WaitFailed,
    WaitTimeout,
    error_class,
)
from entrygo.client.retries import RetryPolicy

__all__ = [
    "ERRORS_BY_CODE", "APIConnectionError", "APITimeoutError", "AsyncEntryGo", "AsyncPager",
    "ChecksumMismatch", "DeliveryInProgress", "EntryGo", "EntryGoError", "ExecuteUnconfirmed",
    "ExportBlocked", "IdempotencyConflict", "IdempotencyInProgress", "InternalError",
    "InvalidAccountScope", "InvalidApiKey", "InvalidDeliveryState", "InvalidExportState",
    "InvalidRequest", "MethodNotAllowed", "NotFound", "OrderLocked", "OrdersAlreadyExported",
    "Pager", "PayloadTooLarge", "PlanHashMismatch", "PlanStale", "RateLimited",
    "RetryPolicy", "ReviewNotAcknowledged", "ServiceUnavailable", "TariffLineNotFound",
    "UnexpectedResponse", "UnsupportedMediaType", "Until", "ValidationFailed", "WaitFailed",
    "WaitTimeout", "error_class", "new_idempotency_key",
]
