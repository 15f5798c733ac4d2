"""Recording what happened: events are written in the transaction of the change they describe.

An event row is inserted at once (the transaction reads its own timeline), and gets its place
in the account's feed when the transaction commits: ``_seal`` runs just before the commit,
takes the account's next positions under the ``event_streams`` row lock and fans the events out
to the account's webhook endpoints (their deliveries are outbox rows that commit with the
events). Positions therefore follow commit order: the lock is the last one a transaction takes
and is held to its commit, so a transaction that got a larger position committed later. A
reader paging the feed by position never finds an event appear behind its cursor (see
docs/api/events.md, "Ordering").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from entrygo.events import repository
from entrygo.events.schemas import event_document
from entrygo.kit.clock import utcnow
from entrygo.kit.ids import new_id
from entrygo.webhooks import repository as webhooks

if TYPE_CHECKING:
    from entrygo.auth.context import Caller
    from entrygo.events.schemas import AgentEventCreate

EXPORT_EVENT_TYPES = (
    "EXPORT_PLANNED", "EXPORT_REPLANNED", "EXPORT_BATCH_CREATED", "EXPORT_CANCELLED",
    "CUSTOMS_PACKAGE_CREATED", "CUSTOMS_ARTIFACT_GENERATED", "BROKER_NOTIFIED",
    "BROKER_SUBMISSION_FAILED", "WAREHOUSE_NOTIFIED", "EXPORT_EXECUTED", "EXPORT_FAILED",
    "EXPORT_SUPERSEDED",
)
"""The events of a batch's timeline (what inspect shows)."""
AGENT_EVENT_TYPES = ("AGENT_CALL_REFUSED",)
"""What an automation client reports about itself (``POST /api/agent-events``): a call its
operator's policy refused."""
ACCOUNT_EVENT_TYPES = ("PRODUCTS_SYNCED", "ORDERS_SYNCED", "WEBHOOK_ENDPOINT_DISABLED",
                       *AGENT_EVENT_TYPES)
"""The account's other events: in the feed, not on any batch's timeline."""
EVENT_TYPES = EXPORT_EVENT_TYPES
ALL_EVENT_TYPES = EXPORT_EVENT_TYPES + ACCOUNT_EVENT_TYPES

PENDING = "entrygo.events.pending"
"""``session.info`` key: the events this transaction appended, (account, id, type) in order."""
DELIVERIES = "entrygo.webhooks.deliveries"
"""``session.info`` key: the webhook deliveries the transaction made (for after the commit)."""


def record(session: Session, *, account_id: str, batch_id: str | None = None,
           warehouse_id: str | None = None, request_id: str | None,
           events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Append events (type, data) in order, in one statement, and return their ids. A batch's
    events name it and its warehouse; every event is a change inspect shows: the caller also
    marks the batch changed (``exports.repository.touch``)."""
    if not events:
        return []
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for kind, data in events:
        if kind not in (EXPORT_EVENT_TYPES if batch_id else ACCOUNT_EVENT_TYPES):
            raise ValueError(f"unknown event type {kind}")
        rows.append({"id": new_id("evt"), "account_id": account_id, "batch_id": batch_id,
                     "warehouse_id": warehouse_id, "type": kind, "occurred_at": now,
                     "request_id": request_id, "data": data})
    repository.append(session, rows)
    session.info.setdefault(PENDING, []).extend(
        (account_id, row["id"], row["type"]) for row in rows)
    return [row["id"] for row in rows]


def record_agent_event(session: Session, caller: Caller, body: AgentEventCreate,
                       request_id: str | None) -> dict[str, Any]:
    """Record what an automation client reports (a refused call) in the account's feed, as
    the event document it becomes. The report is the client's own: EntryGo checks its shape,
    not its claims (``exportId`` is kept as sent). A warehouse-scoped key's report belongs to
    its warehouse, so that key reads it back in its feed."""
    [event_id] = record(session, account_id=caller.account_id,
                        warehouse_id=caller.warehouse_id, request_id=request_id,
                        events=[(body.type, body.event_data())])
    return event_document(repository.one(session, event_id))


@event.listens_for(Session, "before_commit")
def _seal(session: Session) -> None:
    """Give the transaction's events their feed positions, account by account (in id order:
    two transactions never wait for each other's streams in a cycle), and make their webhook
    deliveries."""
    pending: list[tuple[str, str, str]] = session.info.pop(PENDING, [])
    if not pending:
        return
    by_account: dict[str, list[tuple[str, str]]] = {}
    for account_id, event_id, kind in pending:
        by_account.setdefault(account_id, []).append((event_id, kind))
    made: list[str] = []
    for account_id in sorted(by_account):
        appended = by_account[account_id]
        last = repository.advance(session, account_id, len(appended))
        first = last - len(appended) + 1
        repository.place(session, [{"id": event_id, "position": first + n}
                                   for n, (event_id, _) in enumerate(appended)])
        made += webhooks.fan_out(session, account_id, appended)
    if made:
        session.info.setdefault(DELIVERIES, []).extend(made)
