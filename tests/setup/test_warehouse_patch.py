"""docs/api/contract.md §5.2: a warehouse's default shipment (POST /api/warehouses
``defaultShipment``) and PATCH /api/warehouses/{id}, a JSON merge patch validated as a create
validates, idempotent like every write."""

from __future__ import annotations

import json
import time

from tests.support import check, error

TRUCK = {"modeOfTransport": "truck", "portOfEntry": "3004",
         "carrier": {"scac": "abcd", "name": "  Northern Freightways  "},
         "conveyanceReference": "TRIP-2211", "masterBill": "MB-778812",
         "estimatedArrival": "2026-12-01"}
STORED_TRUCK = {"modeOfTransport": "truck", "portOfEntry": "3004",
                "carrier": {"scac": "ABCD", "iataCode": None, "name": "Northern Freightways"},
                "conveyanceReference": "TRIP-2211", "masterBill": "MB-778812",
                "estimatedArrival": "2026-12-01"}
"""TRUCK as stored and answered: every key, codes upper-cased, text trimmed."""


def create(api, **fields):
    r = api.post("/api/warehouses", {"accountId": api.account_id, "name": "Toronto 3PL",
                                     "country": "CA", "city": "Toronto", **fields})
    assert r.status_code == 201, r.text
    return r.json()


def patch(api, warehouse_id, body, headers=None):
    return api.client.patch(f"/api/warehouses/{warehouse_id}", content=json.dumps(body),
                            headers=api.headers({"content-type": "application/json",
                                                 **(headers or {})}))


def fetch(api, warehouse_id):
    r = api.get(f"/api/warehouses/{warehouse_id}")
    assert r.status_code == 200, r.text
    return r.json()


def test_a_warehouse_is_created_with_a_default_shipment_or_without_one(api):
    made = create(api, defaultShipment=TRUCK)
    assert made["defaultShipment"] == STORED_TRUCK
    assert fetch(api, made["id"]) == made
    assert create(api)["defaultShipment"] is None  # none given
    assert create(api, defaultShipment=None)["defaultShipment"] is None
    # an air default: the IATA designator, letters or digits
    air = create(api, defaultShipment={"modeOfTransport": "air", "portOfEntry": "4701",
                                       "carrier": {"iataCode": "5x"}})["defaultShipment"]
    assert air["carrier"] == {"scac": None, "iataCode": "5X", "name": None}
    assert air["estimatedArrival"] is None and air["masterBill"] is None
    # the list answers it too
    listed = {w["id"]: w for w in api.get("/api/warehouses").json()["data"]}
    assert listed[made["id"]]["defaultShipment"] == STORED_TRUCK


def test_a_port_code_that_is_no_port_is_not_a_validation_error(api):
    """Only the format is checked: whether 9999 is a port is for readiness to say."""
    made = create(api, defaultShipment={"portOfEntry": "9999"})
    assert made["defaultShipment"]["portOfEntry"] == "9999"


def test_fields_and_the_default_shipment_merge_key_by_key(api):
    wid = create(api, defaultShipment=TRUCK)["id"]
    before = fetch(api, wid)
    time.sleep(0.002)  # updatedAt has milliseconds
    r = patch(api, wid, {"accountId": api.account_id, "postalCode": "L3T 7X1",
                         "defaultShipment": {"portOfEntry": "0712",
                                             "carrier": {"name": "Maple Haulage"}}})
    assert r.status_code == 200, r.text
    after = fetch(api, wid)
    assert r.json() == after
    assert after["postalCode"] == "L3T 7X1" and after["city"] == "Toronto"
    assert after["defaultShipment"] == {
        **STORED_TRUCK, "portOfEntry": "0712",
        "carrier": {"scac": "ABCD", "iataCode": None, "name": "Maple Haulage"}}
    assert after["updatedAt"] > before["updatedAt"]
    assert after["createdAt"] == before["createdAt"]
    moved = {"postalCode", "defaultShipment", "updatedAt"}
    assert {k: v for k, v in after.items() if k not in moved} == {
        k: v for k, v in before.items() if k not in moved}


