"""Account-scoped reads every domain repository builds on: no query without the account."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from entrygo.kit.pagination import PageParams, newest_first

T = TypeVar("T")


def get_owned(session: Session, model: type[T], account_id: str, object_id: str) -> T | None:
    """The row with this id in this account, or None: a foreign id looks like a missing one."""
    stmt = select(model).where(model.id == object_id,  # type: ignore[attr-defined]
                               model.account_id == account_id)  # type: ignore[attr-defined]
    return session.scalars(stmt).one_or_none()


def list_owned(session: Session, model: type[T], account_id: str, page: PageParams,
               *where: ColumnElement[Any]) -> list[T]:
    """A newest-first page (``limit + 1`` rows, for ``page_of``) of this account's rows."""
    stmt = select(model).where(model.account_id == account_id, *where)  # type: ignore[attr-defined]
    return list(session.scalars(newest_first(stmt, model.id, page)))  # type: ignore[attr-defined]
