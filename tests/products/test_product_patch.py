"""docs/api/contract.md §5.2: PATCH /api/products/{id}, a partial update (JSON merge patch)
validated as sync validates, idempotent like every write."""

from __future__ import annotations

import json
import time

from tests.support import Flow, check, error, execute, planned, product

BARE_NOTEBOOK = product(
    "NB-1", title="Hardcover notebook A5", htsCode=None, metalContent=None,
    customsDescription="Paper notebook with hard cover, A5, 192 ruled pages",
    mid="XQMAPPAP55MON", referenceValueUsd=18, netWeightKg=0.35,
    manufacturer={"name": "Maple Paper Company", "address1": "55 Rue Saint-Paul",
                  "city": "Montreal", "region": "QC", "country": "CA"})
RICH = product(
    "RICH-1", customsDescription="Vacuum bottle of stainless steel",
    materials=[{"material": "stainless steel", "pctByWeight": 92.5},
               {"material": "polypropylene", "pctByWeight": 7.5}],
    metalContent={"steelPctWeight": 92.5, "steelMeltPourCountry": "CA"},
    battery={"present": True, "chemistry": "li-ion", "wattHours": 3.7},
    exciseCategory="ends", referenceValueUsd=110.1234, netWeightKg=0.412,
    metadata={"color": "blue", "tags": ["outdoor", 1, 2.5, None, True]})


def patch(api, product_id, body, headers=None):
    return api.client.patch(f"/api/products/{product_id}", content=json.dumps(body),
                            headers=api.headers({"content-type": "application/json",
                                                 **(headers or {})}))


def synced(api, item):
    r = api.sync_products(item)
    assert r.status_code == 200, r.text
    return r.json()["data"][0]["id"]


def fetch(api, product_id):
    r = api.get(f"/api/products/{product_id}")
    assert r.status_code == 200, r.text
    return r.json()


def codes(item):
    return [m["code"] for m in item["readiness"]["messages"]]


def test_adding_only_the_missing_hts_code_unblocks_the_product(api):
    pid = synced(api, BARE_NOTEBOOK)
    before = fetch(api, pid)
    assert before["readiness"]["state"] == "BLOCKED" and "HTS_MISSING" in codes(before)
    # what a sync of only that field gets: the whole product is required again
    r = api.sync_products({"externalId": "NB-1", "htsCode": "4820.10.2060"})
    assert r.json()["details"]["issues"][0]["path"] == "items.0.title"

    time.sleep(0.002)  # updatedAt has milliseconds
    r = patch(api, pid, {"accountId": api.account_id, "htsCode": "4820.10.2060"})
    assert r.status_code == 200, r.text
    after = fetch(api, pid)
    assert r.json() == after
    assert after["htsCode"] == "4820102060"
    assert after["readiness"]["state"] == "READY" and "HTS_MISSING" not in codes(after)
    assert after["updatedAt"] > before["updatedAt"]
    assert after["createdAt"] == before["createdAt"]
    moved = {"htsCode", "readiness", "updatedAt"}
    assert {k: v for k, v in after.items() if k not in moved} == {
        k: v for k, v in before.items() if k not in moved}


def test_nested_groups_merge_key_by_key_and_lists_and_metadata_are_replaced(api):
    pid = synced(api, RICH)
    before = fetch(api, pid)
    r = patch(api, pid, {
        "metalContent": {"aluminumPctWeight": 5, "steelPctWeight": 90.25},
        "manufacturer": {"city": None, "postalCode": "L8L 4N3"},
        "battery": {"present": None, "wattHours": 12.5},
        "materials": [{"material": "aluminium"}],
        "metadata": {"tags": []},
    })
    assert r.status_code == 200, r.text
    after = fetch(api, pid)
    assert r.json() == after
    assert after["metalContent"] == {**before["metalContent"], "steelPctWeight": 90.25,
                                     "aluminumPctWeight": 5, "steelMeltPourCountry": "CA"}
    assert after["manufacturer"] == {**before["manufacturer"], "city": None,
                                     "postalCode": "L8L 4N3"}
    assert before["manufacturer"]["city"] == "Hamilton"
    assert after["battery"] == {**before["battery"], "present": False, "wattHours": 12.5}
    assert after["battery"]["chemistry"] == "li-ion"
    assert after["materials"] == [{"material": "aluminium", "pctByWeight": None}]
    assert after["metadata"] == {"tags": []}
    untouched = {"manufacturer", "metalContent", "battery", "materials", "metadata",
                 "readiness", "updatedAt"}
    assert {k: v for k, v in after.items() if k not in untouched} == {
        k: v for k, v in before.items() if k not in untouched}


