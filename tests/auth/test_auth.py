"""docs/api/contract.md §3: API keys, hashing, revocation, expiry, scope."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import text

from entrygo.auth.keys import revoke_key
from entrygo.kit.clock import utcnow
from tests.support import TEST_SECRET


def test_health_with_valid_key_returns_account_and_key(api):
    r = api.get("/api/system/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["accountId"] == api.account_id
    assert body["apiKey"]["id"].startswith("key_")
    assert body["apiKey"]["mode"] == "live"
    assert body["apiKey"]["warehouseId"] is None
    assert body["database"]["status"] == "ok"
    assert body["database"]["backend"] in ("sqlite", "postgresql")
    assert body["time"].endswith("Z") and len(body["time"]) == 24


def test_keys_have_the_contract_shape_and_are_stored_only_as_keyed_hash(world, db):
    account = world.account()
    live, test = world.key(account), world.key(account, mode="test")
    assert live.startswith("shpbndl_live_") and len(live) - len("shpbndl_live_") >= 32
    assert test.startswith("shpbndl_test_")
    with db.read() as s:
        rows = [dict(r) for r in s.execute(text("SELECT * FROM api_keys")).mappings()]
    assert len(rows) == 2
    for secret in (live, test):
        expected = hmac.new(TEST_SECRET.encode(), secret.encode(), hashlib.sha256).hexdigest()
        matching = [r for r in rows if r["key_hash"] == expected]
        assert len(matching) == 1
        for row in rows:  # the secret (or its random part) appears in no column of any row
            for value in row.values():
                assert secret not in str(value)
                assert secret[-20:] not in str(value)
        # a plain, unkeyed hash of the key is not what is stored either
        assert hashlib.sha256(secret.encode()).hexdigest() not in {r["key_hash"] for r in rows}


def test_wrong_key_is_401_in_the_envelope(api):
    r = api.as_key("shpbndl_live_" + "x" * 40).get("/api/system/health")
    assert r.status_code == 401
    assert r.json() == {"errorCode": "INVALID_API_KEY", "message": "Invalid API key.",
                        "requestId": r.headers["x-request-id"]}
    assert r.headers["www-authenticate"] == "Bearer"


def test_missing_key_is_401_with_missing_message(client):
    r = client.get("/api/system/health")
    assert r.status_code == 401
    assert r.json() == {"errorCode": "INVALID_API_KEY", "message": "Missing API key.",
                        "requestId": r.headers["x-request-id"]}


def test_malformed_and_wrong_scheme_keys_are_401(api, client):
    for header in ("Bearer not-a-key", "Bearer shpbndl_prod_" + "a" * 40, "Basic abc:def",
                   api.key, "Bearer " + api.key + "!"):
        r = client.get("/api/system/health", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.json()["errorCode"] == "INVALID_API_KEY"
    r = client.get("/api/system/health", headers={"Authorization": "Bearer "})
    assert r.json()["message"] == "Missing API key."


def test_scheme_and_header_name_are_case_insensitive(api, client):
    for header_name, scheme in (("AUTHORIZATION", "bearer"), ("authorization", "BEARER"),
                                ("Authorization", "Bearer")):
        r = client.get("/api/system/health", headers={header_name: f"{scheme} {api.key}"})
        assert r.status_code == 200


def test_revoked_key_is_rejected(api, db, world):
    key_id = api.get("/api/system/health").json()["apiKey"]["id"]
    with db.write() as s:
        revoke_key(s, key_id)
    r = api.get("/api/system/health")
    assert r.status_code == 401
    assert r.json()["errorCode"] == "INVALID_API_KEY"
    assert r.json()["message"] == "This API key has been revoked."


def test_expired_key_is_rejected_and_unexpired_accepted(client, world):
    account = world.account()
    expired = world.key(account, expires_at=utcnow() - timedelta(seconds=1))
    valid = world.key(account, expires_at=utcnow() + timedelta(hours=1))
    r = client.get("/api/system/health", headers={"authorization": f"Bearer {expired}"})
    assert r.status_code == 401
    assert r.json()["message"] == "This API key has expired."
    r = client.get("/api/system/health", headers={"authorization": f"Bearer {valid}"})
    assert r.status_code == 200


def test_warehouse_scoped_key_cannot_use_another_warehouse(api, world):
    other = world.warehouse(api.account_id, name="Vancouver DC")
    scoped = api.as_key(world.key(api.account_id, warehouse_id=api.warehouse_id))
    assert scoped.get("/api/system/health").json()["apiKey"]["warehouseId"] == api.warehouse_id
    assert scoped.get(f"/api/warehouses/{api.warehouse_id}").status_code == 200
    r = scoped.get(f"/api/warehouses/{other}")
    assert r.status_code == 404 and r.json()["errorCode"] == "NOT_FOUND"
    listed = [w["id"] for w in scoped.get("/api/warehouses").json()["data"]]
    assert listed == [api.warehouse_id]
    r = scoped.post("/api/warehouses", {"accountId": api.account_id, "name": "X", "country": "CA"})
    assert r.status_code == 403 and r.json()["errorCode"] == "INVALID_ACCOUNT_SCOPE"
    # the unrestricted key sees both
    assert {w["id"] for w in api.get("/api/warehouses").json()["data"]} == {api.warehouse_id,
                                                                             other}


def test_objects_of_another_account_are_404(api, client, world):
    other = world.tenant(client, "Other merchant")
    pid = other.sync_products({"externalId": "OTHER-1", "title": "Other product"}).json()[
        "data"][0]["id"]
    for path in (f"/api/warehouses/{other.warehouse_id}", f"/api/brokers/{other.broker_id}",
                 f"/api/products/{pid}"):
        r = api.get(path)
        assert r.status_code == 404, path
        assert r.json()["errorCode"] == "NOT_FOUND"
        assert other.get(path).status_code == 200
    for path in ("/api/warehouses", "/api/brokers", "/api/products"):
        ids = {item["id"] for item in api.get(path).json()["data"]}
        assert not ids & {other.warehouse_id, other.broker_id, pid}


def test_foreign_account_id_in_a_body_is_403(api, client, world):
    other = world.tenant(client, "Other merchant")
    cases = [
        ("/api/products/sync", {"accountId": other.account_id,
                                "items": [{"externalId": "A", "title": "Thing"}]}),
        ("/api/warehouses", {"accountId": other.account_id, "name": "W", "country": "CA"}),
        ("/api/brokers", {"accountId": other.account_id, "name": "B", "email": "b@example.com"}),
        ("/api/products/sync", {"accountId": "acc_doesnotexist",
                                "items": [{"externalId": "A", "title": "Thing"}]}),
    ]
    for path, body in cases:
        r = api.post(path, body)
        assert r.status_code == 403, path
        assert r.json() == {"errorCode": "INVALID_ACCOUNT_SCOPE",
                            "message": "accountId does not match the API key's account.",
                            "field": "accountId", "requestId": r.headers["x-request-id"]}
    # nothing was written for either account
    assert other.get("/api/products").json()["data"] == []
    assert api.get("/api/products").json()["data"] == []


def test_verified_keys_are_cached_briefly_and_expiry_is_exact(settings, world, db):
    import time

    from fastapi.testclient import TestClient

    from entrygo.app import create_app

    app = create_app(settings.model_copy(update={"auth_cache_seconds": 1}))
    account = world.account()
    key = world.key(account)
    with TestClient(app) as client:
        auth = {"authorization": f"Bearer {key}"}
        key_id = client.get("/api/system/health", headers=auth).json()["apiKey"]["id"]
        with db.write() as s:
            revoke_key(s, key_id)
        # within the cache window the process still trusts what it verified...
        assert client.get("/api/system/health", headers=auth).status_code == 200
        time.sleep(1.1)
        # ...and after it the revocation holds
        r = client.get("/api/system/health", headers=auth)
        assert r.status_code == 401 and r.json()["message"] == "This API key has been revoked."
    app.state.db.dispose()
    # an expiry is exact even while the key is cached (here for a minute)
    long_cache = create_app(settings.model_copy(update={"auth_cache_seconds": 60}))
    soon = world.key(account, expires_at=utcnow() + timedelta(milliseconds=1500))
    with TestClient(long_cache) as client:
        soon_auth = {"authorization": f"Bearer {soon}"}
        assert client.get("/api/system/health", headers=soon_auth).status_code == 200
        time.sleep(1.6)
        r = client.get("/api/system/health", headers=soon_auth)
        assert r.status_code == 401 and r.json()["message"] == "This API key has expired."
    long_cache.state.db.dispose()
