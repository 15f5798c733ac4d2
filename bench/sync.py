"""Order sync: 5,000 orders x 3 lines over HTTP, against a raw bulk insert of the same rows.

Both run on the same database in the same run. The HTTP figure is end to end as a client sees
it (five calls of 1,000 orders each to a live server process: parsing, validation, the product
check, upsert and the response); the baseline is the same 5,000 order rows and 15,000 line rows
inserted with the database driver's ``executemany`` in one transaction (rows prepared before the
clock starts).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
from tests.support import ServerProcess

from bench import data
from bench.common import Backend, backend, median, report, rng, timed
from entrygo.api.validation import parse_json, validate_as
from entrygo.auth.keys import issue_key
from entrygo.kit.clock import utcnow
from entrygo.kit.ids import new_id
from entrygo.products.schemas import ProductSync
from entrygo.products.service import sync_products
from entrygo.setup.service import create_account

ORDERS, LINES, PRODUCTS, CALL = 5000, 3, 500, 1000

ORDER_COLUMNS = ["id", "account_id", "external_id", "destination_country", "destination_region",
                 "destination_postal_code", "consignee", "ordered_at", "currency", "incoterm",
                 "metadata", "total_value_usd", "content_hash", "exported_batch_id",
                 "created_at", "updated_at"]
LINE_COLUMNS = ["order_id", "line_index", "product_id", "quantity", "unit_value_usd",
                "line_value_usd"]


def _setup(b: Backend) -> tuple[str, str, str, list[str]]:
    with b.db.write() as s:
        account = create_account(s, "bench").id
        raw_account = create_account(s, "bench raw").id
        key = issue_key(s, b.settings.secret, account_id=account).secret
        items = validate_as(ProductSync, parse_json(json.dumps(
            {"accountId": account, "items": data.products(rng(), PRODUCTS)}).encode())).items
        product_ids = [p.id for p in sync_products(s, account, items)]
    return account, raw_account, key, product_ids


def _raw_rows(b: Backend, account: str, orders: list[dict[str, Any]]
              ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    now = utcnow()
    stamp: Any = now.replace(tzinfo=None).isoformat(sep=" ") if b.name == "sqlite" else now
    order_rows, line_rows = [], []
    for o in orders:
        oid = new_id("ord")
        total = Decimal(0)
        for index, line in enumerate(o["items"]):
            unit = Decimal(str(line["unitValueUsd"]))
            value = (unit * line["quantity"]).quantize(Decimal("0.01"))
            total += value
            line_rows.append((oid, index, line["productId"], line["quantity"],
                              int(unit * 10_000), int(value * 10_000)))
        order_rows.append((oid, account, o["externalId"], "US", o["destinationRegion"],
                           o["destinationPostalCode"], json.dumps(o["consignee"]), None, None,
                           None, json.dumps(o["metadata"]), int(total * 10_000), "0" * 64, None,
                           stamp, stamp))
    return order_rows, line_rows


def _raw_insert(b: Backend, order_rows: list[tuple[Any, ...]],
                line_rows: list[tuple[Any, ...]]) -> None:
    mark = "?" if b.name == "sqlite" else "%s"
    conn = b.db.engine.raw_connection()
    try:
        cur = conn.cursor()
        if b.name == "sqlite":
            cur.execute("BEGIN")
        cur.executemany(f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}) VALUES "
                        f"({', '.join([mark] * len(ORDER_COLUMNS))})", order_rows)
        cur.executemany(f"INSERT INTO order_lines ({', '.join(LINE_COLUMNS)}) VALUES "
                        f"({', '.join([mark] * len(LINE_COLUMNS))})", line_rows)
        conn.commit()
    finally:
        conn.close()


def run(name: str, runs: int = 3) -> dict[str, Any]:
    with backend(name) as b:
        account, raw_account, key, product_ids = _setup(b)
        server = ServerProcess(b.settings, b.settings.data_dir / "server.log", {})
        base = server.start()
        http_times, raw_times = [], []
        try:
            with httpx.Client(base_url=base, timeout=120,
                              headers={"authorization": f"Bearer {key}"}) as client:
                generator = rng()
                for r in range(runs + 1):  # the first round warms up both paths, not counted
                    orders = data.orders(generator, product_ids, ORDERS, LINES, prefix=f"r{r}")
                    chunks = [orders[i:i + CALL] for i in range(0, ORDERS, CALL)]
                    bodies = [json.dumps({"accountId": account, "items": c}) for c in chunks]

                    def sync_all(bodies: list[str] = bodies) -> None:
                        for body in bodies:
                            resp = client.post("/api/orders/sync", content=body,
                                               headers={"content-type": "application/json"})
                            assert resp.status_code == 200, resp.text[:500]

                    raw = _raw_rows(b, raw_account, orders)
                    http = timed(sync_all)
                    baseline = timed(lambda raw=raw: _raw_insert(b, *raw))
                    if r:
                        http_times.append(http)
                        raw_times.append(baseline)
        finally:
            server.stop()
    http_s, raw_s = median(http_times), median(raw_times)
    return {"backend": name, "orders": ORDERS, "lines_per_order": LINES, "runs": runs,
            "http_seconds": round(http_s, 4), "raw_insert_seconds": round(raw_s, 4),
            "orders_per_second": round(ORDERS / http_s), "ratio": round(http_s / raw_s, 2)}


def show(result: dict[str, Any]) -> None:
    print(f"sync {result['orders']} orders x {result['lines_per_order']} lines "
          f"[{result['backend']}], median of {result['runs']}")
    report([
        ("HTTP sync (5 calls x 1,000)", f"{result['http_seconds']:.3f} s  "
                                        f"({result['orders_per_second']} orders/s)"),
        ("raw bulk insert (baseline)", f"{result['raw_insert_seconds']:.3f} s"),
        ("ratio HTTP / raw", f"{result['ratio']:.2f}x  (target <= 4x)"),
    ])
