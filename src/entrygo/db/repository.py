"""Account-scoped reads every domain repository builds on: no query without the account."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

T = TypeVar("T")


class Page(Protocol):
    """What a list query needs of a page request (``api.pagination.PageParams`` is one)."""

    limit: int
    after_id: str | None


def newest_first(stmt: Select[Any], id_column: Any, page: Page) -> Select[Any]:
    """Order by id descending (ids sort by creation time), after the cursor, one extra row."""
    if page.after_id is not None:
        stmt = stmt.where(id_column < page.after_id)
    return stmt.order_by(id_column.desc()).limit(page.limit + 1)


def get_owned(session: Session, model: type[T], account_id: str, object_id: str) -> T | None:
    """The row with this id in this account, or None: a foreign id looks like a missing one."""
    stmt = select(model).where(model.id == object_id,  # type: ignore[attr-defined]
                               model.account_id == account_id)  # type: ignore[attr-defined]
    return session.scalars(stmt).one_or_none()


def list_owned(session: Session, model: type[T], account_id: str, page: Page,
               *where: ColumnElement[Any]) -> list[T]:
    """A newest-first page (``limit + 1`` rows, for ``page_of``) of this account's rows."""
    stmt = select(model).where(model.account_id == account_id, *where)  # type: ignore[attr-defined]
    return list(session.scalars(newest_first(stmt, model.id, page)))  # type: ignore[attr-defined]
