"""docs/api/contract.md §2.1, §3, §7: another account's objects are invisible, on every endpoint.

Tenant B gets one of everything (warehouse, broker, importers of record, products, orders, a
PLANNED batch, an executed batch with its customs package and artifacts, a CANCELLED batch) and
account settings of its own. Tenant A then calls every
endpoint of the service, reads and writes (``POST`` and ``PATCH``), with B's ids, in the path and
in the body. Each call must answer the contract's error (404 ``NOT_FOUND`` for a foreign object,
403 ``INVALID_ACCOUNT_SCOPE`` where the body names B's account, warehouse or broker, 400
``unknown_reference`` for foreign references in a body), never 2xx, and never echo any of B's
ids. Afterwards nothing of B has changed, byte for byte, and A has written nothing.
"""

from __future__ import annotations

import json
import re
import socket
import time
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from entrygo.api.pagination import cursor_scope, encode_cursor
from entrygo.app import create_app
from entrygo.kit.modes import partition
from entrygo.models import metadata
from tests.support import NOTEBOOK, Flow, execute, product

ID = re.compile(
    r"\b(?:acc|key|wh|br|imp|prod|ord|batch|unit|cp|art|bs|ntf|evt|whk|whd)_[0-9a-z]{26}\b")
LISTS = ["/api/warehouses", "/api/brokers", "/api/importers", "/api/products", "/api/orders",
         "/api/exports", "/api/events?limit=200", "/api/webhook-endpoints"]
DEAD_RECEIVER = "http://127.0.0.1:9/entrygo"
"""A webhook receiver nobody listens at: B's deliveries fail fast, then B disables it."""
B_BOND = {"type": "continuous", "suretyCode": "457", "number": "GB-B-0001"}
B_SETTINGS = ("Tenant B Exports Ltd.", "9 Quay St", "Tenant B Second Importer", "98-7654321",
              "GB-B-0001", "2 Pier Rd")
"""Text only B's account and B's second importer hold (A's responses must never show it)."""


@dataclass(frozen=True)
class Case:
    """One call as A, and the error the contract prescribes for it."""

    name: str
    method: str
    path: str
    body: Any = None
    status: int = 404
    code: str = "NOT_FOUND"
    field: str | None = None
    issues: tuple[tuple[str, str], ...] = ()  # (path, code) of details.issues, when 400
    headers: dict[str, str] | None = None


@dataclass
class Tenant:
    """Everything B owns, as ids, plus what B's requests were."""

    flow: Flow
    importers: dict[str, str]  # "default" (the world's), "second" (with a bond) -> id
    orders: dict[str, str]  # externalId -> id
    planned: dict[str, Any]
    done: dict[str, Any]
    cancelled: dict[str, Any]
    plan_key: str
    execute_key: str
    endpoint: dict[str, Any]
    delivery_id: str

    @property
    def api(self) -> Any:
        return self.flow.api

    @property
    def batches(self) -> dict[str, str]:
        return {"planned": self.planned["exportId"], "executed": self.done["exportId"],
                "cancelled": self.cancelled["exportId"]}


def ok(r: Any) -> Any:
    assert 200 <= r.status_code < 300, r.text
    return r.json()


def build_b(client: TestClient, world: Any, b: Any = None) -> Tenant:
    """B's world, in a new account, or in the tenant ``b`` (the other mode of A's account)."""
    b = b or world.tenant(client, "Tenant B")
    second = ok(b.post("/api/importers", {
        "accountId": b.account_id, "name": B_SETTINGS[2], "number": B_SETTINGS[3],
        "address": {"address1": B_SETTINGS[5], "city": "Buffalo", "country": "US"},
        "bond": B_BOND}))
    flow = Flow(b)
    orders = {ext: flow.order(ext) for ext in ("ord-1", "ord-2", "ord-3")}
    plan_key, execute_key = "shared-plan-key-0001", "shared-execute-key-0001"
    planned = ok(flow.plan([orders["ord-1"]], idempotencyKey=plan_key))
    to_run = ok(flow.plan([orders["ord-2"]]))
    done = ok(execute(b, to_run["exportId"], key=execute_key))
    assert done["status"] == "COMPLETED" and done["artifacts"], done
    to_cancel = ok(flow.plan([orders["ord-3"]]))
    cancelled = ok(b.post(f"/api/exports/{to_cancel['exportId']}/cancel"))
    assert cancelled["state"] == "CANCELLED"
    # B's own account settings, set last (a strict policy would block B's plans above)
    settings = ok(b.client.patch("/api/account", content=json.dumps({
        "accountId": b.account_id, "legalName": B_SETTINGS[0],
        "address": {"address1": B_SETTINGS[1], "city": "Halifax", "country": "CA"},
        "readinessPolicy": "strict"}), headers=b.headers({"content-type": "application/json"})))
    importers = {"default": settings["defaultImporterId"], "second": second["id"]}
    assert importers["default"] and importers["default"] != importers["second"]
    # B's webhook endpoint, with a delivery of one event (attempted, failed), then disabled
    endpoint = ok(b.post("/api/webhook-endpoints", {
        "accountId": b.account_id, "url": DEAD_RECEIVER, "enabledEvents": ["*"]}))
    ok(b.sync_products(product("HOOKED")))
    deadline = time.monotonic() + 20
    while not (log := ok(b.get(f"/api/webhook-endpoints/{endpoint['id']}/deliveries"))["data"]) \
            or log[0]["status"] == "queued":
        assert time.monotonic() < deadline, log
        time.sleep(0.05)
    ok(b.client.patch(f"/api/webhook-endpoints/{endpoint['id']}", json={"disabled": True},
                      headers=b.headers()))
    return Tenant(flow, importers, orders, planned, done, cancelled, plan_key, execute_key,
                  endpoint, log[0]["id"])


