from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from entrygo.db.database import Base, Owned, UtcDateTime


class Delivery:
    """Columns shared by everything EntryGo sends: the outbox row is the delivery's state.

    ``status`` is what clients see (queued, sent, retrying, failed); ``lease_until`` is how one
    sender at a time claims a row, and ``lease_owner`` which process holds it
    (``kit.process.holder_id``). A crashed sender's lease runs out and the row is retried with
    the same Message-ID; on the sender's own machine it is taken over at once.
    """

    status: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error_message: Mapped[str | None] = mapped_column(Text)
    transport: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BrokerSubmission(Delivery, Base, Owned):
    """The customs package sent to the broker by email, every artifact attached."""

    __tablename__ = "broker_submissions"
    __table_args__ = (Index("ix_broker_submissions_status_next", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    batch_id: Mapped[str] = mapped_column(ForeignKey("export_batches.id"), unique=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("customs_packages.id"))
    submission_type: Mapped[str] = mapped_column(String(16))
    recipient_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))


class Notification(Delivery, Base, Owned):
    """A partner notification (the warehouse hears that its batch was executed)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_next", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    batch_id: Mapped[str] = mapped_column(ForeignKey("export_batches.id"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
