"""docs/api/contract.md §5.5-5.7: execution exactly once; customs packages, artifacts; inspect."""

from __future__ import annotations

import hashlib
import json
from email import message_from_bytes, policy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, update

from entrygo.app import create_app
from entrygo.artifacts.models import CustomsPackage
from entrygo.delivery.models import BrokerSubmission
from entrygo.exports.models import ExportBatch
from tests.support import CONSIGNEE, Flow, error, execute, planned

ARTIFACTS = ["manifest", "entry_summary", "commercial_invoice", "commercial_invoice_data",
             "entry_lines", "packing_list", "readiness_report", "metals_declaration",
             "duty_estimate"]
FILENAMES = ["manifest.json", "entry_summary.json", "commercial_invoice.pdf",
             "commercial_invoice.csv", "entry_lines.csv", "packing_list.csv",
             "readiness_report.json", "section_232_metals.csv", "duty_estimate.csv"]


@pytest.fixture
def flow(api):
    return Flow(api)


def test_guide_execute_inspect_package_and_artifacts(flow, settings):
    plan, (oid,) = planned(flow)
    r = execute(flow.api, plan["exportId"], key="first-export-execute-001")
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["exportId"] == done["batch_id"] == plan["exportId"]
    assert done["status"] == done["state"] == "COMPLETED"
    assert done["planHash"] == plan["planHash"]
    assert done["customs_package_id"].startswith("cp_")
    assert done["customsPackage"]["id"] == done["customs_package_id"]
    assert done["customsPackage"]["packageNumber"].startswith("EG-")
    assert done["customsPackage"]["state"] == "sent_to_broker"
    assert [a["artifact_type"] for a in done["artifacts"]] == ARTIFACTS
    assert [a["filename"] for a in done["artifacts"]] == FILENAMES
    sub = done["brokerSubmission"]
    assert (sub["submission_type"], sub["status"], sub["recipient_email"], sub["transport"],
            sub["error_message"], sub["attempts"]) == (
        "email", "sent", "broker@example.com", "outbox", None, 1)
    assert sub["id"].startswith("bs_") and sub["sent_at"].endswith("Z")
    assert done["executedAt"].endswith("Z")

    inspect = flow.api.get(f"/api/exports/{plan['exportId']}").json()
    for key in ("status", "customs_package_id", "customsPackage", "artifacts",
                "brokerSubmission", "notifications", "executedAt", "planHash"):
        assert inspect[key] == done[key], key
    assert inspect["included_order_ids"] == [oid]
    types = [e["type"] for e in inspect["events"]]
    assert types == ["EXPORT_BATCH_CREATED", "EXPORT_PLANNED", "CUSTOMS_PACKAGE_CREATED",
                     *["CUSTOMS_ARTIFACT_GENERATED"] * len(ARTIFACTS), "EXPORT_EXECUTED",
                     "BROKER_NOTIFIED"]

    package = flow.api.get(f"/api/customs-packages/{done['customs_package_id']}").json()
    assert package == {"id": done["customs_package_id"], "livemode": True,
                       "exportBatchId": plan["exportId"],
                       "packageNumber": done["customsPackage"]["packageNumber"],
                       "state": "sent_to_broker", "createdAt": package["createdAt"],
                       "artifacts": done["artifacts"],
                       "brokerSubmission": done["brokerSubmission"]}
    for artifact in done["artifacts"]:
        got = flow.api.get(f"/api/customs-packages/{package['id']}/artifacts/"
                           f"{artifact['filename']}")
        assert got.status_code == 200
        assert hashlib.sha256(got.content).hexdigest() == artifact["sha256"]
        assert len(got.content) == artifact["size_bytes"]
        assert got.headers["content-type"].startswith(artifact["content_type"].split(";")[0])
        assert got.headers["etag"] == f'"{artifact["sha256"]}"'
        assert got.headers["content-disposition"] == \
            f'attachment; filename="{artifact["filename"]}"'
        again = flow.api.get(f"/api/customs-packages/{package['id']}/artifacts/"
                             f"{artifact['filename']}", headers={"if-none-match": got.headers[
                                 "etag"]})
        assert again.status_code == 304
    manifest = json.loads(flow.api.get(f"/api/customs-packages/{package['id']}/artifacts/"
                                       "manifest.json").content)
    assert manifest["package"]["packageNumber"] == package["packageNumber"]
    error(flow.api.get(f"/api/customs-packages/{package['id']}/artifacts/nope.txt"), 404,
          "NOT_FOUND")

    # the outbox holds exactly the one broker message, every artifact attached
    emls = sorted((settings.data_dir / "outbox").glob("*.eml"))
    assert len(emls) == 1  # the test tenant's warehouse has no notifyEmail
    message = message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert message["Message-ID"] == sub["message_id"]
    assert message["To"] == "broker@example.com"
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert sorted(attached) == sorted(FILENAMES)
    for artifact in done["artifacts"]:
        content = attached[artifact["filename"]]
        raw = content.encode() if isinstance(content, str) else content
        assert hashlib.sha256(raw).hexdigest() == artifact["sha256"]

    replay = execute(flow.api, plan["exportId"], key="first-export-execute-001")
    assert replay.headers["idempotent-replayed"] == "true" and replay.content == r.content
    other_key = execute(flow.api, plan["exportId"], key="another-key")
    assert error(other_key, 409, "INVALID_EXPORT_STATE")["details"] == {
        "currentState": "COMPLETED"}


