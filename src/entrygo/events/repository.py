"""The events' storage: appended, given their feed positions at commit, read newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from entrygo.db.repository import Page, Repository
from entrygo.events.models import EventStream, ExportEvent


def append(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert event rows in one statement, in order (their positions come at commit)."""
    session.execute(insert(ExportEvent), rows)


def advance(session: Session, account_id: str, count: int) -> int:
    """Take ``count`` positions of the account's feed: the last one taken. The stream's row
    stays locked until the transaction ends, so positions follow commit order (on SQLite write
    transactions run one at a time anyway)."""
    take = (update(EventStream).where(EventStream.account_id == account_id)
            .values(position=EventStream.position + count).returning(EventStream.position))
    last = session.scalar(take)
    if last is None:  # the account's first event: its stream row, unless another made it
        dialect = session.get_bind().dialect.name
        make = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(EventStream)
        session.execute(make.values(account_id=account_id, position=0)
                        .on_conflict_do_nothing(index_elements=["account_id"]))
        last = session.scalar(take)
    assert last is not None
    return last


def one(session: Session, event_id: str) -> ExportEvent:
    """An event just appended in this transaction (not yet in the feed: no position)."""
    return session.get_one(ExportEvent, event_id)


def place(session: Session, positions: list[dict[str, Any]]) -> None:
    """Set events' positions (``[{"id": …, "position": …}]``)."""
    session.execute(update(ExportEvent), positions)


class EventRepository(Repository[ExportEvent]):
    """The feed as the caller may read it: committed events of the account; a
    warehouse-scoped key sees its warehouse's batches' events and the catalogue and order sync
    summaries."""

    model = ExportEvent
    what = "Event"
    SHARED_WITH_WAREHOUSES = ("PRODUCTS_SYNCED", "ORDERS_SYNCED")

    def restrict(self, stmt: Select[Any]) -> Select[Any]:
        stmt = stmt.where(ExportEvent.position.is_not(None))
        if self.scope.warehouse_id is not None:
            stmt = stmt.where(or_(
                ExportEvent.warehouse_id == self.scope.warehouse_id,
                and_(ExportEvent.batch_id.is_(None),
                     ExportEvent.type.in_(self.SHARED_WITH_WAREHOUSES))))
        return stmt

    def feed(self, page: Page, *, types: list[str], batch_id: str | None,
             created_after: datetime | None) -> list[ExportEvent]:
        """A newest-first page (``limit + 1`` rows) in feed order, after the cursor's event
        (an id: its position, read in the same statement)."""
        where: list[ColumnElement[bool]] = []
        if types:
            where.append(ExportEvent.type.in_(types))
        if batch_id is not None:
            where.append(ExportEvent.batch_id == batch_id)
        if created_after is not None:
            where.append(ExportEvent.occurred_at > created_after)
        if page.after_id is not None:
            cursor = select(ExportEvent.position).where(
                ExportEvent.id == page.after_id,
                ExportEvent.account_id == self.scope.account_id).scalar_subquery()
            where.append(ExportEvent.position < cursor)
        stmt = (self.readable().where(*where).order_by(ExportEvent.position.desc())
                .limit(page.limit + 1))
        return list(self.session.scalars(stmt))
