"""Test fixtures: every storage-touching test runs once on SQLite and once on PostgreSQL.

PostgreSQL tests get a throw-away database per test session (and per xdist worker), so runs never
collide. When PostgreSQL cannot be reached they are skipped, unless
``ENTRYGO_TEST_REQUIRE_POSTGRES=1`` (set by ``.ci/run``), which makes that a failure.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from entrygo.app import create_app
from entrygo.config import Settings
from entrygo.db.database import Database
from entrygo.db.migrate import upgrade
from tests.support import TEST_SECRET, Api, World, wipe

BACKENDS = ["sqlite", "postgresql"]
ADMIN_URL = os.environ.get("ENTRYGO_TEST_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("ENTRYGO_TEST_REQUIRE_POSTGRES", "") not in ("", "0", "false")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped afterwards."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"entrygo_test_{worker}_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = psycopg.connect(_libpq(ADMIN_URL), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (ENTRYGO_TEST_REQUIRE_POSTGRES) but "
                        f"unreachable at {make_url(ADMIN_URL).render_as_string()}: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'entrygo.db'}"
    upgrade(url)
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{backend}_url")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # auth_cache_seconds=0: tests that revoke a key see it rejected at once (the cache itself
    # has its own test, and live server processes keep the default); webhook receivers in
    # tests listen on loopback, over http
    return Settings(database_url=database_url, data_dir=tmp_path / "data",
                    secret_key=TEST_SECRET, auto_migrate=False, auth_cache_seconds=0,
                    webhooks_allow_http_loopback=True)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.resolved_database_url)
    yield database
    wipe(database)
    database.dispose()


@pytest.fixture
def app(settings: Settings, db: Database) -> Any:
    application = create_app(settings)
    yield application
    application.state.db.dispose()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def world(db: Database, settings: Settings) -> World:
    """Accounts, keys, warehouses, brokers and products made directly through the services."""
    return World(db, settings)


@pytest.fixture
def api(client: TestClient, world: World) -> Api:
    """A client authenticated as a fresh account with a warehouse, a broker and a live key."""
    return world.tenant(client)


# --- a per-backend count in the summary ----------------------------------------------------------

def pytest_terminal_summary(terminalreporter: Any) -> None:
    counts = {b: {"passed": 0, "failed": 0, "skipped": 0} for b in BACKENDS}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if getattr(report, "when", "call") != "call" and outcome == "passed":
                continue
            tokens = set(re.split(r"[\[\]\-]", nodeid.partition("[")[2]))
            for b in BACKENDS:
                if b in tokens:
                    counts[b]["failed" if outcome == "error" else outcome] += 1
    terminalreporter.section("storage backends")
    for b, c in counts.items():
        terminalreporter.write_line(
            f"{b}: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped")


# --- a real server process -----------------------------------------------------------------------

@pytest.fixture
def live_server(settings: Settings, db: Database, tmp_path: Path) -> Iterator[Any]:
    """Start ``entrygo serve`` as a separate process on a free port, against the test database.

    Returns a function taking extra ``ENTRYGO_*`` environment and giving the base URL; every
    server started is stopped after the test.
    """
    from tests.support import ServerProcess

    servers: list[ServerProcess] = []

    def start(**env: str) -> str:
        server = ServerProcess(settings, tmp_path / f"server-{len(servers)}.log", env)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def http_server(settings: Settings, db: Database) -> Iterator[Any]:
    """The service over real HTTP in a thread of this process (``live_server``'s signature):
    for clients that need a server on the network but never kill it."""
    from tests.support import ServerThread

    servers: list[ServerThread] = []

    def start(**env: str) -> str:
        server = ServerThread(settings, env)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def smtp() -> Iterator[Any]:
    """A real SMTP server on loopback; the app under test is pointed at it by ``smtp_app``."""
    from tests.support import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()
