"""docs/api/contract.md §5.3: what an order owes the entry and the invoice beyond its lines --
its parcels (house bills, package count, gross weight), its charges (19 CFR 141.86(a)(8)) and
the exchange rate its USD values were converted at (19 CFR 159.31-159.35)."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from sqlalchemy import func, select

from entrygo.orders.models import Order, OrderLine
from tests.support import CONSIGNEE, NOTEBOOK, check, execute, product

PARCELS = [
    {"trackingNumber": " 1Z999AA10123456784 ", "grossWeightKg": 1.234, "lengthCm": 30.5,
     "widthCm": 20, "heightCm": 10.1},
    {"trackingNumber": "9400111899223197428490", "grossWeightKg": 0.001},
]
CHARGES = {"freightUsd": 12.5, "insuranceUsd": 0.0001, "includedInUnitPrices": True}
RATE = {"rate": 1.3712, "date": "2026-11-27"}


@pytest.fixture
def products(api):
    data = api.sync_products(product("P1"), NOTEBOOK).json()["data"]
    return [p["id"] for p in data]


def order(external_id="ord-ext-1001", product_id="prod_x", **overrides):
    base = {"externalId": external_id, "destinationCountry": "US", "destinationRegion": "CA",
            "destinationPostalCode": "94105",
            "items": [{"productId": product_id, "quantity": 1, "unitValueUsd": 110}]}
    base.update(overrides)
    return base


def filed(external_id="ord-ext-1001", product_id="prod_x", **overrides):
    """An order with all three groups, sold in Canadian dollars."""
    return order(external_id, product_id, **{
        "currency": "CAD", "parcels": copy.deepcopy(PARCELS), "charges": dict(CHARGES),
        "usdExchangeRate": dict(RATE), **overrides})


def sync(api, *orders):
    return api.post("/api/orders/sync", {"accountId": api.account_id, "items": list(orders)})


def sync_text(api, body, **numbers):
    """Sync one order whose numbers are written as given (``"RATE"`` in ``body`` becomes the
    JSON text ``numbers["RATE"]``, ``1.37120000`` say): the same number, spelled otherwise."""
    text = json.dumps({"accountId": api.account_id, "items": [body]})
    for placeholder, number in numbers.items():
        text = text.replace(f'"{placeholder}"', number)
    r = api.post("/api/orders/sync", content=text,
                 headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    return r.json()["data"][0]


def synced(api, *orders):
    r = sync(api, *orders)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def issues(r):
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["errorCode"] == "VALIDATION_ERROR"
    return [(i["path"], i["code"]) for i in body["details"]["issues"]]


def count_orders(db):
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(Order)),
                s.scalar(select(func.count()).select_from(OrderLine)))


def test_filing_fields_round_trip_as_exact_json_numbers(api, products, client, db):
    r = sync(api, filed(product_id=products[0]))
    assert r.status_code == 200, r.text
    (o,) = r.json()["data"]
    assert o["parcels"] == [
        {"trackingNumber": "1Z999AA10123456784", "grossWeightKg": 1.234, "lengthCm": 30.5,
         "widthCm": 20, "heightCm": 10.1},
        {"trackingNumber": "9400111899223197428490", "grossWeightKg": 0.001, "lengthCm": None,
         "widthCm": None, "heightCm": None}]
    assert o["charges"] == {"freightUsd": 12.5, "insuranceUsd": 0.0001, "packingUsd": None,
                            "otherUsd": None, "includedInUnitPrices": True}
    assert o["usdExchangeRate"] == {"rate": 1.3712, "date": "2026-11-27"}
    # JSON numbers, written with their decimals: never strings, never float noise
    for text in ('"rate":1.3712', '"grossWeightKg":1.234', '"grossWeightKg":0.001',
                 '"lengthCm":30.5', '"widthCm":20', '"insuranceUsd":0.0001'):
        assert text in r.text, text

    fetched = api.get(f"/api/orders/{o['id']}")
    assert fetched.json() == {k: v for k, v in o.items() if k != "syncStatus"}
    assert '"rate":1.3712' in fetched.text
    listed = api.get("/api/orders").json()["data"]
    assert listed == [fetched.json()]
    with db.read() as s:
        row = s.get(Order, o["id"])
        assert row.usd_exchange_rate == {"rate": 1.3712, "date": "2026-11-27"}
        assert row.parcels[0]["grossWeightKg"] == 1.234  # a JSON number in storage too
        assert row.charges["includedInUnitPrices"] is True

    spec = client.get("/docs/api/openapi").json()
    check(spec, "post", "/api/orders/sync", 200, r.json())
    check(spec, "get", "/api/orders/{order_id}", 200, fetched.json())
    check(spec, "get", "/api/orders", 200, api.get("/api/orders").json())


def test_the_limits_of_each_number_round_trip_exactly(api, products):
    o = synced(api, order(product_id=products[0], currency="jpy",
                          usdExchangeRate={"rate": 999999.12345678, "date": "2024-02-29"},
                          parcels=[{"trackingNumber": "x" * 64, "grossWeightKg": 99999.999,
                                    "lengthCm": 9999.9, "widthCm": 10000, "heightCm": 0.1}],
                          charges={"otherUsd": 999999.9999}))[0]
    assert o["currency"] == "JPY"
    assert o["usdExchangeRate"] == {"rate": 999999.12345678, "date": "2024-02-29"}
    assert o["parcels"][0] == {"trackingNumber": "x" * 64, "grossWeightKg": 99999.999,
                               "lengthCm": 9999.9, "widthCm": 10000, "heightCm": 0.1}
    assert o["charges"] == {"freightUsd": None, "insuranceUsd": None, "packingUsd": None,
                            "otherUsd": 999999.9999, "includedInUnitPrices": False}
    again = sync_text(api, order(product_id=products[0], currency="JPY",
                                 usdExchangeRate={"rate": "RATE", "date": "2024-02-29"},
                                 parcels=[{"trackingNumber": "x" * 64, "grossWeightKg": "KG",
                                           "lengthCm": 9999.9, "widthCm": "WIDTH",
                                           "heightCm": 0.1}],
                                 charges={"otherUsd": 999999.9999,
                                          "includedInUnitPrices": False}),
                      RATE="999999.123456780", KG="99999.9990", WIDTH="1E4")
    assert again["syncStatus"] == "unchanged"  # the same numbers, however they are written


def test_left_out_they_are_null_and_an_empty_parcel_list_counts_as_absent(api, products):
    o = synced(api, order(product_id=products[0], parcels=[]))[0]
    assert (o["parcels"], o["charges"], o["usdExchangeRate"]) == (None, None, None)
    assert synced(api, order(product_id=products[0]))[0]["syncStatus"] == "unchanged"
    o = synced(api, order("ord-2", products[0], charges={}))[0]
    assert o["charges"] == {"freightUsd": None, "insuranceUsd": None, "packingUsd": None,
                            "otherUsd": None, "includedInUnitPrices": False}


def test_an_order_without_them_hashes_as_before_they_existed(api, products, db):
    """Orders stored before parcels, charges and rates existed re-sync `unchanged` (and an
    exported one is not suddenly locked): the hash of an order without them did not move."""
    body = order(product_id=products[0], currency="CAD", metadata={"k": 1})
    o = synced(api, body)[0]
    before = ["US", "CA", "94105", None, None, "CAD", None, {"k": 1},
              [[products[0], 1, "110"]]]
    with db.read() as s:
        stored = s.get(Order, o["id"]).content_hash
    assert stored == hashlib.sha256(json.dumps(before, separators=(",", ":"),
                                               ensure_ascii=False).encode()).hexdigest()


@pytest.mark.parametrize("change", [
    lambda b: b["parcels"][0].update(grossWeightKg=1.235),
    lambda b: b["parcels"][1].update(heightCm=5),
    lambda b: b["parcels"].reverse(),
    lambda b: b["parcels"].pop(),
    lambda b: b["parcels"][0].update(trackingNumber="1Z999AA10123456785"),
    lambda b: b.pop("parcels"),
    lambda b: b["charges"].update(includedInUnitPrices=False),
    lambda b: b["charges"].update(packingUsd=0),
    lambda b: b.pop("charges"),
    lambda b: b["usdExchangeRate"].update(rate=1.3713),
    lambda b: b["usdExchangeRate"].update(date="2026-11-28"),
    lambda b: (b.pop("usdExchangeRate"), b.update(currency="USD")),
], ids=["weight", "dimension", "parcel-order", "parcel-removed", "tracking", "no-parcels",
        "included", "packing-0", "no-charges", "rate", "rate-date", "usd-no-rate"])
def test_a_change_to_any_of_them_updates_the_order(api, products, change):
    first = synced(api, filed(product_id=products[0]))[0]
    same = synced(api, filed(product_id=products[0]))[0]
    assert same["syncStatus"] == "unchanged" and same["updatedAt"] == first["updatedAt"]
    body = filed(product_id=products[0])
    change(body)
    changed = synced(api, body)[0]
    assert changed["syncStatus"] == "updated" and changed["id"] == first["id"]
    fetched = api.get(f"/api/orders/{first['id']}").json()
    assert {k: v for k, v in changed.items() if k != "syncStatus"} == fetched
    assert synced(api, body)[0]["syncStatus"] == "unchanged"


def test_sending_values_as_stored_is_unchanged(api, products):
    first = synced(api, filed(product_id=products[0]))[0]
    # the response's own groups, sent back (nulls and the default included), change nothing
    echoed = filed(product_id=products[0], parcels=first["parcels"], charges=first["charges"],
                   usdExchangeRate=first["usdExchangeRate"])
    assert synced(api, echoed)[0]["syncStatus"] == "unchanged"
    # nor do the same numbers written differently, or the tracking number's white space
    respelled = filed(product_id=products[0], usdExchangeRate={"rate": "RATE",
                                                               "date": "2026-11-27"},
                      charges={"freightUsd": "FREIGHT", "insuranceUsd": "INSURANCE",
                               "includedInUnitPrices": True})
    respelled["parcels"][0]["trackingNumber"] = "1Z999AA10123456784"
    assert sync_text(api, respelled, RATE="1.37120000", FREIGHT="12.50",
                     INSURANCE="1e-4")["syncStatus"] == "unchanged"


@pytest.mark.parametrize("change, expected", [
    ({"parcels": [{"trackingNumber": "1Z1"}, {"trackingNumber": "2"},
                  {"trackingNumber": " 1z1 "}]},
     [("items.0.parcels.2.trackingNumber", "duplicate")]),
    ({"parcels": [{"trackingNumber": "1Z1", "grossWeightKg": -1}]},
     [("items.0.parcels.0.grossWeightKg", "too_small")]),
    ({"parcels": [{"trackingNumber": "1Z1", "grossWeightKg": 0}]},
     [("items.0.parcels.0.grossWeightKg", "too_small")]),
    ({"parcels": [{"trackingNumber": "1Z1", "grossWeightKg": 1.2345}]},
     [("items.0.parcels.0.grossWeightKg", "invalid_format")]),
    ({"parcels": [{"trackingNumber": "1Z1", "grossWeightKg": 100000.001}]},
     [("items.0.parcels.0.grossWeightKg", "too_big")]),
    ({"parcels": [{"trackingNumber": "1Z1", "grossWeightKg": "1.2"}]},
     [("items.0.parcels.0.grossWeightKg", "invalid_type")]),
    ({"parcels": [{"trackingNumber": "1Z1", "lengthCm": 10.1234}]},
     [("items.0.parcels.0.lengthCm", "invalid_format")]),
    ({"parcels": [{"trackingNumber": "1Z1", "widthCm": 10.25}]},
     [("items.0.parcels.0.widthCm", "invalid_format")]),
    ({"parcels": [{"trackingNumber": "1Z1", "heightCm": 10000.1}]},
     [("items.0.parcels.0.heightCm", "too_big")]),
    ({"parcels": [{"trackingNumber": "1Z1", "heightCm": 0}]},
     [("items.0.parcels.0.heightCm", "too_small")]),
    ({"parcels": [{"trackingNumber": "   "}]}, [("items.0.parcels.0.trackingNumber", "too_small")]),
    ({"parcels": [{"trackingNumber": "x" * 65}]},
     [("items.0.parcels.0.trackingNumber", "too_big")]),
    ({"parcels": [{"grossWeightKg": 1}]}, [("items.0.parcels.0.trackingNumber", "required")]),
    ({"parcels": [{"trackingNumber": 12345}]},
     [("items.0.parcels.0.trackingNumber", "invalid_type")]),
    ({"parcels": [{"trackingNumber": f"T{i}"} for i in range(101)]},
     [("items.0.parcels", "too_big")]),
    ({"parcels": {"trackingNumber": "1Z1"}}, [("items.0.parcels", "invalid_type")]),
    ({"charges": {"freightUsd": -0.01}}, [("items.0.charges.freightUsd", "too_small")]),
    ({"charges": {"insuranceUsd": 1.00001}}, [("items.0.charges.insuranceUsd", "invalid_format")]),
    ({"charges": {"packingUsd": "5"}}, [("items.0.charges.packingUsd", "invalid_type")]),
    ({"charges": {"includedInUnitPrices": "yes"}},
     [("items.0.charges.includedInUnitPrices", "invalid_type")]),
    ({"charges": []}, [("items.0.charges", "invalid_type")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": 0, "date": "2026-11-27"}},
     [("items.0.usdExchangeRate.rate", "too_small")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": -1.37, "date": "2026-11-27"}},
     [("items.0.usdExchangeRate.rate", "too_small")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": 1.123456789, "date": "2026-11-27"}},
     [("items.0.usdExchangeRate.rate", "invalid_format")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": "1.3712", "date": "2026-11-27"}},
     [("items.0.usdExchangeRate.rate", "invalid_type")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": 1000000.01, "date": "2026-11-27"}},
     [("items.0.usdExchangeRate.rate", "too_big")]),
    ({"currency": "CAD", "usdExchangeRate": {"date": "2026-11-27"}},
     [("items.0.usdExchangeRate.rate", "required")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": 1.3712}},
     [("items.0.usdExchangeRate.date", "required")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": 1.3712, "date": "2026-02-30"}},
     [("items.0.usdExchangeRate.date", "invalid_format")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": 1.3712, "date": "27/11/2026"}},
     [("items.0.usdExchangeRate.date", "invalid_format")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": 1.3712, "date": "2026-11-27T00:00:00Z"}},
     [("items.0.usdExchangeRate.date", "invalid_format")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": 1.3712, "date": "20261127"}},
     [("items.0.usdExchangeRate.date", "invalid_format")]),
    ({"currency": "CAD", "usdExchangeRate": {"rate": 1.3712, "date": 20261127}},
     [("items.0.usdExchangeRate.date", "invalid_type")]),
    ({"currency": "usd", "usdExchangeRate": {"rate": 1, "date": "2026-11-27"}},
     [("items.0.usdExchangeRate", "invalid_value")]),
    ({"usdExchangeRate": {"rate": 1.3712, "date": "2026-11-27"}},
     [("items.0.usdExchangeRate", "invalid_value")]),
], ids=lambda v: json.dumps(v)[:60] if isinstance(v, dict) else None)
def test_field_rules(api, products, db, change, expected):
    assert issues(sync(api, order(product_id=products[0], **change))) == expected
    assert count_orders(db) == (0, 0)


def test_usd_with_a_rate_says_why(api, products):
    r = sync(api, order(product_id=products[0], currency="USD", usdExchangeRate=RATE))
    (issue,) = r.json()["details"]["issues"]
    assert "no conversion from usd to usd" in issue["message"].lower()


def test_every_issue_of_every_order_is_listed_and_nothing_changes(api, products, db):
    stored = synced(api, filed("A", products[0]), filed("B", products[0]))
    bad_parcels = [{"trackingNumber": "T1"}, {"trackingNumber": "T2"}, {"trackingNumber": "t1"},
                   {"trackingNumber": "T2"}]
    r = sync(api, filed("A", products[1], charges={"freightUsd": 1}),
             filed("B", products[0], parcels=bad_parcels),
             filed("C", products[0], currency="USD"),
             filed("D", "prod_missing"))
    assert issues(r) == [("items.1.parcels.2.trackingNumber", "duplicate"),
                         ("items.1.parcels.3.trackingNumber", "duplicate"),
                         ("items.2.usdExchangeRate", "invalid_value"),
                         ("items.3.items.0.productId", "unknown_reference")]
    assert count_orders(db) == (2, 2)
    for o in stored:
        fetched = api.get(f"/api/orders/{o['id']}").json()
        assert fetched == {k: v for k, v in o.items() if k != "syncStatus"}


def test_tracking_numbers_may_repeat_across_orders(api, products):
    """One parcel may carry several orders (a consolidated shipment): uniqueness is per order."""
    a, b = synced(api, filed("A", products[0]), filed("B", products[0]))
    assert a["parcels"] == b["parcels"]


def test_an_exported_order_refuses_a_change_to_its_parcels_alone(api, products):
    locked = filed("locked-1", products[1], consignee=CONSIGNEE)
    free = filed("free-1", products[1], consignee=CONSIGNEE)
    o = synced(api, locked, free)
    plan = api.post("/api/exports/plan", {
        "accountId": api.account_id, "warehouseId": api.warehouse_id,
        "brokerId": api.broker_id, "orderIds": [o[0]["id"]]})
    assert plan.status_code == 200, plan.text
    executed = execute(api, plan.json()["exportId"])
    assert executed.json()["status"] == "COMPLETED", executed.text

    assert [x["syncStatus"] for x in synced(api, locked, free)] == ["unchanged", "unchanged"]
    moved = copy.deepcopy(locked)
    moved["parcels"][0]["grossWeightKg"] = 1.5
    changed_free = filed("free-1", products[1], consignee=CONSIGNEE, charges={"freightUsd": 3})
    r = sync(api, changed_free, moved)
    assert r.status_code == 409, r.text
    assert r.json()["errorCode"] == "ORDER_LOCKED"
    assert r.json()["details"] == {"externalIds": ["locked-1"]}
    for before in o:  # the whole call was rejected
        fetched = api.get(f"/api/orders/{before['id']}").json()
        assert fetched == {k: v for k, v in before.items() if k != "syncStatus"}
    for other in ({"charges": None}, {"usdExchangeRate": {"rate": 1.3713, "date": "2026-11-27"}}):
        assert sync(api, {**locked, **other}).status_code == 409
