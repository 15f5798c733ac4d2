"""Several server processes on one PostgreSQL under a mixed, concurrent workload: every
guarantee checked in the database afterwards (a short, bounded run of bench/load.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from bench.load import Tenant, drive, verify

from entrygo.api.wire import acting_in
from entrygo.config import Settings
from entrygo.db.database import Database
from tests.support import TEST_SECRET, ServerProcess, SmtpSink, World, product, wipe


@pytest.fixture
def pg(postgresql_url: str, tmp_path: Path):
    settings = Settings(database_url=postgresql_url, data_dir=tmp_path / "data",
                        secret_key=TEST_SECRET, auto_migrate=False)
    db = Database(postgresql_url)
    yield settings, db
    wipe(db)
    db.dispose()


def test_four_processes_keep_every_guarantee(pg, tmp_path):
    settings, db = pg
    sink = SmtpSink().start()
    world = World(db, settings)
    account = world.account()
    key = world.key(account)
    tenant_products = []
    with db.write() as s, acting_in(livemode=True):  # a service called outside a request
        from entrygo.api.validation import validate_as
        from entrygo.products.schemas import ProductSync
        from entrygo.products.service import sync_products
        from tests.support import as_request

        items = validate_as(ProductSync, as_request({"accountId": account, "items": [
            product(f"P{i}") for i in range(4)]})).items
        tenant_products = [p.id for p in sync_products(s, account, items)]
    tenant = Tenant(account, key, world.warehouse(account), world.broker(account),
                    tenant_products)
    env = {"ENTRYGO_SMTP_URL": sink.url, "ENTRYGO_REDIS_URL": "redis://127.0.0.1:6379/0",
           "ENTRYGO_RATE_LIMIT": "100000/minute"}
    server = ServerProcess(settings, tmp_path / "server.log", env, args=("--workers", "4"))
    base = server.start(timeout=60)
    try:
        report = asyncio.run(drive([base], tenant, seconds=6, clients=8))
    finally:
        server.stop()
        sink.stop()
    print(f"load: {report.requests} requests in {report.seconds:.1f} s, "
          f"{report.executes_won} executions, {report.replays} replays, statuses "
          f"{dict(report.statuses)}, codes {dict(report.codes)}")
    assert report.executes_won > 0 and report.replays > 0
    verify(db, tenant, report, sink.accepted)
