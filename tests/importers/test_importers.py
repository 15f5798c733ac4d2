"""docs/api/contract.md §5.2: importers of record. Create, list, get, patch (JSON merge patch);
the importer number's formats (19 CFR 24.5, CBP Form 5106) normalised, a Social Security
number refused; the bond; one default per account (the account's defaultImporterId); scope."""

from __future__ import annotations

import json
import time

import pytest

from tests.support import Api, check, error

ADDRESS = {"address1": "100 Harbor Way", "city": "Buffalo", "region": "NY",
           "postalCode": "14203", "country": "US"}
BOND = {"type": "continuous", "suretyCode": "457", "number": "GB2026001"}


def bare_tenant(client, world, name="Importer tests"):
    """A tenant without any importer of record (the shared tenant comes with a default one)."""
    account_id = world.account(name, importer=False)
    return Api(client, world.key(account_id), account_id, world.warehouse(account_id),
               world.broker(account_id), world)


@pytest.fixture
def api(client, world):
    return bare_tenant(client, world)


def importer(api, **overrides):
    return {"accountId": api.account_id, "name": "Northwind Trading LLC",
            "number": "12-3456789", "address": ADDRESS, **overrides}


def create(api, headers=None, **overrides):
    return api.post("/api/importers", importer(api, **overrides), headers=headers)


def created(api, **overrides):
    r = create(api, **overrides)
    assert r.status_code == 201, r.text
    return r.json()


def patch(api, importer_id, body, headers=None):
    return api.client.patch(f"/api/importers/{importer_id}", content=json.dumps(body),
                            headers=api.headers({"content-type": "application/json",
                                                 **(headers or {})}))


def fetch(api, importer_id):
    r = api.get(f"/api/importers/{importer_id}")
    assert r.status_code == 200, r.text
    return r.json()


def account(api):
    r = api.get("/api/account")
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def spec(client):
    return client.get("/docs/api/openapi").json()


def test_create_get_and_list(api, spec):
    r = create(api, bond=BOND, address={**ADDRESS, "country": "us", "address2": "  ",
                                        "city": "  Buffalo "})
    assert r.status_code == 201, r.text
    check(spec, "post", "/api/importers", 201, r.json())
    made = r.json()
    assert made["id"].startswith("imp_") and len(made["id"]) == 30
    assert made == {
        "id": made["id"], "livemode": True, "name": "Northwind Trading LLC", "number": "12-3456789",
        "address": {**ADDRESS, "address2": None}, "bond": BOND, "isDefault": False,
        "createdAt": made["createdAt"], "updatedAt": made["createdAt"]}
    assert fetch(api, made["id"]) == made
    check(spec, "get", "/api/importers/{importer_id}", 200, made)

    second = created(api, name="Second Importer", number="261101-01234")
    assert second["bond"] is None
    listed = api.get("/api/importers")
    check(spec, "get", "/api/importers", 200, listed.json())
    assert [i["id"] for i in listed.json()["data"]] == [second["id"], made["id"]]
    page = api.get("/api/importers", params={"limit": 1}).json()
    assert page["has_more"] and [i["id"] for i in page["data"]] == [second["id"]]
    rest = api.get("/api/importers", params={"cursor": page["next_cursor"]}).json()
    assert [i["id"] for i in rest["data"]] == [made["id"]] and not rest["has_more"]
    error(api.get("/api/importers/imp_unknown"), 404, "NOT_FOUND")


@pytest.mark.parametrize(("sent", "stored"), [
    ("12-3456789", "12-3456789"),
    ("123456789", "12-3456789"),
    ("  12-3456789  ", "12-3456789"),
    ("12-3456789A1", "12-3456789A1"),
    ("12-3456789-A1", "12-3456789A1"),
    ("12-3456789-a1", "12-3456789A1"),
    ("123456789A1", "12-3456789A1"),
    ("123456789-00", "12-345678900"),
    ("12-345678900", "12-345678900"),
    ("261101-01234", "261101-01234"),
])
def test_the_importer_number_is_normalised(api, sent, stored):
    assert created(api, number=sent)["number"] == stored


