"""Helpers for tests: build a world of accounts and keys, talk to the API as one tenant."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select, text

from entrygo.accounts.models import Account
from entrygo.api.validation import parse_json, validate_as
from entrygo.auth.keys import issue_key
from entrygo.config import Settings
from entrygo.db.database import Database
from entrygo.importers.models import Importer
from entrygo.kit.clock import utcnow
from entrygo.kit.ids import new_id
from entrygo.kit.modes import public_account_id, test_partition
from entrygo.models import metadata
from entrygo.setup import service as setup
from entrygo.setup.schemas import BrokerCreate, WarehouseCreate

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


DEFAULT_IMPORTER_NUMBER = "12-3456789"
DEFAULT_IMPORTER_ADDRESS = {"address1": "1 Harbor Way", "address2": None, "city": "Buffalo",
                            "region": "NY", "postalCode": "14202", "country": "US"}
DEFAULT_SHIPMENT = {"modeOfTransport": "truck", "portOfEntry": "0901",
                    "carrier": {"scac": "EGTR", "name": "EntryGo Test Trucking"}}
"""What every test tenant is set up with, as the demo is: a default importer of record and a
warehouse whose default shipment is a truck via Buffalo-Niagara Falls."""


def product(external_id: str = "SKU-1", **overrides: Any) -> dict[str, Any]:
    """A product with complete customs data (override any field)."""
    base = {
        "externalId": external_id,
        "title": "Stainless steel saucepan, 1 l",
        "customsDescription": "Saucepan of stainless steel for stove-top cooking, 1 litre",
        "htsCode": "7323.93.0045",
        "countryOfOrigin": "CA",
        "manufacturer": {"name": "Northern Steelworks Ltd", "address1": "1200 Industrial Rd",
                         "city": "Hamilton", "region": "ON", "country": "CA"},
        "mid": "XONORSTE1200HAM",
        "netWeightKg": 0.4,
        "referenceValueUsd": 110,
        "metalContent": {"steelPctWeight": 92, "steelMeltPourCountry": "CA"},
    }
    base.update(overrides)
    return base


@dataclass
class Api:
    """One tenant's view of the API: every call carries its key."""

    client: TestClient
    key: str
    account_id: str
    warehouse_id: str
    broker_id: str
    world: World = field(repr=False)

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"authorization": f"Bearer {self.key}", **(extra or {})}

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        headers = self.headers(kwargs.pop("headers", None))
        if body is not None and "content" not in kwargs:
            kwargs["content"] = json.dumps(body)
            headers.setdefault("content-type", "application/json")
        return self.client.post(path, headers=headers, **kwargs)

    def sync_products(self, *items: dict[str, Any], **extra: Any) -> httpx.Response:
        return self.post("/api/products/sync",
                         {"accountId": self.account_id, "items": list(items), **extra})

    def as_key(self, key: str) -> Api:
        return Api(self.client, key, self.account_id, self.warehouse_id, self.broker_id,
                   self.world)


