"""docs/api/contract.md §5.4-5.5: a plan judges the filing data (importer of record, shipment
after the warehouse's defaults, the account's readiness policy) and fingerprints it; execute
records the review and, when the account asks for it, refuses an unacknowledged one. Over the
API, on both backends."""

from __future__ import annotations

import pytest

from tests.support import Flow, check, error, execute


@pytest.fixture
def flow(api):
    return Flow(api)


@pytest.fixture
def spec(client):
    return client.get("/docs/api/openapi").json()


def codes(plan: dict) -> dict[str, str]:
    return {m["code"]: m["severity"] for m in plan["validationMessages"]}


def patch(flow, path, body):
    r = flow.api.client.patch(path, json={"accountId": flow.api.account_id, **body},
                              headers=flow.api.headers())
    assert r.status_code == 200, r.text
    return r.json()


def test_the_plan_shows_what_it_judged_and_the_warehouse_defaults_fill_the_shipment(flow, spec):
    oid = flow.order("o-1")
    plan = flow.plan([oid]).json()
    check(spec, "post", "/api/exports/plan", 200, plan)
    importer = flow.api.get("/api/account").json()["defaultImporterId"]
    assert plan["importer"]["id"] == importer and plan["importer"]["number"] == "12-3456789"
    assert plan["shipment"] == {"modeOfTransport": "truck", "portOfEntry": "0901",
                                "carrier": {"scac": "EGTR", "name": "EntryGo Test Trucking"}}
    assert plan["readinessPolicy"] == "standard"
    # the request's fields win, field by field (the carrier's too)
    asked = flow.plan([oid], dryRun=True, shipment={
        "portOfEntry": "3004", "carrier": {"scac": "ABCD"}, "masterBill": "PAPS-0001"}).json()
    assert asked["shipment"] == {"modeOfTransport": "truck", "portOfEntry": "3004",
                                 "masterBill": "PAPS-0001",
                                 "carrier": {"scac": "ABCD", "name": "EntryGo Test Trucking"}}
    assert asked["planHash"] != plan["planHash"]
    inspected = flow.api.get(f"/api/exports/{plan['exportId']}").json()
    assert (inspected["importer"], inspected["shipment"]) == (plan["importer"],
                                                              plan["shipment"])


def test_each_filing_code_fires_over_the_api(flow, world):
    oid = flow.order("o-1")
    assert not {"IMPORTER_OF_RECORD_MISSING", "PORT_OF_ENTRY_MISSING", "PORT_OF_ENTRY_INVALID",
                "TRANSPORT_MODE_MISSING", "CARRIER_ID_MISSING"} & set(
        codes(flow.plan([oid], dryRun=True).json()))
    bad_port = flow.plan([oid], dryRun=True, shipment={"portOfEntry": "0999"}).json()
    assert codes(bad_port)["PORT_OF_ENTRY_INVALID"] == "blocking"
    assert bad_port["readinessState"] == "BLOCKED"
    by_sea = flow.plan([oid], dryRun=True, shipment={"modeOfTransport": "ocean",
                                                      "carrier": {"scac": None}}).json()
    # a null in the request leaves the warehouse default in place: still the default SCAC
    assert "CARRIER_ID_MISSING" not in codes(by_sea)
    bare = world.warehouse(flow.api.account_id, name="Bare DC", defaultShipment=None)
    plan = flow.plan([oid], dryRun=True, warehouseId=bare).json()
    assert {c: codes(plan)[c] for c in ("PORT_OF_ENTRY_MISSING", "TRANSPORT_MODE_MISSING")} == {
        "PORT_OF_ENTRY_MISSING": "blocking", "TRANSPORT_MODE_MISSING": "blocking"}
    no_carrier = flow.plan([oid], dryRun=True, warehouseId=bare, shipment={
        "modeOfTransport": "courier", "portOfEntry": "4701"}).json()
    assert codes(no_carrier)["CARRIER_ID_MISSING"] == "blocking"
    postal = flow.plan([oid], dryRun=True, warehouseId=bare, shipment={
        "modeOfTransport": "ocean", "portOfEntry": "2704"}).json()
    assert codes(postal)["CARRIER_ID_MISSING"] == "warning"
    assert postal["readinessState"] == "REVIEW_REQUIRED"
    # no importer named and no default: blocked
    patch(flow, "/api/account", {"defaultImporterId": None})
    orphan = flow.plan([oid], dryRun=True).json()
    assert codes(orphan)["IMPORTER_OF_RECORD_MISSING"] == "blocking"
    assert orphan["importer"] is None