def b_paths(b: Tenant) -> list[str]:
    """Every read of B's world: by id, lists, the package and each artifact's bytes."""
    cp = b.done["customs_package_id"]
    return [
        *LISTS, "/api/system/health", "/api/account",
        f"/api/warehouses/{b.api.warehouse_id}", f"/api/brokers/{b.api.broker_id}",
        *(f"/api/importers/{iid}" for iid in b.importers.values()),
        f"/api/products/{b.flow.bottle}", f"/api/products/{b.flow.notebook}",
        *(f"/api/orders/{oid}" for oid in b.orders.values()),
        *(f"/api/exports/{bid}" for bid in b.batches.values()),
        f"/api/customs-packages/{cp}",
        *(f"/api/customs-packages/{cp}/artifacts/{a['filename']}" for a in b.done["artifacts"]),
        f"/api/webhook-endpoints/{b.endpoint['id']}",
        f"/api/webhook-endpoints/{b.endpoint['id']}/deliveries",
    ]


def snapshot(api: Any, paths: list[str]) -> dict[str, tuple[int, bytes]]:
    out = {}
    for path in paths:
        r = api.get(path)
        assert r.status_code == 200, f"{path}: {r.text}"
        out[path] = (r.status_code, r.content)
    return out


def stable(snap: dict[str, tuple[int, bytes]]) -> dict[str, tuple[int, bytes]]:
    """The snapshot without the health document (it carries the current time)."""
    return {p: v for p, v in snap.items() if p != "/api/system/health"}


def secrets_of(b: Tenant, snap: dict[str, tuple[int, bytes]]) -> set[str]:
    """Every id B owns (scraped from all of B's documents), B's plan hashes, package number,
    message id, artifact digests and API key."""
    found = {b.api.account_id, b.api.warehouse_id, b.api.broker_id, b.api.key}
    for path, (_, content) in snap.items():
        if "/artifacts/" not in path:
            found.update(ID.findall(content.decode()))
    found.update(d["planHash"] for d in (b.planned, b.done, b.cancelled))
    found.add(b.done["customsPackage"]["packageNumber"])
    found.add(b.done["brokerSubmission"]["message_id"])
    found.update(a["sha256"] for a in b.done["artifacts"])
    found.update(B_SETTINGS)  # B's seller, its second importer's name, number and bond
    found.add(b.endpoint["secret"])
    return found


def row_counts(db: Any) -> dict[str, int]:
    with db.read() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t))
                for t in metadata.sorted_tables}


def leaks(r: Any, secrets: set[str]) -> list[str]:
    text = r.text + "\n" + "\n".join(f"{k}: {v}" for k, v in r.headers.items())
    return sorted(s for s in secrets if s in text)


