"""Shared parts of the benchmarks: throw-away databases, a live server, timing, reporting."""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from entrygo.config import Settings
from entrygo.db.database import Database
from entrygo.db.migrate import upgrade

PG_ADMIN_URL = os.environ.get("ENTRYGO_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SEED = 20261127


@dataclass
class Backend:
    name: str
    url: str
    settings: Settings
    db: Database


@contextlib.contextmanager
def backend(name: str) -> Iterator[Backend]:
    """A fresh, migrated database of the given kind, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="entrygo-bench-") as tmp:
        data = Path(tmp)
        if name == "sqlite":
            url = f"sqlite:///{data / 'bench.db'}"
            drop: Callable[[], None] = lambda: None  # noqa: E731
        else:
            dbname = f"entrygo_bench_{os.getpid()}_{secrets.token_hex(3)}"
            admin_dsn = make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(
                hide_password=False)
            with psycopg.connect(admin_dsn, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{dbname}"')
            url = make_url(PG_ADMIN_URL).set(database=dbname).render_as_string(
                hide_password=False)

            def drop() -> None:
                with psycopg.connect(admin_dsn, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        upgrade(url)
        settings = Settings(database_url=url, data_dir=data, secret_key="bench-secret",
                            auto_migrate=False)
        db = Database(url)
        try:
            yield Backend(name, url, settings, db)
        finally:
            db.dispose()
            drop()


def postgres_available() -> bool:
    dsn = make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(
        hide_password=False)
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def rng() -> random.Random:
    return random.Random(SEED)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def report(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")
