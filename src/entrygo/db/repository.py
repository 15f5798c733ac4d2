"""The repository base every domain builds on: reads that take the caller's scope.

A domain repository is constructed with a session and the caller's ``Scope`` (the account,
and the warehouse of a warehouse-scoped key), and every query it offers starts from
``readable()``, which already carries both. A query without scope cannot be written through it:
a foreign id looks like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, inspect, select
from sqlalchemy.orm import Session

T = TypeVar("T")


class Scope(Protocol):
    """Whose data a query may see (``auth.context.Caller`` is one)."""

    @property
    def account_id(self) -> str: ...

    @property
    def warehouse_id(self) -> str | None: ...


@dataclass(frozen=True)
class AccountScope:
    """The whole account (the command line; checks that must tell 403 from 404)."""

    account_id: str
    warehouse_id: str | None = None


class Page(Protocol):
    """What a list query needs of a page request (``api.pagination.PageParams`` is one)."""

    limit: int
    after_id: str | None


def newest_first(stmt: Select[Any], id_column: Any, page: Page) -> Select[Any]:
    """Order by id descending (ids sort by creation time), after the cursor, one extra row."""
    if page.after_id is not None:
        stmt = stmt.where(id_column < page.after_id)
    return stmt.order_by(id_column.desc()).limit(page.limit + 1)


class Repository(Generic[T]):
    """Reads of one table, scoped. Subclasses name the ``model`` and may ``restrict`` further
    (a warehouse-scoped key sees only its warehouse's rows)."""

    model: ClassVar[type[Any]]
    what: ClassVar[str]
    """What a missing row is called in a 404 ("Order")."""

    def __init__(self, session: Session, scope: Scope) -> None:
        self.session = session
        self.scope = scope
        self.columns = inspect(self.model).c

    def restrict(self, stmt: Select[Any]) -> Select[Any]:
        return stmt

    def readable(self) -> Select[Any]:
        """Every row the scope may see: the account's, restricted by ``restrict``."""
        return self.restrict(select(self.model).where(
            self.columns.account_id == self.scope.account_id))

    def get(self, object_id: str) -> T | None:
        return self.session.scalars(
            self.readable().where(self.columns.id == object_id)).one_or_none()

    def all(self, *where: ColumnElement[bool]) -> list[T]:
        """Every readable row (oldest first): for the command line, not for the API."""
        return list(self.session.scalars(self.readable().where(*where)
                                          .order_by(self.columns.id)))

    def add(self, row: T) -> T:
        """Insert a new row of the scope's account (checked), flushed so it can be referred to."""
        if getattr(row, "account_id", None) != self.scope.account_id:
            raise ValueError("a repository adds rows of its own account only")
        self.session.add(row)
        self.session.flush()
        return row

    def page(self, page: Page, *where: ColumnElement[bool]) -> list[T]:
        """A newest-first page (``limit + 1`` rows, for ``api.pagination.page_of``)."""
        stmt = newest_first(self.readable().where(*where), self.columns.id, page)
        return list(self.session.scalars(stmt))
