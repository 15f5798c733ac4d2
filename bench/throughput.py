"""HTTP under concurrency and idempotent replays, against the same live server.

- throughput: authenticated inspect of a 20-order batch vs the minimal endpoint
  (``/api/system/live``), 16 concurrent clients for a fixed time each; the ratio is the share
  of the minimal endpoint's rate that a real authenticated read keeps.
- replay: the same keyed order sync sent again and again (every answer is the stored bytes).
- load: the mixed multi-process workload of bench/load.py on 4 worker processes (PostgreSQL
  only: the deployment that runs several processes), with every guarantee verified after.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from tests.support import ServerProcess, SmtpSink

from bench import load
from bench.common import backend, percentile, report
from bench.execute import _small_batch
from bench.plan import _parties
from bench.sync import _setup

CONCURRENCY, SECONDS, REPLAYS = 16, 4.0, 300


async def _rate(base: str, path: str, headers: dict[str, str]) -> float:
    done = 0
    deadline = time.monotonic() + SECONDS

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done
        while time.monotonic() < deadline:
            r = await client.get(path)
            assert r.status_code == 200, r.text[:200]
            done += 1

    clients = [httpx.AsyncClient(base_url=base, headers=headers, timeout=30)
               for _ in range(CONCURRENCY)]
    try:
        started = time.monotonic()
        await asyncio.gather(*[worker(c) for c in clients])
        return done / (time.monotonic() - started)
    finally:
        for c in clients:
            await c.aclose()


def run(name: str, runs: int = 3) -> dict[str, Any]:
    with backend(name) as b:
        account, _, key, product_ids = _setup(b)
        warehouse, broker = _parties(b, account)
        env = {"ENTRYGO_RATE_LIMIT": "1000000/minute"}
        server = ServerProcess(b.settings, b.settings.data_dir / "server.log", env)
        base = server.start()
        auth = {"authorization": f"Bearer {key}"}
        try:
            with httpx.Client(base_url=base, headers=auth, timeout=60) as c:
                batch = _small_batch(c, account, warehouse, broker, product_ids)
                body = {"accountId": account, "items": [{
                    "externalId": "replayed", "destinationCountry": "US",
                    "destinationRegion": "NY", "destinationPostalCode": "10001",
                    "items": [{"productId": product_ids[0], "quantity": 1,
                               "unitValueUsd": 10}]}]}
                keyed = {"idempotency-key": "bench-replay"}
                assert c.post("/api/orders/sync", json=body, headers=keyed).status_code == 200
                replay_ms = []
                for _ in range(REPLAYS):
                    start = time.perf_counter()
                    r = c.post("/api/orders/sync", json=body, headers=keyed)
                    replay_ms.append((time.perf_counter() - start) * 1000)
                    assert r.headers["idempotent-replayed"] == "true"
            inspect_rates, live_rates = [], []
            for _ in range(runs):
                inspect_rates.append(asyncio.run(_rate(base, f"/api/exports/{batch}", auth)))
                live_rates.append(asyncio.run(_rate(base, "/api/system/live", {})))
        finally:
            server.stop()
        result: dict[str, Any] = {
            "backend": name, "runs": runs, "concurrency": CONCURRENCY,
            "inspect_rps": round(sorted(inspect_rates)[len(inspect_rates) // 2], 1),
            "live_rps": round(sorted(live_rates)[len(live_rates) // 2], 1),
            "replay_p50_ms": round(percentile(replay_ms, 50), 2),
            "replay_p95_ms": round(percentile(replay_ms, 95), 2),
        }
        result["ratio"] = round(result["inspect_rps"] / result["live_rps"], 3)
        if name == "postgresql":
            result["load"] = _load(b)
    return result


def _load(b: Any) -> dict[str, Any]:
    """The mixed workload, on an account of its own (verify counts everything in it)."""
    account, _, key, product_ids = _setup(b)
    warehouse, broker = _parties(b, account)
    sink = SmtpSink().start()
    tenant = load.Tenant(account, key, warehouse, broker, product_ids[:4])
    env = {"ENTRYGO_SMTP_URL": sink.url, "ENTRYGO_REDIS_URL": "redis://127.0.0.1:6379/0",
           "ENTRYGO_RATE_LIMIT": "1000000/minute"}
    server = ServerProcess(b.settings, b.settings.data_dir / "load.log", env,
                           args=("--workers", "4"))
    base = server.start(timeout=60)
    try:
        outcome = asyncio.run(load.drive([base], tenant, seconds=20, clients=16))
    finally:
        server.stop()
        sink.stop()
    load.verify(b.db, tenant, outcome, sink.accepted)
    return {"seconds": round(outcome.seconds, 1), "requests": outcome.requests,
            "rps": round(outcome.requests / outcome.seconds, 1),
            "executions": outcome.executes_won, "replays": outcome.replays,
            "statuses": {str(k): v for k, v in sorted(outcome.statuses.items())},
            "verified": True}


def show(result: dict[str, Any]) -> None:
    print(f"throughput and replays [{result['backend']}], {result['concurrency']} concurrent "
          f"clients, median of {result['runs']}")
    rows = [
        ("authenticated inspect", f"{result['inspect_rps']} req/s"),
        ("minimal endpoint (baseline)", f"{result['live_rps']} req/s"),
        ("ratio inspect / minimal", f"{result['ratio'] * 100:.0f} %  (target >= 40 %)"),
        ("idempotent replay p50 / p95",
         f"{result['replay_p50_ms']:.2f} / {result['replay_p95_ms']:.2f} ms  "
         "(target p95 <= 10 ms)"),
    ]
    if "load" in result:
        lo = result["load"]
        rows.append(("mixed load, 4 processes", f"{lo['requests']} requests in {lo['seconds']} s"
                     f" ({lo['rps']} req/s), {lo['executions']} executions, "
                     f"{lo['replays']} replays, statuses {lo['statuses']}: all guarantees "
                     "verified"))
    report(rows)