def matrix(a: Flow, a_order: str, a_importer: str, b: Tenant, a_endpoint: str) -> list[Case]:
    a_api, b_api = a.api, b.api
    cp = b.done["customs_package_id"]
    scope = {"status": 403, "code": "INVALID_ACCOUNT_SCOPE"}
    unknown = {"status": 400, "code": "VALIDATION_ERROR"}

    def order(external_id: str, product_id: str) -> dict[str, Any]:
        return {"externalId": external_id, "destinationCountry": "US", "destinationRegion": "CA",
                "destinationPostalCode": "94105",
                "items": [{"productId": product_id, "quantity": 1, "unitValueUsd": 99}]}

    def plan(**extra: Any) -> dict[str, Any]:
        return {"accountId": a_api.account_id, "warehouseId": a_api.warehouse_id,
                "brokerId": a_api.broker_id, "orderIds": [a_order], "destinationCountry": "US",
                **extra}

    cases = [
        # --- setup: warehouses, brokers ----------------------------------------------------
        Case("warehouse by id", "GET", f"/api/warehouses/{b_api.warehouse_id}"),
        Case("broker by id", "GET", f"/api/brokers/{b_api.broker_id}"),
        Case("create warehouse in B's account", "POST", "/api/warehouses",
             {"accountId": b_api.account_id, "name": "Intruder DC", "country": "CA"},
             field="accountId", **scope),
        Case("create broker in B's account", "POST", "/api/brokers",
             {"accountId": b_api.account_id, "name": "Intruder", "email": "x@example.com"},
             field="accountId", **scope),
        # --- warehouse patch (§5.2): the body, then accountId (403), then the id (404) --------
        Case("patch B's warehouse (no accountId)", "PATCH",
             f"/api/warehouses/{b_api.warehouse_id}",
             {"name": "Hijacked DC", "notifyEmail": "intruder@example.com"}),
        Case("patch B's warehouse (A's accountId)", "PATCH",
             f"/api/warehouses/{b_api.warehouse_id}",
             {"accountId": a_api.account_id, "defaultShipment": {
                 "portOfEntry": "3004", "carrier": {"scac": "HIJK"}}}),
        Case("patch B's warehouse clearing its fields (A's accountId)", "PATCH",
             f"/api/warehouses/{b_api.warehouse_id}",
             {"accountId": a_api.account_id, "defaultShipment": None, "address1": None}),
        Case("patch B's warehouse with B's idempotency key", "PATCH",
             f"/api/warehouses/{b_api.warehouse_id}",
             {"accountId": a_api.account_id, "name": "Hijacked DC"},
             headers={"idempotency-key": b.plan_key}),
        Case("patch B's warehouse in B's account", "PATCH",
             f"/api/warehouses/{b_api.warehouse_id}",
             {"accountId": b_api.account_id, "name": "Hijacked DC"}, field="accountId",
             **scope),
        Case("patch A's warehouse in B's account", "PATCH",
             f"/api/warehouses/{a_api.warehouse_id}",
             {"accountId": b_api.account_id, "name": "Hijacked DC"}, field="accountId",
             **scope),
        Case("patch B's warehouse with an invalid body", "PATCH",
             f"/api/warehouses/{b_api.warehouse_id}",
             {"accountId": a_api.account_id, "defaultShipment": {"portOfEntry": "30"}},
             status=400, code="VALIDATION_ERROR", field="defaultShipment.portOfEntry",
             issues=(("defaultShipment.portOfEntry", "invalid_format"),)),
        # --- importers of record and the account (§5.2) ----------------------------------------
        *(Case(f"importer by id ({label})", "GET", f"/api/importers/{iid}")
          for label, iid in b.importers.items()),
        Case("create importer in B's account", "POST", "/api/importers",
             {"accountId": b_api.account_id, "name": "Intruder LLC", "number": "11-1111111",
              "address": {"address1": "1 Way", "city": "Erie", "country": "US"},
              "isDefault": True}, field="accountId", **scope),
        *(Case(f"patch B's {label} importer (no accountId)", "PATCH", f"/api/importers/{iid}",
               {"name": "Hijacked", "isDefault": True})
          for label, iid in b.importers.items()),
        *(Case(f"patch B's {label} importer (A's accountId)", "PATCH", f"/api/importers/{iid}",
               {"accountId": a_api.account_id, "bond": {"number": "HIJACKED"},
                "isDefault": False})
          for label, iid in b.importers.items()),
        Case("patch B's importer removing its bond (A's accountId)", "PATCH",
             f"/api/importers/{b.importers['second']}",
             {"accountId": a_api.account_id, "bond": None}),
        Case("patch B's importer with B's idempotency key", "PATCH",
             f"/api/importers/{b.importers['second']}",
             {"accountId": a_api.account_id, "name": "Hijacked"},
             headers={"idempotency-key": b.plan_key}),
        Case("patch B's importer in B's account", "PATCH",
             f"/api/importers/{b.importers['second']}",
             {"accountId": b_api.account_id, "name": "Hijacked"}, field="accountId", **scope),
        Case("patch A's importer in B's account", "PATCH", f"/api/importers/{a_importer}",
             {"accountId": b_api.account_id, "name": "Hijacked"}, field="accountId", **scope),
        Case("patch B's importer with an invalid body", "PATCH",
             f"/api/importers/{b.importers['second']}",
             {"accountId": a_api.account_id, "number": "123-45-6789"},
             status=400, code="VALIDATION_ERROR", field="number",
             issues=(("number", "invalid_format"),)),
        Case("patch the account naming B's account", "PATCH", "/api/account",
             {"accountId": b_api.account_id, "legalName": "Hijacked"}, field="accountId",
             **scope),
        Case("patch the account naming B's account and B's importer", "PATCH", "/api/account",
             {"accountId": b_api.account_id, "defaultImporterId": b.importers["second"]},
             field="accountId", **scope),
        *(Case(f"make B's {label} importer A's default", "PATCH", "/api/account",
               {"accountId": a_api.account_id, "defaultImporterId": iid},
               field="defaultImporterId", issues=(("defaultImporterId", "unknown_reference"),),
               **unknown)
          for label, iid in b.importers.items()),
        Case("make B's importer A's default with B's idempotency key", "PATCH", "/api/account",
             {"accountId": a_api.account_id, "defaultImporterId": b.importers["second"]},
             headers={"idempotency-key": b.plan_key}, field="defaultImporterId",
             issues=(("defaultImporterId", "unknown_reference"),), **unknown),
        Case("make B's importer A's default (no accountId)", "PATCH", "/api/account",
             {"defaultImporterId": b.importers["default"], "legalName": "A renamed"},
             field="defaultImporterId", issues=(("defaultImporterId", "unknown_reference"),),
             **unknown),
        # --- products --------------------------------------------------------------------------
        Case("product by id (bottle)", "GET", f"/api/products/{b.flow.bottle}"),
        Case("product by id (notebook)", "GET", f"/api/products/{b.flow.notebook}"),
        Case("product sync into B's account (new SKU)", "POST", "/api/products/sync",
             {"accountId": b_api.account_id, "items": [product("INTRUDER")]},
             field="accountId", **scope),
        Case("product sync into B's account (B's SKU)", "POST", "/api/products/sync",
             {"accountId": b_api.account_id, "items": [product("BOTTLE", title="Hijacked")]},
             field="accountId", **scope),
        # --- product patch (§5.2): B's product is not found, as a read of it is -----------
        *(Case(f"patch B's product ({label}, no accountId)", "PATCH", f"/api/products/{pid}",
               {"htsCode": "4820.10.2060", "title": "Hijacked"})
          for label, pid in (("bottle", b.flow.bottle), ("notebook", b.flow.notebook))),
        *(Case(f"patch B's product ({label}, A's accountId)", "PATCH", f"/api/products/{pid}",
               {"accountId": a_api.account_id, "htsCode": "4820.10.2060", "title": "Hijacked"})
          for label, pid in (("bottle", b.flow.bottle), ("notebook", b.flow.notebook))),
        Case("patch B's product clearing its fields (A's accountId)", "PATCH",
             f"/api/products/{b.flow.bottle}",
             {"accountId": a_api.account_id, "htsCode": None, "manufacturer": None,
              "metalContent": {"steelPctWeight": None}, "metadata": {"owner": "A"}}),
        Case("patch B's product with B's idempotency key", "PATCH",
             f"/api/products/{b.flow.bottle}",
             {"accountId": a_api.account_id, "mid": "XOHIJACKED1"},
             headers={"idempotency-key": b.plan_key}),
        # a body naming B's account: 403 on scope, checked before the endpoint's own rules
        # (§2.1), as cancel and retry answer for B's batches
        Case("patch B's product in B's account", "PATCH", f"/api/products/{b.flow.bottle}",
             {"accountId": b_api.account_id, "htsCode": "4820.10.2060"},
             field="accountId", **scope),
        Case("patch A's product in B's account", "PATCH", f"/api/products/{a.bottle}",
             {"accountId": b_api.account_id, "htsCode": "4820.10.2060"},
             field="accountId", **scope),
        # an invalid body is refused as such (§2.1: body validity first), whoever owns the id
        Case("patch B's product's externalId", "PATCH", f"/api/products/{b.flow.bottle}",
             {"accountId": a_api.account_id, "externalId": "INTRUDER"},
             status=400, code="VALIDATION_ERROR", field="externalId",
             issues=(("externalId", "invalid_value"),)),
        # --- orders ----------------------------------------------------------------------------
        *(Case(f"order by id ({ext})", "GET", f"/api/orders/{oid}")
          for ext, oid in b.orders.items()),
        Case("order sync into B's account with B's product", "POST", "/api/orders/sync",
             {"accountId": b_api.account_id, "items": [order("ord-1", b.flow.bottle)]},
             field="accountId", **scope),
        Case("order sync into B's account with A's product", "POST", "/api/orders/sync",
             {"accountId": b_api.account_id, "items": [order("intruder", a.bottle)]},
             field="accountId", **scope),
        Case("order sync in A's account with B's product", "POST", "/api/orders/sync",
             {"accountId": a_api.account_id, "items": [order("new-ext", b.flow.bottle)]},
             field="items.0.items.0.productId",
             issues=(("items.0.items.0.productId", "unknown_reference"),), **unknown),
        Case("order sync in A's account, B's locked externalId, B's product", "POST",
             "/api/orders/sync",
             {"accountId": a_api.account_id, "items": [order("ord-2", b.flow.bottle)]},
             field="items.0.items.0.productId",
             issues=(("items.0.items.0.productId", "unknown_reference"),), **unknown),
        Case("order sync, second line B's product", "POST", "/api/orders/sync",
             {"accountId": a_api.account_id, "items": [{
                 **order("new-ext", a.bottle),
                 "items": [{"productId": a.bottle, "quantity": 1, "unitValueUsd": 1},
                           {"productId": b.flow.notebook, "quantity": 1, "unitValueUsd": 1}]}]},
             field="items.0.items.1.productId",
             issues=(("items.0.items.1.productId", "unknown_reference"),), **unknown),
        # --- plan ------------------------------------------------------------------------------
        Case("plan in B's account", "POST", "/api/exports/plan",
             plan(accountId=b_api.account_id), field="accountId", **scope),
        Case("plan through B's warehouse", "POST", "/api/exports/plan",
             plan(warehouseId=b_api.warehouse_id), field="warehouseId", **scope),
        Case("plan through B's broker", "POST", "/api/exports/plan",
             plan(brokerId=b_api.broker_id), field="brokerId", **scope),
        Case("dry-run plan through B's warehouse", "POST", "/api/exports/plan",
             plan(warehouseId=b_api.warehouse_id, dryRun=True), field="warehouseId", **scope),
        Case("dry-run plan through B's broker", "POST", "/api/exports/plan",
             plan(brokerId=b_api.broker_id, dryRun=True), field="brokerId", **scope),
        Case("plan through B's warehouse and broker with B's orders", "POST",
             "/api/exports/plan",
             plan(warehouseId=b_api.warehouse_id, brokerId=b_api.broker_id,
                  orderIds=list(b.orders.values())), field="warehouseId", **scope),
        *(Case(f"plan with B's order ({ext})", "POST", "/api/exports/plan",
               plan(orderIds=[oid]), field="orderIds.0",
               issues=(("orderIds.0", "unknown_reference"),), **unknown)
          for ext, oid in b.orders.items()),
        *(Case(f"dry-run plan with B's order ({ext})", "POST", "/api/exports/plan",
               plan(orderIds=[oid], dryRun=True), field="orderIds.0",
               issues=(("orderIds.0", "unknown_reference"),), **unknown)
          for ext, oid in b.orders.items()),
        Case("plan with A's order then B's order", "POST", "/api/exports/plan",
             plan(orderIds=[a_order, b.orders["ord-1"]]), field="orderIds.1",
             issues=(("orderIds.1", "unknown_reference"),), **unknown),
        *(Case(f"re-plan into B's {label} batch", "POST", "/api/exports/plan",
               plan(batchId=bid)) for label, bid in b.batches.items()),
        Case("re-plan into B's planned batch with B's idempotency key", "POST",
             "/api/exports/plan", plan(batchId=b.batches["planned"], idempotencyKey=b.plan_key)),
        Case("re-plan into B's planned batch, B's idempotency key as header", "POST",
             "/api/exports/plan", plan(batchId=b.batches["planned"]),
             headers={"idempotency-key": b.plan_key}),
        # --- execute ---------------------------------------------------------------------------
        *(Case(f"execute B's {label} batch", "POST", "/api/exports/execute",
               {"accountId": a_api.account_id, "batchId": bid})
          for label, bid in b.batches.items()),
        Case("execute B's planned batch with its planHash", "POST", "/api/exports/execute",
             {"accountId": a_api.account_id, "batchId": b.batches["planned"],
              "planHash": b.planned["planHash"]}),
        Case("execute B's planned batch with a wrong planHash", "POST", "/api/exports/execute",
             {"accountId": a_api.account_id, "batchId": b.batches["planned"],
              "planHash": "planhash_" + "0" * 64}),
        Case("execute B's executed batch with B's idempotency key (header)", "POST",
             "/api/exports/execute",
             {"accountId": a_api.account_id, "batchId": b.batches["executed"]},
             headers={"idempotency-key": b.execute_key}),
        Case("execute B's executed batch with B's idempotency key (body)", "POST",
             "/api/exports/execute",
             {"accountId": a_api.account_id, "batchId": b.batches["executed"],
              "idempotencyKey": b.execute_key}),
        Case("execute B's planned batch in B's account", "POST", "/api/exports/execute",
             {"accountId": b_api.account_id, "batchId": b.batches["planned"]},
             field="accountId", **scope),
        Case("replay B's exact execute request (body and key)", "POST", "/api/exports/execute",
             {"accountId": b_api.account_id, "batchId": b.batches["executed"]},
             headers={"idempotency-key": b.execute_key}, field="accountId", **scope),
        # --- inspect, list-by-id, packages, artifacts -----------------------------------------
        *(Case(f"inspect B's {label} batch", "GET", f"/api/exports/{bid}")
          for label, bid in b.batches.items()),
        Case("customs package by id", "GET", f"/api/customs-packages/{cp}"),
        *(Case(f"artifact download {a['filename']}", "GET",
               f"/api/customs-packages/{cp}/artifacts/{a['filename']}")
          for a in b.done["artifacts"]),
        *(Case(f"artifact download {a['filename']} with B's ETag", "GET",
               f"/api/customs-packages/{cp}/artifacts/{a['filename']}",
               headers={"if-none-match": f'"{a["sha256"]}"'})
          for a in b.done["artifacts"]),
        # --- cancel ----------------------------------------------------------------------------
        *(Case(f"cancel B's {label} batch (no body)", "POST", f"/api/exports/{bid}/cancel")
          for label, bid in b.batches.items()),
        *(Case(f"cancel B's {label} batch (A's accountId)", "POST",
               f"/api/exports/{bid}/cancel", {"accountId": a_api.account_id})
          for label, bid in b.batches.items()),
        Case("cancel B's planned batch in B's account", "POST",
             f"/api/exports/{b.batches['planned']}/cancel", {"accountId": b_api.account_id},
             field="accountId", **scope),
        # --- webhook endpoints and their deliveries ----------------------------------------------
        *webhook_cases(a_api, b, a_endpoint),
        # --- broker submission retry -----------------------------------------------------------
        *(Case(f"retry broker submission of B's {label} batch (no body)", "POST",
               f"/api/exports/{bid}/broker-submission/retry")
          for label, bid in b.batches.items()),
        *(Case(f"retry broker submission of B's {label} batch (A's accountId)", "POST",
               f"/api/exports/{bid}/broker-submission/retry", {"accountId": a_api.account_id})
          for label, bid in b.batches.items()),
        Case("retry broker submission in B's account", "POST",
             f"/api/exports/{b.batches['executed']}/broker-submission/retry",
             {"accountId": b_api.account_id}, field="accountId", **scope),
    ]
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


