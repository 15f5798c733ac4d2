"""Planning: 5,000 orders x 3 lines over 500 products, against a plain read of the same rows.

The plan is timed end to end over HTTP (a live server process; dryRun false, so the batch, its
plan document and its events are written). The baseline reads the same order, line and product
rows with the driver alone (``SELECT ... WHERE id IN (...)``, fetchall), in the same database.

The duty estimate's part of the plan is timed in process on the same facts: the estimate, its
document, the document written as JSON twice (stored with the batch, answered) and read once
(by the client). The plan less that part is what the plan would take without the estimate.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
from tests.support import ServerProcess

from bench import data
from bench.common import Backend, backend, median, report, rng, timed
from bench.sync import _setup
from entrygo.api.validation import parse_json, validate_as
from entrygo.exports import repository as repo
from entrygo.importers.schemas import ImporterCreate
from entrygo.importers.service import create_importer
from entrygo.orders.schemas import OrderSync
from entrygo.orders.service import sync_orders
from entrygo.readiness import reference
from entrygo.readiness.facts import PlanFacts
from entrygo.readiness.plan import assess
from entrygo.setup.models import Warehouse
from entrygo.setup.schemas import BrokerCreate, WarehouseCreate
from entrygo.setup.service import create_broker, create_warehouse

ORDERS, LINES = 5000, 3


def _parties(b: Backend, account: str) -> tuple[str, str]:
    """A warehouse with a default shipment, a broker, and a default importer of record: the
    plans are judged on their goods, not blocked for want of filing data."""
    with b.db.write() as s:
        create_importer(s, account, validate_as(ImporterCreate, {
            "accountId": account, "name": "Bench Imports LLC", "number": "12-3456789",
            "address": {"address1": "1 Harbor Way", "city": "Buffalo", "region": "NY",
                        "postalCode": "14202", "country": "US"}, "isDefault": True}))
        wh = create_warehouse(s, account, validate_as(WarehouseCreate, {
            "accountId": account, "name": "Bench DC", "country": "CA", "defaultShipment": {
                "modeOfTransport": "truck", "portOfEntry": "0901",
                "carrier": {"scac": "BNCH", "name": "Bench Trucking"}}}))
        br = create_broker(s, account, validate_as(BrokerCreate, {
            "accountId": account, "name": "Bench broker", "email": "broker@example.com"}))
        return wh.id, br.id


def _orders(b: Backend, account: str, product_ids: list[str]) -> list[str]:
    ids: list[str] = []
    generated = data.orders(rng(), product_ids, ORDERS, LINES)
    for start in range(0, ORDERS, 1000):
        body = parse_json(json.dumps({"accountId": account,
                                      "items": generated[start:start + 1000]}).encode())
        with b.db.write() as s:
            ids += [o["id"] for o in sync_orders(s, account, validate_as(OrderSync, body).items)]
    return ids


def _plain_read(b: Backend, order_ids: list[str]) -> None:
    mark = "?" if b.name == "sqlite" else "%s"
    conn = b.db.engine.raw_connection()
    try:
        cur = conn.cursor()
        marks = ", ".join([mark] * len(order_ids))
        cur.execute(f"SELECT * FROM orders WHERE id IN ({marks})", order_ids)
        cur.fetchall()
        cur.execute(f"SELECT * FROM order_lines WHERE order_id IN ({marks})", order_ids)
        product_ids = sorted({row[2] for row in cur.fetchall()})
        cur.execute(f"SELECT * FROM products WHERE id IN ({', '.join([mark] * len(product_ids))})",
                    product_ids)
        cur.fetchall()
        conn.rollback()
    finally:
        conn.close()


def _estimate_part(b: Backend, account: str, warehouse_id: str, broker_id: str,
                   order_ids: list[str], runs: int) -> float | None:
    """The duty estimate's part of a plan of ``order_ids``, in process (see the module); None
    for a version of EntryGo without the estimate (timed as the baseline of this one)."""
    try:
        from entrygo.exports.duty_estimate import estimate_document
        from entrygo.readiness import duties
        from entrygo.readiness.estimate import estimate
    except ImportError:
        return None
    ref, rules = reference.load(), duties.load()
    with b.db.read() as s:
        warehouse = s.get(Warehouse, warehouse_id)
        assert warehouse is not None
        orders = repo.order_facts(s, list(repo.orders_by_id(s, account, order_ids).values()))
        products = repo.product_facts(s, account, {ln.product_id for o in orders
                                                   for ln in o.lines})
        filing = repo.filing_facts(s, account, warehouse, None, None)
    facts = PlanFacts(account, warehouse_id, warehouse.country, broker_id, "US", False,
                      tuple(orders), products, filing)
    units = assess(facts, ref).units
    unit_ids = [f"unit_{i}" for i in range(len(units))]
    today = datetime.now(UTC).date()

    def part() -> None:
        doc = estimate_document(estimate(facts, units, ref, rules, today), unit_ids)
        json.dumps(doc)  # stored with the batch
        json.loads(json.dumps(doc, separators=(",", ":"), ensure_ascii=False))  # answered, read

    part()  # warms up, not counted
    return median([timed(part) for _ in range(runs)])


def run(name: str, runs: int = 3) -> dict[str, Any]:
    with backend(name) as b:
        account, _, key, product_ids = _setup(b)
        warehouse, broker = _parties(b, account)
        order_ids = _orders(b, account, product_ids)
        body = json.dumps({"accountId": account, "warehouseId": warehouse, "brokerId": broker,
                           "orderIds": order_ids, "dryRun": False})
        server = ServerProcess(b.settings, b.settings.data_dir / "server.log", {})
        base = server.start()
        plan_times, read_times, state = [], [], ""
        try:
            with httpx.Client(base_url=base, timeout=120, headers={
                    "authorization": f"Bearer {key}", "content-type": "application/json"}) as c:
                for r in range(runs + 1):  # the first round warms up, not counted

                    def plan() -> None:
                        nonlocal state
                        resp = c.post("/api/exports/plan", content=body)
                        assert resp.status_code == 200, resp.text[:500]
                        state = resp.json()["readinessState"]

                    t_plan = timed(plan)
                    t_read = timed(lambda: _plain_read(b, order_ids))
                    if r:
                        plan_times.append(t_plan)
                        read_times.append(t_read)
        finally:
            server.stop()
        estimate_s = _estimate_part(b, account, warehouse, broker, order_ids, runs)
    plan_s, read_s = median(plan_times), median(read_times)
    result = {"backend": name, "orders": ORDERS, "lines_per_order": LINES, "runs": runs,
              "products": len(product_ids), "readiness": state,
              "plan_seconds": round(plan_s, 4), "plain_read_seconds": round(read_s, 4),
              "ratio": round(plan_s / read_s, 2)}
    if estimate_s is not None:
        result.update(estimate_seconds=round(estimate_s, 4),
                      estimate_ratio=round(plan_s / (plan_s - estimate_s), 2))
    return result


def show(result: dict[str, Any]) -> None:
    print(f"plan {result['orders']} orders x {result['lines_per_order']} lines over "
          f"{result['products']} products [{result['backend']}], median of {result['runs']}")
    rows = [
        ("HTTP plan (persisted)", f"{result['plan_seconds']:.3f} s  (target <= 1.5 s; "
                                  f"{result['readiness']})"),
        ("plain read of the rows (baseline)", f"{result['plain_read_seconds']:.3f} s"),
        ("ratio plan / read", f"{result['ratio']:.2f}x  (target <= 5x)"),
    ]
    if "estimate_seconds" in result:
        rows += [
            ("the duty estimate's part (in process)", f"{result['estimate_seconds']:.3f} s"),
            ("plan less the estimate (baseline)",
             f"{result['plan_seconds'] - result['estimate_seconds']:.3f} s"),
            ("ratio plan / plan less the estimate", f"{result['estimate_ratio']:.2f}x  "
                                                    "(target <= 1.5x)"),
        ]
    report(rows)
