"""planHash: deterministic and sensitive (property tests on both backends, and across
processes)."""

from __future__ import annotations

import random

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import product

quantities = st.integers(min_value=1, max_value=50)
values = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False,
                     allow_infinity=False)
hts_codes = st.sampled_from(["7323930045", "4820102060", "6109100012", "8518220000",
                             "9503000073", "3924104000"])
origins = st.sampled_from(["CA", "CN", "MX", "DE", "VN"])
regions = st.sampled_from([("CA", "94105"), ("NY", "10001"), ("TX", "73301"), (None, None)])
order_shapes = st.lists(st.lists(st.tuples(st.integers(0, 2), quantities, values),
                                 min_size=1, max_size=3), min_size=1, max_size=5)
PROPERTY = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def setup_tenant(api, shapes, products, region):
    product_ids = [p["id"] for p in api.sync_products(*[
        product(f"P{i}", htsCode=h, countryOfOrigin=o, mid=f"{o}NORSTE1200HAM")
        for i, (h, o) in enumerate(products)]).json()["data"]]
    orders = []
    for n, lines in enumerate(shapes):
        orders.append({
            "externalId": f"o-{n}", "destinationCountry": "US",
            "destinationRegion": region[0], "destinationPostalCode": region[1],
            "items": [{"productId": product_ids[i], "quantity": q, "unitValueUsd": float(v)}
                      for i, q, v in lines]})
    r = api.post("/api/orders/sync", {"accountId": api.account_id, "items": orders})
    assert r.status_code == 200, r.text
    return [o["id"] for o in r.json()["data"]], orders, product_ids


def dry_plan(api, order_ids):
    r = api.post("/api/exports/plan", {
        "accountId": api.account_id, "warehouseId": api.warehouse_id,
        "brokerId": api.broker_id, "orderIds": order_ids, "dryRun": True})
    assert r.status_code == 200, r.text
    return r.json()["planHash"]


@PROPERTY
@given(shapes=order_shapes, products=st.lists(st.tuples(hts_codes, origins), min_size=3,
                                              max_size=3),
       region=regions, seed=st.integers(0, 1000))
def test_same_inputs_same_hash_in_any_order(world, client, shapes, products, region, seed):
    api = world.tenant(client)
    order_ids, _, _ = setup_tenant(api, shapes, products, region)
    first = dry_plan(api, order_ids)
    shuffled = list(order_ids)
    random.Random(seed).shuffle(shuffled)
    assert dry_plan(api, shuffled) == first
    assert dry_plan(api, order_ids) == first


@PROPERTY
@given(shapes=order_shapes, products=st.lists(st.tuples(hts_codes, origins), min_size=3,
                                              max_size=3),
       which=st.sampled_from(["quantity", "value", "hts", "origin", "region", "add_line"]),
       data=st.data())
def test_any_customs_relevant_change_changes_the_hash(world, client, shapes, products, which,
                                                      data):
    api = world.tenant(client)
    order_ids, orders, product_ids = setup_tenant(api, shapes, products, ("CA", "94105"))
    before = dry_plan(api, order_ids)
    target = data.draw(st.integers(0, len(orders) - 1))
    order = orders[target]
    line = order["items"][0]
    if which == "quantity":
        line["quantity"] += 1
    elif which == "value":
        line["unitValueUsd"] = round(line["unitValueUsd"] + 0.01, 2)
    elif which == "region":
        order["destinationRegion"], order["destinationPostalCode"] = "NY", "10001"
    elif which == "add_line":
        order["items"].append({**line, "quantity": 7})
    if which in ("quantity", "value", "region", "add_line"):
        r = api.post("/api/orders/sync", {"accountId": api.account_id, "items": [order]})
        assert r.json()["data"][0]["syncStatus"] == "updated"
    else:
        index = product_ids.index(line["productId"])
        hts, origin = products[index]
        change = ({"htsCode": "7323993000" if hts != "7323993000" else "4820102060"}
                  if which == "hts" else
                  {"countryOfOrigin": "KR" if origin != "KR" else "JP"})
        r = api.sync_products(product(f"P{index}", **{"htsCode": hts, "countryOfOrigin": origin,
                                                      "mid": f"{origin}NORSTE1200HAM",
                                                      **change}))
        assert r.json()["data"][0]["syncStatus"] == "updated"
    assert dry_plan(api, order_ids) != before


