"""The published contract (/docs/api/openapi) is valid OpenAPI 3.1, covers every route, and the
service's responses match it field for field (the schemas forbid unknown fields and require
every field that is always present)."""

from __future__ import annotations

import copy
import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate as validate_openapi
from schemathesis import checks as st_checks

from entrygo.contract.openapi import api_routes
from tests.support import CONSIGNEE, Flow, check


@pytest.fixture
def spec(client):
    r = client.get("/docs/api/openapi")
    assert r.status_code == 200
    return r.json()


def _flat(routes):
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat(inner.routes)
        elif hasattr(route, "path"):
            yield route


def test_document_is_valid_openapi_31_and_covers_every_route(spec, app):
    validate_openapi(spec)
    assert spec["openapi"] == "3.1.0"
    routes = {(m.lower(), r.path) for r in _flat(app.routes) if r.path.startswith("/api/")
              for m in getattr(r, "methods", ()) if m != "HEAD"}
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert routes == documented
    assert len(documented) == 43  # every operation of the service, none lost on the way
    enums = json.dumps(spec["components"]["schemas"])
    for word in ("METALS_REVIEW_RECOMMENDED", "SECTION_232_STEEL", "REVIEW_REQUIRED",
                 "metals_declaration", "BROKER_SUBMISSION_FAILED", "retrying",
                 "sent_to_broker", "ORDERS_ALREADY_EXPORTED", "PLAN_STALE"):
        assert word in enums or word in json.dumps(spec["paths"]), word
    execute = spec["paths"]["/api/exports/execute"]["post"]
    assert execute["requestBody"]["content"]["application/json"]["example"]["batchId"]
    assert {p.get("$ref") for p in execute["parameters"]} >= {
        "#/components/parameters/Idempotency-Key"}
    conflict = execute["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    assert set(conflict["x-error-codes"]) == {
        "IDEMPOTENCY_CONFLICT", "IDEMPOTENCY_IN_PROGRESS", "INVALID_EXPORT_STATE",
        "PLAN_STALE", "PLAN_HASH_MISMATCH", "EXPORT_BLOCKED", "REVIEW_NOT_ACKNOWLEDGED",
        "ORDERS_ALREADY_EXPORTED"}
    assert all(code in conflict["description"] for code in conflict["x-error-codes"])


def test_what_generated_clients_need(spec):
    """One error model referenced by every error response; a clean, unique operationId, a
    description and a described tag on every operation; non-null what is never null."""
    operations = [(path, method, op) for path, ops in spec["paths"].items()
                  for method, op in ops.items()]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", i) for i in ids), ids
    assert {"planExport", "executeExport", "inspectExport", "downloadArtifact",
            "cancelExport", "syncOrders", "syncProducts"} <= set(ids)
    described = {tag["name"] for tag in spec["tags"] if tag.get("description")}
    for path, method, op in operations:
        assert op.get("description"), (method, path)
        assert set(op["tags"]) <= described, (method, path)
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"}, (method, path, status)
                assert response["x-error-codes"], (method, path, status)
    schemas = spec["components"]["schemas"]
    assert "IssueOut" not in schemas
    codes = schemas["Error"]["properties"]["errorCode"]["enum"]
    assert {"VALIDATION_ERROR", "PLAN_STALE", "DELIVERY_IN_PROGRESS", "RATE_LIMITED"} <= set(codes)
    assert schemas["ErrorDetails"]["properties"]["issues"]["items"] == {
        "$ref": "#/components/schemas/ValidationIssue"}
    # a persisted plan and an execution: ids are strings, never null
    plan = spec["paths"]["/api/exports/plan"]["post"]["responses"]["200"]
    assert plan["content"]["application/json"]["schema"]["oneOf"] == [
        {"$ref": "#/components/schemas/PlanOut"}, {"$ref": "#/components/schemas/DryRunPlanOut"}]
    assert schemas["PlanOut"]["properties"]["exportId"] == {
        "description": "The batch id (the same as batch_id).", "title": "Exportid",
        "type": "string"}
    assert schemas["DryRunPlanOut"]["properties"]["exportId"]["type"] == "null"
    for name in ("customs_package_id", "customsPackage", "brokerSubmission", "executedAt"):
        assert "null" not in json.dumps(schemas["ExecuteOut"]["properties"][name]), name
    # typed groups, timestamps, artifact media types, conditional download
    assert schemas["OrderOut"]["properties"]["consignee"]["anyOf"][0] == {
        "$ref": "#/components/schemas/Consignee"}
    for name, field in [("OrderOut", "createdAt"), ("ExportSummaryOut", "updatedAt"),
                        ("ArtifactOut", "generated_at"), ("Health", "time")]:
        assert schemas[name]["properties"][field]["format"] == "date-time", (name, field)
    download = spec["paths"]["/api/customs-packages/{package_id}/artifacts/{filename}"]["get"]
    assert set(download["responses"]["200"]["content"]) == {
        "application/pdf", "text/csv; charset=utf-8", "application/json"}
    assert "If-None-Match" in {p.get("name") for p in download["parameters"]}
    key = spec["components"]["parameters"]["Idempotency-Key"]["schema"]
    assert re.fullmatch(key["pattern"], "order-sync-2026-11-28")
    assert not re.fullmatch(key["pattern"], " leading-space")
    assert spec["servers"] and spec["info"]["license"]["identifier"] == "Apache-2.0"