def webhook_cases(a_api: Any, b: Tenant, a_endpoint: str) -> list[Case]:
    whk, whd = b.endpoint["id"], b.delivery_id
    one = f"/api/webhook-endpoints/{whk}"
    mine = {"accountId": a_api.account_id}
    scope = {"status": 403, "code": "INVALID_ACCOUNT_SCOPE", "field": "accountId"}
    return [
        Case("webhook endpoint by id", "GET", one),
        Case("webhook endpoint's deliveries", "GET", f"{one}/deliveries"),
        Case("patch B's webhook endpoint (no accountId)", "PATCH", one,
             {"url": "http://127.0.0.1:9/hijacked", "disabled": False}),
        Case("patch B's webhook endpoint (A's accountId)", "PATCH", one,
             {**mine, "enabledEvents": ["*"], "description": "hijacked"}),
        Case("patch B's webhook endpoint in B's account", "PATCH", one,
             {"accountId": b.api.account_id, "disabled": False}, **scope),
        Case("delete B's webhook endpoint (no body)", "DELETE", one),
        Case("delete B's webhook endpoint (A's accountId)", "DELETE", one, mine),
        Case("rotate B's signing secret (no body)", "POST", f"{one}/rotate-secret"),
        Case("rotate B's signing secret (A's accountId)", "POST", f"{one}/rotate-secret",
             {**mine, "overlapSeconds": 0}),
        Case("retry B's delivery (no body)", "POST", f"{one}/deliveries/{whd}/retry"),
        Case("retry B's delivery (A's accountId)", "POST", f"{one}/deliveries/{whd}/retry",
             mine),
        Case("retry B's delivery through A's endpoint", "POST",
             f"/api/webhook-endpoints/{a_endpoint}/deliveries/{whd}/retry", mine),
        Case("create a webhook endpoint in B's account", "POST", "/api/webhook-endpoints",
             {"accountId": b.api.account_id, "url": "http://127.0.0.1:9/x",
              "enabledEvents": ["*"]}, **scope),
    ]


