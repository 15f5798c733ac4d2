"""Storage: one code path for SQLite (embedded default) and PostgreSQL.

SQLite gets WAL, foreign keys and a busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so two writers queue on the lock instead of failing on upgrade. Services
receive a ``Session`` and never commit; ``Database.write`` commits once at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import BigInteger, DateTime, Engine, MetaData, Table, create_engine, event, insert
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeDecorator

from entrygo.kit.files import private_sqlite_file
from entrygo.kit.modes import is_live

T = TypeVar("T")
INSERT_PAGE = 10_000
"""Rows per multi-row INSERT: a 1,000-order sync inserts its lines in one statement."""

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Owned:
    """A row of an account partition: live or test mode, as its ``account_id`` says
    (``kit.modes``), answered as ``livemode`` by every object's response."""

    @property
    def livemode(self) -> bool:
        return is_live(cast(str, self.account_id))  # type: ignore[attr-defined]


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python on both backends (SQLite stores naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ScaledDecimal(TypeDecorator[Decimal]):
    """An exact decimal stored as a scaled integer, identical on SQLite and PostgreSQL."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places

    def process_bind_param(self, value: Decimal | int | None, dialect: Any) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value).scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).scaleb(-self.places)


def retryable(exc: DBAPIError) -> bool:
    """A transaction that lost a race and may simply run again: a concurrent insert of the same
    unique key, or PostgreSQL breaking a deadlock or a serialization conflict."""
    if isinstance(exc, IntegrityError):
        return True
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported database backend {name!r}: use sqlite or postgresql")
    return name


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None for PostgreSQL and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def build_engine(url: str, *, busy_timeout_ms: int = 30_000, pool_size: int = 10) -> Engine:
    backend = backend_of(url)
    if backend == "sqlite":
        database = sqlite_path(url)
        if database is not None:
            private_sqlite_file(database)
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            pool_size=pool_size,
            max_overflow=pool_size,
            insertmanyvalues_page_size=INSERT_PAGE,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            write = conn.get_execution_options().get("entrygo_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         insertmanyvalues_page_size=INSERT_PAGE)


IN_CHUNK = 10_000
"""Ids per ``IN (...)`` list: far below SQLite's and PostgreSQL's parameter limits."""


def chunked(values: Sequence[str]) -> Iterator[Sequence[str]]:
    """``values`` in slices of at most ``IN_CHUNK``, for ``column.in_(...)`` queries."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start:start + IN_CHUNK]


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in one ``executemany``.

    On SQLite this goes straight to the driver with each column's own bind processing (the
    same conversions SQLAlchemy applies), skipping per-call statement construction, which is
    most of the cost of a 3,000-row insert there; elsewhere it is a plain Core insert (which
    PostgreSQL batches into multi-row VALUES).
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    keys = list(rows[0])
    columns = [table.c[key] for key in keys]
    # the processor SQLAlchemy itself applies, the dialect's own included (the public
    # ``bind_processor`` of a TypeDecorator leaves out SQLite's DATETIME text format)
    processors = [column.type._cached_bind_processor(dialect) for column in columns]
    sql = (f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    pairs = list(zip(keys, processors, strict=True))
    connection.exec_driver_sql(sql, [tuple(p(row[k]) if p else row[k] for k, p in pairs)
                                     for row in rows])


def affected(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed (for conditional writes)."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


class Database:
    """The engine plus the two ways a unit of work runs: ``read()`` and ``write()``."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 30_000, pool_size: int = 10) -> None:
        self.url = url
        self.backend = backend_of(url)
        self.engine = build_engine(url, busy_timeout_ms=busy_timeout_ms, pool_size=pool_size)
        self._write_engine = self.engine.execution_options(entrygo_write=True)
        self.after_commit: list[Callable[[dict[str, Any]], None]] = []
        """Called with a write's ``session.info`` once it committed (webhook deliveries the
        transaction made are attempted from there)."""

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A unit of work that only reads (on SQLite: one snapshot for all its statements)."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction; committed once when the block ends without an exception, then
        the ``after_commit`` hooks."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session
            for hook in self.after_commit:
                hook(session.info)

    def transact(self, work: Callable[[Session], T], *, attempts: int = 3) -> T:
        """Run ``work`` in a write transaction, re-running it if it lost a race (see
        ``retryable``). ``work`` must only touch the database, so a re-run is safe."""
        for attempt in range(attempts):
            try:
                with self.write() as session:
                    return work(session)
            except DBAPIError as exc:
                if attempt == attempts - 1 or not retryable(exc):
                    raise
        raise AssertionError("unreachable")

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
