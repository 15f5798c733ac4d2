"""docs/api/contract.md §2.1: the flat error envelope, every code in use so far, request ids."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from entrygo.app import create_app
from entrygo.config import Settings


def envelope(r, code, message=None, **extra):
    body = r.json()
    assert body["errorCode"] == code, body
    assert body["requestId"] == r.headers["x-request-id"]
    if message is not None:
        assert body["message"] == message
    for key, value in extra.items():
        assert body[key] == value, (key, body)
    assert set(body) <= {"errorCode", "message", "field", "details", "requestId"}
    return body


def test_invalid_json_is_400_invalid_request(api):
    for raw in (b"{", b"not json", b"", b"{'single': 'quotes'}", b"\xff\xfe", b"[1,]",
                b"{" * 100_000):
        r = api.post("/api/products/sync", content=raw,
                     headers={"content-type": "application/json"})
        assert r.status_code == 400, raw[:20]
        assert r.json() == {"errorCode": "INVALID_REQUEST",
                            "message": "Request body must be valid JSON.",
                            "requestId": r.headers["x-request-id"]}


def test_validation_error_lists_every_issue_with_path_and_code(api):
    body = {
        "accountId": api.account_id,
        "items": [
            {"externalId": "A", "title": 5},                        # invalid_type
            {"title": "No external id"},                            # required
            {"externalId": "C", "title": "C", "netWeightKg": "1"},  # number as string
            {"externalId": "D", "title": "D", "referenceValueUsd": 1.23456},  # > 4 places
            {"externalId": "E", "title": "E", "exciseCategory": "wine"},      # enum
            {"externalId": "F", "title": "F", "referenceValueUsd": -1},       # negative
            {"externalId": "G", "title": "G", "battery": {"present": "yes"}},  # bool as string
            {"externalId": "H", "title": "x" * 501},                           # too long
        ],
    }
    r = api.post("/api/products/sync", body)
    assert r.status_code == 400
    got = envelope(r, "VALIDATION_ERROR", "Request validation failed.", field="items")
    assert [(i["path"], i["code"]) for i in got["details"]["issues"]] == [
        ("items.0.title", "invalid_type"),
        ("items.1.externalId", "required"),
        ("items.2.netWeightKg", "invalid_type"),
        ("items.3.referenceValueUsd", "invalid_format"),
        ("items.4.exciseCategory", "invalid_value"),
        ("items.5.referenceValueUsd", "too_small"),
        ("items.6.battery.present", "invalid_type"),
        ("items.7.title", "too_big"),
    ]
    messages = {i["path"]: i["message"] for i in got["details"]["issues"]}
    assert messages["items.0.title"] == "Expected string, received number"
    assert messages["items.1.externalId"] == "Required"
    assert messages["items.2.netWeightKg"] == "Expected number, received string"
    assert messages["items.7.title"] == "String must contain at most 500 character(s)"
    assert api.get("/api/products").json()["data"] == []


@pytest.mark.parametrize("raw, code", [
    (b'{"accountId": "A", "items": [{"externalId": "x", "title": "t", "netWeightKg": NaN}]}',
     "invalid_type"),
    (b'{"accountId": "A", "items": [{"externalId": "x", "title": "t", "netWeightKg": Infinity}]}',
     "invalid_type"),
    (b'{"accountId": "A", "items": [{"externalId": "x", "title": "t", "netWeightKg": 1e999}]}',
     "too_big"),
    (b'{"accountId": "A", "items": [{"externalId": "x", "title": "t", "netWeightKg": true}]}',
     "invalid_type"),
])
def test_non_finite_and_odd_numbers_are_validation_errors(api, raw, code):
    raw = raw.replace(b'"A"', json.dumps(api.account_id).encode())
    r = api.post("/api/products/sync", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 400
    issues = envelope(r, "VALIDATION_ERROR")["details"]["issues"]
    assert issues == [{"path": "items.0.netWeightKg", "code": code,
                       "message": issues[0]["message"]}]


def test_body_must_be_an_object_and_arrays_have_bounds(api):
    r = api.post("/api/products/sync", [1, 2])
    assert envelope(r, "VALIDATION_ERROR")["details"]["issues"] == [
        {"path": "", "message": "Expected object, received array", "code": "invalid_type"}]
    r = api.post("/api/products/sync", {"accountId": api.account_id, "items": []})
    assert envelope(r, "VALIDATION_ERROR", field="items")["details"]["issues"] == [
        {"path": "items", "message": "Array must contain at least 1 element(s)",
         "code": "too_small"}]
    items = [{"externalId": f"S{i}", "title": "t"} for i in range(1001)]
    r = api.post("/api/products/sync", {"accountId": api.account_id, "items": items})
    assert envelope(r, "VALIDATION_ERROR")["details"]["issues"][0]["code"] == "too_big"
    r = api.post("/api/products/sync", {"accountId": api.account_id})
    assert envelope(r, "VALIDATION_ERROR")["details"]["issues"] == [
        {"path": "items", "message": "Required", "code": "required"}]


def test_email_and_country_formats(api):
    r = api.post("/api/brokers", {"accountId": api.account_id, "name": "B", "email": "nope"})
    assert envelope(r, "VALIDATION_ERROR", field="email")["details"]["issues"][0]["code"] == \
        "invalid_format"
    r = api.post("/api/warehouses", {"accountId": api.account_id, "name": "W", "country": "UK"})
    issues = envelope(r, "VALIDATION_ERROR", field="country")["details"]["issues"]
    assert issues == [{"path": "country", "code": "invalid_value",
                       "message": "Not an ISO 3166-1 alpha-2 country code"}]


def test_idempotency_key_format(api):
    body = {"accountId": api.account_id, "name": "B", "email": "b@example.com"}
    r = api.post("/api/brokers", {**body, "idempotencyKey": "x" * 256})
    assert envelope(r, "VALIDATION_ERROR", field="idempotencyKey")


def test_unknown_route_is_404(api, client):
    for r in (api.get("/api/nope"), client.get("/nope"), api.post("/api/exports/zzz/nope", {})):
        assert r.status_code == 404
        envelope(r, "NOT_FOUND")


def test_wrong_method_is_405(api):
    r = api.client.delete("/api/products", headers=api.headers())
    assert r.status_code == 405
    envelope(r, "METHOD_NOT_ALLOWED")
    assert "GET" in r.headers["allow"]


def test_unsupported_media_type_is_415(api):
    body = json.dumps({"accountId": api.account_id, "items": [{"externalId": "a", "title": "t"}]})
    for ctype in ("text/plain", "application/x-www-form-urlencoded", None,
                  "application/json; charset=latin-1"):
        headers = {"content-type": ctype} if ctype else {}
        r = api.post("/api/products/sync", content=body, headers=headers)
        assert r.status_code == 415, ctype
        envelope(r, "UNSUPPORTED_MEDIA_TYPE")
    r = api.post("/api/products/sync", content=body,
                 headers={"content-type": "Application/JSON; charset=UTF-8"})
    assert r.status_code == 200
    assert api.get("/api/products").json()["data"][0]["externalId"] == "a"


def test_bodies_over_the_limit_are_413(settings, world):
    small = create_app(settings.model_copy(update={"max_body_bytes": 1000}))
    account = world.account()
    key = world.key(account)
    body = json.dumps({"accountId": account,
                       "items": [{"externalId": "a", "title": "t" * 2000}]}).encode()
    with TestClient(small) as client:
        headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
        r = client.post("/api/products/sync", content=body, headers=headers)
        assert r.status_code == 413
        envelope(r, "PAYLOAD_TOO_LARGE")

        def chunks():  # no Content-Length: the limit is enforced while reading
            yield body[:600]
            yield body[600:]

        r = client.post("/api/products/sync", content=chunks(), headers=headers)
        assert r.status_code == 413
        envelope(r, "PAYLOAD_TOO_LARGE")
        r = client.get("/api/products", headers=headers)
        assert r.json()["data"] == []
    small.state.db.dispose()


def test_unexpected_exceptions_are_500_without_internals(app, client):
    def boom():
        raise RuntimeError("secret internals: SELECT * FROM api_keys")

    app.add_api_route("/api/test-boom", boom)
    r = client.get("/api/test-boom")
    assert r.status_code == 500
    body = envelope(r, "INTERNAL_ERROR")
    assert "secret" not in r.text and "SELECT" not in r.text and "Traceback" not in r.text
    assert body["message"].startswith("An internal error occurred")


def test_database_unreachable_is_503(tmp_path):
    settings = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none",
                        data_dir=tmp_path, secret_key="x", auto_migrate=False)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/system/health", headers={"authorization": "Bearer shpbndl_live_"
                                                      + "a" * 40})
        assert r.status_code == 503
        envelope(r, "SERVICE_UNAVAILABLE")
        assert "127.0.0.1" not in r.text
        assert client.get("/api/system/live").status_code == 200


def test_request_ids(api, client):
    r = client.get("/api/system/live")
    assert r.json() == {"status": "ok"}
    assert r.headers["x-request-id"].startswith("req_")
    r = client.get("/api/system/live", headers={"x-request-id": "client-req.42:a_b"})
    assert r.headers["x-request-id"] == "client-req.42:a_b"
    for unsafe in ("has space", "x" * 129, "semi;colon", ""):
        r = client.get("/api/system/live", headers={"x-request-id": unsafe})
        assert r.headers["x-request-id"].startswith("req_"), unsafe
    r = client.get("/api/nope", headers={"x-request-id": "trace-1"})
    assert r.headers["x-request-id"] == "trace-1" and r.json()["requestId"] == "trace-1"


@pytest.mark.parametrize("raw, path", [
    (b'{"accountId": "A", "name": "N\\u0000ul", "email": "b@example.com"}', "name"),
    (b'{"accountId": "A", "name": "\\ud800 lone", "email": "b@example.com"}', "name"),
    (b'{"accountId": "A", "name": "ok", "email": "b@example.com", "x": {"\\u0000": 1}}', "x"),
])
def test_text_that_no_database_can_store_is_rejected_at_the_edge(api, raw, path):
    raw = raw.replace(b'"A"', json.dumps(api.account_id).encode())
    r = api.post("/api/brokers", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert envelope(r, "VALIDATION_ERROR")["details"]["issues"] == [
        {"path": path, "code": "invalid_format", "message": r.json()["details"]["issues"][0][
            "message"]}]
    assert api.get("/api/brokers").json()["data"][0]["id"] == api.broker_id
    assert len(api.get("/api/brokers").json()["data"]) == 1


def test_nul_in_the_url_is_refused(api):
    for path in ("/api/orders?externalId=a%00b", "/api/orders/ord_%00", "/api/products?cursor=%00"):
        r = api.get(path)
        assert r.status_code == 400, path
        assert envelope(r, "INVALID_REQUEST", "The URL must not contain NUL characters.")