def test_warehouse_is_notified_by_email(api, world, client, smtp_app):
    app, sink = smtp_app
    with TestClient(app) as c:
        tenant = world.tenant(c)
        wh = world.warehouse(tenant.account_id, name="Notify DC",
                             notifyEmail="ops@warehouse.example")
        flow = Flow(tenant)
        oid = flow.order("o-1")
        plan = flow.plan([oid], warehouseId=wh).json()
        done = execute(tenant, plan["exportId"]).json()
    assert [(n["type"], n["channel"], n["recipient"], n["status"])
            for n in done["notifications"]] == [
        ("WAREHOUSE_NOTIFIED", "email", "ops@warehouse.example", "sent")]
    recipients = sorted(str(m["To"]) for m in sink.accepted)
    assert recipients == ["broker@example.com", "ops@warehouse.example"]
    broker_mail = next(m for m in sink.accepted if str(m["To"]) == "broker@example.com")
    assert broker_mail["Message-ID"] == done["brokerSubmission"]["message_id"]
    assert sorted(p.get_filename() for p in broker_mail.iter_attachments()) == sorted(FILENAMES)


@pytest.fixture
def smtp_app(settings, db, smtp):
    app = create_app(settings.model_copy(update={"smtp_url": smtp.url,
                                                 "delivery_backoff_seconds": 0}))
    yield app, smtp
    app.state.db.dispose()


def test_smtp_down_then_back(world, smtp_app, settings):
    app, sink = smtp_app
    sink.stop()
    with TestClient(app) as c:
        tenant = world.tenant(c)
        flow = Flow(tenant)
        plan = flow.plan([flow.order("o-1")]).json()
        r = execute(tenant, plan["exportId"], key="exec-down")
        assert r.status_code == 200
        done = r.json()
        assert done["status"] == "COMPLETED"
        assert done["customsPackage"]["state"] == "delivery_failed"
        sub = done["brokerSubmission"]
        assert sub["status"] == "retrying" and sub["attempts"] == 1
        assert "ConnectionRefusedError" in sub["error_message"]
        assert sub["next_attempt_at"].endswith("Z")
        # a replay answers what the client was told
        assert execute(tenant, plan["exportId"], key="exec-down").content == r.content

        sink.start()
        from tests.support import entrygo

        ran = entrygo(settings.resolved_database_url, settings.data_dir, "worker", "--once",
                      env={"ENTRYGO_SMTP_URL": sink.url})
        assert ran.returncode == 0, ran.stderr
        inspect = tenant.get(f"/api/exports/{plan['exportId']}").json()
    assert inspect["brokerSubmission"]["status"] == "sent"
    assert inspect["brokerSubmission"]["attempts"] == 2
    assert inspect["brokerSubmission"]["error_message"] is None
    assert inspect["customsPackage"]["state"] == "sent_to_broker"
    types = [e["type"] for e in inspect["events"]]
    assert types[-2:] == ["BROKER_SUBMISSION_FAILED", "BROKER_NOTIFIED"]
    assert len(sink.accepted) == 1
    assert sink.accepted[0]["Message-ID"] == sub["message_id"]