def test_a_first_default_shipment_is_set_by_a_patch(api):
    wid = create(api)["id"]
    r = patch(api, wid, {"defaultShipment": {"modeOfTransport": "truck", "portOfEntry": "3004"}})
    assert r.status_code == 200, r.text
    assert r.json()["defaultShipment"] == {
        "modeOfTransport": "truck", "portOfEntry": "3004", "carrier": None,
        "conveyanceReference": None, "masterBill": None, "estimatedArrival": None}
    assert fetch(api, wid) == r.json()


def test_null_clears_a_field_a_shipment_key_a_carrier_or_the_whole_default(api):
    wid = create(api, defaultShipment=TRUCK, address1="200 Commerce Valley Dr",
                 notifyEmail="dock@example.com")["id"]
    r = patch(api, wid, {"address1": None, "notifyEmail": None,
                         "defaultShipment": {"masterBill": None, "conveyanceReference": "  ",
                                             "carrier": {"scac": None}}})
    assert r.status_code == 200, r.text
    after = r.json()
    assert (after["address1"], after["notifyEmail"], after["city"]) == (None, None, "Toronto")
    assert after["defaultShipment"] == {
        **STORED_TRUCK, "masterBill": None, "conveyanceReference": None,
        "carrier": {"scac": None, "iataCode": None, "name": "Northern Freightways"}}
    r = patch(api, wid, {"defaultShipment": {"carrier": None}})
    assert r.json()["defaultShipment"]["carrier"] is None
    assert r.json()["defaultShipment"]["portOfEntry"] == "3004"
    r = patch(api, wid, {"defaultShipment": None})
    assert r.status_code == 200, r.text
    assert r.json()["defaultShipment"] is None
    assert fetch(api, wid) == r.json()


