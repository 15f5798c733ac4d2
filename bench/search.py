"""Tariff search: p50/p95 latency of representative queries over HTTP, against the lookup of a
line by its number on the same server.

Both are timed end to end as a client sees them, keyed requests to a live server process
(authentication, the rate limit, validation, rendering), interleaved over one connection. The
baseline is the cheapest keyed read of the same data, ``GET /api/tariff/lines/{hts}`` (a
dictionary lookup), so the difference between the two is what parsing, ranking and the longer
answer cost. The process's first search builds the index: it is timed on its own ("cold") and
left out of the percentiles. The schedule is the same on both backends; only the key check
touches the database.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from tests.support import ServerProcess

from bench.common import backend, percentile, report
from entrygo.auth.keys import issue_key
from entrygo.setup.service import create_account

QUERIES = [
    "vacuum bottle", "stainless steel water bottle", "cotton t-shirt", "women's knitted sweater",
    "lithium ion battery", "leather handbag", "wooden toy", "laptop computer", "ceramic mug",
    "running shoes", "smartphone", "bluetooth headphones", "LED lamp", "denim jeans",
    "plastic food container", "yoga mat", "bicycle helmet", "sunglasses", "scented candle",
    "men's leather wallet",
]
"""What merchants and agents search for: e-commerce goods in everyday words."""
ROUNDS = 5
"""Passes over ``QUERIES`` per measured run (each pass also looks up as many lines)."""


def run(name: str, runs: int = 3) -> dict[str, Any]:
    with backend(name) as b:
        with b.db.write() as s:
            account = create_account(s, "bench search").id
            key = issue_key(s, b.settings.secret, account_id=account).secret
        server = ServerProcess(b.settings, b.settings.data_dir / "server.log",
                               {"ENTRYGO_RATE_LIMIT": "1000000/minute"})
        base = server.start()
        search_ms: list[float] = []
        lookup_ms: list[float] = []
        try:
            with httpx.Client(base_url=base, timeout=60,
                              headers={"authorization": f"Bearer {key}"}) as c:
                assert c.get("/api/system/health").status_code == 200  # connection, key cache
                start = time.perf_counter()
                first = c.get("/api/tariff/lines", params={"q": QUERIES[0]})
                cold_ms = (time.perf_counter() - start) * 1000
                assert first.status_code == 200, first.text[:300]
                numbers = [c.get("/api/tariff/lines", params={"q": q, "limit": 1})
                           .json()["data"][0]["htsCode"] for q in QUERIES]
                for _ in range(runs * ROUNDS):
                    for q, number in zip(QUERIES, numbers, strict=True):
                        for path, params, sink in (("/api/tariff/lines", {"q": q}, search_ms),
                                                   (f"/api/tariff/lines/{number}", {},
                                                    lookup_ms)):
                            start = time.perf_counter()
                            r = c.get(path, params=params)
                            sink.append((time.perf_counter() - start) * 1000)
                            assert r.status_code == 200, r.text[:300]
        finally:
            server.stop()
    result = {"backend": name, "runs": runs, "queries": len(QUERIES), "calls": len(search_ms),
              "cold_search_ms": round(cold_ms, 1),
              "search_p50_ms": round(percentile(search_ms, 50), 2),
              "search_p95_ms": round(percentile(search_ms, 95), 2),
              "lookup_p50_ms": round(percentile(lookup_ms, 50), 2),
              "lookup_p95_ms": round(percentile(lookup_ms, 95), 2)}
    result["ratio"] = round(result["search_p95_ms"] / result["lookup_p95_ms"], 2)
    return result


def show(result: dict[str, Any]) -> None:
    print(f"tariff search [{result['backend']}], {result['queries']} queries, "
          f"{result['calls']} calls each")
    report([
        ("search p50 / p95 (20 results)",
         f"{result['search_p50_ms']:.2f} / {result['search_p95_ms']:.2f} ms  "
         "(target p95 <= 25 ms)"),
        ("lookup by number p50 / p95 (baseline)",
         f"{result['lookup_p50_ms']:.2f} / {result['lookup_p95_ms']:.2f} ms"),
        ("ratio search / lookup (p95)", f"{result['ratio']:.2f}x"),
        ("first search (builds the index)", f"{result['cold_search_ms']:.0f} ms"),
    ])