def test_retry_endpoint_forces_an_attempt(world, smtp_app):
    app, sink = smtp_app
    sink.stop()
    with TestClient(app) as c:
        tenant = world.tenant(c)
        flow = Flow(tenant)
        plan = flow.plan([flow.order("o-1")]).json()
        assert execute(tenant, plan["exportId"]).json()["brokerSubmission"]["status"] == \
            "retrying"
        r = tenant.post(f"/api/exports/{plan['exportId']}/broker-submission/retry")
        assert r.status_code == 200 and r.json()["brokerSubmission"]["attempts"] == 2
        sink.start()
        keyed = {"idempotency-key": "retry-once"}
        r = tenant.post(f"/api/exports/{plan['exportId']}/broker-submission/retry",
                        headers=keyed)
        assert r.json()["brokerSubmission"]["status"] == "sent"
        again = tenant.post(f"/api/exports/{plan['exportId']}/broker-submission/retry",
                            headers=keyed)
        assert again.headers["idempotent-replayed"] == "true" and again.content == r.content
        error(tenant.post(f"/api/exports/{plan['exportId']}/broker-submission/retry"), 409,
              "INVALID_EXPORT_STATE")
        planned_only = flow.plan([flow.order("o-2")]).json()
        error(tenant.post(f"/api/exports/{planned_only['exportId']}/broker-submission/retry"),
              409, "INVALID_EXPORT_STATE")
    assert len(sink.accepted) == 1


def test_checks_before_any_side_effect(flow, db):
    api = flow.api
    # PLAN_HASH_MISMATCH
    plan, _ = planned(flow, "o-1")
    body = error(execute(api, plan["exportId"], planHash="planhash_" + "0" * 64), 409,
                 "PLAN_HASH_MISMATCH")
    assert body["details"] == {"storedPlanHash": plan["planHash"],
                               "providedPlanHash": "planhash_" + "0" * 64}
    # PLAN_STALE: the order changed after planning
    flow.order("o-1", quantity=3)
    body = error(execute(api, plan["exportId"], planHash=plan["planHash"]), 409, "PLAN_STALE")
    assert body["details"]["storedPlanHash"] == plan["planHash"]
    assert body["details"]["currentPlanHash"] != plan["planHash"]
    # EXPORT_BLOCKED
    blocked = flow.plan([flow.order("o-blocked", destinationRegion=None)]).json()
    body = error(execute(api, blocked["exportId"]), 409, "EXPORT_BLOCKED")
    assert body["details"] == {"blockingCodes": ["DEST_REGION_MISSING"]}
    # INVALID_EXPORT_STATE for a cancelled batch; NOT_FOUND for none
    cancelled = flow.plan([flow.order("o-c")]).json()
    api.post(f"/api/exports/{cancelled['exportId']}/cancel")
    assert error(execute(api, cancelled["exportId"]), 409, "INVALID_EXPORT_STATE")[
        "details"] == {"currentState": "CANCELLED"}
    error(execute(api, "batch_00000000000000000000000000"), 404, "NOT_FOUND")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CustomsPackage)) == 0


def test_overlapping_batches(flow):
    a, b = flow.order("o-a"), flow.order("o-b")
    first = flow.plan([a, b]).json()
    second = flow.plan([b]).json()  # the newer plan over b supersedes the first
    body = error(execute(flow.api, first["exportId"]), 409, "INVALID_EXPORT_STATE")
    assert body["details"] == {"currentState": "SUPERSEDED"}
    assert execute(flow.api, second["exportId"]).json()["status"] == "COMPLETED"
    # a new plan excludes b, and sync may not change it any more; a is free
    again = flow.plan([a, b]).json()
    assert again["exclusions"] == [{"orderId": b, "reason": "ALREADY_EXPORTED"}]
    assert again["included_order_ids"] == [a]
    r = flow.api.post("/api/orders/sync", {"accountId": flow.api.account_id, "items": [{
        "externalId": "o-b", "destinationCountry": "US", "destinationRegion": "CA",
        "destinationPostalCode": "94105",
        "items": [{"productId": flow.bottle, "quantity": 5, "unitValueUsd": 110}]}]})
    assert error(r, 409, "ORDER_LOCKED")["details"] == {"externalIds": ["o-b"]}


