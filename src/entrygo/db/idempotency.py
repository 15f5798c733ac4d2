"""Where idempotency records live (the mechanism itself is ``api.idempotency``).

A record per (account, key): the request's fingerprint, its state (``in_progress``,
``finishing``, ``completed``), who holds it while it runs, and the stored response.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from entrygo.db.database import Base, UtcDateTime, affected


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"

    account_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(32))
    holder: Mapped[str | None] = mapped_column(String(200))
    """The process working on the request (``kit.process``): once it is known to be gone, the
    marker is abandoned at once rather than when ``locked_until`` passes."""
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    """When the record may be purged: the in-flight deadline, then completion + retention."""


def find(session: Session, account_id: str, key: str, *, lock: bool) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(IdempotencyRecord.account_id == account_id,
                                           IdempotencyRecord.key == key)
    return session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()


def insert(session: Session, record: IdempotencyRecord) -> None:
    session.add(record)
    session.flush()  # a concurrent first request's marker shows now, as an IntegrityError


def update_owned(session: Session, account_id: str, key: str, owner: str,
                 values: dict[str, Any], *, only_in: str | None = None) -> bool:
    """Set ``values`` on the record while ``owner`` holds it (and, given, while its state is
    ``only_in``); whether it did (the marker may have expired and been taken over)."""
    conditions = [IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key,
                  IdempotencyRecord.owner == owner]
    if only_in is not None:
        conditions.append(IdempotencyRecord.state == only_in)
    return affected(session, update(IdempotencyRecord).where(*conditions).values(**values)) == 1


def release(session: Session, account_id: str, key: str, owner: str) -> None:
    session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key,
        IdempotencyRecord.owner == owner))


def purge(session: Session, now: datetime) -> int:
    return affected(session, delete(IdempotencyRecord).where(
        IdempotencyRecord.expires_at <= now))
