"""Webhook endpoints and their deliveries as stored.

Endpoints are read in the caller's scope (``EndpointRepository``); a delivery through its
endpoint, once that was found in scope. The sender reads and writes deliveries by their own ids,
for every account (as ``delivery.repository`` does for emails).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, insert, or_, select, update
from sqlalchemy.orm import Session

from entrygo.db.database import affected
from entrygo.db.repository import Page, Repository, newest_first
from entrygo.events.models import ExportEvent
from entrygo.kit.clock import utcnow
from entrygo.kit.ids import new_id
from entrygo.webhooks.models import WebhookDelivery, WebhookEndpoint

PENDING = ("queued", "retrying")
ENABLED, DISABLED = "enabled", "disabled"


class EndpointRepository(Repository[WebhookEndpoint]):
    model = WebhookEndpoint
    what = "Webhook endpoint"

    def restrict(self, stmt: Select[Any]) -> Select[Any]:
        return stmt.where(WebhookEndpoint.deleted_at.is_(None))

    def for_update(self, endpoint_id: str) -> WebhookEndpoint | None:
        """One of the account's endpoints, its row locked until the commit (re-read as it is
        now)."""
        return self.session.scalars(
            self.readable().where(WebhookEndpoint.id == endpoint_id).with_for_update()
            .execution_options(populate_existing=True)).one_or_none()

    def deliveries(self, endpoint_id: str, page: Page) -> list[WebhookDelivery]:
        """A newest-first page of an endpoint of the scope's deliveries."""
        stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id,
                                             WebhookDelivery.account_id == self.scope.account_id)
        return list(self.session.scalars(newest_first(stmt, WebhookDelivery.id, page)))

    def delivery(self, endpoint_id: str, delivery_id: str) -> WebhookDelivery | None:
        return self.session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.account_id == self.scope.account_id)).one_or_none()


def fan_out(session: Session, account_id: str, events: list[tuple[str, str]]) -> list[str]:
    """A queued delivery of each event (id, type) to each enabled endpoint of the account
    that asked for its type. Returns the deliveries' ids."""
    endpoints = session.execute(select(WebhookEndpoint.id, WebhookEndpoint.enabled_events).where(
        WebhookEndpoint.account_id == account_id, WebhookEndpoint.status == ENABLED,
        WebhookEndpoint.deleted_at.is_(None)).order_by(WebhookEndpoint.id)).all()
    if not endpoints:
        return []
    now = utcnow()
    rows = [{"id": new_id("whd"), "account_id": account_id, "endpoint_id": endpoint.id,
             "event_id": event_id, "event_type": kind, "status": "queued",
             "message_id": event_id, "attempts": 0, "created_at": now, "updated_at": now}
            for event_id, kind in events for endpoint in endpoints
            if "*" in endpoint.enabled_events or kind in endpoint.enabled_events]
    if rows:
        session.execute(insert(WebhookDelivery), rows)
    return [row["id"] for row in rows]


def cancel_pending(session: Session, endpoint_id: str, reason: str) -> None:
    """The endpoint is gone: what it still had to receive fails, and is never attempted."""
    now = utcnow()
    session.execute(update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status.in_(PENDING))
        .values(status="failed", error_message=reason, next_attempt_at=None, updated_at=now))


# --- the sender's queries -----------------------------------------------------------------------

def attempt_of(session: Session, delivery_id: str
               ) -> tuple[WebhookDelivery, WebhookEndpoint, ExportEvent]:
    """A claimed delivery with its endpoint and event."""
    delivery = session.get_one(WebhookDelivery, delivery_id)
    return (delivery, session.get_one(WebhookEndpoint, delivery.endpoint_id),
            session.get_one(ExportEvent, delivery.event_id))


def due(session: Session, now: datetime, limit: int
        ) -> list[tuple[str, datetime | None, str | None]]:
    """Deliveries due for an attempt to endpoints that are enabled, with their lease."""
    return [(row.id, row.lease_until, row.lease_owner) for row in session.execute(
        select(WebhookDelivery.id, WebhookDelivery.lease_until, WebhookDelivery.lease_owner)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status.in_(PENDING),
               or_(WebhookDelivery.next_attempt_at.is_(None),
                   WebhookDelivery.next_attempt_at <= now),
               WebhookEndpoint.status == ENABLED, WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookDelivery.id).limit(limit))]


def endpoint_succeeded(session: Session, endpoint_id: str) -> None:
    session.execute(update(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_not(None))
        .values(failing_since=None))


def endpoint_failed(session: Session, endpoint_id: str, now: datetime,
                    disable_after: timedelta) -> WebhookEndpoint | None:
    """Note a failure (the first of a streak starts it); when the streak has lasted
    ``disable_after``, disable the endpoint. Returns the endpoint if this call disabled it
    (of concurrent failures exactly one does)."""
    session.execute(update(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_(None))
        .values(failing_since=now))
    disabled = affected(session, update(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.status == ENABLED,
        WebhookEndpoint.deleted_at.is_(None),
        WebhookEndpoint.failing_since <= now - disable_after).values(
        status=DISABLED, disabled_reason="failing", disabled_at=now, updated_at=now))
    return session.get_one(WebhookEndpoint, endpoint_id, populate_existing=True) \
        if disabled else None
