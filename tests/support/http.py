"""Talking to live server processes: many clients at once, a batch set up over real HTTP."""

from __future__ import annotations

import threading
import time
from typing import Any

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


def kill_during_delivery(server: Any, smtp: Any, url: str, headers: dict[str, str],
                         body: dict[str, Any]) -> list[Exception]:
    """POST ``body`` (an execute) and SIGKILL the server while the mail server is holding the
    broker email (``smtp.hold_seconds`` set): the export is committed, the email in flight.
    Returns the client's transport errors (it never gets an answer)."""
    errors: list[Exception] = []

    def call() -> None:
        try:
            httpx.post(url, json=body, headers=headers, timeout=60)
        except httpx.TransportError as exc:  # the server dies under it
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 30
    while not smtp.held and time.monotonic() < deadline:
        time.sleep(0.05)
    assert smtp.held, "delivery never started"
    server.kill()
    caller.join(timeout=30)
    return errors