def test_bad_input_is_refused_at_the_patch_paths_and_changes_nothing(api):
    wid = create(api, defaultShipment=TRUCK)["id"]
    before = fetch(api, wid)
    cases = [
        ({"defaultShipment": {"portOfEntry": "30A4"}}, "defaultShipment.portOfEntry",
         "invalid_format"),
        ({"defaultShipment": {"portOfEntry": "300"}}, "defaultShipment.portOfEntry",
         "invalid_format"),
        ({"defaultShipment": {"portOfEntry": "٣٠٠٤"}}, "defaultShipment.portOfEntry",
         "invalid_format"),  # digits, but not ASCII ones
        ({"defaultShipment": {"portOfEntry": 3004}}, "defaultShipment.portOfEntry",
         "invalid_type"),
        ({"defaultShipment": {"carrier": {"scac": "A1"}}}, "defaultShipment.carrier.scac",
         "invalid_format"),
        ({"defaultShipment": {"carrier": {"scac": "ABCDE"}}}, "defaultShipment.carrier.scac",
         "invalid_format"),
        ({"defaultShipment": {"carrier": {"iataCode": "ACA"}}},
         "defaultShipment.carrier.iataCode", "invalid_format"),
        ({"defaultShipment": {"carrier": {"name": "x" * 201}}},
         "defaultShipment.carrier.name", "too_big"),
        ({"defaultShipment": {"carrier": ["ABCD"]}}, "defaultShipment.carrier",
         "invalid_type"),
        ({"defaultShipment": {"estimatedArrival": "2026-13-01"}},
         "defaultShipment.estimatedArrival", "invalid_format"),
        ({"defaultShipment": {"estimatedArrival": "2026-12-01T08:00:00Z"}},
         "defaultShipment.estimatedArrival", "invalid_format"),
        ({"defaultShipment": {"estimatedArrival": 20261201}},
         "defaultShipment.estimatedArrival", "invalid_type"),
        ({"defaultShipment": {"modeOfTransport": "boat"}}, "defaultShipment.modeOfTransport",
         "invalid_value"),
        ({"defaultShipment": {"modeOfTransport": "TRUCK"}}, "defaultShipment.modeOfTransport",
         "invalid_value"),
        ({"defaultShipment": {"conveyanceReference": "x" * 65}},
         "defaultShipment.conveyanceReference", "too_big"),
        ({"defaultShipment": {"masterBill": "x" * 51}}, "defaultShipment.masterBill",
         "too_big"),
        ({"defaultShipment": "truck"}, "defaultShipment", "invalid_type"),
        ({"name": None}, "name", "required"),
        ({"name": "   "}, "name", "too_small"),
        ({"country": None}, "country", "required"),
        ({"country": "UK"}, "country", "invalid_value"),
        ({"notifyEmail": "not an address"}, "notifyEmail", "invalid_format"),
        ({"idempotencyKey": " padded"}, "idempotencyKey", "invalid_format"),
    ]
    for body, path, code in cases:
        r = patch(api, wid, {"accountId": api.account_id, **body, "city": "Mississauga"})
        body_out = error(r, 400, "VALIDATION_ERROR")
        assert [(i["path"], i["code"]) for i in body_out["details"]["issues"]] == [
            (path, code)], body
    # every issue at once
    r = patch(api, wid, {"defaultShipment": {"portOfEntry": "30A4", "estimatedArrival":
                                             "2026-13-01", "carrier": {"scac": "A1"}}})
    assert [i["path"] for i in r.json()["details"]["issues"]] == [
        "defaultShipment.portOfEntry", "defaultShipment.carrier.scac",
        "defaultShipment.estimatedArrival"]
    # the body is checked before its accountId, and both before the warehouse
    error(patch(api, wid, {"accountId": "acc_other", "defaultShipment": {"portOfEntry": "x"}}),
          400, "VALIDATION_ERROR")
    error(patch(api, wid, {"accountId": "acc_other", "city": "Mississauga"}), 403,
          "INVALID_ACCOUNT_SCOPE", field="accountId")
    error(patch(api, "wh_unknown", {"accountId": "acc_other"}), 403, "INVALID_ACCOUNT_SCOPE",
          field="accountId")
    # not an object, not JSON, not JSON at all
    assert patch(api, wid, ["city"]).json()["details"]["issues"][0]["path"] == ""
    error(api.client.patch(f"/api/warehouses/{wid}", content=b"{", headers=api.headers(
        {"content-type": "application/json"})), 400, "INVALID_REQUEST")
    error(api.client.patch(f"/api/warehouses/{wid}", content=b"{}", headers=api.headers(
        {"content-type": "text/plain"})), 415, "UNSUPPORTED_MEDIA_TYPE")
    assert fetch(api, wid) == before


def test_a_create_refuses_the_same_shipment_at_the_same_paths(api):
    count = len(api.get("/api/warehouses").json()["data"])
    r = api.post("/api/warehouses", {
        "accountId": api.account_id, "name": "W", "country": "CA",
        "defaultShipment": {"portOfEntry": "30A4", "carrier": {"scac": "A1"},
                            "estimatedArrival": "2026-13-01", "modeOfTransport": "hovercraft"}})
    body = error(r, 400, "VALIDATION_ERROR", field="defaultShipment")
    assert sorted((i["path"], i["code"]) for i in body["details"]["issues"]) == [
        ("defaultShipment.carrier.scac", "invalid_format"),
        ("defaultShipment.estimatedArrival", "invalid_format"),
        ("defaultShipment.modeOfTransport", "invalid_value"),
        ("defaultShipment.portOfEntry", "invalid_format")]
    assert len(api.get("/api/warehouses").json()["data"]) == count


def test_another_accounts_warehouse_or_an_unknown_id_is_not_found(api, world):
    other = world.tenant(api.client, "Other merchant")
    theirs = other.warehouse_id
    before = fetch(other, theirs)
    for wid in (theirs, "wh_unknown"):
        error(patch(api, wid, {"accountId": api.account_id, "city": "Elsewhere"}), 404,
              "NOT_FOUND")
        error(patch(api, wid, {}), 404, "NOT_FOUND")
    error(api.client.patch(f"/api/warehouses/{theirs}", content=b"{}"), 401, "INVALID_API_KEY")
    assert fetch(other, theirs) == before