@pytest.mark.parametrize(("sent", "words"), [
    ("123-45-6789", "An SSN is not accepted as an importer number here: use the EIN or the "
                    "CBP-assigned number"),
    ("12345678901", "write the hyphen"),
    ("12-3456789O1", "cannot contain the letters O, I or Z"),
    ("12-3456789IZ", "cannot contain the letters O, I or Z"),
    ("12-345678", "Expected an EIN"),
    ("12-34567890", "Expected an EIN"),
    ("12-3456789ABC", "Expected an EIN"),
    ("1234567", "Expected an EIN"),
    ("AB-CDEFGHI", "Expected an EIN"),
    ("2611-0101234", "Expected an EIN"),
    ("261101-1234", "Expected an EIN"),
    ("12 3456789", "Expected an EIN"),
    ("", "Expected an EIN"),
])
def test_the_importer_number_is_refused_with_a_reason(api, sent, words):
    body = error(create(api, number=sent), 400, "VALIDATION_ERROR", field="number")
    (issue,) = body["details"]["issues"]
    assert (issue["path"], issue["code"]) == ("number", "invalid_format")
    assert words in issue["message"]
    assert api.get("/api/importers").json()["data"] == []


def test_bad_input_is_refused_and_creates_nothing(api):
    cases = [
        ({"number": 123456789}, "number", "invalid_type"),
        ({"name": "  "}, "name", "too_small"),
        ({"address": {**ADDRESS, "country": "UK"}}, "address.country", "invalid_value"),
        ({"address": {"address1": "1 Main St", "country": "US"}}, "address.city", "required"),
        ({"address": None}, "address", "invalid_type"),
        ({"bond": {**BOND, "suretyCode": "45"}}, "bond.suretyCode", "invalid_format"),
        ({"bond": {**BOND, "suretyCode": 457}}, "bond.suretyCode", "invalid_type"),
        ({"bond": {**BOND, "suretyCode": "45A"}}, "bond.suretyCode", "invalid_format"),
        ({"bond": {**BOND, "type": "annual"}}, "bond.type", "invalid_value"),
        ({"bond": {"type": "single", "suretyCode": "457"}}, "bond.number", "required"),
        ({"isDefault": "yes"}, "isDefault", "invalid_type"),
    ]
    for overrides, path, code in cases:
        body = error(create(api, **overrides), 400, "VALIDATION_ERROR", field=path)
        assert [(i["path"], i["code"]) for i in body["details"]["issues"]] == [
            (path, code)], overrides
    r = api.post("/api/importers", {"accountId": api.account_id})
    assert sorted(i["path"] for i in r.json()["details"]["issues"]) == [
        "address", "name", "number"]
    error(create(api, accountId="acc_other"), 403, "INVALID_ACCOUNT_SCOPE", field="accountId")
    assert api.get("/api/importers").json()["data"] == []
    assert account(api)["defaultImporterId"] is None


def test_patch_merges_address_and_bond_key_by_key(api, spec):
    made = created(api, bond=BOND)
    time.sleep(0.002)  # updatedAt has milliseconds
    r = patch(api, made["id"], {"accountId": api.account_id, "name": "Northwind Trading Inc.",
                                "number": "123456789-b2",
                                "address": {"address2": "Suite 4", "region": None},
                                "bond": {"number": "GB2027001"}})
    assert r.status_code == 200, r.text
    check(spec, "patch", "/api/importers/{importer_id}", 200, r.json())
    after = fetch(api, made["id"])
    assert r.json() == after
    assert after["name"] == "Northwind Trading Inc." and after["number"] == "12-3456789B2"
    assert after["address"] == {**ADDRESS, "address2": "Suite 4", "region": None}
    assert after["bond"] == {**BOND, "number": "GB2027001"}
    assert after["updatedAt"] > made["updatedAt"] and after["createdAt"] == made["createdAt"]
    # bond: null removes it; a bond added again must be whole
    assert patch(api, made["id"], {"bond": None}).json()["bond"] is None
    body = error(patch(api, made["id"], {"bond": {"number": "GB1"}}), 400, "VALIDATION_ERROR")
    assert sorted((i["path"], i["code"]) for i in body["details"]["issues"]) == [
        ("bond.suretyCode", "required"), ("bond.type", "required")]
    r = patch(api, made["id"], {"bond": {"type": "single", "suretyCode": " 123 ",
                                         "number": "STB-9"}})
    assert r.json()["bond"] == {"type": "single", "suretyCode": "123", "number": "STB-9"}