class World:
    """Creates rows straight through the services, as the CLI does."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def account(self, name: str = "Test merchant", *, importer: bool = True) -> str:
        """An account; with ``importer``, one importer of record as its default (as the demo
        sets up), so plans are not blocked for want of one."""
        with self.db.write() as s:
            account = setup.create_account(s, name)
            if importer:
                now = utcnow()
                s.add(Importer(id=new_id("imp"), account_id=account.id, name=f"{name} Inc.",
                               number=DEFAULT_IMPORTER_NUMBER, address=DEFAULT_IMPORTER_ADDRESS,
                               bond=None, created_at=now, updated_at=now))
                s.flush()
                account.default_importer_id = s.scalars(select(Importer.id).where(
                    Importer.account_id == account.id)).one()
            return account.id

    def key(self, account_id: str, *, mode: str = "live", warehouse_id: str | None = None,
            expires_at: datetime | None = None) -> str:
        with self.db.write() as s:
            return issue_key(s, self.settings.secret, account_id=account_id, mode=mode,
                             warehouse_id=warehouse_id, expires_at=expires_at).secret

    def warehouse(self, account_id: str, **overrides: Any) -> str:
        body = {"accountId": public_account_id(account_id), "name": "Toronto 3PL",
                "country": "CA",
                "defaultShipment": DEFAULT_SHIPMENT, **overrides}
        with self.db.write() as s:
            return setup.create_warehouse(
                s, account_id, validate_as(WarehouseCreate, parse_json(json.dumps(body).encode()))
            ).id

    def broker(self, account_id: str, **overrides: Any) -> str:
        body = {"accountId": public_account_id(account_id), "name": "Border Brokers",
                "email": "broker@example.com", **overrides}
        with self.db.write() as s:
            return setup.create_broker(
                s, account_id, validate_as(BrokerCreate, parse_json(json.dumps(body).encode()))
            ).id

    def tenant(self, client: TestClient, name: str = "Test merchant") -> Api:
        account_id = self.account(name)
        return Api(client, self.key(account_id), account_id, self.warehouse(account_id),
                   self.broker(account_id), self)

    def test_tenant(self, live: Api) -> Api:
        """The same account in test mode: a test key, and its test partition set up as a
        tenant is (a default importer, a warehouse, a broker), all test-mode objects."""
        key = self.key(live.account_id, mode="test")  # makes the partition
        partition = test_partition(live.account_id)
        with self.db.write() as s:
            now = utcnow()
            importer = Importer(id=new_id("imp"), account_id=partition, name="Test-mode Inc.",
                                number=DEFAULT_IMPORTER_NUMBER, address=DEFAULT_IMPORTER_ADDRESS,
                                bond=None, created_at=now, updated_at=now)
            s.add(importer)
            s.flush()
            s.get_one(Account, partition).default_importer_id = importer.id
        return Api(live.client, key, live.account_id, self.warehouse(partition),
                   self.broker(partition), self)


def as_request(data: Any) -> Any:
    """What the API would have parsed from this data (exact decimals included)."""
    return parse_json(json.dumps(data).encode())


class ServerProcess:
    """``python -m entrygo serve`` in its own process, on a free loopback port."""

    def __init__(self, settings: Settings, log_path: Any, env: dict[str, str],
                 args: tuple[str, ...] = ()) -> None:
        import socket

        self.args = args
        self.settings = settings
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ENTRYGO_DATABASE_URL": settings.resolved_database_url,
            "ENTRYGO_DATA_DIR": str(settings.data_dir),
            "ENTRYGO_SECRET_KEY": settings.secret_key or "",
            "ENTRYGO_LOG_LEVEL": "warning",
            **env,
        }
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> str:
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "entrygo", "serve", "--no-migrate", "--host", "127.0.0.1",
             "--port", str(self.port), *self.args], env=self.env, stdout=self.log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.base_url}/api/system/live", timeout=1).status_code == 200:
                    return self.base_url
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None):
            self.log.close()


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it accepts.

    ``hold_seconds`` makes it sit on each message and then refuse it (to catch a sender in the
    middle of a delivery); messages it was still holding when the sender vanished are in
    ``held``, never in ``accepted``. ``delay_seconds`` makes it a slow server that does accept,
    after that long.
    """

    def __init__(self) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.accepted: list[Any] = []
        self.held: list[Any] = []
        self.hold_seconds = 0.0
        self.delay_seconds = 0.0
        self.controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        if self.hold_seconds:
            self.held.append(message)
            await asyncio.sleep(self.hold_seconds)
            return "451 Try again later"
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        self.accepted.append(message)
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def wipe(database: Database) -> None:
    """Empty every table (between tests; the schema stays). A delivery attempt still running
    in a background thread may deadlock with TRUNCATE on PostgreSQL: the transaction is then
    simply run again."""
    tables = [t.name for t in reversed(metadata.sorted_tables)]

    def empty(s: Any) -> None:
        if database.backend == "postgresql":
            s.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        else:
            for table in tables:
                s.execute(text(f"DELETE FROM {table}"))

    database.transact(empty, attempts=5)


class ServerThread:
    """The service over real HTTP (uvicorn on a free loopback port) in a thread of the test's
    own process: what ``ServerProcess`` gives, without a new interpreter's start-up, for tests
    that need a server over HTTP but never kill it. ``env`` is ``ENTRYGO_*`` settings, as a
    process would read them."""

    def __init__(self, settings: Settings, env: dict[str, str]) -> None:
        import socket

        import uvicorn

        from entrygo.app import create_app

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        own = {name.removeprefix("ENTRYGO_").lower(): value for name, value in env.items()}
        self.settings = Settings(**{
            "database_url": settings.resolved_database_url, "data_dir": settings.data_dir,
            "secret_key": settings.secret_key, "log_level": "warning", "auto_migrate": False,
            "port": self.port, **own})
        self.app = create_app(self.settings)
        self.server = uvicorn.Server(uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, timeout: float = 30.0) -> str:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self.base_url

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=15)
        self.app.state.db.dispose()