def test_two_server_processes_agree(live_server, world):
    first, second = live_server(), live_server()
    account = world.account()
    key = world.key(account)
    warehouse, broker = world.warehouse(account), world.broker(account)
    headers = {"authorization": f"Bearer {key}"}
    pid = httpx.post(f"{first}/api/products/sync", headers=headers, json={
        "accountId": account, "items": [product("P1")]}).json()["data"][0]["id"]
    orders = httpx.post(f"{second}/api/orders/sync", headers=headers, json={
        "accountId": account, "items": [{
            "externalId": f"o-{i}", "destinationCountry": "US", "destinationRegion": "WA",
            "destinationPostalCode": "98101",
            "items": [{"productId": pid, "quantity": i + 1, "unitValueUsd": 19.99}]}
            for i in range(5)]}).json()["data"]
    ids = [o["id"] for o in orders]
    body = {"accountId": account, "warehouseId": warehouse, "brokerId": broker,
            "orderIds": ids, "dryRun": True}
    a = httpx.post(f"{first}/api/exports/plan", headers=headers, json=body).json()
    b = httpx.post(f"{second}/api/exports/plan", headers=headers,
                   json={**body, "orderIds": list(reversed(ids))}).json()
    assert a["planHash"] == b["planHash"]
    assert a["validationMessages"] == b["validationMessages"]


def test_the_same_rows_hash_the_same_on_sqlite_and_postgresql(sqlite_url, postgresql_url):
    """Identical rows (fixed ids) in both databases: the snapshot read back hashes the same."""
    from decimal import Decimal

    from sqlalchemy import insert

    from entrygo.accounts.models import Account
    from entrygo.db.database import Database
    from entrygo.exports import repository as repo
    from entrygo.exports.snapshot import plan_hash
    from entrygo.kit.clock import utcnow
    from entrygo.orders.models import Order, OrderLine
    from entrygo.products.models import Product
    from entrygo.readiness.facts import PlanFacts
    from tests.support import wipe

    now = utcnow()
    product_row = {
        "id": "prod_01hash0000000000000000000", "account_id": "acc_01hash000000000000000000",
        "external_id": "P", "title": "Bottle", "customs_description": "Steel bottle, 750 ml",
        "hts_code": "7323930045", "country_of_origin": "CA", "mid": "XONORSTE1200HAM",
        "net_weight_kg": Decimal("0.412"), "reference_value_usd": Decimal("110.1234"),
        "excise_category": "none",
        "manufacturer": {"name": "Northern", "address1": "1 Rd", "city": "Hamilton"},
        "materials": [{"material": "steel", "pctByWeight": 92.5}],
        "metal_content": {"steelPctWeight": 92.5, "steelMeltPourCountry": "CA"},
        "pga": None, "battery": {"present": True, "wattHours": 7.4}, "meta": {"k": [1, 2.5]},
        "created_at": now, "updated_at": now}
    orders = [{"id": f"ord_01hash00000000000000000{i:03d}",
               "account_id": "acc_01hash000000000000000000", "external_id": f"o-{i}",
               "destination_country": "US", "destination_region": "CA",
               "destination_postal_code": "94105",
               "consignee": {"name": "Jane", "address1": "1 Market St", "city": "SF"},
               "ordered_at": None, "currency": None, "incoterm": None, "meta": None,
               "total_value_usd": Decimal("33.33") * (i + 1), "content_hash": "x" * 64,
               "exported_batch_id": None, "created_at": now, "updated_at": now}
              for i in range(3)]
    lines = [{"order_id": o["id"], "line_index": 0, "product_id": product_row["id"],
              "quantity": i + 1, "unit_value_usd": Decimal("33.33"),
              "line_value_usd": Decimal("33.33") * (i + 1)} for i, o in enumerate(orders)]
    hashes = []
    for url in (sqlite_url, postgresql_url):
        db = Database(url)
        try:
            with db.write() as s:
                s.execute(insert(Account), [{"id": "acc_01hash000000000000000000",
                                             "name": "x", "created_at": now}])
                s.execute(insert(Product), [product_row])
                s.execute(insert(Order), orders)
                s.execute(insert(OrderLine), lines)
            with db.read() as s:
                rows = repo.orders_by_id(s, "acc_01hash000000000000000000",
                                         [o["id"] for o in reversed(orders)])
                order_facts = repo.order_facts(s, list(rows.values()))
                products = repo.product_facts(s, "acc_01hash000000000000000000",
                                              {product_row["id"]})
            facts = PlanFacts("acc_01hash000000000000000000", "wh_x", "CA", "br_x", "US",
                              False, tuple(order_facts), products)
            hashes.append(plan_hash(facts, "rules-1", "data-1"))
        finally:
            wipe(db)
            db.dispose()
    assert hashes[0] == hashes[1]
