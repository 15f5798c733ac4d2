"""docs/api/contract.md §5.2: a product's partner-agency data (issue 14 §3): the structured CPSC
certificate (``pga.cpscCertificate``) and the Lacey Act plant declaration (``pga.lacey``) are
stored and answered as sent, merged key by key by a patch, judged by readiness, and refused
when malformed without changing anything; on both backends."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.products.test_product_patch import codes, fetch, patch, synced
from tests.support import error, product

CERTIFICATE = {
    "id": "CPC-2026-0042", "regulations": ["16 CFR 1250", "16 CFR 1303"],
    "productIdentifiers": ["MODEL WB-12", "GTIN 00012345678905"],
    "manufactureDate": "2026-05",
    "placeOfManufacture": {"city": "Dongguan", "region": "GD", "country": "cn"},
    "testingLab": {"name": "Pearl River Testing Ltd", "labId": "1234",
                   "address1": "8 Science Ave", "city": "Guangzhou", "region": "GD",
                   "postalCode": "510000", "country": "CN", "phone": "+86 20 5555 0101"},
    "testDate": "2026-04-20",
}
TOY = product("TOY-BLOCKS", title="Wooden stacking blocks", htsCode="9503.00.0073",
              customsDescription="Set of 12 painted wooden stacking blocks for children",
              metalContent=None, countryOfOrigin="CN", mid="CNPEATOY8DON",
              manufacturer=None, pga={"childrensProduct": True, "cpscCertificate": CERTIFICATE})
BEECH = {"article": "frame", "genus": "Fagus", "species": "sylvatica",
         "countryOfHarvest": "de", "quantity": 4.5, "unit": "kg", "pctRecycled": 0}
CHAIR = product("CHAIR-BW", title="Bent-wood office chair", htsCode="9403.30.4000",
                customsDescription="Office chair of bent beech wood, lacquered",
                metalContent=None, pga={"lacey": {"components": [BEECH]}})


def stored_certificate() -> dict[str, Any]:
    """``CERTIFICATE`` as a product answers it: countries upper-cased."""
    cert = copy.deepcopy(CERTIFICATE)
    cert["placeOfManufacture"]["country"] = "CN"
    return cert


def test_the_certificate_and_the_plants_are_stored_and_answered_as_sent(api):
    toy, chair = api.sync_products(TOY, CHAIR).json()["data"]
    assert toy["pga"]["cpscCertificate"] == stored_certificate()
    assert toy["pga"]["childrensProduct"] is True and toy["pga"]["lacey"] is None
    assert "PGA_CPSC_DATA_MISSING" not in codes(toy) and "PGA_CPSC_REVIEW" in codes(toy)
    assert chair["pga"]["lacey"] == {"declarationRequired": None, "components": [
        {**BEECH, "countryOfHarvest": "DE"}]}
    assert "PGA_LACEY_REVIEW" in codes(chair) and "PGA_LACEY_DATA_MISSING" not in codes(chair)
    assert chair["readiness"]["state"] == "REVIEW_REQUIRED"
    assert fetch(api, toy["id"]) == {k: v for k, v in toy.items() if k != "syncStatus"}
    again = api.sync_products(TOY, CHAIR).json()["data"]
    assert [p["syncStatus"] for p in again] == ["unchanged", "unchanged"]


def test_readiness_asks_for_what_is_missing(api):
    toy = api.sync_products({**TOY, "pga": {"childrensProduct": True,
                                            "cpscCertificateRef": "CPC-1"}}).json()["data"][0]
    assert toy["readiness"]["state"] == "BLOCKED"
    (message,) = [m for m in toy["readiness"]["messages"]
                  if m["code"] == "PGA_CPSC_DATA_MISSING"]
    assert (message["field"], message["severity"], message["scope"]) == (
        "pga.cpscCertificate", "blocking", "product")
    assert message["reference"].startswith("16 CFR 1110.11")
    chair = api.sync_products({**CHAIR, "pga": None}).json()["data"][0]
    assert chair["readiness"]["state"] == "BLOCKED"
    assert [m["field"] for m in chair["readiness"]["messages"]
            if m["code"] == "PGA_LACEY_DATA_MISSING"] == ["pga.lacey.components"]


def test_a_patch_merges_the_certificate_key_by_key_and_replaces_the_components(api):
    pid = synced(api, TOY)
    r = patch(api, pid, {"pga": {"cpscCertificate": {"testingLab": {"labId": "5678"},
                                                      "regulations": ["16 CFR 1250"]}}})
    assert r.status_code == 200, r.text
    cert = fetch(api, pid)["pga"]["cpscCertificate"]
    expected = stored_certificate()
    expected["testingLab"]["labId"] = "5678"
    expected["regulations"] = ["16 CFR 1250"]
    assert cert == expected
    r = patch(api, pid, {"pga": {"cpscCertificate": {"placeOfManufacture": {"city": None}}}})
    after = r.json()
    assert after["pga"]["cpscCertificate"]["placeOfManufacture"] == {
        "city": None, "region": "GD", "country": "CN"}
    assert "pga.cpscCertificate.placeOfManufacture.city" in [
        m["field"] for m in after["readiness"]["messages"]]

    chair = synced(api, CHAIR)
    rattan = {"article": "seat", "genus": "Calamus", "species": "spp.",
              "countryOfHarvest": "ID", "quantity": 0.8, "unit": "kg"}
    r = patch(api, chair, {"pga": {"lacey": {"components": [rattan]}}})
    assert r.status_code == 200, r.text
    assert [c["genus"] for c in r.json()["pga"]["lacey"]["components"]] == ["Calamus"]


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"cpscCertificate": {"manufactureDate": "2026-13"}},
     "pga.cpscCertificate.manufactureDate", "invalid_format"),
    ({"cpscCertificate": {"manufactureDate": "2026-05-01"}},
     "pga.cpscCertificate.manufactureDate", "invalid_format"),
    ({"cpscCertificate": {"manufactureDate": 202605}},
     "pga.cpscCertificate.manufactureDate", "invalid_type"),
    ({"cpscCertificate": {"testDate": "2026-02-30"}},
     "pga.cpscCertificate.testDate", "invalid_format"),
    ({"cpscCertificate": {"regulations": "16 CFR 1250"}},
     "pga.cpscCertificate.regulations", "invalid_type"),
    ({"cpscCertificate": {"regulations": ["16 CFR 1250; 16 CFR 1303"]}},
     "pga.cpscCertificate.regulations.0", "invalid_format"),
    ({"cpscCertificate": {"regulations": ["16 CFR 1250", "  "]}},
     "pga.cpscCertificate.regulations.1", "too_small"),
    ({"cpscCertificate": {"regulations": [f"16 CFR {n}" for n in range(31)]}},
     "pga.cpscCertificate.regulations", "too_big"),
    ({"cpscCertificate": {"productIdentifiers": ["x" * 101]}},
     "pga.cpscCertificate.productIdentifiers.0", "too_big"),
    ({"cpscCertificate": {"id": 42}}, "pga.cpscCertificate.id", "invalid_type"),
    ({"cpscCertificate": {"testingLab": {"labId": "x" * 21}}},
     "pga.cpscCertificate.testingLab.labId", "too_big"),
    ({"cpscCertificate": {"placeOfManufacture": "Dongguan"}},
     "pga.cpscCertificate.placeOfManufacture", "invalid_type"),
    ({"lacey": {"declarationRequired": "yes"}}, "pga.lacey.declarationRequired",
     "invalid_type"),
    ({"lacey": {"components": [BEECH] * 21}}, "pga.lacey.components", "too_big"),
    ({"lacey": {"components": [{**BEECH, "genus": "Fagus1"}]}},
     "pga.lacey.components.0.genus", "invalid_format"),
    ({"lacey": {"components": [{**BEECH, "species": "<script>"}]}},
     "pga.lacey.components.0.species", "invalid_format"),
    ({"lacey": {"components": [{**BEECH, "pctRecycled": 101}]}},
     "pga.lacey.components.0.pctRecycled", "too_big"),
    ({"lacey": {"components": [{**BEECH, "quantity": -1}]}},
     "pga.lacey.components.0.quantity", "too_small"),
    ({"lacey": {"components": [{**BEECH, "quantity": "4.5"}]}},
     "pga.lacey.components.0.quantity", "invalid_type"),
    ({"lacey": {"components": [{**BEECH, "quantity": 1e400}]}},
     "pga.lacey.components.0.quantity", "invalid_type"),
    ({"lacey": {"components": [{**BEECH, "countryOfHarvest": "GERMANY!!"}]}},
     "pga.lacey.components.0.countryOfHarvest", "too_big"),
    ({"lacey": {"components": [{**BEECH, "article": "frame; legs"}]}},
     "pga.lacey.components.0.article", "invalid_format"),
    ({"lacey": {"components": ["Fagus sylvatica"]}}, "pga.lacey.components.0",
     "invalid_type"),
]


@pytest.mark.parametrize(("pga", "path", "code"), BAD,
                         ids=[f"{path}:{code}" for _, path, code in BAD])
def test_malformed_partner_agency_data_is_refused_and_changes_nothing(api, pga, path, code):
    pid = synced(api, TOY)
    before = fetch(api, pid)
    r = api.sync_products({**TOY, "title": "Renamed blocks", "pga": pga})
    body = error(r, 400, "VALIDATION_ERROR", field=f"items.0.{path}")
    assert [(i["path"], i["code"]) for i in body["details"]["issues"]] == [
        (f"items.0.{path}", code)]
    r = patch(api, pid, {"title": "Renamed blocks", "pga": pga})
    body = error(r, 400, "VALIDATION_ERROR", field=path)
    assert [(i["path"], i["code"]) for i in body["details"]["issues"]] == [(path, code)]
    assert fetch(api, pid) == before
    assert [p["id"] for p in api.get("/api/products").json()["data"]] == [pid]


def test_the_published_contract_describes_the_new_groups(api):
    spec = api.client.get("/docs/api/openapi").json()
    schemas = spec["components"]["schemas"]
    pga = schemas["Pga"]["properties"]
    assert {"cpscCertificate", "lacey", "cpscCertificateRef"} <= set(pga)
    assert {"id", "regulations", "productIdentifiers", "manufactureDate", "placeOfManufacture",
            "testingLab", "testDate"} == set(schemas["CpscCertificate"]["properties"])
    assert {"article", "genus", "species", "countryOfHarvest", "quantity", "unit",
            "pctRecycled"} == set(schemas["LaceyComponent"]["properties"])
    month = schemas["CpscCertificate"]["properties"]["manufactureDate"]
    assert "pattern" in str(month)
