"""docs/api/contract.md §5.2: GET and PATCH /api/account. The seller on the invoice
(legalName, address), the default importer of record (one of the account's), the readiness
policies; a merge patch, idempotent like every write; a warehouse-scoped key reads only."""

from __future__ import annotations

import json
import time

import pytest

from tests.support import Api, check, error

ADDRESS = {"address1": "55 Rue Saint-Paul", "city": "Montreal", "region": "QC",
           "postalCode": "H2Y 1G2", "country": "CA"}
IMPORTER = {"name": "Northwind Trading LLC", "number": "12-3456789",
            "address": {"address1": "100 Harbor Way", "city": "Buffalo", "country": "US"}}


def bare_tenant(client, world, name="Account tests"):
    """A tenant without any importer of record (the shared tenant comes with a default one)."""
    account_id = world.account(name, importer=False)
    return Api(client, world.key(account_id), account_id, world.warehouse(account_id),
               world.broker(account_id), world)


@pytest.fixture
def api(client, world):
    return bare_tenant(client, world)


@pytest.fixture
def spec(client):
    return client.get("/docs/api/openapi").json()


def patch(api, body, headers=None):
    return api.client.patch("/api/account", content=json.dumps(body), headers=api.headers(
        {"content-type": "application/json", **(headers or {})}))


def fetch(api):
    r = api.get("/api/account")
    assert r.status_code == 200, r.text
    return r.json()


def new_importer(api, **overrides):
    r = api.post("/api/importers", {"accountId": api.account_id, **IMPORTER, **overrides})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_a_new_account_reads_with_its_defaults(api, spec):
    account = fetch(api)
    check(spec, "get", "/api/account", 200, account)
    assert account == {
        "id": api.account_id, "livemode": True, "name": "Account tests", "legalName": None,
        "address": None,
        "defaultImporterId": None, "requireReviewAcknowledgement": False,
        "readinessPolicy": "standard", "createdAt": account["createdAt"], "updatedAt": None}


def test_patch_changes_only_what_it_sends(api, spec):
    before = fetch(api)
    r = patch(api, {"accountId": api.account_id, "legalName": "  Maple Goods Inc. ",
                    "address": {**ADDRESS, "country": "ca", "address2": ""},
                    "readinessPolicy": "strict"})
    assert r.status_code == 200, r.text
    check(spec, "patch", "/api/account", 200, r.json())
    after = fetch(api)
    assert r.json() == after
    assert after["legalName"] == "Maple Goods Inc."
    assert after["address"] == {**ADDRESS, "address2": None}
    assert after["readinessPolicy"] == "strict"
    assert after["updatedAt"] is not None and after["updatedAt"] >= after["createdAt"]
    assert {k: after[k] for k in ("id", "name", "createdAt", "defaultImporterId",
                                  "requireReviewAcknowledgement")} == {
        k: before[k] for k in ("id", "name", "createdAt", "defaultImporterId",
                               "requireReviewAcknowledgement")}
    # the address merges key by key; null clears a key, or the whole address
    time.sleep(0.002)
    merged = patch(api, {"address": {"address2": "Suite 300", "region": None}}).json()
    assert merged["address"] == {**ADDRESS, "address2": "Suite 300", "region": None}
    assert merged["updatedAt"] > after["updatedAt"]
    cleared = patch(api, {"address": None, "legalName": None, "readinessPolicy": None,
                          "requireReviewAcknowledgement": True}).json()
    assert (cleared["address"], cleared["legalName"], cleared["readinessPolicy"],
            cleared["requireReviewAcknowledgement"]) == (None, None, "standard", True)
    assert patch(api, {"requireReviewAcknowledgement": None}).json()[
        "requireReviewAcknowledgement"] is False


@pytest.mark.parametrize("policy", ["standard", "strict"])
def test_readiness_policy_values(api, policy):
    assert patch(api, {"readinessPolicy": policy}).json()["readinessPolicy"] == policy
    assert fetch(api)["readinessPolicy"] == policy


def test_an_empty_patch_or_the_account_sent_back_changes_nothing(api):
    patch(api, {"legalName": "Maple Goods Inc.", "address": ADDRESS})
    before = fetch(api)
    time.sleep(0.002)
    for body in ({}, {"accountId": api.account_id}, before, {"name": "Account tests"},
                 {"legalName": " Maple Goods Inc.", "address": {"country": "ca"},
                  "readinessPolicy": "standard", "requireReviewAcknowledgement": False}):
        r = patch(api, body)
        assert r.status_code == 200, r.text
        assert r.json() == before, body
    assert fetch(api) == before


def test_the_default_importer_must_be_one_of_the_accounts(api, world):
    first, second = new_importer(api), new_importer(api, number="98-7654321")
    r = patch(api, {"defaultImporterId": second})
    assert r.status_code == 200 and r.json()["defaultImporterId"] == second
    assert [(i["id"], i["isDefault"]) for i in api.get("/api/importers").json()["data"]] == [
        (second, True), (first, False)]
    other = bare_tenant(api.client, world, "Other merchant")
    theirs = new_importer(other)
    for wanted in ("imp_unknown", theirs, api.warehouse_id):
        body = error(patch(api, {"defaultImporterId": wanted}), 400, "VALIDATION_ERROR",
                     field="defaultImporterId")
        assert [(i["path"], i["code"]) for i in body["details"]["issues"]] == [
            ("defaultImporterId", "unknown_reference")]
    assert fetch(api)["defaultImporterId"] == second
    assert fetch(other)["defaultImporterId"] is None
    # null clears it: no importer is the default any more
    assert patch(api, {"defaultImporterId": None}).json()["defaultImporterId"] is None
    assert not any(i["isDefault"] for i in api.get("/api/importers").json()["data"])