def check(case: Case, r: Any, secrets: set[str]) -> list[str]:
    """What is wrong with this answer (empty when it is the contract's)."""
    where = f"[{case.name}] {case.method} {case.path}"
    problems = []
    if 200 <= r.status_code < 300 or r.status_code == 304:
        problems.append(f"{where}: answered {r.status_code} to a foreign reference: "
                        f"{r.text[:300]}")
    try:
        body = r.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        problems.append(f"{where}: expected the error envelope, got {r.status_code} "
                        f"{r.text[:300]!r}")
        body = {}
    got = (r.status_code, body.get("errorCode"), body.get("field"))
    want = (case.status, case.code, case.field)
    if got != want:
        problems.append(f"{where}: expected {want}, got {got}: {r.text[:300]}")
    if body and not (isinstance(body.get("message"), str) and body.get("requestId")):
        problems.append(f"{where}: error envelope lacks message/requestId: {r.text[:300]}")
    if case.issues:
        issues = tuple((i.get("path"), i.get("code"))
                       for i in (body.get("details") or {}).get("issues", []))
        if issues != case.issues:
            problems.append(f"{where}: expected issues {case.issues}, got {issues}")
    leaked = leaks(r, secrets)
    if leaked:
        problems.append(f"{where}: response leaks B's {leaked}: {r.text[:300]}")
    return problems


