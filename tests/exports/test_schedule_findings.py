"""A plan judges HTS codes against the tariff schedule and says which lines to choose from
(validationMessages[].details), and lists the measure a statistical quantity needs in
missing_data; on both backends."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.support import CONSIGNEE, Flow, check, execute, product


@pytest.fixture
def spec(client):
    return client.get("/docs/api/openapi").json()


def test_plan_lists_the_lines_to_choose_from_and_the_missing_measure(api, spec):
    flow = Flow(api)
    odd, socks = (p["id"] for p in api.sync_products(
        product("ODD", htsCode="7323.93.0099"),
        product("SOCKS", htsCode="6115.95.9000", title="Cotton socks, 3 pairs",
                customsDescription="Men's knitted cotton socks, pack of 3 pairs",
                materials=[{"material": "cotton", "pctByWeight": 100}])).json()["data"])
    orders = [flow.order("o-odd", odd, consignee=CONSIGNEE),
              flow.order("o-socks", socks, consignee=CONSIGNEE)]
    plan = flow.plan(orders, dryRun=True).json()
    check(spec, "post", "/api/exports/plan", 200, plan)
    assert plan["readinessState"] == "BLOCKED"

    (not_in,) = [m for m in plan["validationMessages"] if m["code"] == "HTS_NOT_IN_SCHEDULE"]
    assert (not_in["scope"], not_in["orderId"], not_in["lineIndex"], not_in["productId"]) == (
        "line", orders[0], 0, odd)
    suggestions = not_in["details"]["suggestions"]
    assert 1 <= len(suggestions) <= 5 and all(
        set(s) == {"htsCode", "description", "units"} for s in suggestions)
    assert "details" not in next(m for m in plan["validationMessages"]
                                 if m["code"] == "DE_MINIMIS_UNAVAILABLE")

    (pairs,) = [m for m in plan["validationMessages"]
                if m["code"] == "STATISTICAL_QUANTITY_DATA_MISSING"]
    assert (pairs["productId"], pairs["field"]) == (socks, "measures.pairsPerUnit")
    assert {"entity": "product", "id": socks, "field": "measures.pairsPerUnit",
            "code": "STATISTICAL_QUANTITY_DATA_MISSING"} in plan["missing_data"]
    assert {"entity": "product", "id": odd, "field": "htsCode",
            "code": "HTS_NOT_IN_SCHEDULE"} in plan["missing_data"]


def test_an_executed_package_reports_statistical_quantities(api):
    """Socks in packs of three pairs, 6115.95.90.00 (doz. prs. and kg): 8 packs are 24 pairs,
    2 dozen pairs, and 1.2 kg; the notebook (No.) is its count. From the stored product data
    through execution to the files."""
    flow = Flow(api)
    (socks,) = (p["id"] for p in api.sync_products(
        product("SOCKS", htsCode="6115.95.9000", title="Cotton socks, 3 pairs",
                customsDescription="Men's knitted cotton socks, pack of 3 pairs",
                materials=[{"material": "cotton", "pctByWeight": 100}], netWeightKg=0.15,
                measures={"pairsPerUnit": 3})).json()["data"])
    orders = [flow.order("o-socks", socks, quantity=8, value=9, consignee=CONSIGNEE),
              flow.order("o-book", flow.notebook, quantity=2, value=20, consignee=CONSIGNEE)]
    plan = flow.plan(orders).json()
    assert plan["readinessState"] != "BLOCKED", plan["validationMessages"]
    warnings = sorted({m["code"] for m in plan["validationMessages"]
                       if m["severity"] == "warning"})
    done = execute(api, plan["exportId"], acknowledgedCodes=warnings)
    assert done.status_code == 200, done.text
    package = done.json()["customs_package_id"]

    def artifact(name: str) -> bytes:
        r = api.get(f"/api/customs-packages/{package}/artifacts/{name}")
        assert r.status_code == 200, name
        return r.content

    rows = {r["product_id"]: r for r in csv.DictReader(
        io.StringIO(artifact("entry_lines.csv").decode()))}
    assert [rows[socks][f"statistical_{c}"] for c in (
        "unit_1", "quantity_1", "quantity_1_exact", "unit_2", "quantity_2",
        "quantity_2_exact")] == ["doz. prs.", "2", "2", "kg", "1", "1.2"]
    assert (rows[flow.notebook]["statistical_unit_1"],
            rows[flow.notebook]["statistical_quantity_1"]) == ("No.", "2")
    summary = json.loads(artifact("entry_summary.json"))
    lines = {ln["productId"]: ln for e in summary["entries"] for ln in e["lines"]}
    assert lines[socks]["netQuantityInHtsusUnits"] == [
        {"unit": "doz. prs.", "quantity": 2, "exactQuantity": 2,
         "source": "measures.pairsPerUnit"},
        {"unit": "kg", "quantity": 1, "exactQuantity": 1.2, "source": "netWeightKg"}]
    report = json.loads(artifact("readiness_report.json"))
    described = {c["productId"]: c["schedulePath"][-1] for c in report["classifications"]}
    assert described == {socks: "Other (332)", flow.notebook: "Other"}
