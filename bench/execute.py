"""Execute a 5,000-order batch (all artifacts rendered and stored, the broker email sent to the
outbox) and inspect latency (p50/p95 over 200 calls), over HTTP against a live server.

The baseline for inspect is the same server's minimal endpoint (``/api/system/live``) over the
same connection, so the ratio shows what reading the batch costs on top of HTTP itself.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from tests.support import ServerProcess

from bench.common import backend, median, percentile, report
from bench.plan import ORDERS, _orders, _parties
from bench.sync import _setup

INSPECTS = 200


def run(name: str, runs: int = 3) -> dict[str, Any]:
    with backend(name) as b:
        account, _, key, product_ids = _setup(b)
        warehouse, broker = _parties(b, account)
        order_ids = _orders(b, account, product_ids)
        server = ServerProcess(b.settings, b.settings.data_dir / "server.log", {})
        base = server.start()
        execute_times, inspect_ms, live_ms, sizes = [], [], [], {}
        try:
            with httpx.Client(base_url=base, timeout=300, headers={
                    "authorization": f"Bearer {key}"}) as c:
                batch_id = ""
                for _ in range(runs):
                    # a fresh batch each run: re-sync releases nothing, so plan new orders
                    plan = c.post("/api/exports/plan", json={
                        "accountId": account, "warehouseId": warehouse, "brokerId": broker,
                        "orderIds": order_ids})
                    assert plan.status_code == 200, plan.text[:300]
                    batch_id = plan.json()["exportId"]
                    start = time.perf_counter()
                    done = c.post("/api/exports/execute", json={"accountId": account,
                                                                "batchId": batch_id})
                    execute_times.append(time.perf_counter() - start)
                    assert done.status_code == 200, done.text[:300]
                    sizes = {a["filename"]: a["size_bytes"] for a in done.json()["artifacts"]}
                    # release the orders for the next run (as a FAILED/cancelled batch would)
                    _release(b, batch_id)
                small = _small_batch(c, account, warehouse, broker, product_ids)
                for path, sink in ((f"/api/exports/{small}", inspect_ms),
                                   ("/api/system/live", live_ms)):
                    for _ in range(20):
                        c.get(path)
                    for _ in range(INSPECTS):
                        start = time.perf_counter()
                        r = c.get(path)
                        sink.append((time.perf_counter() - start) * 1000)
                        assert r.status_code == 200
                big_inspect = []
                for _ in range(10):
                    start = time.perf_counter()
                    assert c.get(f"/api/exports/{batch_id}").status_code == 200
                    big_inspect.append((time.perf_counter() - start) * 1000)
        finally:
            server.stop()
    return {"backend": name, "orders": ORDERS, "runs": runs,
            "execute_seconds": round(median(execute_times), 3),
            "artifact_bytes": sizes,
            "inspect_p50_ms": round(percentile(inspect_ms, 50), 2),
            "inspect_p95_ms": round(percentile(inspect_ms, 95), 2),
            "live_p50_ms": round(percentile(live_ms, 50), 2),
            "live_p95_ms": round(percentile(live_ms, 95), 2),
            "inspect_5000_p50_ms": round(percentile(big_inspect, 50), 1)}


def _release(b: Any, batch_id: str) -> None:
    from sqlalchemy import update

    from entrygo.orders.models import Order

    with b.db.write() as s:
        s.execute(update(Order).where(Order.exported_batch_id == batch_id).values(
            exported_batch_id=None))


def _small_batch(c: httpx.Client, account: str, warehouse: str, broker: str,
                 product_ids: list[str]) -> str:
    """A typical batch (20 orders), executed: what inspect latency is measured on."""
    orders = c.post("/api/orders/sync", json={"accountId": account, "items": [{
        "externalId": f"small-{i}", "destinationCountry": "US", "destinationRegion": "NY",
        "destinationPostalCode": "10001",
        "items": [{"productId": product_ids[i], "quantity": 1, "unitValueUsd": 80}]}
        for i in range(20)]}).json()["data"]
    plan = c.post("/api/exports/plan", json={
        "accountId": account, "warehouseId": warehouse, "brokerId": broker,
        "orderIds": [o["id"] for o in orders]}).json()
    c.post("/api/exports/execute", json={"accountId": account, "batchId": plan["exportId"]})
    return plan["exportId"]


def show(result: dict[str, Any]) -> None:
    print(f"execute {result['orders']} orders with all artifacts [{result['backend']}], "
          f"median of {result['runs']}")
    report([
        ("HTTP execute (render, store, commit, send)",
         f"{result['execute_seconds']:.3f} s  (target <= 8 s)"),
        ("artifact sizes (bytes)", json.dumps(result["artifact_bytes"])),
        ("inspect p50 / p95 (20-order batch)",
         f"{result['inspect_p50_ms']:.2f} / {result['inspect_p95_ms']:.2f} ms  "
         "(target p95 <= 25 ms)"),
        ("minimal endpoint p50 / p95 (baseline)",
         f"{result['live_p50_ms']:.2f} / {result['live_p95_ms']:.2f} ms"),
        ("inspect p50 (the 5,000-order batch)", f"{result['inspect_5000_p50_ms']:.1f} ms"),
    ])
