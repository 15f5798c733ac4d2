"""Talking to live server processes: many clients at once, a batch set up over real HTTP."""

from __future__ import annotations

import threading

import httpx

from tests.support.world import product


def concurrently(n, call):
    """Run ``call`` n times at once (released together by a barrier); return the responses."""
    barrier = threading.Barrier(n)
    results: list[httpx.Response | None] = [None] * n

    def worker(i):
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            results[i] = call(client)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def setup_batch(base, world):
    account = world.account()
    key = world.key(account)
    warehouse, broker = world.warehouse(account), world.broker(account)
    headers = {"authorization": f"Bearer {key}"}
    pid = httpx.post(f"{base}/api/products/sync", headers=headers, timeout=30, json={
        "accountId": account, "items": [product("P1")]}).json()["data"][0]["id"]
    oid = httpx.post(f"{base}/api/orders/sync", headers=headers, timeout=30, json={
        "accountId": account, "items": [{
            "externalId": "ord-ext-1001", "destinationCountry": "US",
            "destinationRegion": "CA", "destinationPostalCode": "94105",
            "items": [{"productId": pid, "quantity": 1, "unitValueUsd": 110}]}]}
    ).json()["data"][0]["id"]
    plan = httpx.post(f"{base}/api/exports/plan", headers=headers, timeout=30, json={
        "accountId": account, "warehouseId": warehouse, "brokerId": broker,
        "orderIds": [oid]}).json()
    return account, headers, plan
