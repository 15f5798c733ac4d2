"""docs/api/contract.md §5.4: a newer persisted plan over any of the same orders supersedes the
older PLANNED batch (one PLANNED plan per order), on both backends, also under concurrency."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest
from sqlalchemy import select, text

from entrygo.events.models import ExportEvent
from entrygo.exports.models import ExportBatch, ExportBatchOrder
from tests.support import Flow, check, concurrently, error, execute, product


@pytest.fixture
def flow(api):
    return Flow(api)


@pytest.fixture
def spec(client):
    return client.get("/docs/api/openapi").json()


def inspect(flow, batch_id):
    r = flow.api.get(f"/api/exports/{batch_id}")
    assert r.status_code == 200, r.text
    return r.json()


def states(flow, *batch_ids):
    return [inspect(flow, b)["state"] for b in batch_ids]


def members(db, batch_id):
    with db.read() as s:
        return sorted(s.scalars(select(ExportBatchOrder.order_id).where(
            ExportBatchOrder.batch_id == batch_id)))


def test_a_fixed_plan_supersedes_the_blocked_one(flow, db, spec):
    a = flow.order("o-a", destinationRegion=None)  # DEST_REGION_MISSING: blocks the plan
    b = flow.order("o-b")
    first = flow.plan([a, b]).json()
    assert first["readinessState"] == "BLOCKED" and first["state"] == "PLANNED"
    assert inspect(flow, first["exportId"])["supersededBy"] is None  # rendered and cached
    flow.order("o-a")  # fixed at the source
    second = flow.plan([b, a]).json()
    assert second["readinessState"] == "REVIEW_REQUIRED" and second["state"] == "PLANNED"
    assert second["exportId"] != first["exportId"]
    assert set(second) == set(first)  # the plan answer itself has no new field

    old = inspect(flow, first["exportId"])
    check(spec, "get", "/api/exports/{batch_id}", 200, old)
    assert old["state"] == old["status"] == "SUPERSEDED"
    assert old["supersededBy"] == second["exportId"]
    assert [e["type"] for e in old["events"]] == [
        "EXPORT_BATCH_CREATED", "EXPORT_PLANNED", "EXPORT_SUPERSEDED"]
    assert old["events"][-1]["data"] == {"supersededBy": second["exportId"],
                                         "orderIds": sorted([a, b])}
    # the plan document is what the client was told at planning, unchanged
    assert {k: v for k, v in old.items() if k in first and k not in ("state", "status")} == {
        k: v for k, v in first.items() if k not in ("state", "status")}

    new = inspect(flow, second["exportId"])
    assert new["state"] == "PLANNED" and new["supersededBy"] is None
    assert new["events"][-1]["type"] == "EXPORT_PLANNED"
    assert new["events"][-1]["data"]["supersedes"] == [first["exportId"]]

    # final: not executable, not cancellable, not re-plannable
    body = error(execute(flow.api, first["exportId"]), 409, "INVALID_EXPORT_STATE")
    assert body["details"] == {"currentState": "SUPERSEDED"}
    body = error(flow.api.post(f"/api/exports/{first['exportId']}/cancel"), 409,
                 "INVALID_EXPORT_STATE")
    assert body["details"] == {"currentState": "SUPERSEDED"}
    body = error(flow.plan([a, b], batchId=first["exportId"]), 409, "INVALID_EXPORT_STATE")
    assert body["details"] == {"currentState": "SUPERSEDED"}
    assert inspect(flow, first["exportId"])["events"] == old["events"]  # nothing happened

    # listed by its state, with who superseded it
    listed = flow.api.get("/api/exports", params={"state": "SUPERSEDED"}).json()
    check(spec, "get", "/api/exports", 200, listed)
    assert [(x["exportId"], x["supersededBy"]) for x in listed["data"]] == [
        (first["exportId"], second["exportId"])]
    planned = flow.api.get("/api/exports", params={"state": "PLANNED"}).json()["data"]
    assert [(x["exportId"], x["supersededBy"]) for x in planned] == [(second["exportId"], None)]

    assert execute(flow.api, second["exportId"]).json()["status"] == "COMPLETED"
    assert inspect(flow, first["exportId"])["state"] == "SUPERSEDED"


def test_what_counts_as_the_same_orders(flow, db, client, world):
    a, b, c, d = (flow.order(f"o-{x}") for x in "abcd")
    elsewhere = flow.order("o-ca", destinationCountry="CA")  # excluded, still planned over
    first = flow.plan([a, b]).json()["exportId"]
    apart = flow.plan([d, elsewhere]).json()["exportId"]
    assert members(db, first) == sorted([a, b])
    assert members(db, apart) == sorted([d, elsewhere])
    other = Flow(world.tenant(client, "Other merchant"))
    theirs = other.plan([other.order("o-a")]).json()["exportId"]

    # a dry run changes nothing
    dry = flow.plan([b, c], dryRun=True).json()
    assert dry["exportId"] is None
    assert states(flow, first, apart) == ["PLANNED", "PLANNED"]

    # even a membership row naming our order (which no plan can write: order ids are the
    # account's) does not make another account's batch one of ours
    with db.write() as s:
        s.add(ExportBatchOrder(batch_id=theirs, order_id=b, account_id=other.api.account_id))

    # partial overlap: B is shared, so the first batch is superseded; no overlap, no change
    second = flow.plan([b, c]).json()["exportId"]
    assert states(flow, first, apart, second) == ["SUPERSEDED", "PLANNED", "PLANNED"]
    assert inspect(flow, first)["events"][-1]["data"] == {"supersededBy": second,
                                                          "orderIds": [b]}
    # an order the plan excluded is still one it was planned over
    third = flow.plan([elsewhere]).json()
    assert third["included_order_ids"] == [] and third["readinessState"] == "BLOCKED"
    assert inspect(flow, apart)["supersededBy"] == third["exportId"]
    # another account's batches are never touched
    assert inspect(other, theirs)["state"] == "PLANNED"
    assert inspect(other, theirs)["events"][-1]["type"] == "EXPORT_PLANNED"
    with db.read() as s:
        assert s.scalars(select(ExportBatch.state).where(ExportBatch.id == theirs)).one() == (
            "PLANNED")


def test_replanning_in_place_supersedes_the_others_not_itself(flow, db):
    a, b, c, d = (flow.order(f"o-{x}") for x in "abcd")
    first = flow.plan([a, b]).json()["exportId"]
    second = flow.plan([b, c]).json()["exportId"]
    assert states(flow, first, second) == ["SUPERSEDED", "PLANNED"]
    third = flow.plan([d]).json()["exportId"]

    replanned = flow.plan([c, d], batchId=second)
    assert replanned.status_code == 200 and replanned.json()["exportId"] == second
    assert states(flow, second, third) == ["PLANNED", "SUPERSEDED"]
    events = inspect(flow, second)["events"]
    assert [e["type"] for e in events] == [
        "EXPORT_BATCH_CREATED", "EXPORT_PLANNED", "EXPORT_REPLANNED"]
    assert events[-1]["data"]["supersedes"] == [third]
    assert inspect(flow, third)["events"][-1]["data"] == {"supersededBy": second,
                                                          "orderIds": [d]}
    # re-planning it again over the same orders supersedes nothing, itself least of all
    again = flow.plan([c, d], batchId=second).json()
    assert again["state"] == "PLANNED" and "supersedes" not in inspect(
        flow, second)["events"][-1]["data"]
    # the re-plan replaced the batch's orders: B is no longer one of them
    assert members(db, second) == sorted([c, d])
    fourth = flow.plan([b]).json()["exportId"]
    assert states(flow, second, fourth) == ["PLANNED", "PLANNED"]
    fifth = flow.plan([c]).json()["exportId"]
    assert states(flow, second, fifth) == ["SUPERSEDED", "PLANNED"]


def test_executed_cancelled_and_failed_batches_are_never_superseded(flow, app):
    a, b, c, e = (flow.order(f"o-{x}") for x in "abce")
    failed = flow.plan([e]).json()["exportId"]
    store_root = app.state.store.root
    store_root.parent.mkdir(parents=True, exist_ok=True)
    store_root.write_text("not a directory")  # artifact generation fails: the batch FAILED
    error(execute(flow.api, failed), 500, "INTERNAL_ERROR")
    store_root.unlink()
    done = flow.plan([a]).json()["exportId"]
    assert execute(flow.api, done).json()["status"] == "COMPLETED"
    cancelled = flow.plan([b]).json()["exportId"]
    flow.api.post(f"/api/exports/{cancelled}/cancel")

    later = flow.plan([a, b, c, e]).json()
    assert later["exclusions"] == [{"orderId": a, "reason": "ALREADY_EXPORTED"}]
    assert states(flow, done, cancelled, failed) == ["COMPLETED", "CANCELLED", "FAILED"]
    for batch in (done, cancelled, failed):
        view = inspect(flow, batch)
        assert view["supersededBy"] is None
        assert "EXPORT_SUPERSEDED" not in [ev["type"] for ev in view["events"]]
    assert "supersedes" not in inspect(flow, later["exportId"])["events"][-1]["data"]


# --- concurrency: live server processes, many clients at once ----------------------------------

def _tenant(base, world, orders):
    account = world.account()
    headers = {"authorization": f"Bearer {world.key(account)}"}
    warehouse, broker = world.warehouse(account), world.broker(account)
    pid = httpx.post(f"{base}/api/products/sync", headers=headers, timeout=30, json={
        "accountId": account, "items": [product("P1")]}).json()["data"][0]["id"]
    r = httpx.post(f"{base}/api/orders/sync", headers=headers, timeout=30, json={
        "accountId": account, "items": [{
            "externalId": f"ord-{n}", "destinationCountry": "US", "destinationRegion": "CA",
            "destinationPostalCode": "94105",
            "items": [{"productId": pid, "quantity": 1, "unitValueUsd": 110}]}
            for n in range(orders)]})
    ids = [o["id"] for o in r.json()["data"]]
    return account, headers, warehouse, broker, ids


def _deadlocks(db):
    """PostgreSQL's count of deadlocks it broke in this database (None on SQLite)."""
    if db.backend != "postgresql":
        return None
    with db.read() as s:
        return s.scalar(text("SELECT deadlocks FROM pg_stat_database "
                             "WHERE datname = current_database()"))


