"""A mixed workload against several server processes sharing one database, then a check of
every guarantee in the database itself.

Each client coroutine owns a set of orders (so it knows what their final state must be) and, in
a loop until the time is up: re-syncs one of its orders with a new quantity (keyed), replays the
previous keyed request and compares the bytes, plans some of its orders that are not exported,
executes the batch, sometimes twice at once with different keys (exactly one may win) and
sometimes again with the same key (a replay), and inspects. Afterwards ``verify`` checks: no 5xx,
every replay identical, one package per executed batch, each order exported by at most one
batch, every executed order carried by its batch, one broker message per package, and every
order's lines equal to the last update its owner was told succeeded.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select

from entrygo.artifacts.models import CustomsPackage
from entrygo.db.database import Database
from entrygo.delivery.models import BrokerSubmission
from entrygo.exports.models import ExportBatch
from entrygo.orders.models import Order, OrderLine


@dataclass
class Tenant:
    account: str
    key: str
    warehouse: str
    broker: str
    products: list[str]


@dataclass
class Report:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    replays: int = 0
    replay_mismatches: list[str] = field(default_factory=list)
    executes_won: int = 0
    last_quantity: dict[str, int] = field(default_factory=dict)  # externalId -> quantity
    order_ids: dict[str, str] = field(default_factory=dict)  # externalId -> id
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


class Client:
    def __init__(self, http: httpx.AsyncClient, tenant: Tenant, report: Report,
                 rng: random.Random, name: str) -> None:
        self.http, self.tenant, self.report, self.rng, self.name = (http, tenant, report, rng,
                                                                     name)
        self.counter = 0

    def key(self) -> str:
        self.counter += 1
        return f"{self.name}-{self.counter}"

    async def call(self, method: str, path: str, body: Any = None,
                   key: str | None = None) -> httpx.Response:
        headers = {"idempotency-key": key} if key else {}
        r = await self.http.request(method, path, json=body, headers=headers)
        self.report.requests += 1
        self.report.statuses[r.status_code] += 1
        if r.status_code >= 400:
            self.report.codes[r.json().get("errorCode", "?")] += 1
        return r

    def order_body(self, external_id: str, quantity: int) -> dict[str, Any]:
        product = self.tenant.products[hash(external_id) % len(self.tenant.products)]
        return {"accountId": self.tenant.account, "items": [{
            "externalId": external_id, "destinationCountry": "US", "destinationRegion": "NY",
            "destinationPostalCode": "10001",
            "consignee": {"name": f"Customer {external_id}", "address1": "1 Main St",
                          "city": "New York"},
            "items": [{"productId": product, "quantity": quantity, "unitValueUsd": 25}]}]}

    async def sync(self, external_id: str) -> None:
        quantity = self.rng.randint(1, 50)
        body, key = self.order_body(external_id, quantity), self.key()
        first = await self.call("POST", "/api/orders/sync", body, key)
        if first.status_code == 200:
            self.report.last_quantity[external_id] = quantity
            self.report.order_ids[external_id] = first.json()["data"][0]["id"]
            again = await self.call("POST", "/api/orders/sync", body, key)
            self.report.replays += 1
            if again.content != first.content or again.headers.get(
                    "idempotent-replayed") != "true":
                self.report.replay_mismatches.append(f"sync {key}")

    async def plan_and_execute(self, own: list[str]) -> None:
        ids = [self.report.order_ids[e] for e in own if e in self.report.order_ids]
        if not ids:
            return
        plan = await self.call("POST", "/api/exports/plan", {
            "accountId": self.tenant.account, "warehouseId": self.tenant.warehouse,
            "brokerId": self.tenant.broker, "orderIds": self.rng.sample(ids, min(3, len(ids))),
            "excludeBlockedOrders": True}, self.key())
        if plan.status_code != 200 or not plan.json()["included_order_ids"]:
            return
        body = {"accountId": self.tenant.account, "batchId": plan.json()["exportId"],
                "planHash": plan.json()["planHash"]}
        keys = [self.key() for _ in range(2 if self.rng.random() < 0.3 else 1)]
        results = await asyncio.gather(*[self.call("POST", "/api/exports/execute", body, k)
                                         for k in keys])
        winners = [(k, r) for k, r in zip(keys, results, strict=True) if r.status_code == 200]
        self.report.executes_won += len(winners)
        for k, r in winners:
            again = await self.call("POST", "/api/exports/execute", body, k)
            self.report.replays += 1
            if again.content != r.content:
                self.report.replay_mismatches.append(f"execute {k}")
        await self.call("GET", f"/api/exports/{plan.json()['exportId']}")

    async def run(self, own: list[str], deadline: float) -> None:
        for external_id in own:
            await self.sync(external_id)
        while time.monotonic() < deadline:
            roll = self.rng.random()
            if roll < 0.5:
                await self.sync(self.rng.choice(own))
            elif roll < 0.85:
                await self.plan_and_execute(own)
            else:
                await self.call("GET", "/api/exports")


async def drive(bases: list[str], tenant: Tenant, *, seconds: float, clients: int = 8,
                orders_per_client: int = 6, seed: int = 7) -> Report:
    report = Report()
    started = time.monotonic()
    deadline = started + seconds
    https = [httpx.AsyncClient(base_url=bases[i % len(bases)], timeout=60,
                               headers={"authorization": f"Bearer {tenant.key}"})
             for i in range(clients)]
    try:
        await asyncio.gather(*[
            Client(https[i], tenant, report, random.Random(seed + i), f"c{i}").run(
                [f"load-{i}-{n}" for n in range(orders_per_client)], deadline)
            for i in range(clients)])
    finally:
        for http in https:
            await http.aclose()
    report.seconds = time.monotonic() - started
    return report


def verify(db: Database, tenant: Tenant, report: Report, messages: list[Any] | None) -> None:
    """Assert every guarantee held (raises AssertionError saying which did not)."""
    assert report.server_errors == 0, f"5xx responses: {report.statuses}"
    assert not report.replay_mismatches, f"replays differed: {report.replay_mismatches[:5]}"
    with db.read() as s:
        completed = list(s.scalars(select(ExportBatch).where(
            ExportBatch.account_id == tenant.account, ExportBatch.state == "COMPLETED")))
        packages = Counter(s.scalars(select(CustomsPackage.batch_id).where(
            CustomsPackage.account_id == tenant.account)))
        submissions = Counter(s.scalars(select(BrokerSubmission.package_id).where(
            BrokerSubmission.account_id == tenant.account)))
        orders = {row.external_id: row for row in s.execute(select(
            Order.external_id, Order.id, Order.exported_batch_id).where(
            Order.account_id == tenant.account))}
        quantities = dict(s.execute(select(Order.external_id, func.sum(OrderLine.quantity))
                                    .join(OrderLine, OrderLine.order_id == Order.id)
                                    .where(Order.account_id == tenant.account)
                                    .group_by(Order.external_id)).all())
    assert len(completed) == report.executes_won, (len(completed), report.executes_won)
    assert all(packages[b.id] == 1 for b in completed), "a batch without exactly one package"
    assert sum(packages.values()) == len(completed)
    assert all(n == 1 for n in submissions.values()) and len(submissions) == len(completed)
    exported_by: dict[str, str] = {}
    for batch in completed:
        for order_id in batch.plan["included_order_ids"]:
            assert order_id not in exported_by, f"{order_id} executed twice"
            exported_by[order_id] = batch.id
    for row in orders.values():
        assert row.exported_batch_id == exported_by.get(row.id), f"{row.id} lock mismatch"
    for external_id, quantity in report.last_quantity.items():
        assert quantities[external_id] == quantity, f"lost update on {external_id}"
    if messages is not None:
        ids = Counter(str(m["Message-ID"]) for m in messages)
        assert all(n == 1 for n in ids.values()), "a broker message was delivered twice"
        broker_ids = [i for i in ids if i.startswith("<bs_")]
        assert len(broker_ids) == len(completed), (len(broker_ids), len(completed))