def test_null_clears_an_optional_field(api):
    pid = synced(api, RICH)
    r = patch(api, pid, {"mid": None, "metalContent": None, "exciseCategory": None,
                         "customsDescription": "  "})
    assert r.status_code == 200, r.text
    after = fetch(api, pid)
    assert (after["mid"], after["metalContent"], after["customsDescription"]) == (
        None, None, None)
    assert after["exciseCategory"] == "none"  # its default, as a sync without it
    assert after["title"] == RICH["title"] and after["htsCode"] == "7323930045"
    assert "MID_DERIVED" in codes(after)  # readiness recomputed: derived from the manufacturer


def test_bad_input_is_refused_at_the_patch_paths_and_changes_nothing(api):
    pid = synced(api, RICH)
    before = fetch(api, pid)
    cases = [
        ({"title": None}, "title", "required"),
        ({"title": "   "}, "title", "too_small"),
        ({"externalId": "RICH-2"}, "externalId", "invalid_value"),
        ({"externalId": "RICH-1"}, "externalId", "invalid_value"),
        ({"htsCode": 7323930045}, "htsCode", "invalid_type"),
        ({"metalContent": {"steelPctWeight": "92"}}, "metalContent.steelPctWeight",
         "invalid_type"),
        ({"metalContent": {"steelPctWeight": 101}}, "metalContent.steelPctWeight", "too_big"),
        ({"materials": [{"material": "steel"}, {"material": "tin", "pctByWeight": True}]},
         "materials.1.pctByWeight", "invalid_type"),
        ({"battery": {"wattHours": 1.0001}}, "battery.wattHours", "invalid_format"),
        ({"exciseCategory": "wine"}, "exciseCategory", "invalid_value"),
        ({"metadata": ["not", "an", "object"]}, "metadata", "invalid_type"),
        ({"idempotencyKey": " padded"}, "idempotencyKey", "invalid_format"),
    ]
    for body, path, code in cases:
        r = patch(api, pid, {"accountId": api.account_id, **body, "mid": "XOCHANGED1"})
        body_out = error(r, 400, "VALIDATION_ERROR", field=path)
        assert [(i["path"], i["code"]) for i in body_out["details"]["issues"]] == [
            (path, code)], body
    messages = [patch(api, pid, body).json()["details"]["issues"][0]["message"]
                for body in ({"externalId": "RICH-2"}, {"title": None})]
    assert "cannot change" in messages[0] and "cannot be cleared" in messages[1]
    # every issue at once, and not a sync's items.0.… paths
    r = patch(api, pid, {"netWeightKg": -1, "pga": {"fccId": 5}})
    assert [i["path"] for i in r.json()["details"]["issues"]] == ["netWeightKg", "pga.fccId"]
    # not JSON, not an object, not JSON at all
    assert patch(api, pid, ["htsCode"]).json()["details"]["issues"][0]["path"] == ""
    r = api.client.patch(f"/api/products/{pid}", content=b"{", headers=api.headers(
        {"content-type": "application/json"}))
    error(r, 400, "INVALID_REQUEST")
    r = api.client.patch(f"/api/products/{pid}", content=b"{}", headers=api.headers(
        {"content-type": "text/plain"}))
    error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    error(patch(api, pid, {"accountId": "acc_other", "mid": "XOCHANGED1"}), 403,
          "INVALID_ACCOUNT_SCOPE", field="accountId")
    assert fetch(api, pid) == before


def test_another_accounts_product_or_an_unknown_id_is_not_found(api, world):
    other = world.tenant(api.client, "Other merchant")
    theirs = synced(other, RICH)
    before = fetch(other, theirs)
    for pid in (theirs, "prod_unknown"):
        error(patch(api, pid, {"accountId": api.account_id, "mid": "XOCHANGED1"}), 404,
              "NOT_FOUND")
    assert fetch(other, theirs) == before
    error(api.client.patch(f"/api/products/{theirs}", content=b"{}"), 401, "INVALID_API_KEY")
    assert fetch(other, theirs) == before


def test_unknown_fields_are_ignored_as_on_every_body(api):
    """docs/api/contract.md §2: unknown body fields are ignored, so the product as read can
    be sent back (without its externalId)."""
    pid = synced(api, RICH)
    before = fetch(api, pid)
    sent_back = {k: v for k, v in before.items() if k != "externalId"}
    r = patch(api, pid, {**sent_back, "colour": "blue", "metalContent": {"surprise": 1}})
    assert r.status_code == 200, r.text
    assert r.json() == before == fetch(api, pid)


