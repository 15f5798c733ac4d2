from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from entrygo.db.database import Base, Owned, UtcDateTime
from entrygo.delivery.models import Delivery


class WebhookEndpoint(Base, Owned):
    """Where an account wants its events POSTed, and the secrets they are signed with.

    ``status`` is ``enabled`` or ``disabled`` (``disabled_reason``: ``manual``, or ``failing``
    when EntryGo disabled it after ``webhooks_disable_after_seconds`` of failures since
    ``failing_since``). A rotated secret stays valid, as ``previous_secret``, until
    ``previous_secret_expires_at``. A deleted endpoint keeps its row (``deleted_at``): its
    deliveries' log stays consistent and nothing that refers to it ever has to wait on it.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_account_id_status", "account_id", "status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(500))
    enabled_events: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    disabled_reason: Mapped[str | None] = mapped_column(String(16))
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebhookDelivery(Delivery, Base, Owned):
    """One event for one endpoint: an outbox row like a broker submission. ``message_id`` is
    the event's id, sent as ``webhook-id`` on every attempt (receivers deduplicate by it);
    ``response_status`` and ``duration_ms`` are those of the last attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[str] = mapped_column(ForeignKey("export_events.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    response_status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