def test_overlap_left_from_before_superseding_is_refused_at_execute(flow, db):
    """Two PLANNED batches sharing an order can only be left from before plans superseded
    each other (migration 0008 keeps them): the second to execute is refused, exporting
    nothing twice."""
    a, b = flow.order("o-a"), flow.order("o-b")
    first = flow.plan([a, b]).json()["exportId"]
    second = flow.plan([b]).json()["exportId"]
    with db.write() as s:  # as an upgraded database may hold them
        s.execute(update(ExportBatch).where(ExportBatch.id == first).values(
            state="PLANNED", superseded_by=None))
    assert execute(flow.api, second).json()["status"] == "COMPLETED"
    body = error(execute(flow.api, first), 409, "ORDERS_ALREADY_EXPORTED")
    assert body["details"] == {"orderIds": [b]}
    assert flow.api.get(f"/api/exports/{first}").json()["state"] == "PLANNED"


def test_ready_plan_without_metals_has_no_declaration(flow):
    oid = flow.order("o-1", flow.notebook, value=20, consignee=CONSIGNEE)
    plan = flow.plan([oid]).json()
    assert plan["readinessState"] == "READY"
    done = execute(flow.api, plan["exportId"]).json()
    assert [a["artifact_type"] for a in done["artifacts"]] == [
        a for a in ARTIFACTS if a != "metals_declaration"]


def test_scope_of_execute_and_packages(flow, client, world):
    plan, _ = planned(flow)
    other = world.tenant(client, "Other")
    error(other.post("/api/exports/execute", {"accountId": other.account_id,
                                              "batchId": plan["exportId"]}), 404, "NOT_FOUND")
    error(other.post("/api/exports/execute", {"accountId": flow.api.account_id,
                                              "batchId": plan["exportId"]}), 403,
          "INVALID_ACCOUNT_SCOPE")
    second = world.warehouse(flow.api.account_id, name="Second DC")
    scoped = flow.api.as_key(world.key(flow.api.account_id, warehouse_id=second))
    error(execute(scoped, plan["exportId"]), 403, "INVALID_ACCOUNT_SCOPE")
    done = execute(flow.api, plan["exportId"]).json()
    package = done["customs_package_id"]
    error(other.get(f"/api/customs-packages/{package}"), 404, "NOT_FOUND")
    error(other.get(f"/api/customs-packages/{package}/artifacts/manifest.json"), 404,
          "NOT_FOUND")
    error(scoped.get(f"/api/customs-packages/{package}"), 404, "NOT_FOUND")


def test_inspect_runs_a_fixed_number_of_queries(flow, app):
    small_plan = flow.plan([flow.order("s-1")]).json()
    large_plan = flow.plan([flow.order(f"l-{i}") for i in range(40)]).json()
    for plan in (small_plan, large_plan):
        assert execute(flow.api, plan["exportId"]).status_code == 200

    def count(batch_id):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(app.state.db.engine, "before_cursor_execute", listener)
        try:
            assert flow.api.get(f"/api/exports/{batch_id}").status_code == 200
        finally:
            event.remove(app.state.db.engine, "before_cursor_execute", listener)
        return len([s for s in statements if s.split()[0].upper() == "SELECT"])

    # auth, the version check, then (not cached yet) batch, package, artifacts, submission,
    # notifications, events
    assert count(small_plan["exportId"]) == count(large_plan["exportId"]) == 8