def test_guide_flow_responses_match_the_schemas(api, spec, world):
    flow = Flow(api)
    notify_wh = world.warehouse(api.account_id, name="Notify DC", notifyEmail="ops@example.com")
    check(spec, "get", "/api/system/health", 200, api.get("/api/system/health").json())
    products = api.sync_products(*[{"externalId": "BARE", "title": "Thing"}])
    check(spec, "post", "/api/products/sync", 200, products.json())
    pid = products.json()["data"][0]["id"]
    check(spec, "get", "/api/products/{product_id}", 200, api.get(f"/api/products/{pid}").json())
    check(spec, "get", "/api/products", 200, api.get("/api/products").json())
    oid = flow.order("o-1", consignee=CONSIGNEE, currency="CAD", incoterm="DDP",
                     orderedAt="2026-11-27T10:00:00Z", metadata={"k": 1})
    check(spec, "get", "/api/orders/{order_id}", 200, api.get(f"/api/orders/{oid}").json())
    check(spec, "get", "/api/orders", 200, api.get("/api/orders").json())
    sync = api.post("/api/orders/sync", {"accountId": api.account_id, "items": [{
        "externalId": "o-2", "destinationCountry": "US", "destinationRegion": None,
        "destinationPostalCode": "9", "items": [
            {"productId": flow.bottle, "quantity": 2, "unitValueUsd": 0}]}]})
    check(spec, "post", "/api/orders/sync", 200, sync.json())
    blocked_id = sync.json()["data"][0]["id"]
    for path in ("/api/warehouses", "/api/brokers"):
        check(spec, "get", path, 200, api.get(path).json())
    check(spec, "get", "/api/warehouses/{warehouse_id}", 200,
          api.get(f"/api/warehouses/{notify_wh}").json())
    check(spec, "get", "/api/brokers/{broker_id}", 200,
          api.get(f"/api/brokers/{api.broker_id}").json())
    check(spec, "post", "/api/warehouses", 201, api.post("/api/warehouses", {
        "accountId": api.account_id, "name": "W", "country": "MX"}).json())
    check(spec, "post", "/api/brokers", 201, api.post("/api/brokers", {
        "accountId": api.account_id, "name": "B", "email": "b@example.com"}).json())

    # a plan with every kind of finding, exclusion and unit, then its execution
    big = [flow.order(f"u-{i}", value=1300, consignee=CONSIGNEE) for i in range(2)]
    dry = flow.plan([oid, blocked_id, *big], dryRun=True, excludeBlockedOrders=True)
    check(spec, "post", "/api/exports/plan", 200, dry.json())
    assert dry.json()["exclusions"][0]["codes"]
    assert any("exportUnitId" in m for m in dry.json()["validationMessages"])
    plan = flow.plan([oid, *big], warehouseId=notify_wh)
    check(spec, "post", "/api/exports/plan", 200, plan.json())
    batch = plan.json()["exportId"]
    done = api.post("/api/exports/execute", {"accountId": api.account_id, "batchId": batch})
    check(spec, "post", "/api/exports/execute", 200, done.json())
    assert done.json()["notifications"]
    inspect = api.get(f"/api/exports/{batch}").json()
    check(spec, "get", "/api/exports/{batch_id}", 200, inspect)
    check(spec, "get", "/api/exports", 200, api.get("/api/exports").json())
    package = done.json()["customs_package_id"]
    check(spec, "get", "/api/customs-packages/{package_id}", 200,
          api.get(f"/api/customs-packages/{package}").json())
    other = flow.plan([flow.order("c-1")]).json()["exportId"]
    cancelled = api.post(f"/api/exports/{other}/cancel")
    check(spec, "post", "/api/exports/{batch_id}/cancel", 200, cancelled.json())

    # errors, against the envelope with the documented codes
    for method, path, status, r in [
        ("post", "/api/exports/execute", 409, api.post("/api/exports/execute", {
            "accountId": api.account_id, "batchId": batch})),
        ("post", "/api/orders/sync", 400, api.post("/api/orders/sync", {"items": []})),
        ("get", "/api/exports/{batch_id}", 404, api.get("/api/exports/batch_nope")),
        ("post", "/api/exports/plan", 403, flow.plan([oid], accountId="acc_other")),
    ]:
        assert r.status_code == status
        check(spec, method, path, status, r.json())

    # the check has teeth: an extra field, a missing one, a wrong enum value all fail
    for mutate in (lambda d: d.update(surprise=1), lambda d: d.pop("planHash"),
                   lambda d: d.update(readinessState="MAYBE"),
                   lambda d: d["validationMessages"][0].update(severity="fatal")):
        broken = copy.deepcopy(inspect)
        mutate(broken)
        with pytest.raises(AssertionError):
            check(spec, "get", "/api/exports/{batch_id}", 200, broken)


# --- schemathesis: every operation, generated inputs, responses must conform ----------------------

CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance,
          st_checks.content_type_conformance, st_checks.response_schema_conformance,
          st_checks.response_headers_conformance]


def test_schemathesis_every_operation(app, api):
    """Generated requests for every operation of the document (a bounded number each): no 5xx,
    and every response conforms to the published schema, status and headers."""
    schema = schemathesis.openapi.from_asgi("/docs/api/openapi", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len([(m, r.path) for r in api_routes(app.routes)
                                   if r.include_in_schema for m in r.methods])
    calls = []

    @given(data=st.data())
    @settings(max_examples=12, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(data):
        for operation in operations:
            case = data.draw(operation.as_strategy(), label=operation.label)
            if isinstance(case.body, dict) and "accountId" in case.body:
                case.body["accountId"] = api.account_id  # past the scope check, into the logic
            case.call_and_validate(headers={"authorization": f"Bearer {api.key}"},
                                   checks=CHECKS)
            calls.append(operation.label)

    run()
    assert set(calls) == {op.label for op in operations}
