from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from entrygo.db.database import Base, Owned, UtcDateTime


class ExportEvent(Base, Owned):
    """Everything an account's history records, appended, never changed: a batch's timeline
    (``batch_id`` set) and the account's other events (sync summaries, a webhook endpoint
    disabled).

    ``position`` is the event's place in the account's feed, in commit order: it is given at
    commit, under the account's ``EventStream`` lock (``events.service``), so a reader that sees
    an event at position p sees every event before it. ``warehouse_id`` is the warehouse of the
    batch, for the feed of a warehouse-scoped key.
    """

    __tablename__ = "export_events"
    __table_args__ = (Index("ix_export_events_account_position", "account_id", "position",
                            unique=True),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("export_batches.id"), index=True)
    warehouse_id: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    request_id: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int | None] = mapped_column(BigInteger)


class EventStream(Base):
    """The last feed position given out per account. Its row is what appending transactions
    of one account queue on, for the moment between taking their positions and committing."""

    __tablename__ = "event_streams"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
