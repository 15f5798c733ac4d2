"""docs/api/contract.md §5.2: product sync (atomic upsert by externalId), reads, file import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entrygo.products.importer import ImportFailed, import_products
from tests.support import product

EXAMPLE_CSV = Path(__file__).resolve().parents[2] / "examples" / "products.csv"

FULL = product(
    "FULL-1",
    customsDescription="Vacuum bottle of stainless steel",
    materials=[{"material": "stainless steel", "pctByWeight": 92.5},
               {"material": "polypropylene", "pctByWeight": 7.5}],
    metalContent={"steelPctWeight": 92.5, "aluminumPctWeight": 0, "copperPctWeight": 0,
                  "steelMeltPourCountry": "CA", "aluminumSmeltCountry": None,
                  "aluminumCastCountry": None},
    pga={"fdaProductCode": None, "fdaFacilityRegistration": None, "cpscRegulated": False,
         "childrensProduct": False, "cpscCertificateRef": None, "cpscCertificate": None,
         "rfDevice": False, "fccId": None, "lacey": None},
    battery={"present": False, "chemistry": None, "configuration": None, "unNumber": None,
             "wattHours": None},
    manufacturer={"name": "Northern Steelworks Ltd", "address1": "1200 Industrial Rd",
                  "address2": "Unit 4", "city": "Hamilton", "region": "ON",
                  "postalCode": "L8L 4N3", "country": "CA"},
    exciseCategory="none",
    referenceValueUsd=110.1234,
    netWeightKg=0.412,
    metadata={"color": "blue", "tags": ["outdoor", 1, 2.5, None, True], "nested": {"a": {}}},
)


def test_sync_creates_and_returns_every_field(api):
    r = api.sync_products(FULL)
    assert r.status_code == 200
    (item,) = r.json()["data"]
    assert item["id"].startswith("prod_")
    assert item["syncStatus"] == "created"
    expected = {**FULL, "htsCode": "7323930045"}
    for key, value in expected.items():
        assert item[key] == value, key
    assert item["createdAt"] == item["updatedAt"]
    assert item["createdAt"].endswith("Z")
    fetched = api.get(f"/api/products/{item['id']}").json()
    assert fetched == {k: v for k, v in item.items() if k != "syncStatus"}


def test_resync_reports_unchanged_then_updated(api):
    first = api.sync_products(FULL).json()["data"][0]
    again = api.sync_products(FULL).json()["data"][0]
    assert again["syncStatus"] == "unchanged"
    assert again["id"] == first["id"]
    assert again["updatedAt"] == first["updatedAt"]
    # the same values written differently are still unchanged (dots in HTS, 110.12340)
    respelled = {**FULL, "htsCode": "7323 93 0045", "referenceValueUsd": 110.12340}
    assert api.sync_products(respelled).json()["data"][0]["syncStatus"] == "unchanged"
    changed = api.sync_products({**FULL, "countryOfOrigin": "cn"}).json()["data"][0]
    assert changed["syncStatus"] == "updated"
    assert changed["id"] == first["id"]
    assert changed["countryOfOrigin"] == "CN"
    assert changed["createdAt"] == first["createdAt"]
    assert changed["updatedAt"] >= first["updatedAt"]
    # a sync is a full replacement: an omitted field is cleared
    cleared = api.sync_products({"externalId": "FULL-1", "title": "Bottle"}).json()["data"][0]
    assert cleared["syncStatus"] == "updated"
    assert cleared["htsCode"] is None and cleared["metalContent"] is None
    assert cleared["exciseCategory"] == "none"


def test_sync_keeps_request_order_and_mixes_statuses(api):
    api.sync_products(product("B"), product("D"))
    r = api.sync_products(product("C"), product("B"), product("A"),
                          product("D", title="Renamed bottle"))
    got = [(p["externalId"], p["syncStatus"]) for p in r.json()["data"]]
    assert got == [("C", "created"), ("B", "unchanged"), ("A", "created"), ("D", "updated")]


def test_sync_is_atomic(api):
    api.sync_products(product("KEEP", title="Original"))
    r = api.sync_products(product("KEEP", title="Changed"), product("NEW-1"),
                          product("BAD", netWeightKg=-1))
    assert r.status_code == 400
    assert [i["path"] for i in r.json()["details"]["issues"]] == ["items.2.netWeightKg"]
    products = api.get("/api/products").json()["data"]
    assert [(p["externalId"], p["title"]) for p in products] == [("KEEP", "Original")]


def test_duplicate_external_id_in_one_call(api):
    r = api.sync_products(product("X"), product("Y"), product("X"))
    assert r.status_code == 400
    body = r.json()
    assert body["errorCode"] == "VALIDATION_ERROR"
    assert body["field"] == "items.2.externalId"
    assert body["details"]["issues"] == [
        {"path": "items.2.externalId", "code": "duplicate",
         "message": "Duplicate externalId (also at items.0.externalId)"}]
    assert api.get("/api/products").json()["data"] == []


def test_blank_optional_strings_mean_absent(api):
    item = api.sync_products(product("B1", customsDescription="   ", htsCode=" . ",
                                     mid="")).json()["data"][0]
    assert item["customsDescription"] is None and item["htsCode"] is None and item["mid"] is None
    r = api.sync_products(product("B2", title="   "))
    assert r.json()["details"]["issues"] == [
        {"path": "items.0.title", "code": "too_small",
         "message": "String must contain at least 1 character(s)"}]


def test_money_precision(api):
    ok = api.sync_products(product("M1", referenceValueUsd=0.0001)).json()["data"][0]
    assert ok["referenceValueUsd"] == 0.0001
    r = api.sync_products(product("M2", referenceValueUsd=0.00001))
    assert r.json()["details"]["issues"][0]["code"] == "invalid_format"


def test_list_filters_and_pages(api):
    ids = [api.sync_products(product(f"P{i}")).json()["data"][0]["id"] for i in range(5)]
    page1 = api.get("/api/products", params={"limit": 2}).json()
    assert [p["id"] for p in page1["data"]] == ids[::-1][:2]
    assert page1["has_more"] is True
    page2 = api.get("/api/products", params={"limit": 2, "cursor": page1["next_cursor"]}).json()
    assert [p["id"] for p in page2["data"]] == ids[::-1][2:4]
    page3 = api.get("/api/products", params={"limit": 2, "cursor": page2["next_cursor"]}).json()
    assert [p["id"] for p in page3["data"]] == ids[:1]
    assert page3 == {**page3, "has_more": False, "next_cursor": None}
    only = api.get("/api/products", params={"externalId": "P3"}).json()["data"]
    assert [p["id"] for p in only] == [ids[3]]
    for params, path, code in (({"limit": 0}, "limit", "too_small"),
                               ({"limit": 201}, "limit", "too_big"),
                               ({"limit": "ten"}, "limit", "invalid_type"),
                               ({"cursor": "garbage"}, "cursor", "invalid_value")):
        r = api.get("/api/products", params=params)
        assert r.status_code == 400
        assert [(i["path"], i["code"]) for i in r.json()["details"]["issues"]] == [(path, code)]


def test_unknown_product_is_404(api):
    r = api.get("/api/products/prod_00000000000000000000000000")
    assert r.status_code == 404 and r.json()["errorCode"] == "NOT_FOUND"


def test_import_example_csv(api, db):
    result = import_products(db, api.account_id, EXAMPLE_CSV)
    assert result == {"created": 5, "updated": 0, "unchanged": 0}
    products = {p["externalId"]: p for p in api.get("/api/products").json()["data"]}
    assert len(products) == 5
    speaker = products["BT-SPEAKER-MINI"]
    assert speaker["battery"]["present"] is True and speaker["battery"]["wattHours"] == 7.4
    assert speaker["pga"]["rfDevice"] is True
    assert speaker["materials"][0] == {"material": "ABS plastic", "pctByWeight": 70}
    assert products["SAUCEPAN-1L-SS"]["metadata"] == {"collection": "kitchen"}
    assert products["SAUCEPAN-1L-SS"]["htsCode"] == "7323930045"
    assert products["PAN-28-ALU"]["metalContent"]["aluminumSmeltCountry"] == "DE"
    assert import_products(db, api.account_id, EXAMPLE_CSV) == {
        "created": 0, "updated": 0, "unchanged": 5}


def test_example_catalogue_has_no_code_or_mid_errors(api, db):
    """The example file is what a newcomer copies: every product's HTS code and MID must pass
    the readiness rules (a MID the manufacturer's name contradicts, a code off the schedule's
    shape, are errors a broker would have to call about)."""
    import_products(db, api.account_id, EXAMPLE_CSV)
    found = {p["externalId"]: sorted(m["code"] for m in p["readiness"]["messages"]
                                     if m["code"].startswith(("HTS_", "MID_")))
             for p in api.get("/api/products").json()["data"]}
    assert found == {sku: [] for sku in found} and len(found) == 5


def test_import_json_and_all_or_nothing(api, db, tmp_path):
    good = tmp_path / "p.json"
    good.write_text(json.dumps({"items": [product("J1"), product("J2")]}))
    assert import_products(db, api.account_id, good)["created"] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("externalId,title,netWeightKg\nOK-1,Fine,1\nBAD-1,,heavy\nOK-1,Dup,2\n")
    with pytest.raises(ImportFailed) as failure:
        import_products(db, api.account_id, bad)
    assert failure.value.problems == [
        "row 3: title: Required (required)",
        "row 3: netWeightKg: Expected number, received string (invalid_type)",
        "row 4: externalId 'OK-1' repeats row 2",
    ]
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("externalId,title,colour\nA,B,red\n")
    with pytest.raises(ImportFailed, match="problem"):
        import_products(db, api.account_id, unknown)
    assert {p["externalId"] for p in api.get("/api/products").json()["data"]} == {"J1", "J2"}