def call(api: Any, case: Case) -> Any:
    if case.method == "GET":
        return api.get(case.path, headers=case.headers)
    if case.method == "POST":
        return api.post(case.path, case.body, headers=case.headers)
    headers = api.headers({"content-type": "application/json", **(case.headers or {})})
    return api.client.request(case.method, case.path, headers=headers,
                              content=json.dumps(case.body if case.body is not None else {}))


def lists_of(api: Any) -> dict[str, bytes]:
    """A's lists and A's account: what A's calls must leave as they were."""
    return {path: ok_raw(api.get(path)) for path in [*LISTS, "/api/account"]}


def ok_raw(r: Any) -> bytes:
    assert r.status_code == 200, r.text
    return r.content


def ids_in(r: Any) -> list[str]:
    return [d.get("id") or d.get("exportId") for d in ok(r)["data"]]


def test_every_endpoint_hides_another_account(api, world, client, db):
    assert_hidden(api, build_b(client, world), db)


@pytest.mark.parametrize("a_mode", ["live", "test"])
def test_every_endpoint_hides_the_other_mode(a_mode, world, client, db):
    """A is one mode of an account, B the other mode of the same account with one of
    everything (as in the cross-account matrix)."""
    live = world.tenant(client, "One account")
    if a_mode == "live":
        a, b = live, build_b(client, world, world.test_tenant(live))
    else:
        a = world.test_tenant(live)  # before B's settings change: A's are its own
        b = build_b(client, world, live)
    assert a.account_id == b.api.account_id
    assert_hidden(a, b, db)


