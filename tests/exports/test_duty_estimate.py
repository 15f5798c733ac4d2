"""The duty estimate over the API (docs/duty-estimate.md): the plan answers it, inspect shows it
as planned, and the package prints it, every line's amounts included (duty_estimate.csv,
manifest.json, entry_summary.json). On both backends.

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
    assert unit["orders"] == [{"orderId": oid, "dutyUsd": 0, "feesUsd": 2.69, "complete": True}]
    base = rates(est, flow.notebook)["base"]
    assert (base["rate"], base["source"]) == ("Free", "HTS 4820.10.20.60, column 1 general")
    assert base["amountUsd"] == 0  # on every line of the notebook
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
    [order] = est["exportUnits"][0]["orders"]
    assert (order["dutyUsd"], order["complete"]) == (2.2, False)  # the line: 110.00 x 2 %
    base, s232 = rates(est, flow.bottle).values()
    assert (base["kind"], base["rate"]) == ("base", "2%") and "amountUsd" not in base
    assert s232["rate"] is None and "U.S. note 16" in s232["reason"]
    assert s232["amountUsd"] is None
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


def test_the_package_prints_every_line_and_the_lines_add_up_to_the_plan(flow):
    """The plan gives each order's totals and each product's components once; the package
    prints every line's amounts, and they add up to the plan's. The bottle, 1 at 110.00 USD:
    base 2 % = 2.20 USD, Section 232 null with its reason; the notebook, 2 at 20.00 USD: base
    Free, 0.00 USD."""
    body = {"externalId": "o-2", "destinationCountry": "US", "destinationRegion": "CA",
            "destinationPostalCode": "94105", "consignee": CONSIGNEE,
            "items": [{"productId": flow.bottle, "quantity": 1, "unitValueUsd": 110},
                      {"productId": flow.notebook, "quantity": 2, "unitValueUsd": 20}],
            "parcels": [{"trackingNumber": "1Z0000000000000002", "grossWeightKg": 1.5}]}
    r = flow.api.post("/api/orders/sync", {"accountId": flow.api.account_id, "items": [body]})
    assert r.status_code == 200, r.text
    oid = r.json()["data"][0]["id"]
    plan = flow.plan([oid], shipment=ARRIVAL).json()
    [order] = plan["dutyEstimate"]["exportUnits"][0]["orders"]
    assert (order["orderId"], order["dutyUsd"], order["complete"]) == (oid, 2.2, False)
    warnings = sorted({m["code"] for m in plan["validationMessages"]
                       if m["severity"] == "warning"})
    done = execute(flow.api, plan["exportId"], acknowledgedCodes=warnings, reviewedBy="ops")
    assert done.status_code == 200, done.text
    package = done.json()["customs_package_id"]

    def download(name: str) -> bytes:
        r = flow.api.get(f"/api/customs-packages/{package}/artifacts/{name}")
        assert r.status_code == 200, r.text
        return r.content

    rows = list(csv.DictReader(io.StringIO(download("duty_estimate.csv").decode())))
    assert [(r["line_index"], r["component"], r["rate"], r["amount_usd"]) for r in rows] == [
        ("0", "base", "2%", "2.20"), ("0", "section232", "", ""), ("1", "base", "Free", "0.00"),
        ("", "mpf", "$2.69 per informal entry", "2.69")]
    assert "U.S. note 16" in rows[1]["reason"]
    [entry] = json.loads(download("entry_summary.json"))["entries"]
    lines = entry["dutyEstimate"]["lines"]
    assert [ln["dutyUsd"] for ln in lines] == [2.2, 0]
    assert sum(ln["dutyUsd"] for ln in lines) == order["dutyUsd"]
    assert [c["amountUsd"] for c in lines[0]["components"]] == [2.2, None]