def test_an_empty_patch_or_unchanged_values_change_nothing(api):
    made = created(api, bond=BOND)
    time.sleep(0.002)
    for body in ({}, {"accountId": api.account_id}, {"number": "123456789", "name": " Northwind "
                                                     "Trading LLC", "bond": BOND,
                                                     "address": {"country": "us"}},
                 {"isDefault": False}, {**made, "id": "imp_other", "createdAt": "x"}):
        r = patch(api, made["id"], body)
        assert r.status_code == 200, r.text
        assert r.json() == made, body
    assert fetch(api, made["id"]) == made


def test_bad_patches_are_refused_at_their_paths_and_change_nothing(api):
    made = created(api, bond=BOND)
    cases = [
        ({"name": None}, "name", "required"),
        ({"number": None}, "number", "required"),
        ({"address": None}, "address", "required"),
        ({"number": "123-45-6789"}, "number", "invalid_format"),
        ({"address": {"city": None}}, "address.city", "required"),
        ({"address": {"country": "XX"}}, "address.country", "invalid_value"),
        ({"bond": {"type": None}}, "bond.type", "required"),
        ({"bond": {"suretyCode": "1234"}}, "bond.suretyCode", "invalid_format"),
        ({"isDefault": "true"}, "isDefault", "invalid_type"),
        ({"idempotencyKey": " padded"}, "idempotencyKey", "invalid_format"),
    ]
    for body, path, code in cases:
        r = patch(api, made["id"], {"accountId": api.account_id, **body, "name": "Changed"}
                  if path != "name" else {"accountId": api.account_id, **body})
        out = error(r, 400, "VALIDATION_ERROR", field=path)
        assert [(i["path"], i["code"]) for i in out["details"]["issues"]] == [(path, code)], body
    assert "cannot be cleared" in patch(api, made["id"], {"number": None}).json()[
        "details"]["issues"][0]["message"]
    error(patch(api, made["id"], {"accountId": "acc_other", "name": "Changed"}), 403,
          "INVALID_ACCOUNT_SCOPE", field="accountId")
    # a foreign accountId is 403 before the importer is looked up (contract §2)
    error(patch(api, "imp_unknown", {"accountId": "acc_other"}), 403, "INVALID_ACCOUNT_SCOPE")
    error(patch(api, "imp_unknown", {"name": "Changed"}), 404, "NOT_FOUND")
    assert fetch(api, made["id"]) == made


def test_one_default_per_account(api, spec):
    first = created(api)
    assert first["isDefault"] is False  # the first importer is not the default by itself
    assert account(api)["defaultImporterId"] is None
    second = created(api, name="Second", number="98-7654321", isDefault=True)
    assert second["isDefault"] is True
    assert account(api)["defaultImporterId"] == second["id"]
    # switching the default: the other one stops being it, without its updatedAt moving
    r = patch(api, first["id"], {"isDefault": True})
    assert r.status_code == 200 and r.json()["isDefault"] is True
    assert r.json()["updatedAt"] == first["updatedAt"]
    assert fetch(api, second["id"])["isDefault"] is False
    listed = api.get("/api/importers").json()["data"]
    assert [(i["id"], i["isDefault"]) for i in listed] == [
        (second["id"], False), (first["id"], True)]
    assert account(api)["defaultImporterId"] == first["id"]
    # false on another importer changes nothing; on the default it leaves none
    assert patch(api, second["id"], {"isDefault": False}).json()["isDefault"] is False
    assert account(api)["defaultImporterId"] == first["id"]
    assert patch(api, first["id"], {"isDefault": False}).json()["isDefault"] is False
    assert account(api)["defaultImporterId"] is None
    assert not any(i["isDefault"] for i in api.get("/api/importers").json()["data"])
    # a third created as default takes over
    third = created(api, name="Third", number="261101-01234", isDefault=True)
    assert [i["id"] for i in api.get("/api/importers").json()["data"] if i["isDefault"]] == [
        third["id"]]
    check(spec, "get", "/api/importers", 200, api.get("/api/importers").json())