def test_an_empty_patch_or_unchanged_values_change_nothing(api):
    pid = synced(api, RICH)
    before = fetch(api, pid)
    time.sleep(0.002)
    for body in ({}, {"accountId": api.account_id},
                 {"title": f"  {RICH['title']} ", "htsCode": "7323 93 0045",
                  "referenceValueUsd": 110.12340, "netWeightKg": 0.412,
                  "metalContent": {"steelPctWeight": 92.5}, "materials": RICH["materials"],
                  "metadata": RICH["metadata"], "battery": {"present": True}}):
        r = patch(api, pid, body)
        assert r.status_code == 200, r.text
        assert r.json() == before, body
    assert fetch(api, pid) == before
    # and a change after all that does move updatedAt
    changed = patch(api, pid, {"countryOfOrigin": "mx"}).json()
    assert changed["countryOfOrigin"] == "MX" and changed["updatedAt"] > before["updatedAt"]


def test_an_idempotency_key_replays_and_guards_its_request(api):
    pid = synced(api, BARE_NOTEBOOK)
    key = {"idempotency-key": "fix-nb-1-hts"}
    first = patch(api, pid, {"htsCode": "4820.10.2060"}, headers=key)
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    patch(api, pid, {"mid": "XQMAPPAP56MON"})  # a change since: the replay still says then
    replay = patch(api, pid, {"htsCode": "4820.10.2060"}, headers=key)
    assert replay.status_code == 200
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.content == first.content
    conflict = patch(api, pid, {"htsCode": "4820.10.2010"}, headers=key)
    error(conflict, 409, "IDEMPOTENCY_CONFLICT", field="idempotencyKey")
    # the key in the body works the same; the method is part of the request
    body_key = patch(api, pid, {"title": "Notebook", "idempotencyKey": "rename-nb-1"})
    again = patch(api, pid, {"title": "Notebook", "idempotencyKey": "rename-nb-1"})
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == body_key.content
    error(api.sync_products(BARE_NOTEBOOK, idempotencyKey="rename-nb-1"), 409,
          "IDEMPOTENCY_CONFLICT")
    assert fetch(api, pid)["title"] == "Notebook"


def test_a_product_of_an_executed_export_changes_as_a_sync_would_change_it(api):
    """Sync has no lock on products (only orders are locked by execution): the executed
    batch keeps its snapshot, and PATCH behaves as sync does."""
    flow = Flow(api)
    plan, _ = planned(flow)
    done = execute(api, plan["exportId"])
    assert done.status_code == 200, done.text
    inspect = api.get(f"/api/exports/{plan['exportId']}").json()
    r = patch(api, flow.bottle, {"title": "Bottle, renamed"})
    assert r.status_code == 200, r.text
    resync = api.sync_products(product("BOTTLE", title="Bottle, renamed again"))
    assert resync.json()["data"][0]["syncStatus"] == "updated"
    again = api.get(f"/api/exports/{plan['exportId']}").json()
    assert (again["state"], again["planHash"]) == (inspect["state"], inspect["planHash"])
    # a batch still PLANNED sees the change: execute says the plan is stale, as after a sync
    stale, _ = planned(flow, "ord-ext-2002")
    patch(api, flow.bottle, {"countryOfOrigin": "MX"})
    error(execute(api, stale["exportId"]), 409, "PLAN_STALE")


def test_published_contract_documents_the_patch(api):
    spec = api.client.get("/docs/api/openapi").json()
    op = spec["paths"]["/api/products/{product_id}"]["patch"]
    assert op["operationId"] == "updateProduct"
    assert op["summary"] == "Update a product (partial)" and op["description"]
    assert {p.get("$ref") for p in op["parameters"]} >= {
        "#/components/parameters/Idempotency-Key"}
    assert [p["name"] for p in op["parameters"] if p.get("in") == "path"] == ["product_id"]
    assert op["requestBody"]["content"]["application/json"]["example"]["htsCode"]
    assert set(op["responses"]) >= {"200", "400", "401", "403", "404", "409", "413", "415"}
    assert "IDEMPOTENCY_CONFLICT" in op["responses"]["409"]["x-error-codes"]
    assert "Idempotent-Replayed" in op["responses"]["200"]["headers"]
    body = spec["components"]["schemas"]["ProductPatch"]
    assert "externalId" not in body["properties"] and "required" not in body
    assert body["properties"]["title"] == {
        "maxLength": 500, "minLength": 1, "title": "Title", "type": "string"}
    pid = synced(api, RICH)
    check(spec, "patch", "/api/products/{product_id}", 200,
          patch(api, pid, {"htsCode": "7323.93.0045"}).json())
    check(spec, "patch", "/api/products/{product_id}", 404,
          patch(api, "prod_unknown", {}).json())