def test_a_warehouse_scoped_key_patches_only_its_own_warehouse(api, world):
    second = create(api)["id"]
    before = fetch(api, second)
    scoped = api.as_key(world.key(api.account_id, warehouse_id=api.warehouse_id))
    for wid in (second, "wh_unknown"):
        error(patch(scoped, wid, {"city": "Elsewhere"}), 403, "INVALID_ACCOUNT_SCOPE",
              field="warehouseId")
    assert fetch(api, second) == before
    r = patch(scoped, api.warehouse_id, {"accountId": api.account_id,
                                         "defaultShipment": {"portOfEntry": "3801"}})
    assert r.status_code == 200, r.text
    assert r.json()["defaultShipment"]["portOfEntry"] == "3801"


def test_an_empty_patch_or_unchanged_values_change_nothing(api):
    wid = create(api, defaultShipment=TRUCK, notifyEmail="dock@example.com")["id"]
    before = fetch(api, wid)
    time.sleep(0.002)
    for body in ({}, {"accountId": api.account_id}, {"defaultShipment": {}},
                 {"defaultShipment": {"carrier": {}}},
                 {"name": "  Toronto 3PL ", "country": "ca", "address1": None,
                  "notifyEmail": "dock@example.com",
                  "defaultShipment": {**TRUCK, "carrier": {"scac": "ABCD", "iataCode": None}}}):
        r = patch(api, wid, body)
        assert r.status_code == 200, r.text
        assert r.json() == before, body
    assert fetch(api, wid) == before
    # and a change after all that does move updatedAt
    changed = patch(api, wid, {"defaultShipment": {"estimatedArrival": "2026-12-02"}}).json()
    assert changed["defaultShipment"]["estimatedArrival"] == "2026-12-02"
    assert changed["updatedAt"] > before["updatedAt"]


def test_unknown_fields_are_ignored_so_a_read_warehouse_can_be_sent_back(api):
    wid = create(api, defaultShipment=TRUCK)["id"]
    before = fetch(api, wid)
    sent_back = {**before, "colour": "blue",
                 "defaultShipment": {**before["defaultShipment"], "surprise": 1}}
    r = patch(api, wid, sent_back)
    assert r.status_code == 200, r.text
    assert r.json() == before == fetch(api, wid)


def test_an_idempotency_key_replays_and_guards_its_request(api):
    wid = create(api)["id"]
    key = {"idempotency-key": "truck-default-toronto"}
    body = {"defaultShipment": {"modeOfTransport": "truck", "portOfEntry": "3004"}}
    first = patch(api, wid, body, headers=key)
    assert first.status_code == 200 and "idempotent-replayed" not in first.headers
    patch(api, wid, {"defaultShipment": {"portOfEntry": "0712"}})  # a change since
    replay = patch(api, wid, body, headers=key)
    assert replay.status_code == 200
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.content == first.content
    assert fetch(api, wid)["defaultShipment"]["portOfEntry"] == "0712"  # not written again
    error(patch(api, wid, {"defaultShipment": {"portOfEntry": "3005"}}, headers=key), 409,
          "IDEMPOTENCY_CONFLICT", field="idempotencyKey")
    # the key in the body works the same; the method and the path are part of the request
    body_key = patch(api, wid, {"city": "Mississauga", "idempotencyKey": "move-toronto"})
    again = patch(api, wid, {"city": "Mississauga", "idempotencyKey": "move-toronto"})
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == body_key.content
    error(patch(api, api.warehouse_id, {"city": "Mississauga", "idempotencyKey":
                                        "move-toronto"}), 409, "IDEMPOTENCY_CONFLICT")
    error(api.post("/api/warehouses", {"accountId": api.account_id, "name": "W",
                                       "country": "CA", "idempotencyKey": "move-toronto"}),
          409, "IDEMPOTENCY_CONFLICT")
    assert fetch(api, wid)["city"] == "Mississauga"