def test_an_importer_of_another_account_is_refused(flow, world, client):
    other = world.tenant(client, "Other merchant")
    theirs = other.get("/api/account").json()["defaultImporterId"]
    r = flow.plan([flow.order("o-1")], importerId=theirs)
    error(r, 403, "INVALID_ACCOUNT_SCOPE", "importerId")


def test_order_data_fires_its_codes(flow):
    bare = flow.order("o-bare", parcels=None, currency="CAD")
    plan = flow.plan([bare], dryRun=True).json()
    assert codes(plan)["PARCEL_DATA_MISSING"] == "warning"
    assert codes(plan)["CURRENCY_CONVERSION_UNDOCUMENTED"] == "warning"
    assert {("order", bare, "parcels"), ("order", bare, "usdExchangeRate")} <= {
        (m["entity"], m["id"], m["field"]) for m in plan["missing_data"]}
    fixed = flow.order("o-bare", currency="CAD",
                       usdExchangeRate={"rate": 1.3712, "date": "2026-11-27"})
    again = codes(flow.plan([fixed], dryRun=True).json())
    assert "PARCEL_DATA_MISSING" not in again and "CURRENCY_CONVERSION_UNDOCUMENTED" not in again


def test_strict_policy_over_http(flow):
    oid = flow.order("o-1", parcels=None)
    assert flow.plan([oid], dryRun=True).json()["readinessState"] == "REVIEW_REQUIRED"
    assert patch(flow, "/api/account", {"readinessPolicy": "strict"})["readinessPolicy"] == \
        "strict"
    strict = flow.plan([oid], dryRun=True).json()
    assert strict["readinessState"] == "BLOCKED" and strict["readinessPolicy"] == "strict"
    assert codes(strict)["PARCEL_DATA_MISSING"] == "blocking"
    assert codes(strict)["METALS_REVIEW_RECOMMENDED"] == "warning"  # no field left empty


def test_a_changed_default_shipment_makes_the_plan_stale(flow):
    plan = flow.plan([flow.order("o-1")]).json()
    patch(flow, f"/api/warehouses/{flow.api.warehouse_id}",
          {"defaultShipment": {"portOfEntry": "0712"}})
    body = error(execute(flow.api, plan["exportId"]), 409, "PLAN_STALE")
    assert body["details"]["storedPlanHash"] == plan["planHash"]
    again = flow.plan([flow.order("o-1")]).json()
    assert again["shipment"]["portOfEntry"] == "0712"
    assert execute(flow.api, again["exportId"]).json()["status"] == "COMPLETED"


def test_review_on_record_and_required_acknowledgement(flow):
    plan = flow.plan([flow.order("o-1")]).json()
    warnings = sorted(c for c, s in codes(plan).items() if s == "warning")
    assert "METALS_REVIEW_RECOMMENDED" in warnings and plan["readinessState"] == \
        "REVIEW_REQUIRED"
    patch(flow, "/api/account", {"requireReviewAcknowledgement": True})
    body = error(execute(flow.api, plan["exportId"]), 409, "REVIEW_NOT_ACKNOWLEDGED",
                 "acknowledgedCodes")
    assert body["details"] == {"unacknowledgedCodes": warnings}
    partly = error(execute(flow.api, plan["exportId"], acknowledgedCodes=["VALUE_ZERO"]), 409,
                   "REVIEW_NOT_ACKNOWLEDGED")
    assert partly["details"] == {"unacknowledgedCodes": warnings}
    assert flow.api.get(f"/api/exports/{plan['exportId']}").json()["state"] == "PLANNED"
    done = execute(flow.api, plan["exportId"], acknowledgedCodes=warnings,
                   reviewedBy="ops: Dana Smith")
    assert done.status_code == 200, done.text
    events = flow.api.get(f"/api/exports/{plan['exportId']}").json()["events"]
    executed = next(e for e in events if e["type"] == "EXPORT_EXECUTED")
    assert executed["data"]["reviewedBy"] == "ops: Dana Smith"
    assert executed["data"]["acknowledgedCodes"] == warnings


def test_without_the_requirement_the_review_is_optional_and_still_recorded(flow):
    plan = flow.plan([flow.order("o-1")]).json()
    done = execute(flow.api, plan["exportId"], reviewedBy="agent-7")
    assert done.status_code == 200, done.text
    events = flow.api.get(f"/api/exports/{plan['exportId']}").json()["events"]
    executed = next(e for e in events if e["type"] == "EXPORT_EXECUTED")
    assert executed["data"]["reviewedBy"] == "agent-7"
    assert "acknowledgedCodes" not in executed["data"]
    error(execute(flow.api, plan["exportId"], acknowledgedCodes=["NOT_A_CODE"]), 400,
          "VALIDATION_ERROR")