def test_concurrent_plans_leave_one_planned_batch_per_order(live_server, world, db):
    base = live_server()
    deadlocks = _deadlocks(db)
    account, headers, warehouse, broker, ids = _tenant(base, world, 8)

    def plan(order_ids, **extra):
        return {"accountId": account, "warehouseId": warehouse, "brokerId": broker,
                "orderIds": order_ids, **extra}

    def post(client, path, body):
        return client.post(f"{base}{path}", json=body, headers=headers)

    executed = httpx.post(f"{base}/api/exports/plan", json=plan(ids[:2]), headers=headers,
                          timeout=30).json()["exportId"]
    replanned = httpx.post(f"{base}/api/exports/plan", json=plan(ids[6:]), headers=headers,
                           timeout=30).json()["exportId"]
    counter = iter(range(100))
    lock = threading.Lock()

    def call(client):
        with lock:
            n = next(counter)
        if n < 14:  # overlapping windows of three orders, every order in several
            window = [ids[(n + k) % len(ids)] for k in range(3)]
            return post(client, "/api/exports/plan", plan(window))
        if n < 16:
            return post(client, "/api/exports/execute",
                        {"accountId": account, "batchId": executed})
        return post(client, "/api/exports/plan", plan(ids[5:], batchId=replanned))

    responses = concurrently(18, call)
    codes = Counter((r.status_code, r.json().get("errorCode")) for r in responses)
    assert set(codes) <= {(200, None), (409, "INVALID_EXPORT_STATE")}, codes
    plans = [r for r in responses if r.request.url.path.endswith("/plan")
             and b"batchId" not in r.request.content]
    assert len(plans) == 14 and all(r.status_code == 200 for r in plans)
    assert _deadlocks(db) == deadlocks  # none to break (and retry): the locks have one order

    with db.read() as s:
        batches = {b.id: b for b in s.scalars(select(ExportBatch).where(
            ExportBatch.account_id == account))}
        events = list(s.scalars(select(ExportEvent).where(
            ExportEvent.type == "EXPORT_SUPERSEDED",
            ExportEvent.batch_id.in_(list(batches)))))
        rows = list(s.execute(select(ExportBatchOrder.batch_id, ExportBatchOrder.order_id)
                              .where(ExportBatchOrder.account_id == account)))
    # at most one PLANNED batch per order, read off the stored plans themselves
    planned_over = Counter(order_id for b in batches.values() if b.state == "PLANNED"
                           for order_id in b.plan["included_order_ids"]
                           + b.plan["excluded_order_ids"])
    assert planned_over and max(planned_over.values()) == 1, planned_over
    # every superseded batch names a batch that was planned after it, with one event
    superseded = {b.id: b for b in batches.values() if b.state == "SUPERSEDED"}
    assert superseded
    assert sorted(e.batch_id for e in events) == sorted(superseded)
    for event in events:
        assert event.data["supersededBy"] == superseded[event.batch_id].superseded_by
        assert event.data["supersededBy"] in batches
    # the memberships are exactly the stored plans' orders
    assert sorted(rows) == sorted(
        (b.id, order_id) for b in batches.values()
        for order_id in set(b.plan["included_order_ids"] + b.plan["excluded_order_ids"]))