def test_another_accounts_importer_is_not_found(api, world):
    other = bare_tenant(api.client, world, "Other merchant")
    theirs = created(other, isDefault=True)
    error(api.get(f"/api/importers/{theirs['id']}"), 404, "NOT_FOUND")
    error(patch(api, theirs["id"], {"name": "Hijacked", "isDefault": True}), 404, "NOT_FOUND")
    error(patch(api, theirs["id"], {"accountId": other.account_id}), 403,
          "INVALID_ACCOUNT_SCOPE", field="accountId")
    assert api.get("/api/importers").json()["data"] == []
    assert account(api)["defaultImporterId"] is None
    assert fetch(other, theirs["id"]) == theirs


def test_a_warehouse_scoped_key_reads_but_does_not_change(api, world):
    made = created(api, isDefault=True)
    scoped = api.as_key(world.key(api.account_id, warehouse_id=api.warehouse_id))
    assert fetch(scoped, made["id"]) == made
    assert scoped.get("/api/importers").json()["data"] == [made]
    body = error(scoped.post("/api/importers", importer(api, number="98-7654321")), 403,
                 "INVALID_ACCOUNT_SCOPE")
    assert "warehouse-scoped" in body["message"]
    for body in ({"name": "Changed"}, {"isDefault": False}, {}):
        error(patch(scoped, made["id"], body), 403, "INVALID_ACCOUNT_SCOPE")
    error(patch(scoped, "imp_unknown", {}), 403, "INVALID_ACCOUNT_SCOPE")
    assert api.get("/api/importers").json()["data"] == [made]
    assert account(api)["defaultImporterId"] == made["id"]


def test_idempotent_create_and_patch(api):
    key = {"idempotency-key": "importer-create-1"}
    first = create(api, headers=key)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    replay = create(api, headers=key)
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.content == first.content
    assert len(api.get("/api/importers").json()["data"]) == 1
    error(create(api, headers=key, name="Another"), 409, "IDEMPOTENCY_CONFLICT")

    made = first.json()
    body_key = {"bond": BOND, "isDefault": True, "idempotencyKey": "importer-patch-1"}
    once = patch(api, made["id"], body_key)
    assert once.status_code == 200 and once.json()["isDefault"] is True
    patch(api, made["id"], {"isDefault": False})  # a change since: the replay says then
    again = patch(api, made["id"], body_key)
    assert again.headers["idempotent-replayed"] == "true" and again.content == once.content
    assert account(api)["defaultImporterId"] is None
    error(patch(api, made["id"], {**body_key, "bond": None}), 409, "IDEMPOTENCY_CONFLICT")
    # the method and path are part of the request: the same key on a create conflicts
    error(create(api, headers={"idempotency-key": "importer-patch-1"}), 409,
          "IDEMPOTENCY_CONFLICT")


def test_published_contract_documents_importers(spec):
    paths = spec["paths"]
    ops = {(m, p): op for p in ("/api/importers", "/api/importers/{importer_id}")
           for m, op in paths[p].items()}
    assert {op["operationId"] for op in ops.values()} == {
        "createImporter", "listImporters", "getImporter", "updateImporter"}
    assert all(op["tags"] == ["importers"] and op["description"] for op in ops.values())
    create_op = ops[("post", "/api/importers")]
    assert set(create_op["responses"]) >= {"201", "400", "403", "409"}
    assert create_op["requestBody"]["content"]["application/json"]["example"]["number"]
    patch_op = ops[("patch", "/api/importers/{importer_id}")]
    assert set(patch_op["responses"]) >= {"200", "400", "403", "404", "409"}
    schemas = spec["components"]["schemas"]
    number = schemas["ImporterCreate"]["properties"]["number"]
    assert "SSN" in number["description"] or "Social Security" in number["description"]
    assert "null" not in json.dumps(schemas["ImporterPatch"]["properties"]["name"])
    assert schemas["ImporterOut"]["properties"]["bond"]["anyOf"][0] == {
        "$ref": "#/components/schemas/Bond"}
