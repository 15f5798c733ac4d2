"""Idempotency over real HTTP against a live server process (docs/api/contract.md §4)."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import func, select

from entrygo.orders.models import Order
from entrygo.setup.models import Warehouse
from tests.support import concurrently, product


def tenant(world, base_url):
    account = world.account()
    key = world.key(account)
    headers = {"authorization": f"Bearer {key}"}
    r = httpx.post(f"{base_url}/api/products/sync", headers=headers, timeout=30,
                   json={"accountId": account, "items": [product(f"P{i}") for i in range(3)]})
    return account, headers, [p["id"] for p in r.json()["data"]]


def big_sync(account, products, n=300):
    return {"accountId": account, "items": [{
        "externalId": f"ord-{i}", "destinationCountry": "US", "destinationRegion": "NY",
        "destinationPostalCode": "10001",
        "items": [{"productId": p, "quantity": 1, "unitValueUsd": 12.5} for p in products]}
        for i in range(n)]}


def test_concurrent_requests_with_one_key_write_once(live_server, world, db):
    base = live_server()
    account, headers, products = tenant(world, base)
    body = big_sync(account, products)
    keyed = {**headers, "idempotency-key": "burst-1"}
    responses = concurrently(20, lambda c: c.post(f"{base}/api/orders/sync", json=body,
                                                  headers=keyed))
    ok = [r for r in responses if r.status_code == 200]
    busy = [r for r in responses if r.status_code == 409]
    assert len(ok) + len(busy) == 20
    assert all(r.json()["errorCode"] == "IDEMPOTENCY_IN_PROGRESS" and
               r.headers["retry-after"] == "1" for r in busy)
    fresh = [r for r in ok if "idempotent-replayed" not in r.headers]
    print(f"20 concurrent: {len(ok)} x 200 ({len(fresh)} fresh), {len(busy)} x 409 in progress")
    assert len(fresh) == 1
    assert all(r.content == fresh[0].content for r in ok)
    assert {o["syncStatus"] for o in fresh[0].json()["data"]} == {"created"}
    # whoever was told "in progress" gets the one result on retry
    while True:
        retry = httpx.post(f"{base}/api/orders/sync", json=body, headers=keyed, timeout=60)
        if retry.status_code != 409:
            break
        time.sleep(float(retry.headers["retry-after"]))
    assert retry.content == fresh[0].content and retry.headers["idempotent-replayed"] == "true"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 300

    # a create (not an upsert): twenty concurrent attempts make exactly one warehouse
    wh = {"accountId": account, "name": "Burst DC", "country": "CA"}
    keyed = {**headers, "idempotency-key": "burst-2"}
    responses = concurrently(20, lambda c: c.post(f"{base}/api/warehouses", json=wh,
                                                  headers=keyed))
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert all(r.status_code in (201, 409) for r in responses)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Warehouse).where(
            Warehouse.name == "Burst DC")) == 1


def test_other_account_does_not_replay_and_key_frees_after_retention(live_server, world, db):
    base = live_server(ENTRYGO_IDEMPOTENCY_RETENTION_SECONDS="2")
    mine, my_headers, _ = tenant(world, base)
    theirs, their_headers, _ = tenant(world, base)

    def create(account, headers, name):
        return httpx.post(f"{base}/api/warehouses", timeout=30,
                          json={"accountId": account, "name": name, "country": "MX"},
                          headers={**headers, "idempotency-key": "wh-key"})

    a = create(mine, my_headers, "Monterrey")
    b = create(theirs, their_headers, "Monterrey")
    assert a.status_code == b.status_code == 201
    assert "idempotent-replayed" not in b.headers
    assert a.json()["id"] != b.json()["id"] and b.json()["accountId"] == theirs
    assert create(mine, my_headers, "Monterrey").headers["idempotent-replayed"] == "true"
    assert create(mine, my_headers, "Tijuana").json()["errorCode"] == "IDEMPOTENCY_CONFLICT"
    time.sleep(2.2)
    c = create(mine, my_headers, "Tijuana")
    assert c.status_code == 201 and "idempotent-replayed" not in c.headers
    with db.read() as s:
        names = sorted(s.scalars(select(Warehouse.name).where(Warehouse.account_id == mine)))
    assert names == ["Monterrey", "Tijuana"]
