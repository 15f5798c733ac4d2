"""The duty estimate over the API (docs/duty-estimate.md): the plan answers it, inspect shows it
as planned, and the package prints it (duty_estimate.csv, manifest.json, entry_summary.json).
On both backends.

The notebook (4820.10.20.60, column 1 general Free) of Canada, 2 at 20.00 USD, arriving
2026-08-01 by truck: base duty 0; an informal entry of 40.00 USD, MPF 2.69 USD (fiscal year
2026, CBP Dec. 25-10); no HMF by truck. The steel bottle (7323.93.00.45, general 2 %, a Section
232 derivative) of Canada, 1 at 110.00 USD: base 2.20 USD and a Section 232 component whose tier
EntryGo cannot tell (null).
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.support import CONSIGNEE, Flow, check, execute

ARRIVAL = {"estimatedArrival": "2026-08-01"}


@pytest.fixture
def flow(api):
    return Flow(api)


@pytest.fixture
def spec(client):
    return client.get("/docs/api/openapi").json()


def rates(est: dict, product_id: str) -> dict[str, dict]:
    """The product's components (rate, source, reason) by kind."""
    product = next(p for p in est["products"] if p["productId"] == product_id)
    return {c["kind"]: c for c in product["components"]}


def test_plan_and_inspect_show_the_estimate(flow, spec):
    oid = flow.order("o-1", flow.notebook, quantity=2, value=20, consignee=CONSIGNEE)
    plan = flow.plan([oid], shipment=ARRIVAL).json()
    check(spec, "post", "/api/exports/plan", 200, plan)
    est = plan["dutyEstimate"]
    assert (est["asOf"], est["dateBasis"]) == ("2026-08-01", "estimatedArrival")
    assert est["disclaimer"].startswith("An estimate for planning, not a duty determination")
    [unit] = est["exportUnits"]
    assert unit["exportUnitId"] == plan["strategy"]["exportUnits"][0]["id"]
    assert (unit["entryType"], unit["feeAmountsUsd"]) == ("11", {"mpf": 2.69})
    assert est["fees"] == [{"entryType": "11", "kind": "mpf", "rate": "$2.69 per informal entry",
                            "source": "19 CFR 24.23; CBP Dec. 25-10"}]
    assert est["sources"]["CBP Dec. 25-10"].startswith("CBP Dec. 25-10, Customs User Fees")
    assert unit["orders"] == [{"orderId": oid, "dutyUsd": 0, "feesUsd": 2.69, "complete": True,
                               "linesUsd": [{"base": 0}]}]
    base = rates(est, flow.notebook)["base"]
    assert (base["rate"], base["source"]) == ("Free", "HTS 4820.10.20.60, column 1 general")
    assert est["totals"] == {"dutyUsd": 0, "feesUsd": 2.69, "totalUsd": 2.69,
                             "complete": True, "unknownComponents": 0}
    inspected = flow.api.get(f"/api/exports/{plan['exportId']}").json()
    check(spec, "get", "/api/exports/{batch_id}", 200, inspected)
    assert inspected["dutyEstimate"] == est


def test_an_unknown_component_is_null_with_its_reason(flow, spec):
    oid = flow.order("o-1", quantity=1, value=110, consignee=CONSIGNEE)
    plan = flow.plan([oid], shipment=ARRIVAL, dryRun=True).json()
    check(spec, "post", "/api/exports/plan", 200, plan)
    est = plan["dutyEstimate"]
    [line] = est["exportUnits"][0]["orders"][0]["linesUsd"]
    assert line == {"base": 2.2, "section232": None}
    s232 = rates(est, flow.bottle)["section232"]
    assert s232["rate"] is None and "U.S. note 16" in s232["reason"]
    totals = plan["dutyEstimate"]["totals"]
    assert (totals["dutyUsd"], totals["complete"], totals["unknownComponents"]) == (2.2, False, 1)


def test_without_an_arrival_date_the_planning_date_applies(flow):
    oid = flow.order("o-1", flow.notebook, value=20, consignee=CONSIGNEE)
    plan = flow.plan([oid], dryRun=True).json()
    assert plan["dutyEstimate"]["dateBasis"] == "planningDate"
    assert plan["dutyEstimate"]["asOf"] == plan["createdAt"][:10]


def test_the_package_prints_the_estimate_as_planned(flow):
    oid = flow.order("o-1", flow.notebook, quantity=2, value=20, consignee=CONSIGNEE)
    plan = flow.plan([oid], shipment=ARRIVAL).json()
    done = execute(flow.api, plan["exportId"]).json()
    package = done["customs_package_id"]

    def download(name: str) -> bytes:
        r = flow.api.get(f"/api/customs-packages/{package}/artifacts/{name}")
        assert r.status_code == 200, r.text
        return r.content

    rows = list(csv.DictReader(io.StringIO(download("duty_estimate.csv").decode())))
    assert [(r["component"], r["order_id"], r["amount_usd"]) for r in rows] == [
        ("base", oid, "0.00"), ("mpf", "", "2.69")]
    assert rows[0]["source"] == "HTS 4820.10.20.60, column 1 general"
    assert rows[0]["as_of"] == "2026-08-01"
    manifest = json.loads(download("manifest.json"))
    assert manifest["dutyEstimate"]["totals"] == plan["dutyEstimate"]["totals"]
    [entry] = json.loads(download("entry_summary.json"))["entries"]
    mine = entry["dutyEstimate"]
    assert (mine["feesUsd"], mine["complete"]) == (2.69, True)
    assert [ln["lineNumber"] for ln in mine["lines"]] == [1]
