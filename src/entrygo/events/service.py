"""Recording what happened: events are written in the transaction of the change they describe."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from entrygo.events import repository
from entrygo.kit.clock import utcnow
from entrygo.kit.ids import new_id

EVENT_TYPES = (
    "EXPORT_PLANNED", "EXPORT_REPLANNED", "EXPORT_BATCH_CREATED", "EXPORT_CANCELLED",
    "CUSTOMS_PACKAGE_CREATED", "CUSTOMS_ARTIFACT_GENERATED", "BROKER_NOTIFIED",
    "BROKER_SUBMISSION_FAILED", "WAREHOUSE_NOTIFIED", "EXPORT_EXECUTED", "EXPORT_FAILED",
    "EXPORT_SUPERSEDED",
)


def record(session: Session, *, account_id: str, batch_id: str, request_id: str | None,
           events: list[tuple[str, dict[str, Any]]]) -> None:
    """Append events (type, data) to a batch's timeline, in order, in one statement. Every
    event is a change inspect shows: the caller also marks the batch changed
    (``exports.repository.touch``)."""
    if not events:
        return
    now = utcnow()
    rows = []
    for kind, data in events:
        if kind not in EVENT_TYPES:
            raise ValueError(f"unknown event type {kind}")
        rows.append({"id": new_id("evt"), "account_id": account_id, "batch_id": batch_id,
                     "type": kind, "occurred_at": now, "request_id": request_id,
                     "data": data})
    repository.append(session, rows)