def test_bad_input_is_refused_and_changes_nothing(api):
    patch(api, {"legalName": "Maple Goods Inc.", "address": ADDRESS})
    before = fetch(api)
    cases = [
        ({"readinessPolicy": "lenient"}, "readinessPolicy", "invalid_value"),
        ({"readinessPolicy": 1}, "readinessPolicy", "invalid_value"),
        ({"requireReviewAcknowledgement": "yes"}, "requireReviewAcknowledgement",
         "invalid_type"),
        ({"legalName": "x" * 201}, "legalName", "too_big"),
        ({"address": {"country": "UK"}}, "address.country", "invalid_value"),
        ({"address": {"city": None}}, "address.city", "required"),
        ({"address": "55 Rue Saint-Paul"}, "address", "invalid_type"),
        ({"defaultImporterId": 5}, "defaultImporterId", "invalid_type"),
        ({"name": "Renamed"}, "name", "invalid_value"),
        ({"idempotencyKey": " padded"}, "idempotencyKey", "invalid_format"),
    ]
    for body, path, code in cases:
        r = patch(api, {"accountId": api.account_id, **body} if "legalName" in body else
                  {"accountId": api.account_id, "legalName": "Changed", **body})
        out = error(r, 400, "VALIDATION_ERROR", field=path)
        assert [(i["path"], i["code"]) for i in out["details"]["issues"]] == [(path, code)], body
    assert "legalName" in patch(api, {"name": "Renamed"}).json()["details"]["issues"][0][
        "message"]
    # every issue at once (the body's own first, §2.1: the rest needs a valid body)
    r = patch(api, {"name": "Renamed", "readinessPolicy": "lax", "defaultImporterId": "imp_x"})
    assert [i["path"] for i in r.json()["details"]["issues"]] == ["readinessPolicy"]
    r = patch(api, {"name": "Renamed", "address": {"city": None}, "defaultImporterId": "imp_x"})
    assert sorted(i["path"] for i in r.json()["details"]["issues"]) == [
        "address.city", "defaultImporterId", "name"]
    # an address added where there was none must be whole
    patch(api, {"address": None})
    r = patch(api, {"address": {"city": "Montreal"}})
    assert sorted((i["path"], i["code"]) for i in r.json()["details"]["issues"]) == [
        ("address.address1", "required"), ("address.country", "required")]
    patch(api, {"address": ADDRESS})
    error(patch(api, {"accountId": "acc_other", "legalName": "Changed"}), 403,
          "INVALID_ACCOUNT_SCOPE", field="accountId")
    error(api.client.patch("/api/account", content=b"{", headers=api.headers(
        {"content-type": "application/json"})), 400, "INVALID_REQUEST")
    error(api.client.patch("/api/account", content=b"{}"), 401, "INVALID_API_KEY")
    after = fetch(api)
    assert {k: v for k, v in after.items() if k != "updatedAt"} == {
        k: v for k, v in before.items() if k != "updatedAt"}


def test_a_warehouse_scoped_key_reads_but_does_not_change(api, world):
    importer = new_importer(api, isDefault=True)
    before = fetch(api)
    scoped = api.as_key(world.key(api.account_id, warehouse_id=api.warehouse_id))
    assert fetch(scoped) == before
    for body in ({"legalName": "Changed"}, {"defaultImporterId": None}, {}):
        out = error(patch(scoped, body), 403, "INVALID_ACCOUNT_SCOPE")
        assert "warehouse-scoped" in out["message"]
    assert fetch(api) == before and before["defaultImporterId"] == importer


def test_an_idempotency_key_replays_the_patch(api):
    key = {"idempotency-key": "account-policy-1"}
    first = patch(api, {"readinessPolicy": "strict"}, headers=key)
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    patch(api, {"readinessPolicy": "standard"})  # a change since: the replay says then
    replay = patch(api, {"readinessPolicy": "strict"}, headers=key)
    assert replay.headers["idempotent-replayed"] == "true" and replay.content == first.content
    assert fetch(api)["readinessPolicy"] == "standard"
    error(patch(api, {"readinessPolicy": "standard"}, headers=key), 409, "IDEMPOTENCY_CONFLICT")
    body_key = {"legalName": "Maple Goods Inc.", "idempotencyKey": "account-seller-1"}
    once = patch(api, body_key)
    again = patch(api, body_key)
    assert again.headers["idempotent-replayed"] == "true" and again.content == once.content


def test_published_contract_documents_the_account(spec):
    ops = spec["paths"]["/api/account"]
    assert {m: op["operationId"] for m, op in ops.items()} == {
        "get": "getAccount", "patch": "updateAccount"}
    assert all(op["tags"] == ["account"] and op["description"] for op in ops.values())
    assert "name" in ops["patch"]["description"] and "legalName" in ops["patch"]["description"]
    assert set(ops["patch"]["responses"]) >= {"200", "400", "403", "409", "413", "415"}
    assert ops["patch"]["requestBody"]["content"]["application/json"]["example"][
        "defaultImporterId"]
    schemas = spec["components"]["schemas"]
    assert "name" not in schemas["AccountPatch"]["properties"]
    assert set(schemas["AccountOut"]["properties"]["readinessPolicy"]["enum"]) == {
        "standard", "strict"}
    assert schemas["AccountOut"]["properties"]["address"]["anyOf"][0] == {
        "$ref": "#/components/schemas/Address"}
