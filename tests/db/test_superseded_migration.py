"""Migration 0008 on a database with batches in it: the PLANNED batches' orders are backfilled
from their stored plans, so the first plan after an upgrade supersedes as it should."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from entrygo.accounts.models import Account
from entrygo.app import create_app
from entrygo.auth.models import ApiKey
from entrygo.config import Settings
from entrygo.db.database import Database
from entrygo.db.migrate import alembic_config, upgrade
from entrygo.exports.models import ExportBatchOrder
from entrygo.kit.clock import utcnow
from tests.support import TEST_SECRET, Api, Flow, World, execute


@pytest.fixture
def fresh_url(backend: str, database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (this test moves the schema up and down)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"entrygo_migration_{secrets.token_hex(4)}"
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(database_url).set(database=name).render_as_string(
                hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Service:
    """The app on a database of its own, with one tenant."""

    def __init__(self, url: str, data_dir: Path, tenant: Api | None = None) -> None:
        self.settings = Settings(database_url=url, data_dir=data_dir, secret_key=TEST_SECRET,
                                 auto_migrate=False, auth_cache_seconds=0)
        self.db = Database(url)
        self.app = create_app(self.settings)
        self.client = TestClient(self.app, raise_server_exceptions=False).__enter__()
        world = World(self.db, self.settings)
        self.flow = Flow(world.tenant(self.client) if tenant is None else Api(
            self.client, tenant.key, tenant.account_id, tenant.warehouse_id, tenant.broker_id,
            world))

    def inspect(self, batch_id: str) -> dict:
        return self.flow.api.get(f"/api/exports/{batch_id}").json()

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.app.state.db.dispose()
        self.db.dispose()


def test_upgrade_backfills_the_orders_of_planned_batches(fresh_url, tmp_path):
    upgrade(fresh_url)
    before = Service(fresh_url, tmp_path / "data")
    flow = before.flow
    a, b, c, d, e = (flow.order(f"o-{x}") for x in "abcde")
    ca = flow.order("o-ca", destinationCountry="CA")
    planned = flow.plan([a, b]).json()["exportId"]
    partly = flow.plan([c, ca]).json()["exportId"]  # ca excluded, but planned over
    done = flow.plan([d]).json()["exportId"]
    assert execute(flow.api, done).json()["status"] == "COMPLETED"
    cancelled = flow.plan([e]).json()["exportId"]
    flow.api.post(f"/api/exports/{cancelled}/cancel")
    api = flow.api
    before.close()

    command.downgrade(alembic_config(fresh_url), "0007")  # as a database of the last release
    database = Database(fresh_url)
    try:
        tables = inspect(database.engine).get_table_names()
        assert "export_batch_orders" not in tables
        assert "superseded_by" not in {
            col["name"] for col in inspect(database.engine).get_columns("export_batches")}
        upgrade(fresh_url)
        with database.read() as s:
            rows = sorted(s.execute(select(ExportBatchOrder.batch_id, ExportBatchOrder.order_id,
                                           ExportBatchOrder.account_id)).all())
    finally:
        database.dispose()
    assert rows == sorted([(planned, a, api.account_id), (planned, b, api.account_id),
                           (partly, c, api.account_id), (partly, ca, api.account_id)])

    after = Service(fresh_url, tmp_path / "data", api)
    try:
        flow = after.flow
        assert after.inspect(planned)["supersededBy"] is None
        newer = flow.plan([b]).json()["exportId"]
        newest = flow.plan([ca]).json()["exportId"]
        assert [after.inspect(x)["state"] for x in (planned, partly, done, cancelled)] == [
            "SUPERSEDED", "SUPERSEDED", "COMPLETED", "CANCELLED"]
        assert after.inspect(planned)["events"][-1]["data"] == {"supersededBy": newer,
                                                                "orderIds": [b]}
        assert after.inspect(partly)["supersededBy"] == newest
    finally:
        after.close()


def test_upgrade_gives_accounts_with_test_keys_their_test_partition(fresh_url, tmp_path):
    """Migration 0012: an account with a test key gets its test partition (with its seller);
    one without gets none; what the test key made before stays live."""
    config = alembic_config(fresh_url)
    command.upgrade(config, "0011")
    before = Service(fresh_url, tmp_path / "data")
    api = before.flow.api
    other = World(before.db, before.settings).account("No test key")
    with before.db.write() as s:  # a test key as 0011 stored it (today's issue_key would
        s.add(ApiKey(id="key_" + "0" * 26, account_id=api.account_id, mode="test",  # also
                     key_hash="f" * 64, hint="shpbndl_test_…0000",  # make the partition)
                     created_at=utcnow()))
    api.client.patch("/api/account", json={"legalName": "Old Seller Ltd"},
                     headers=api.headers())
    made_earlier = before.flow.bottle
    before.close()

    upgrade(fresh_url)
    db = Database(fresh_url)
    try:
        with db.read() as s:
            rows = {a.id: a for a in s.scalars(select(Account))}
        partition = "acc_test_" + api.account_id[4:]
        assert partition in rows and "acc_test_" + other[4:] not in rows
        assert (rows[partition].name, rows[partition].legal_name) == (
            rows[api.account_id].name, "Old Seller Ltd")
        assert rows[partition].default_importer_id is None  # its importers are its own
        after = Service(fresh_url, tmp_path / "data", tenant=api)
        assert after.flow.api.get(f"/api/products/{made_earlier}").json()["livemode"] is True
        after.close()
    finally:
        db.dispose()