def test_generation_failure_marks_the_batch_failed(flow, app, db):
    plan, (oid,) = planned(flow)
    store_root = app.state.store.root
    store_root.parent.mkdir(parents=True, exist_ok=True)
    store_root.write_text("not a directory")  # the artifact store cannot write
    r = execute(flow.api, plan["exportId"], key="exec-fails")
    body = error(r, 500, "INTERNAL_ERROR")
    assert body["details"] == {"exportId": plan["exportId"], "currentState": "FAILED"}
    inspect = flow.api.get(f"/api/exports/{plan['exportId']}").json()
    assert inspect["state"] == "FAILED" and inspect["customsPackage"] is None
    assert inspect["events"][-1]["type"] == "EXPORT_FAILED"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(BrokerSubmission)) == 0
    store_root.unlink()
    # the orders are free again: a new plan includes and executes them
    again = flow.plan([oid]).json()
    assert again["included_order_ids"] == [oid]
    assert execute(flow.api, again["exportId"]).json()["status"] == "COMPLETED"
    error(execute(flow.api, plan["exportId"], key="exec-fails"), 409, "INVALID_EXPORT_STATE")


def test_demo_products_plan_to_the_guide_states(api):
    """The guide's product is REVIEW_REQUIRED with METALS_REVIEW_RECOMMENDED (see demo.py)."""
    from entrygo.demo import PRODUCTS

    data = api.sync_products(*PRODUCTS).json()["data"]
    assert [p["readiness"]["state"] for p in data] == ["REVIEW_REQUIRED", "READY", "BLOCKED"]
    assert [m["code"] for m in data[0]["readiness"]["messages"]] == [
        "METALS_REVIEW_RECOMMENDED"]



def test_inspect_cache_follows_every_change(flow, app, world):
    """A cached rendering is only ever served for the version it was rendered at."""
    plan, _ = planned(flow)
    batch = plan["exportId"]
    first = flow.api.get(f"/api/exports/{batch}")
    assert first.content == flow.api.get(f"/api/exports/{batch}").content  # served from cache
    cancelled = flow.api.post(f"/api/exports/{batch}/cancel")
    assert flow.api.get(f"/api/exports/{batch}").json()["state"] == "CANCELLED"
    assert flow.api.get(f"/api/exports/{batch}").content == cancelled.content
    # another process's change (here: a second app on the same database) is seen too
    other_app_key = world.key(flow.api.account_id)
    from entrygo.app import create_app

    other = create_app(app.state.settings)
    with TestClient(other) as c:
        plan2 = c.post("/api/exports/plan", headers={"authorization": f"Bearer {other_app_key}"},
                       json={"accountId": flow.api.account_id, "warehouseId": flow.api.warehouse_id,
                             "brokerId": flow.api.broker_id,
                             "orderIds": plan["included_order_ids"]}).json()
        assert flow.api.get(f"/api/exports/{plan2['exportId']}").json()["state"] == "PLANNED"
        c.post("/api/exports/execute", headers={"authorization": f"Bearer {other_app_key}"},
               json={"accountId": flow.api.account_id, "batchId": plan2["exportId"]})
    other.state.db.dispose()
    done = flow.api.get(f"/api/exports/{plan2['exportId']}").json()
    assert done["state"] == "COMPLETED" and done["brokerSubmission"]["status"] == "sent"


def test_security_headers_on_every_kind_of_response(flow, client):
    """nosniff on JSON, HTML, CSV and PDF; no-store on API JSON (downloads keep their own
    caching: the bytes under a sha256 never change)."""
    plan, _ = planned(flow)
    done = execute(flow.api, plan["exportId"]).json()
    package = done["customs_package_id"]
    downloads = [flow.api.get(f"/api/customs-packages/{package}/artifacts/{name}")
                 for name in ("commercial_invoice.pdf", "entry_lines.csv", "manifest.json")]
    api_json = [flow.api.get(f"/api/exports/{plan['exportId']}"), flow.api.get("/api/orders"),
                flow.api.get("/api/exports/batch_nope"), client.get("/api/system/health")]
    pages = [client.get("/docs"), client.get("/docs/api/openapi")]
    for response in downloads + api_json + pages:
        assert response.headers["x-content-type-options"] == "nosniff", response.url
    for response in api_json:
        assert response.headers["cache-control"] == "no-store", response.url
    assert [r.status_code for r in api_json] == [200, 200, 404, 401]
    assert [r.headers["content-type"] for r in downloads] == [
        "application/pdf", "text/csv; charset=utf-8", "application/json"]
    for response in downloads:
        assert response.headers["cache-control"] == "private, max-age=31536000, immutable"