def test_published_contract_documents_the_patch_and_the_shipment(api):
    spec = api.client.get("/docs/api/openapi").json()
    op = spec["paths"]["/api/warehouses/{warehouse_id}"]["patch"]
    assert op["operationId"] == "updateWarehouse"
    assert op["summary"] == "Update a warehouse (partial)" and op["description"]
    assert op["tags"] == ["setup"]
    assert {p.get("$ref") for p in op["parameters"]} >= {
        "#/components/parameters/Idempotency-Key"}
    assert [p["name"] for p in op["parameters"] if p.get("in") == "path"] == ["warehouse_id"]
    example = op["requestBody"]["content"]["application/json"]["example"]
    assert example["defaultShipment"] == {"modeOfTransport": "truck", "portOfEntry": "3004"}
    assert set(op["responses"]) >= {"200", "400", "401", "403", "404", "409", "413", "415"}
    assert "IDEMPOTENCY_CONFLICT" in op["responses"]["409"]["x-error-codes"]
    assert "Idempotent-Replayed" in op["responses"]["200"]["headers"]
    schemas = spec["components"]["schemas"]
    body = schemas["WarehousePatch"]
    assert "required" not in body
    assert "null" not in json.dumps(body["properties"]["name"])
    assert "null" not in json.dumps(body["properties"]["country"])
    assert body["properties"]["defaultShipment"]["anyOf"][0] == {
        "$ref": "#/components/schemas/Shipment"}
    assert schemas["WarehouseCreate"]["properties"]["defaultShipment"]["anyOf"][0] == {
        "$ref": "#/components/schemas/Shipment"}
    assert schemas["WarehouseOut"]["properties"]["defaultShipment"]["anyOf"] == [
        {"$ref": "#/components/schemas/Shipment"}, {"type": "null"}]
    assert "defaultShipment" in schemas["WarehouseOut"]["required"]
    shipment = schemas["Shipment"]["properties"]
    assert set(shipment) == {"modeOfTransport", "portOfEntry", "carrier",
                             "conveyanceReference", "masterBill", "estimatedArrival"}
    assert shipment["modeOfTransport"]["anyOf"][0]["enum"] == [
        "truck", "air", "ocean", "rail", "courier", "postal"]
    assert shipment["estimatedArrival"]["anyOf"][0] == {"type": "string", "format": "date"}
    assert set(schemas["Carrier"]["properties"]) == {"scac", "iataCode", "name"}

    made = api.post("/api/warehouses", {"accountId": api.account_id, "name": "W",
                                        "country": "CA", "defaultShipment": TRUCK})
    check(spec, "post", "/api/warehouses", 201, made.json())
    wid = made.json()["id"]
    check(spec, "get", "/api/warehouses/{warehouse_id}", 200, fetch(api, wid))
    check(spec, "get", "/api/warehouses", 200, api.get("/api/warehouses").json())
    check(spec, "patch", "/api/warehouses/{warehouse_id}", 200,
          patch(api, wid, {"defaultShipment": {"carrier": None}}).json())
    check(spec, "patch", "/api/warehouses/{warehouse_id}", 200,
          patch(api, wid, {"defaultShipment": None}).json())
    check(spec, "patch", "/api/warehouses/{warehouse_id}", 404,
          patch(api, "wh_unknown", {}).json())
    check(spec, "patch", "/api/warehouses/{warehouse_id}", 400,
          patch(api, wid, {"defaultShipment": {"portOfEntry": "30A4"}}).json())


def test_blank_optional_text_counts_as_absent(api):
    """Contract §2: an optional string blank after trimming is absent, stored and answered as
    null, on a create and on a patch (where it clears the field)."""
    made = create(api, address1="  ", city="", region=" ", postalCode="  ")
    assert (made["address1"], made["city"], made["region"], made["postalCode"]) == (
        None, None, None, None)
    filled = patch(api, made["id"], {"address1": "1 Main St", "city": "Toronto"}).json()
    assert (filled["address1"], filled["city"]) == ("1 Main St", "Toronto")
    cleared = patch(api, made["id"], {"address1": " ", "city": ""})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["address1"], cleared.json()["city"]) == (None, None)
