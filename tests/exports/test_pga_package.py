"""Every partner-agency identifier a product carries reaches the broker (issue 14 §3): products
with FDA, CPSC, FCC, battery and Lacey Act data are synced, ordered, planned and executed
through the API; ``entry_lines.csv``, ``manifest.json`` and ``entry_summary.json`` of the
package are parsed and each identifier is found on each line of its product; on both
backends."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest

from tests.support import Flow, execute, product

CERTIFICATE = {
    "id": "CPC-2026-0042", "regulations": ["16 CFR 1250", "16 CFR 1303"],
    "productIdentifiers": ["MODEL WB-12", "GTIN 00012345678905"], "manufactureDate": "2026-05",
    "placeOfManufacture": {"city": "Dongguan", "region": "GD", "country": "CN"},
    "testingLab": {"name": "Pearl River Testing Ltd", "labId": "1234", "city": "Guangzhou",
                   "country": "CN"},
    "testDate": "2026-04-20"}
PLANTS = [{"article": "frame", "genus": "Fagus", "species": "sylvatica",
           "countryOfHarvest": "DE", "quantity": 4.5, "unit": "kg"},
          {"article": "seat", "genus": "Calamus", "species": "spp.",
           "countryOfHarvest": "ID", "quantity": 0.8, "unit": "kg", "pctRecycled": 0}]


def _product(external_id: str, **fields: Any) -> dict[str, Any]:
    return product(external_id, metalContent=None, manufacturer=None, netWeightKg=0.5,
                   referenceValueUsd=20, **fields)


PRODUCTS = {
    "SYRUP": _product("SYRUP", title="Pure maple syrup, 250 ml", htsCode="1702.20.4070",
                      customsDescription="Pure maple syrup, grade A amber, in glass bottle",
                      mid="XQERASUC8FRE",
                      pga={"fdaProductCode": "38AHT09",
                           "fdaFacilityRegistration": "12345678901"}),
    "TOY": _product("TOY", title="Wooden stacking blocks", htsCode="9503.00.0073",
                    customsDescription="Set of 12 painted wooden stacking blocks for children",
                    countryOfOrigin="CN", mid="CNPEATOY8DON",
                    pga={"childrensProduct": True, "cpscCertificateRef": "CPC-REF-7",
                         "cpscCertificate": CERTIFICATE}),
    "SPEAKER": _product("SPEAKER", title="Bluetooth mini speaker", htsCode="8518.21.0000",
                        customsDescription="Portable wireless Bluetooth loudspeaker, single "
                                           "speaker in its enclosure, with lithium-ion battery",
                        countryOfOrigin="CN", mid="CNSHEAUD88SHE",
                        pga={"rfDevice": True, "fccId": "2ABCD-SPK01"},
                        battery={"present": True, "chemistry": "lithium-ion",
                                 "unNumber": "UN3481", "wattHours": 7.4}),
    "CHAIR": _product("CHAIR", title="Bent-wood office chair", htsCode="9403.30.4000",
                      customsDescription="Office chair of bent beech wood with rattan seat",
                      mid="XONORFUR12HAM", pga={"lacey": {"components": PLANTS}}),
}


def identifiers(item: dict[str, Any]) -> set[str]:
    """Every PGA value the product carries (flags aside), as text."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif value is not None and not isinstance(value, bool):
            found.add(str(Decimal(str(value)).normalize()) if isinstance(value, float | int)
                      else str(value))

    walk(item.get("pga"))
    battery = item.get("battery") or {}
    walk({"unNumber": battery.get("unNumber"), "wattHours": battery.get("wattHours")})
    return found


@pytest.fixture
def flow(api):
    return Flow(api)


def test_every_pga_identifier_reaches_all_three_files(flow):
    api = flow.api
    synced = api.sync_products(*PRODUCTS.values()).json()["data"]
    ids = {p["externalId"]: p["id"] for p in synced}
    for p in synced:
        assert p["readiness"]["state"] != "BLOCKED", (p["externalId"], p["readiness"])
    orders = [flow.order(f"SO-{name}", ids[name], value=20) for name in PRODUCTS]
    plan = flow.plan(orders).json()
    assert plan["readinessState"] == "REVIEW_REQUIRED", plan["validationMessages"]
    warnings = sorted({m["code"] for m in plan["validationMessages"]
                       if m["severity"] == "warning"})
    assert {"PGA_FDA_REVIEW", "PGA_CPSC_REVIEW", "PGA_LACEY_REVIEW"} <= set(warnings)
    done = execute(api, plan["exportId"], acknowledgedCodes=warnings, reviewedBy="ops: Dana")
    assert done.status_code == 200, done.text
    package = done.json()["customs_package_id"]

    def artifact(name: str) -> bytes:
        r = api.get(f"/api/customs-packages/{package}/artifacts/{name}")
        assert r.status_code == 200, name
        return r.content

    manifest = json.loads(artifact("manifest.json"))
    summary = json.loads(artifact("entry_summary.json"))
    lines_csv = list(csv.DictReader(io.StringIO(artifact("entry_lines.csv").decode())))
    by_product: dict[str, dict[str, list[Any]]] = {pid: {"manifest": [], "summary": [],
                                                         "csv": []} for pid in ids.values()}
    for order in manifest["orders"]:
        for line in order["lines"]:
            by_product[line["productId"]]["manifest"].append(line["pga"])
    for entry in summary["entries"]:
        for line in entry["lines"]:
            by_product[line["productId"]]["summary"].append(line["pga"])
    for row in lines_csv:
        by_product[row["product_id"]]["csv"].append(
            {k: v for k, v in row.items() if k.startswith("pga_")})

    for item in synced:
        wanted = identifiers(item)
        assert wanted, item["externalId"]
        seen = by_product[item["id"]]
        assert [len(seen[kind]) for kind in ("manifest", "summary", "csv")] == [1, 1, 1]
        for kind in ("manifest", "summary"):
            (pga,) = seen[kind]
            assert wanted <= identifiers({"pga": pga}), (item["externalId"], kind)
        (row,) = seen["csv"]
        cells = {part for cell in row.values() for part in cell.split(";") if part}
        assert wanted <= cells, (item["externalId"], wanted - cells)

    # and where a broker looks for them
    toy = by_product[ids["TOY"]]["manifest"][0]["cpsc"]
    assert (toy["certificateId"], toy["certificateRef"], toy["manufactureDate"]) == (
        "CPC-2026-0042", "CPC-REF-7", "2026-05")
    speaker = by_product[ids["SPEAKER"]]["summary"][0]
    assert speaker["fcc"] == {"fccId": "2ABCD-SPK01"}
    assert speaker["dangerousGoods"] == {"unNumber": "UN3481", "wattHours": 7.4}
    chair = by_product[ids["CHAIR"]]["csv"][0]
    assert (chair["pga_lacey_genus"], chair["pga_lacey_species"],
            chair["pga_lacey_country_of_harvest"], chair["pga_lacey_pct_recycled"]) == (
        "Fagus;Calamus", "sylvatica;spp.", "DE;ID", ";0")
    syrup = by_product[ids["SYRUP"]]["csv"][0]
    assert (syrup["pga_fda_product_code"], syrup["pga_fda_facility_registration"]) == (
        "38AHT09", "12345678901")
