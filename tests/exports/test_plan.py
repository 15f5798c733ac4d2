"""docs/api/contract.md §5.4: planning over the API (validation, scope, exclusions, dry runs,
re-plans, cancel, list, inspect) on both backends."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from entrygo.events.models import ExportEvent
from entrygo.exports.models import ExportBatch
from tests.support import CONSIGNEE, NOTEBOOK, Flow, error, product


@pytest.fixture
def flow(api):
    return Flow(api)


def test_guide_plan(flow, db):
    oid = flow.order("ord-ext-1001")
    r = flow.plan([oid])
    assert r.status_code == 200
    plan = r.json()
    assert plan["readinessState"] == "REVIEW_REQUIRED"
    assert plan["next_recommended_action"] == "review_flags_then_execute"
    assert plan["included_order_ids"] == [oid]
    assert re.fullmatch(r"planhash_[0-9a-f]{64}", plan["planHash"])
    assert plan["exportId"].startswith("batch_") and plan["batch_id"] == plan["exportId"]
    assert plan["state"] == plan["status"] == "PLANNED" and plan["dryRun"] is False
    metals = [m for m in plan["validationMessages"] if m["code"] == "METALS_REVIEW_RECOMMENDED"]
    assert metals == [{"code": "METALS_REVIEW_RECOMMENDED", "severity": "warning",
                       "message": metals[0]["message"], "scope": "line", "orderId": oid,
                       "productId": flow.bottle, "lineIndex": 0, "field": "htsCode",
                       "reference": metals[0]["reference"]}]
    assert plan["flags"] == [{"flag": "SECTION_232_STEEL", "orderIds": [oid],
                              "productIds": [flow.bottle]}]
    assert plan["totals"] == {"orderCount": 1, "lineCount": 1, "unitCount": 1, "valueUsd": 110,
                              "netWeightKg": 0.4}
    (unit,) = plan["strategy"]["exportUnits"]
    assert unit["id"].startswith("unit_") and unit["orderIds"] == [oid]
    assert (unit["valueUsd"], unit["entryType"]) == (110, "11")
    assert plan["strategy"]["consolidation"] == "per_consignee"
    assert (plan["warehouseId"], plan["brokerId"], plan["destinationCountry"]) == (
        flow.api.warehouse_id, flow.api.broker_id, "US")
    assert plan["rulesVersion"] and plan["referenceDataVersion"]
    assert plan["exclusions"] == [] and plan["excluded_order_ids"] == []

    dry = flow.plan([oid], dryRun=True).json()
    again = flow.plan([oid], dryRun=True).json()
    assert dry["planHash"] == again["planHash"] == plan["planHash"]
    assert dry["exportId"] is None and dry["batch_id"] is None and dry["state"] is None
    assert dry["dryRun"] is True
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ExportBatch)) == 1


def test_inspect_shows_the_plan_and_the_timeline(flow):
    oid = flow.order("o-1")
    plan = flow.plan([oid]).json()
    got = flow.api.get(f"/api/exports/{plan['exportId']}").json()
    for key, value in plan.items():
        assert got[key] == value, key
    assert [e["type"] for e in got["events"]] == ["EXPORT_BATCH_CREATED", "EXPORT_PLANNED"]
    assert all(e["id"].startswith("evt_") and e["occurredAt"].endswith("Z")
               for e in got["events"])
    assert got["events"][1]["data"] == {"planHash": plan["planHash"],
                                        "readinessState": "REVIEW_REQUIRED", "orderCount": 1}
    assert got["customsPackage"] is None and got["artifacts"] == []
    assert got["updatedAt"].endswith("Z")


def test_ready_plan(flow):
    oid = flow.order("o-ready", flow.notebook, value=20, consignee=CONSIGNEE)
    plan = flow.plan([oid]).json()
    assert plan["readinessState"] == "READY"
    assert plan["next_recommended_action"] == "execute"
    assert [m["code"] for m in plan["validationMessages"]] == ["DE_MINIMIS_UNAVAILABLE"]


def test_plan_requests_are_validated_with_every_issue_listed(flow):
    oid = flow.order("o-1")
    api = flow.api
    r = flow.plan([])
    assert error(r, 400, "VALIDATION_ERROR", "orderIds")["details"]["issues"] == [
        {"path": "orderIds", "code": "too_small",
         "message": "Array must contain at least 1 element(s)"}]
    r = flow.plan([oid, "ord_unknown", oid])
    assert [(i["path"], i["code"]) for i in error(r, 400, "VALIDATION_ERROR")["details"][
        "issues"]] == [("orderIds.1", "unknown_reference"), ("orderIds.2", "duplicate")]
    r = flow.plan([oid], destinationCountry="CA")
    assert error(r, 400, "VALIDATION_ERROR", "destinationCountry")
    r = flow.plan([oid], batchId="ab")
    assert error(r, 400, "VALIDATION_ERROR", "batchId")["details"]["issues"][0]["code"] == \
        "too_small"
    r = api.post("/api/exports/plan", {"accountId": api.account_id})
    assert [(i["path"], i["code"]) for i in error(r, 400, "VALIDATION_ERROR")["details"][
        "issues"]] == [("warehouseId", "required"), ("brokerId", "required"),
                       ("orderIds", "required")]
    r = flow.plan([oid], dryRun="yes")
    assert error(r, 400, "VALIDATION_ERROR", "dryRun")


def test_plans_see_only_the_account_and_the_keys_warehouse(flow, client, world):
    oid = flow.order("o-1")
    other = world.tenant(client, "Other")
    other_flow = Flow(other)
    foreign_order = other_flow.order("o-1")
    error(flow.plan([oid], warehouseId=other.warehouse_id), 403, "INVALID_ACCOUNT_SCOPE",
          "warehouseId")
    error(flow.plan([oid], brokerId=other.broker_id), 403, "INVALID_ACCOUNT_SCOPE", "brokerId")
    error(flow.plan([oid], accountId=other.account_id), 403, "INVALID_ACCOUNT_SCOPE",
          "accountId")
    r = flow.plan([foreign_order])
    assert error(r, 400, "VALIDATION_ERROR")["details"]["issues"][0] == {
        "path": "orderIds.0", "code": "unknown_reference",
        "message": "No order with this id in the account"}
    # a warehouse-scoped key plans through its warehouse only
    second = world.warehouse(flow.api.account_id, name="Second DC")
    scoped = Flow.__new__(Flow)
    scoped.api = flow.api.as_key(world.key(flow.api.account_id, warehouse_id=second))
    error(scoped.plan([oid]), 403, "INVALID_ACCOUNT_SCOPE", "warehouseId")
    assert scoped.plan([oid], warehouseId=second).status_code == 200
    assert other.get(f"/api/exports/{flow.plan([oid]).json()['exportId']}").status_code == 404


def test_exclusions(flow, db):
    us = flow.order("o-us")
    ca = flow.order("o-ca", destinationCountry="CA")
    done = flow.order("o-done")
    blocked = flow.order("o-blocked", destinationRegion=None)
    executed = flow.api.post("/api/exports/execute", {
        "accountId": flow.api.account_id, "batchId": flow.plan([done]).json()["exportId"]})
    assert executed.json()["status"] == "COMPLETED"
    plan = flow.plan([us, ca, done, blocked]).json()
    assert plan["included_order_ids"] == sorted([us, blocked])
    assert plan["exclusions"] == sorted([
        {"orderId": ca, "reason": "DESTINATION_MISMATCH"},
        {"orderId": done, "reason": "ALREADY_EXPORTED"}], key=lambda e: e["orderId"])
    assert plan["excluded_order_ids"] == sorted([ca, done])
    assert plan["readinessState"] == "BLOCKED"
    assert plan["next_recommended_action"] == "fix_blocking_issues_then_replan"
    assert {"entity": "order", "id": blocked, "field": "destinationRegion",
            "code": "DEST_REGION_MISSING"} in plan["missing_data"]

    plan = flow.plan([us, ca, done, blocked], excludeBlockedOrders=True).json()
    assert plan["included_order_ids"] == [us]
    assert {"orderId": blocked, "reason": "BLOCKING_ISSUES",
            "codes": ["DEST_REGION_MISSING"]} in plan["exclusions"]
    assert plan["readinessState"] == "REVIEW_REQUIRED"

    nothing = flow.plan([ca, done]).json()
    assert nothing["included_order_ids"] == [] and nothing["readinessState"] == "BLOCKED"
    assert "NO_ORDERS_INCLUDED" in [m["code"] for m in nothing["validationMessages"]]


def test_replan_and_cancel(flow, db):
    first, second = flow.order("o-1"), flow.order("o-2")
    plan = flow.plan([first]).json()
    batch = plan["exportId"]
    replanned = flow.plan([first, second], batchId=batch)
    assert replanned.status_code == 200
    replanned = replanned.json()
    assert replanned["exportId"] == batch
    assert replanned["included_order_ids"] == sorted([first, second])
    assert replanned["planHash"] != plan["planHash"]
    inspect = flow.api.get(f"/api/exports/{batch}").json()
    assert inspect["included_order_ids"] == sorted([first, second])
    assert [e["type"] for e in inspect["events"]] == [
        "EXPORT_BATCH_CREATED", "EXPORT_PLANNED", "EXPORT_REPLANNED"]
    assert inspect["events"][2]["data"]["previousPlanHash"] == plan["planHash"]
    error(flow.plan([first], batchId="batch_00000000000000000000000000"), 404, "NOT_FOUND")

    r = flow.api.post(f"/api/exports/{batch}/cancel")  # no body needed
    assert r.status_code == 200
    assert r.json()["state"] == r.json()["status"] == "CANCELLED"
    assert r.json()["events"][-1]["type"] == "EXPORT_CANCELLED"
    body = error(flow.api.post(f"/api/exports/{batch}/cancel",
                               {"accountId": flow.api.account_id}), 409, "INVALID_EXPORT_STATE")
    assert body["details"] == {"currentState": "CANCELLED"}
    body = error(flow.plan([first], batchId=batch), 409, "INVALID_EXPORT_STATE")
    assert body["details"] == {"currentState": "CANCELLED"}
    error(flow.api.post("/api/exports/batch_00000000000000000000000000/cancel"), 404,
          "NOT_FOUND")
    error(flow.api.post(f"/api/exports/{batch}/cancel", {"accountId": "acc_other"}), 403,
          "INVALID_ACCOUNT_SCOPE")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ExportEvent).where(
            ExportEvent.batch_id.is_not(None))) == 4  # the batch's timeline, not sync summaries


def test_list_exports(flow):
    a = flow.plan([flow.order("o-1")]).json()["exportId"]
    b = flow.plan([flow.order("o-2")]).json()["exportId"]
    assert flow.api.post(f"/api/exports/{a}/cancel").status_code == 200
    listed = flow.api.get("/api/exports").json()
    assert [x["exportId"] for x in listed["data"]] == [b, a]
    assert listed["has_more"] is False and listed["next_cursor"] is None
    assert [x["exportId"] for x in flow.api.get("/api/exports", params={
        "state": "CANCELLED"}).json()["data"]] == [a]
    page = flow.api.get("/api/exports", params={"limit": 1}).json()
    assert [x["exportId"] for x in page["data"]] == [b] and page["has_more"]
    rest = flow.api.get("/api/exports", params={"limit": 1, "cursor": page["next_cursor"]})
    assert [x["exportId"] for x in rest.json()["data"]] == [a]
    error(flow.api.get("/api/exports", params={"state": "DONE"}), 400, "VALIDATION_ERROR")


def test_plan_hash_sensitivity(flow, world):
    a, b = flow.order("o-a"), flow.order("o-b", flow.notebook, value=20)
    base = flow.plan([a, b], dryRun=True).json()["planHash"]
    assert flow.plan([b, a], dryRun=True).json()["planHash"] == base
    assert flow.plan([a, b]).json()["planHash"] == base  # persisted or not
    changes = [
        lambda: flow.order("o-a", quantity=2),
        lambda: flow.order("o-a", value=111),
        lambda: flow.order("o-a", destinationPostalCode="94107"),
        lambda: flow.api.sync_products(product("BOTTLE", htsCode="7323.99.9080")),
        lambda: flow.api.sync_products(product("BOTTLE", countryOfOrigin="MX",
                                               mid="MXNORSTE1200HAM")),
    ]
    seen = {base}
    for change in changes:
        change()
        current = flow.plan([a, b], dryRun=True).json()["planHash"]
        assert current not in seen
        seen.add(current)
    other_wh = world.warehouse(flow.api.account_id, name="Other", country="MX")
    other_br = world.broker(flow.api.account_id, name="Other broker")
    assert flow.plan([a, b], dryRun=True, warehouseId=other_wh).json()["planHash"] not in seen
    assert flow.plan([a, b], dryRun=True, brokerId=other_br).json()["planHash"] not in seen
    assert flow.plan([a, b], dryRun=True, excludeBlockedOrders=True).json()[
        "planHash"] not in seen
    # an unrelated product change does not matter
    flow.api.sync_products(product("UNRELATED"))
    assert flow.plan([a, b], dryRun=True).json()["planHash"] in seen


def test_products_carry_their_readiness(api):
    data = api.sync_products(product("STEEL"), NOTEBOOK,
                             {"externalId": "BARE", "title": "Thing"}).json()["data"]
    states = {p["externalId"]: p["readiness"]["state"] for p in data}
    assert states == {"STEEL": "REVIEW_REQUIRED", "NOTEBOOK": "READY", "BARE": "BLOCKED"}
    bare = api.get(f"/api/products/{data[2]['id']}").json()["readiness"]
    codes = {m["code"] for m in bare["messages"]}
    assert {"HTS_MISSING", "ORIGIN_MISSING", "MID_MISSING", "WEIGHT_MISSING",
            "DESCRIPTION_INSUFFICIENT"} == codes
    assert all(m["scope"] == "product" and m["productId"] == data[2]["id"]
               for m in bare["messages"])
