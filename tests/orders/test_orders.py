"""docs/api/contract.md §5.3: order sync, and the reads of orders."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import event, func, select

from entrygo.orders.models import Order, OrderLine
from tests.support import product


@pytest.fixture
def products(api):
    data = api.sync_products(product("P1"), product("P2"), product("P3")).json()["data"]
    return [p["id"] for p in data]


def order(external_id="ord-ext-1001", product_id="prod_x", **overrides):
    base = {"externalId": external_id, "destinationCountry": "US", "destinationRegion": "CA",
            "destinationPostalCode": "94105",
            "items": [{"productId": product_id, "quantity": 1, "unitValueUsd": 110}],
            "metadata": {"source": "first-export-guide"}}
    base.update(overrides)
    return base


def sync(api, *orders, **extra):
    return api.post("/api/orders/sync", {"accountId": api.account_id, "items": list(orders),
                                         **extra})


def issues(r):
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["errorCode"] == "VALIDATION_ERROR"
    return [(i["path"], i["code"]) for i in body["details"]["issues"]]


def count_orders(db):
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(Order)),
                s.scalar(select(func.count()).select_from(OrderLine)))


def test_guide_order_is_created_with_the_contract_shape(api, products):
    r = sync(api, order(product_id=products[0]))
    assert r.status_code == 200
    (o,) = r.json()["data"]
    assert o["id"].startswith("ord_")
    assert o == {
        "id": o["id"], "livemode": True, "externalId": "ord-ext-1001", "totalValueUsd": 110,
        "destinationCountry": "US", "destinationRegion": "CA", "destinationPostalCode": "94105",
        "items": [{"productId": products[0], "quantity": 1, "unitValueUsd": 110,
                   "lineValueUsd": 110}],
        "metadata": {"source": "first-export-guide"}, "consignee": None, "orderedAt": None,
        "currency": None, "incoterm": None, "usdExchangeRate": None, "parcels": None,
        "charges": None, "syncStatus": "created",
        "createdAt": o["createdAt"], "updatedAt": o["createdAt"],
    }
    assert api.get(f"/api/orders/{o['id']}").json() == {
        k: v for k, v in o.items() if k != "syncStatus"}


def test_totals_are_exact_decimals_rounded_half_up_per_line(api, products):
    lines = [{"productId": products[0], "quantity": 3, "unitValueUsd": 19.995},   # 59.985
             {"productId": products[1], "quantity": 1, "unitValueUsd": 0.1},      # 0.10
             {"productId": products[2], "quantity": 7, "unitValueUsd": 0.0001},   # 0.0007
             {"productId": products[0], "quantity": 2, "unitValueUsd": 0.2}]      # 0.40
    o = sync(api, order(items=lines)).json()["data"][0]
    assert [ln["lineValueUsd"] for ln in o["items"]] == [59.99, 0.1, 0, 0.4]
    assert o["totalValueUsd"] == 60.49
    assert [ln["unitValueUsd"] for ln in o["items"]] == [19.995, 0.1, 0.0001, 0.2]


def test_upsert_replaces_lines_and_reports_status(api, products, db):
    two = order(items=[{"productId": products[0], "quantity": 1, "unitValueUsd": 10},
                       {"productId": products[1], "quantity": 2, "unitValueUsd": 5}])
    first = sync(api, two).json()["data"][0]
    assert first["totalValueUsd"] == 20
    same = sync(api, copy.deepcopy(two)).json()["data"][0]
    assert same["syncStatus"] == "unchanged" and same["id"] == first["id"]
    assert same["updatedAt"] == first["updatedAt"]
    one = order(items=[{"productId": products[2], "quantity": 4, "unitValueUsd": 2.5}])
    changed = sync(api, one).json()["data"][0]
    assert changed["syncStatus"] == "updated" and changed["id"] == first["id"]
    assert changed["createdAt"] == first["createdAt"]
    fetched = api.get(f"/api/orders/{first['id']}").json()
    assert fetched["items"] == [{"productId": products[2], "quantity": 4, "unitValueUsd": 2.5,
                                 "lineValueUsd": 10}]
    assert fetched["totalValueUsd"] == 10
    assert count_orders(db) == (1, 1)
    # a change of metadata alone is a change
    assert sync(api, {**one, "metadata": {"v": 2}}).json()["data"][0]["syncStatus"] == "updated"


def test_mixed_batch_keeps_request_order(api, products):
    sync(api, order("B", products[0]), order("D", products[0]))
    r = sync(api, order("C", products[0]), order("B", products[0]), order("A", products[1]),
             order("D", products[1]))
    assert [(o["externalId"], o["syncStatus"]) for o in r.json()["data"]] == [
        ("C", "created"), ("B", "unchanged"), ("A", "created"), ("D", "updated")]


def test_optional_fields_round_trip(api, products):
    full = order(product_id=products[0], destinationCountry="us",
                 consignee={"name": "Jane Doe", "address1": "1 Market St", "city": "San Francisco",
                            "phone": "+1 415 555 0100", "email": "jane@example.com"},
                 orderedAt="2026-11-27T08:01:46.1234+05:00", currency="cad", incoterm="ddp")
    o = sync(api, full).json()["data"][0]
    assert o["destinationCountry"] == "US"
    assert o["consignee"] == {"name": "Jane Doe", "address1": "1 Market St", "address2": None,
                              "city": "San Francisco", "phone": "+1 415 555 0100",
                              "email": "jane@example.com"}
    assert o["orderedAt"] == "2026-11-27T03:01:46.123Z"
    assert (o["currency"], o["incoterm"]) == ("CAD", "DDP")


@pytest.mark.parametrize("change, expected", [
    ({"externalId": None}, [("items.0.externalId", "invalid_type")]),
    ({"externalId": ""}, [("items.0.externalId", "too_small")]),
    ({"externalId": "x" * 129}, [("items.0.externalId", "too_big")]),
    ({"destinationCountry": "UK"}, [("items.0.destinationCountry", "invalid_value")]),
    ({"destinationCountry": 1}, [("items.0.destinationCountry", "invalid_type")]),
    ({"items": []}, [("items.0.items", "too_small")]),
    ({"metadata": []}, [("items.0.metadata", "invalid_type")]),
    ({"orderedAt": "yesterday"}, [("items.0.orderedAt", "invalid_format")]),
    ({"orderedAt": "2026-11-27T08:01:46"}, [("items.0.orderedAt", "invalid_format")]),
    ({"currency": "ABC"}, [("items.0.currency", "invalid_value")]),
    ({"incoterm": "XYZ"}, [("items.0.incoterm", "invalid_value")]),
    ({"consignee": {"email": "no-at-sign"}}, [("items.0.consignee.email", "invalid_format")]),
    ({"consignee": "Jane"}, [("items.0.consignee", "invalid_type")]),
    ({"destinationPostalCode": 94105}, [("items.0.destinationPostalCode", "invalid_type")]),
])
def test_order_field_rules(api, products, db, change, expected):
    body = order(product_id=products[0])
    for key, value in change.items():
        body[key] = value
    assert issues(sync(api, body)) == expected
    assert count_orders(db) == (0, 0)


@pytest.mark.parametrize("line, expected", [
    ({"quantity": 0}, [("items.0.items.0.quantity", "too_small")]),
    ({"quantity": 1.5}, [("items.0.items.0.quantity", "invalid_type")]),
    ({"quantity": "1"}, [("items.0.items.0.quantity", "invalid_type")]),
    ({"quantity": True}, [("items.0.items.0.quantity", "invalid_type")]),
    ({"quantity": 100_001}, [("items.0.items.0.quantity", "too_big")]),
    ({"unitValueUsd": 1_000_000.01}, [("items.0.items.0.unitValueUsd", "too_big")]),
    ({"unitValueUsd": -0.01}, [("items.0.items.0.unitValueUsd", "too_small")]),
    ({"unitValueUsd": 1.00001}, [("items.0.items.0.unitValueUsd", "invalid_format")]),
    ({"unitValueUsd": "110"}, [("items.0.items.0.unitValueUsd", "invalid_type")]),
    ({"unitValueUsd": None}, [("items.0.items.0.unitValueUsd", "invalid_type")]),
    ({"productId": "prod_unknown"}, [("items.0.items.0.productId", "unknown_reference")]),
])
def test_line_rules(api, products, db, line, expected):
    body = order(items=[{"productId": products[0], "quantity": 1, "unitValueUsd": 110, **line}])
    assert issues(sync(api, body)) == expected
    assert count_orders(db) == (0, 0)


def test_required_fields(api, db):
    r = sync(api, {"items": [{}]})
    assert issues(r) == [("items.0.externalId", "required"),
                         ("items.0.destinationCountry", "required"),
                         ("items.0.items.0.productId", "required"),
                         ("items.0.items.0.quantity", "required"),
                         ("items.0.items.0.unitValueUsd", "required")]
    assert issues(api.post("/api/orders/sync", {"accountId": api.account_id})) == [
        ("items", "required")]
    assert issues(api.post("/api/orders/sync", {"items": [order()]})) == [("accountId", "required")]


def test_call_is_atomic_and_lists_every_issue(api, products, client, db):
    other = api.world.tenant(client, "Other")
    foreign = other.sync_products(product("F1")).json()["data"][0]["id"]
    r = sync(api, order("ok-1", products[0]), order("bad-1", foreign),
             order("ok-1", products[1]),
             order("bad-2", products[0], destinationCountry="XX"))
    assert issues(r) == [("items.3.destinationCountry", "invalid_value")]  # schema issues first
    r = sync(api, order("ok-1", products[0]), order("bad-1", foreign),
             order("ok-1", products[1]), order("ok-2", "prod_missing"))
    assert issues(r) == [("items.2.externalId", "duplicate"),
                         ("items.1.items.0.productId", "unknown_reference"),
                         ("items.3.items.0.productId", "unknown_reference")]
    assert count_orders(db) == (0, 0)


def test_order_count_limits(api, products):
    many = [order(f"o-{i}", products[0]) for i in range(1001)]
    assert issues(sync(api, *many)) == [("items", "too_big")]
    lines = [{"productId": products[0], "quantity": 1, "unitValueUsd": 1}] * 251
    assert issues(sync(api, order(items=lines))) == [("items.0.items", "too_big")]


def test_orders_of_an_executed_batch_are_locked(api, products):
    """An order in an executed batch may be re-sent unchanged, but not changed."""
    o = sync(api, order("locked-1", products[0]), order("free-1", products[0])).json()["data"]
    plan = api.post("/api/exports/plan", {
        "accountId": api.account_id, "warehouseId": api.warehouse_id,
        "brokerId": api.broker_id, "orderIds": [o[0]["id"]]}).json()
    executed = api.post("/api/exports/execute", {"accountId": api.account_id,
                                                 "batchId": plan["exportId"]})
    assert executed.json()["status"] == "COMPLETED"
    again = sync(api, order("locked-1", products[0]), order("free-1", products[1]))
    assert again.status_code == 200
    assert [x["syncStatus"] for x in again.json()["data"]] == ["unchanged", "updated"]
    r = sync(api, order("free-1", products[2]), order("locked-1", products[1], quantity=2))
    assert r.status_code == 409
    body = r.json()
    assert body["errorCode"] == "ORDER_LOCKED"
    assert body["details"] == {"externalIds": ["locked-1"]}
    fetched = api.get(f"/api/orders/{o[1]['id']}").json()
    assert fetched["items"][0]["productId"] == products[1]  # the whole call was rejected


def _count_statements(db, work):
    statements = []

    def before(conn, cursor, statement, params, context, executemany):
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return [s for s in statements if s not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                "RELEASE")]


def test_sync_runs_a_fixed_number_of_statements(app, api, products):
    from entrygo.orders.schemas import OrderSync
    from entrygo.orders.service import sync_orders
    from tests.support import as_request

    db = app.state.db

    def run(n, prefix):
        body = as_request({"accountId": api.account_id, "items": [
            order(f"{prefix}-{i}", items=[{"productId": p, "quantity": 2, "unitValueUsd": 9.99}
                                          for p in products]) for i in range(n)]})
        with db.write() as s:
            sync_orders(s, api.account_id, OrderSync.model_validate(body).items)

    # the ORDERS_SYNCED event: appended, then at commit its feed position (the account's
    # stream, the event) and the webhook endpoints it goes to
    event = ["INSERT", "UPDATE", "UPDATE", "SELECT"]
    small = _count_statements(db, lambda: run(10, "small"))
    large = _count_statements(db, lambda: run(1000, "large"))
    assert small == large == ["SELECT", "SELECT", "INSERT", "INSERT", *event]

    def update_all():
        body = as_request({"accountId": api.account_id, "items": [
            order(f"large-{i}", items=[{"productId": products[0], "quantity": 1,
                                        "unitValueUsd": 1}]) for i in range(1000)]})
        with db.write() as s:
            sync_orders(s, api.account_id, OrderSync.model_validate(body).items)

    assert _count_statements(db, update_all) == ["SELECT", "SELECT", "DELETE", "UPDATE",
                                                  "INSERT", *event]
    assert count_orders(db) == (1010, 1030)


def test_list_filter_and_pages(api, products, client):
    ids = [o["id"] for o in sync(api, *[order(f"e-{i}", products[0]) for i in range(3)])
           .json()["data"]]
    page = api.get("/api/orders", params={"limit": 2}).json()
    assert [o["id"] for o in page["data"]] == ids[::-1][:2] and page["has_more"]
    rest = api.get("/api/orders", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [o["id"] for o in rest["data"]] == ids[:1] and not rest["has_more"]
    assert [o["id"] for o in api.get("/api/orders", params={"externalId": "e-1"})
            .json()["data"]] == [ids[1]]
    assert rest["data"][0]["items"][0]["productId"] == products[0]
    other = api.world.tenant(client, "Other")
    assert other.get(f"/api/orders/{ids[0]}").status_code == 404
    assert other.get("/api/orders").json()["data"] == []
