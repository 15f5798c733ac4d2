"""docs/api/contract.md §4: one idempotency mechanism for every POST."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from entrygo.api.idempotency import COMPLETED, IN_PROGRESS, fingerprint
from entrygo.app import create_app
from entrygo.db.idempotency import IdempotencyRecord
from entrygo.kit.clock import utcnow
from entrygo.orders.models import Order
from entrygo.setup.models import Broker
from tests.support import product


@pytest.fixture
def product_id(api):
    return api.sync_products(product("P1")).json()["data"][0]["id"]


def order_body(api, product_id, external_id="ord-1", quantity=1):
    return {"accountId": api.account_id, "items": [{
        "externalId": external_id, "destinationCountry": "US", "destinationRegion": "CA",
        "destinationPostalCode": "94105",
        "items": [{"productId": product_id, "quantity": quantity, "unitValueUsd": 110}]}]}


def orders_in_db(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Order))


def key(value):
    return {"idempotency-key": value}


def test_replay_is_byte_identical_with_header(api, product_id, db):
    first = api.post("/api/orders/sync", order_body(api, product_id), headers=key("k-1"))
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    again = api.post("/api/orders/sync", order_body(api, product_id), headers=key("k-1"))
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert orders_in_db(db) == 1
    # without a key the same body is simply a second sync (reported unchanged)
    plain = api.post("/api/orders/sync", order_body(api, product_id))
    assert plain.json()["data"][0]["syncStatus"] == "unchanged"


def test_logical_request_ignores_key_order_whitespace_and_number_spelling(api, product_id):
    body = order_body(api, product_id)
    first = api.post("/api/orders/sync", body, headers=key("k-2"))
    respelled = json.dumps(body, indent=4, sort_keys=True).replace('"unitValueUsd": 110',
                                                                   '"unitValueUsd": 110.00')
    again = api.post("/api/orders/sync", content=respelled,
                     headers={**key("k-2"), "content-type": "application/json"})
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.content == first.content


def test_different_request_with_same_key_is_conflict(api, product_id, db):
    api.post("/api/orders/sync", order_body(api, product_id), headers=key("k-3"))
    r = api.post("/api/orders/sync", order_body(api, product_id, quantity=2), headers=key("k-3"))
    assert r.status_code == 409
    assert r.json() == {"errorCode": "IDEMPOTENCY_CONFLICT",
                        "message": "This idempotency key was already used for a different "
                                   "request.", "field": "idempotencyKey",
                        "requestId": r.headers["x-request-id"]}
    # another route with the same key is a different logical request too
    r = api.post("/api/brokers", {"accountId": api.account_id, "name": "B",
                                  "email": "b@example.com"}, headers=key("k-3"))
    assert r.status_code == 409 and r.json()["errorCode"] == "IDEMPOTENCY_CONFLICT"
    assert api.get("/api/orders").json()["data"][0]["items"][0]["quantity"] == 1


def test_body_field_key_and_header_precedence(api, product_id, db):
    body = {**order_body(api, product_id), "idempotencyKey": "body-key"}
    first = api.post("/api/orders/sync", body)
    replay = api.post("/api/orders/sync", body)
    assert replay.headers.get("idempotent-replayed") == "true"
    assert replay.content == first.content
    # the header wins: a new header key makes it a new request, the body key is ignored
    other = api.post("/api/orders/sync", {**order_body(api, product_id, quantity=3),
                                          "idempotencyKey": "body-key"}, headers=key("hdr-key"))
    assert other.status_code == 200 and "idempotent-replayed" not in other.headers
    # and the body key does not change the logical request: same body, other body key
    assert fingerprint("POST", "/x", {"a": 1, "idempotencyKey": "p"}) == \
        fingerprint("POST", "/x", {"a": 1, "idempotencyKey": "q"})


@pytest.mark.parametrize("bad", ["", "x" * 256, "tab\there", "é", "a\x7f"])
def test_malformed_header_key_is_validation_error(api, product_id, db, bad):
    r = api.post("/api/orders/sync", order_body(api, product_id),
                 headers={"idempotency-key": bad.encode("utf-8")})
    assert r.status_code == 400
    body = r.json()
    assert body["errorCode"] == "VALIDATION_ERROR" and body["field"] == "idempotencyKey"
    assert body["details"]["issues"][0]["path"] == "idempotencyKey"
    assert orders_in_db(db) == 0


def test_non_2xx_stores_nothing_so_a_corrected_retry_proceeds(api, product_id, db):
    bad = order_body(api, "prod_missing")
    r = api.post("/api/orders/sync", bad, headers=key("k-4"))
    assert r.status_code == 400
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    good = api.post("/api/orders/sync", order_body(api, product_id), headers=key("k-4"))
    assert good.status_code == 200 and "idempotent-replayed" not in good.headers
    # a 403 (foreign account) stores nothing either
    r = api.post("/api/orders/sync", {**order_body(api, product_id), "accountId": "acc_x"},
                 headers=key("k-5"))
    assert r.status_code == 403
    assert api.post("/api/orders/sync", order_body(api, product_id, "o-5"),
                    headers=key("k-5")).status_code == 200


def test_keys_are_scoped_to_the_account(api, product_id, client, db):
    other = api.world.tenant(client, "Other")
    other_product = other.sync_products(product("P1")).json()["data"][0]["id"]
    mine = api.post("/api/orders/sync", order_body(api, product_id), headers=key("shared"))
    theirs = other.post("/api/orders/sync", order_body(other, other_product),
                        headers=key("shared"))
    assert theirs.status_code == 200 and "idempotent-replayed" not in theirs.headers
    assert theirs.json()["data"][0]["id"] != mine.json()["data"][0]["id"]
    assert orders_in_db(db) == 2


def test_in_flight_marker_blocks_then_expires(api, product_id, db):
    body = order_body(api, product_id)
    print_ = fingerprint("POST", "/api/orders/sync", json.loads(json.dumps(body)))
    now = utcnow()
    with db.write() as s:
        s.add(IdempotencyRecord(account_id=api.account_id, key="busy", fingerprint=print_,
                                state=IN_PROGRESS, owner="someone", created_at=now,
                                locked_until=now + timedelta(seconds=60),
                                expires_at=now + timedelta(seconds=60)))
        s.add(IdempotencyRecord(account_id=api.account_id, key="abandoned", fingerprint=print_,
                                state=IN_PROGRESS, owner="crashed", created_at=now,
                                locked_until=now - timedelta(seconds=1),
                                expires_at=now - timedelta(seconds=1)))
    r = api.post("/api/orders/sync", body, headers=key("busy"))
    assert r.status_code == 409
    assert r.json()["errorCode"] == "IDEMPOTENCY_IN_PROGRESS"
    assert r.headers["retry-after"] == "1"
    assert orders_in_db(db) == 0
    r = api.post("/api/orders/sync", body, headers=key("abandoned"))
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers
    with db.read() as s:
        record = s.get(IdempotencyRecord, (api.account_id, "abandoned"))
        assert record.state == COMPLETED and record.response_body == r.content


def test_key_is_free_after_retention_and_purged(settings, world, db):
    short = settings.model_copy(update={"idempotency_retention_seconds": 1})
    app = create_app(short)
    account = world.account()
    auth = {"authorization": f"Bearer {world.key(account)}", "idempotency-key": "daily-sync"}
    with TestClient(app) as client:
        def create(name):
            return client.post("/api/brokers", json={"accountId": account, "name": name,
                                                     "email": "b@example.com"}, headers=auth)

        first = create("First")
        assert create("First").headers.get("idempotent-replayed") == "true"
        assert create("Second").status_code == 409
        time.sleep(1.1)
        later = create("Second")
        assert later.status_code == 200 or later.status_code == 201
        assert "idempotent-replayed" not in later.headers
        assert later.json()["id"] != first.json()["id"]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Broker)) == 2
    time.sleep(1.1)
    assert app.state.idempotency.purge() == 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    app.state.db.dispose()


def test_every_post_is_idempotent(api, product_id):
    posts = [
        ("/api/warehouses", {"accountId": api.account_id, "name": "W", "country": "CA"}),
        ("/api/brokers", {"accountId": api.account_id, "name": "B", "email": "b@example.com"}),
        ("/api/products/sync", {"accountId": api.account_id, "items": [product("P9")]}),
        ("/api/orders/sync", order_body(api, product_id, "o-9")),
    ]
    for path, body in posts:
        first = api.post(path, body, headers=key(f"every-{path}"))
        again = api.post(path, body, headers=key(f"every-{path}"))
        assert first.status_code in (200, 201)
        assert again.status_code == first.status_code
        assert again.content == first.content, path
        assert again.headers["idempotent-replayed"] == "true"