def assert_hidden(api: Any, b: Tenant, db: Any) -> None:
    """A calls every endpoint with B's ids: each answers as the contract says for a foreign
    object, nothing of B shows or changes, and A writes nothing. When B is A's own account in
    the other mode (test mode, ``kit.modes``), the body's ``accountId`` is rightly A's too:
    the cases where it names B's account say nothing and are left out."""
    shared = api.account_id == b.api.account_id
    a = Flow(api)
    assert {a.bottle, a.notebook}.isdisjoint({b.flow.bottle, b.flow.notebook})
    a_order = a.order("ord-1")  # the same externalId as one of B's orders
    assert a_order not in b.orders.values()
    a_batch = ok(a.plan([a_order]))["exportId"]
    a_importer = ok(api.get("/api/account"))["defaultImporterId"]
    assert a_importer and a_importer not in b.importers.values()
    a_endpoint = ok(api.post("/api/webhook-endpoints", {
        "accountId": api.account_id, "url": DEAD_RECEIVER, "enabledEvents": ["PRODUCTS_SYNCED"],
        "description": "A's own"}))["id"]

    b_before = snapshot(b.api, b_paths(b))
    secrets = secrets_of(b, b_before) - ({api.account_id} if shared else set())
    a_before = lists_of(api)
    rows_before = row_counts(db)

    # A's own lists: exactly A's objects, none of B's, whatever the filter
    acting = partition(api.account_id, "test" if api.key.startswith("shpbndl_test_") else "live")
    orders_scope = cursor_scope("/api/orders", acting)  # cursors are bound to where A acts
    importers_scope = cursor_scope("/api/importers", acting)
    products_scope = cursor_scope("/api/products", acting)
    own = {
        "/api/warehouses": [api.warehouse_id], "/api/brokers": [api.broker_id],
        "/api/importers": [a_importer], "/api/importers?limit=200": [a_importer],
        "/api/products": sorted([a.notebook, a.bottle]), "/api/orders": [a_order],
        "/api/exports": [a_batch],
        "/api/webhook-endpoints": [a_endpoint],
        f"/api/events?exportId={b.batches['executed']}": [],
        f"/api/events?exportId={b.batches['planned']}&type=EXPORT_PLANNED": [],
        "/api/products?externalId=BOTTLE": [a.bottle],
        "/api/orders?externalId=ord-1": [a_order],
        "/api/orders?externalId=ord-2": [],
        "/api/exports?state=PLANNED": [a_batch],
        "/api/exports?state=COMPLETED": [], "/api/exports?state=CANCELLED": [],
        # a cursor made for A's own list that names one of B's ids: still only A's rows
        f"/api/orders?cursor={encode_cursor(orders_scope, b.orders['ord-3'])}": [],
        f"/api/products?cursor={encode_cursor(products_scope, b.flow.notebook)}&limit=200": [],
        f"/api/importers?cursor={encode_cursor(importers_scope, b.importers['second'])}": [],
    }
    problems = []
    for path, expected in own.items():
        r = api.get(path)
        leaked = leaks(r, secrets)
        if leaked:
            problems.append(f"[list] GET {path}: leaks B's {leaked}: {r.text[:300]}")
        if r.status_code != 200:
            problems.append(f"[list] GET {path}: {r.status_code} {r.text[:300]}")
            continue
        got = ids_in(r)
        # a cursor past B's id may legitimately show A's older rows: only B's must be absent
        if "cursor=" not in path and sorted(got) != sorted(expected):
            problems.append(f"[list] GET {path}: expected {expected}, got {got}")
    health = api.get("/api/system/health")
    if health.status_code != 200 or health.json().get("accountId") != api.account_id:
        problems.append(f"[health] GET /api/system/health: {health.status_code} {health.text}")
    if leaks(health, secrets):
        problems.append(f"[health] leaks B's {leaks(health, secrets)}")
    # the account: A's own, with A's default importer and none of B's settings
    account = api.get("/api/account")
    if account.status_code != 200 or (
            account.json().get("id"), account.json().get("defaultImporterId"),
            account.json().get("legalName"), account.json().get("address"),
            account.json().get("readinessPolicy")) != (
                api.account_id, a_importer, None, None, "standard"):
        problems.append(f"[account] GET /api/account: {account.status_code} {account.text}")
    if leaks(account, secrets):
        problems.append(f"[account] leaks B's {leaks(account, secrets)}")

    cases = [case for case in matrix(a, a_order, a_importer, b, a_endpoint)
             if not (shared and case.field == "accountId"
                     and case.code == "INVALID_ACCOUNT_SCOPE")]
    for case in cases:
        problems += check(case, call(api, case), secrets)
    assert not problems, f"{len(problems)} problem(s) over {len(cases)} cases:\n" + \
        "\n".join(problems)

    # nothing of B changed, A wrote nothing, no row anywhere was added or removed
    assert stable(snapshot(b.api, b_paths(b))) == stable(b_before)
    assert lists_of(api) == a_before
    assert row_counts(db) == rows_before

    # what A may legitimately do with B's externalIds touches only A's own objects
    r = api.sync_products(product("BOTTLE", title="A's own bottle"), NOTEBOOK)
    assert [(d["id"], d["syncStatus"]) for d in ok(r)["data"]] == [
        (a.bottle, "updated"), (a.notebook, "unchanged")]
    r = api.post("/api/orders/sync", {"accountId": api.account_id, "items": [{
        "externalId": "ord-2", "destinationCountry": "US", "destinationRegion": "CA",
        "destinationPostalCode": "94105",
        "items": [{"productId": a.notebook, "quantity": 3, "unitValueUsd": 7}]}]})
    (made,) = ok(r)["data"]
    assert made["syncStatus"] == "created", r.text  # not B's locked ord-2, not ORDER_LOCKED
    assert made["id"] not in secrets and not leaks(r, secrets)
    assert stable(snapshot(b.api, b_paths(b))) == stable(b_before)
    assert sorted(ids_in(api.get("/api/orders"))) == sorted([made["id"], a_order])
    assert sorted(ids_in(api.get("/api/products"))) == sorted([a.notebook, a.bottle])


