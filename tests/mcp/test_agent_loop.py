"""An agent's session with ``entrygo mcp`` (the ``mcp`` SDK's own client), over stdio and over
streamable HTTP, against a live EntryGo server over real HTTP with a real SMTP server: the
first-export guide's order synced, planned, reviewed and executed under an operator's policy
that accepts its warnings."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest

from entrygo.events.schemas import ExportExecutedEvent
from entrygo.mcp.resources import read_page
from tests.mcp.agent import AGENT_ID, CLIENT, Agent, HttpMcp, McpServer, Shop

GUIDE_WARNINGS = ["CONSIGNEE_INCOMPLETE", "METALS_REVIEW_RECOMMENDED", "PARCEL_DATA_MISSING"]
TOOLS = {"sync_orders", "plan_export", "review_readiness", "execute_export", "inspect_export",
         "get_customs_package", "list_products_needing_data"}
POLICY = {"allow_execute": True, "allow_review_required": True,
          "acceptable_codes": GUIDE_WARNINGS, "max_batch_value_usd": 2500,
          "max_orders_per_batch": 500}


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_an_agent_syncs_plans_reviews_and_executes_the_guides_order(
        transport: str, mcp_server: Callable[..., McpServer], shop: Shop, smtp: Any) -> None:
    server = mcp_server(transport, POLICY)

    async def session(agent: Agent) -> dict[str, Any]:
        # what the agent is offered: seven typed tools, the docs, the catalogue, its policy
        tools = {t.name: t for t in (await agent.session.list_tools()).tools}
        assert set(tools) == TOOLS
        assert all(t.outputSchema for t in tools.values())
        execute, inspect = tools["execute_export"], tools["inspect_export"]
        assert execute.annotations is not None and execute.annotations.destructiveHint is True
        assert inspect.annotations is not None and inspect.annotations.readOnlyHint is True
        assert "externalId" in json.dumps(tools["sync_orders"].inputSchema)  # the API's shape
        resources = {str(r.uri) for r in (await agent.session.list_resources()).resources}
        assert {"entrygo://docs/guides/automation-agents", "entrygo://docs/guides/first-export",
                "entrygo://docs/api/errors", "entrygo://readiness/catalogue",
                "entrygo://policy"} <= resources
        guide = await agent.read("entrygo://docs/guides/first-export")
        assert guide.startswith("# ") and "planHash" in guide
        rules = json.loads(await agent.read("entrygo://readiness/catalogue"))
        metals = next(r for r in rules["rules"] if r["code"] == "METALS_REVIEW_RECOMMENDED")
        assert metals["severity"] == "warning" and metals["field"] == "htsCode"
        assert json.loads(await agent.read("entrygo://policy"))["acceptable_codes"] == (
            GUIDE_WARNINGS)

        # 3. sync the guide's order
        synced = await agent.ok("sync_orders", orders=[shop.order()],
                                idempotency_key="agent-orders-001")
        assert synced["created"] == 1
        [order] = synced["orders"]
        assert order["id"].startswith("ord_") and order["totalValueUsd"] == 110

        # 4. plan: a dry run first (nothing stored), then the batch; the same planHash
        look = await agent.ok("plan_export", warehouse_id=shop.warehouse_id,
                              broker_id=shop.broker_id, order_ids=[order["id"]])
        assert look["dryRun"] is True and look["exportId"] is None and look["policy"] is None
        assert "dry_run false" in look["nextStep"]
        plan = await agent.ok("plan_export", warehouse_id=shop.warehouse_id,
                              broker_id=shop.broker_id, order_ids=[order["id"]], dry_run=False)
        assert plan["exportId"].startswith("batch_") and plan["planHash"] == look["planHash"]

        # 5. review: the decision surface of the stored plan, and the guard's verdict
        review = await agent.ok("review_readiness", export_id=plan["exportId"])
        assert review["readinessState"] == "REVIEW_REQUIRED"
        assert review["nextRecommendedAction"] == "review_flags_then_execute"
        assert review["planHash"] == plan["planHash"] and review["state"] == "PLANNED"
        codes = {g["code"]: g for g in review["codes"]}
        assert [g["severity"] for g in review["codes"]] == sorted(
            (g["severity"] for g in review["codes"]),
            key=["blocking", "warning", "info"].index)
        metals_group = codes["METALS_REVIEW_RECOMMENDED"]
        assert metals_group["productIds"] == [shop.product_id]
        assert metals_group["orderIds"] == [order["id"]]
        assert "Review it" in metals_group["whatToFix"]
        assert codes["DE_MINIMIS_UNAVAILABLE"]["severity"] == "info"
        assert review["flags"] == ["SECTION_232_STEEL"]
        assert review["totals"]["valueUsd"] == 110
        assert review["policy"] == {"executeAllowed": True, "violations": []}
        assert plan["exportId"] in review["nextStep"] and "execute_export" in review["nextStep"]

        # 6. execute the plan reviewed
        done = await agent.ok("execute_export", export_id=plan["exportId"],
                              plan_hash=review["planHash"])
        assert done["state"] == "COMPLETED" and done["planHash"] == plan["planHash"]
        assert done["brokerSubmission"]["status"] == "sent"
        assert done["acknowledgedCodes"] == GUIDE_WARNINGS
        assert AGENT_ID in done["reviewedBy"] and CLIENT.name in done["reviewedBy"]
        again = await agent.ok("execute_export", export_id=plan["exportId"],
                               plan_hash=review["planHash"])
        assert again["customsPackageId"] == done["customsPackageId"]  # a replay, not a second

        # 7. inspect, 8. the customs package
        state = await agent.ok("inspect_export", export_id=plan["exportId"])
        assert state["state"] == "COMPLETED"
        assert state["customsPackageState"] == "sent_to_broker"
        assert {"EXPORT_PLANNED", "EXPORT_EXECUTED", "BROKER_NOTIFIED"} <= {
            e["type"] for e in state["timeline"]}
        package = await agent.ok("get_customs_package", package_id=done["customsPackageId"])
        assert package["exportBatchId"] == plan["exportId"]
        assert {"manifest.json", "commercial_invoice.pdf"} <= {
            a["filename"] for a in package["artifacts"]}
        assert all(len(a["sha256"]) == 64 for a in package["artifacts"])

        # EntryGo's own errors come back structured, with what to do
        missing = await agent.failed("inspect_export", export_id="batch_nope")
        assert missing["errorCode"] == "NOT_FOUND" and missing["status"] == 404
        assert "do not guess ids" in missing["agentAction"]
        bad = await agent.failed("sync_orders", orders=[{"externalId": "x"}])
        assert bad["errorCode"] == "VALIDATION_ERROR"
        assert {i["path"] for i in bad["details"]["issues"]} >= {"items.0.destinationCountry"}
        return done

    done = server.run(session)

    # the broker got the package by real SMTP, once
    assert [m["To"] for m in smtp.accepted].count("broker@example.com") == 1
    # the export records who reviewed it and which warnings were accepted
    with shop.sdk() as sdk:
        [executed] = list(sdk.events.list(types=["EXPORT_EXECUTED"],
                                          export_id=done["exportId"]))
        assert isinstance(executed, ExportExecutedEvent)
        assert executed.data.reviewed_by == done["reviewedBy"]
        assert executed.data.acknowledged_codes == GUIDE_WARNINGS
        assert list(sdk.events.list(types=["AGENT_CALL_REFUSED"])) == []


def test_products_needing_data_lists_what_blocks_them(
        mcp_server: Callable[..., McpServer], shop: Shop) -> None:
    from tests.support.world import product

    with shop.sdk() as sdk:
        [bare] = sdk.products.sync([product("SKU-BARE", htsCode=None, mid=None,
                                            manufacturer=None)])

    async def session(agent: Agent) -> dict[str, Any]:
        return await agent.ok("list_products_needing_data")

    found = mcp_server("stdio", None).run(session)
    assert found["complete"] is True and found["scanned"] == 2
    [needs] = found["products"]
    assert needs["id"] == bare.id and needs["readinessState"] == "BLOCKED"
    assert {"HTS_MISSING", "MID_MISSING"} <= {n["code"] for n in needs["needs"]}
    assert {n["severity"] for n in needs["needs"]} == {"blocking"}
    assert "Never invent" in found["rule"]


def test_the_http_transport_needs_its_token(mcp_server: Callable[..., McpServer]) -> None:
    server = mcp_server("http", None)
    process = HttpMcp(server.env(), server.folder / "mcp-http.log").start()
    try:
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "x", "version": "1"}}}
        headers = {"accept": "application/json, text/event-stream"}
        assert httpx.post(process.url, json=body, headers=headers).status_code == 401
        wrong = httpx.post(process.url, json=body,
                           headers={**headers, "authorization": "Bearer wrong"})
        assert wrong.status_code == 401
        right = httpx.post(process.url, json=body,
                           headers={**headers, "authorization": f"Bearer {process.token}"})
        assert right.status_code == 200
    finally:
        process.stop()


def test_without_the_docs_folder_pages_are_read_from_the_server(server: str) -> None:
    """An installation without the checkout serves the agent the page EntryGo serves."""
    page = anyio.run(read_page, "guides/not-in-this-installation.md",
                     f"{server}/docs/guides/automation-agents")
    assert page.startswith("Automation clients and agents\n")
    assert "execute_export" in page and "<" not in page.split("\n", 1)[0]
