"""``AsyncEntryGo``: the same surface as ``EntryGo``, the same guide flow, the same retry on a
network cut, against a live server."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from entrygo.client import AsyncEntryGo, EntryGo, NotFound, ValidationFailed
from tests.support.netcut import NetCut
from tests.support.sdk import QUICK_RETRIES, Tenant, guide_order
from tests.support.world import DEFAULT_SHIPMENT, product

NAMESPACES = ["system", "account", "warehouses", "brokers", "importers", "products", "orders",
              "exports", "packages", "events", "webhook_endpoints", "tariff"]


def test_the_async_client_has_the_sync_clients_surface() -> None:
    sync, asynchronous = EntryGo("http://127.0.0.1:9", "k"), AsyncEntryGo("http://127.0.0.1:9",
                                                                             "k")
    for name in NAMESPACES:
        ours, theirs = getattr(sync, name), getattr(asynchronous, name)
        methods = {m for m in dir(ours) if not m.startswith("_")}
        assert methods == {m for m in dir(theirs) if not m.startswith("_")}, name
        for method in methods:
            one, other = getattr(ours, method), getattr(theirs, method)
            assert inspect.signature(one).parameters == inspect.signature(other).parameters
            # lists are iterators in both; everything else is awaited in the async client
            listing = inspect.signature(one).return_annotation.startswith("Pager[")
            assert inspect.iscoroutinefunction(other) is not listing, (name, method)
    sync.close()
    asyncio.run(asynchronous.close())


def test_the_guide_flow_through_the_async_client(merchant: Tenant, netcut: NetCut, smtp: Any,
                                                 tmp_path: Path) -> None:
    async def flow() -> None:
        async with AsyncEntryGo(merchant.base_url, merchant.key, retry=QUICK_RETRIES) as client:
            warehouse = await client.warehouses.create(name="Toronto 3PL", country="CA",
                                                       default_shipment=DEFAULT_SHIPMENT)
            broker = await client.brokers.create(name="Border Brokers",
                                                 email="broker@example.com")
            assert client.account_id == merchant.account_id
            products = await client.products.sync([product("SKU-1")])
            orders = await client.orders.sync(
                [guide_order(products[0].id, f"ord-{n}") for n in range(3)])

            listed = [o.id async for o in client.orders.list(limit=2)]
            assert listed == [o.id for o in reversed(orders)]
            pages = [len(p.data) async for p in client.orders.list(limit=2).pages()]
            assert pages == [2, 1]

            plan = await client.exports.plan(warehouse_id=warehouse.id, broker_id=broker.id,
                                             order_ids=[orders[0].id])
            # the answer to the execute is lost on the way: the retry replays the same key
            netcut.drop_response("POST", "/api/exports/execute")
            async with AsyncEntryGo(netcut.url, merchant.key, retry=QUICK_RETRIES) as cut:
                done = await cut.exports.execute(plan.export_id, plan_hash=plan.plan_hash)
            first, retry = netcut.seen("POST", "/api/exports/execute")
            assert first.header("idempotency-key") == retry.header("idempotency-key")
            assert retry.response_header("idempotent-replayed") == "true"
            assert json.loads(first.response_body or b"{}")["customs_package_id"] == (
                done.customs_package_id)

            state = await client.exports.wait(plan.export_id, until="COMPLETED", timeout=10)
            assert state.broker_submission is not None
            assert state.broker_submission.status == "sent"
            package = await client.packages.get(done.customs_package_id)
            manifest = await client.packages.download_bytes(package.id, "manifest.json")
            path = await client.packages.download(package.id, "manifest.json",
                                                  to=tmp_path / "manifest-copy.json")
            assert path.read_bytes() == manifest
            assert hashlib.sha256(manifest).hexdigest() == next(
                a.sha256 for a in package.artifacts if a.filename == "manifest.json")
            events = [e.type async for e in client.events.list(export_id=plan.export_id)]
            assert events.count("EXPORT_EXECUTED") == 1

            with pytest.raises(NotFound) as missing:
                await client.exports.inspect("batch_nope")
            assert missing.value.status == 404 and missing.value.request_id
            with pytest.raises(ValidationFailed) as refused:
                await client.orders.sync([guide_order(products[0].id, items=[
                    {"productId": products[0].id, "quantity": 0, "unitValueUsd": 1}])])
            assert refused.value.request_id is None
            assert [i.path for i in refused.value.issues] == ["items.0.items.0.quantity"]

    asyncio.run(flow())
    assert [m["To"] for m in smtp.accepted].count("broker@example.com") == 1