def _dead_smtp_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"smtp://127.0.0.1:{sock.getsockname()[1]}"


def test_foreign_retry_never_attempts_a_delivery(world, settings, db):
    """B's broker delivery is failing (SMTP down): A forcing a retry on B's batch must not
    resend B's customs package, nor reveal that a retry was possible."""
    app = create_app(settings.model_copy(update={"smtp_url": _dead_smtp_url(),
                                                 "delivery_backoff_seconds": 3600}))
    try:
        with TestClient(app, raise_server_exceptions=False) as c:
            b, a = world.tenant(c, "Tenant B"), world.tenant(c, "Tenant A")
            flow = Flow(b)
            plan = ok(flow.plan([flow.order("ord-1")]))
            done = ok(execute(b, plan["exportId"]))
            assert done["brokerSubmission"]["status"] == "retrying", done
            before = b.get(f"/api/exports/{plan['exportId']}").content
            rows = row_counts(db)
            for body in (None, {"accountId": a.account_id}):
                r = a.post(f"/api/exports/{plan['exportId']}/broker-submission/retry", body)
                assert (r.status_code, r.json().get("errorCode")) == (404, "NOT_FOUND"), r.text
                assert plan["exportId"] not in r.text
                assert done["brokerSubmission"]["id"] not in r.text
            r = a.post(f"/api/exports/{plan['exportId']}/broker-submission/retry",
                       {"accountId": b.account_id})
            assert (r.status_code, r.json().get("errorCode")) == (403, "INVALID_ACCOUNT_SCOPE"), \
                r.text
            assert b.get(f"/api/exports/{plan['exportId']}").content == before
            assert row_counts(db) == rows
    finally:
        app.state.db.dispose()
