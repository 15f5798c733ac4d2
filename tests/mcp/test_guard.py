"""The operator's guard in front of the agent, through the ``mcp`` SDK's client against a live
EntryGo server: it refuses executing a BLOCKED plan, a plan over the value ceiling and a stale
planHash, a tool outside the policy and any execute when execution is off. Each refusal is
structured (code, reason, what would allow it) and is an AGENT_CALL_REFUSED event with the
agent's identity in the account's feed, delivered to a webhook subscriber like any event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from entrygo.client import EntryGo
from entrygo.events.schemas import AgentCallRefusedEvent
from tests.mcp.agent import AGENT_ID, CLIENT, Agent, McpServer, Shop
from tests.support import WebhookReceiver
from tests.support.world import product

ACCEPTING = {"allow_execute": True, "allow_review_required": True,
             "acceptable_codes": ["CONSIGNEE_INCOMPLETE", "METALS_REVIEW_RECOMMENDED",
                                  "PARCEL_DATA_MISSING"]}
IDENTITY = {"id": AGENT_ID, "clientName": CLIENT.name, "clientVersion": CLIENT.version}


@pytest.fixture
def receiver() -> Any:
    r = WebhookReceiver().start()
    yield r
    r.stop()


def refusals(sdk: EntryGo) -> list[AgentCallRefusedEvent]:
    """The AGENT_CALL_REFUSED events of the feed, oldest first."""
    found = list(sdk.events.list(types=["AGENT_CALL_REFUSED"]))
    assert all(isinstance(e, AgentCallRefusedEvent) for e in found)
    return [e for e in reversed(found) if isinstance(e, AgentCallRefusedEvent)]


def planned(agent: Agent, shop: Shop, order_id: str) -> Any:
    return agent.ok("plan_export", warehouse_id=shop.warehouse_id, broker_id=shop.broker_id,
                    order_ids=[order_id], dry_run=False)


def test_a_blocked_plan_is_never_executed(mcp_server: Callable[..., McpServer], shop: Shop,
                                          smtp: Any, receiver: WebhookReceiver) -> None:
    with shop.sdk() as sdk:
        hook = sdk.webhook_endpoints.create(url=receiver.url,
                                            enabled_events=["AGENT_CALL_REFUSED"])
        [bare] = sdk.products.sync([product("SKU-NO-HTS", htsCode=None)])

    async def session(agent: Agent) -> tuple[dict[str, Any], dict[str, Any]]:
        [order] = (await agent.ok("sync_orders", orders=[shop.order(
            "ord-blocked", product_id=bare.id)]))["orders"]
        plan = await planned(agent, shop, order["id"])
        review = await agent.ok("review_readiness", export_id=plan["exportId"])
        refusal = await agent.refused("execute_export", export_id=plan["exportId"],
                                      plan_hash=review["planHash"])
        return review, refusal

    review, refusal = mcp_server("stdio", ACCEPTING).run(session)

    # the decision surface said so before the agent tried
    assert review["readinessState"] == "BLOCKED"
    assert review["nextRecommendedAction"] == "fix_blocking_issues_then_replan"
    assert review["nextStep"].startswith("Do not execute")
    hts = review["codes"][0]
    assert (hts["code"], hts["severity"], hts["productIds"]) == ("HTS_MISSING", "blocking",
                                                                  [bare.id])
    assert "PATCH /api/products/{id}" in hts["whatToFix"] and "never invent" in hts["whatToFix"]
    assert review["policy"]["executeAllowed"] is False
    assert [v["code"] for v in review["policy"]["violations"]] == ["READINESS_BLOCKED"]

    # the refusal: what to branch on, why, what would allow it, who was refused
    assert refusal["tool"] == "execute_export" and refusal["code"] == "READINESS_BLOCKED"
    assert refusal["details"] == {"blockingCodes": ["HTS_MISSING"]}
    assert "plan again" in refusal["allowedIf"]
    assert refusal["exportId"] == review["exportId"] and refusal["agent"] == {
        "id": AGENT_ID, "clientName": CLIENT.name, "clientVersion": CLIENT.version}
    assert refusal["eventId"].startswith("evt_") and refusal["recordError"] is None

    with shop.sdk() as sdk:
        [event] = refusals(sdk)
        assert event.id == refusal["eventId"] and event.export_id is None
        assert event.data.model_dump(by_alias=True, exclude_none=True) == {
            "tool": "execute_export", "code": "READINESS_BLOCKED", "reason": refusal["reason"],
            "agent": IDENTITY, "exportId": review["exportId"],
            "details": {"blockingCodes": ["HTS_MISSING"], "violations": ["READINESS_BLOCKED"]}}
        assert sdk.exports.inspect(review["exportId"]).state == "PLANNED"  # nothing executed
    assert smtp.accepted == []

    # a webhook subscriber gets it like any event, signed
    receiver.wait_for(lambda: len(receiver.received) == 1)
    delivered = receiver.received[0].verify(hook.secret)
    assert delivered["id"] == refusal["eventId"] and delivered["type"] == "AGENT_CALL_REFUSED"
    assert delivered["data"]["agent"] == IDENTITY


def test_a_plan_over_the_value_ceiling_or_the_batch_size_is_refused(
        mcp_server: Callable[..., McpServer], shop: Shop, smtp: Any) -> None:
    policy = {**ACCEPTING, "max_batch_value_usd": 100, "max_orders_per_batch": 1}

    async def session(agent: Agent) -> tuple[dict[str, Any], ...]:
        synced = await agent.ok("sync_orders", orders=[shop.order("ord-1"),
                                                       shop.order("ord-2")])
        first, second = (o["id"] for o in synced["orders"])
        too_many = await agent.refused("plan_export", warehouse_id=shop.warehouse_id,
                                       broker_id=shop.broker_id, order_ids=[first, second])
        plan = await planned(agent, shop, first)
        review = await agent.ok("review_readiness", export_id=plan["exportId"])
        over = await agent.refused("execute_export", export_id=plan["exportId"],
                                   plan_hash=plan["planHash"])
        return too_many, plan, review, over

    too_many, plan, review, over = mcp_server("http", policy).run(session)

    assert too_many["code"] == "ORDER_LIMIT_EXCEEDED" and too_many["tool"] == "plan_export"
    assert too_many["details"] == {"orderCount": 2, "maxOrdersPerBatch": 1}
    assert too_many["setting"] == "max_orders_per_batch"
    assert review["readinessState"] == "REVIEW_REQUIRED"
    assert [v["code"] for v in review["policy"]["violations"]] == ["VALUE_CEILING_EXCEEDED"]
    assert over["code"] == "VALUE_CEILING_EXCEEDED" and over["setting"] == "max_batch_value_usd"
    assert over["details"] == {"valueUsd": 110.0, "maxBatchValueUsd": 100.0}
    assert "110 USD" in over["reason"] and "smaller batches" in over["allowedIf"]

    with shop.sdk() as sdk:
        events = refusals(sdk)
        assert [(e.data.tool, e.data.code, e.data.export_id) for e in events] == [
            ("plan_export", "ORDER_LIMIT_EXCEEDED", None),
            ("execute_export", "VALUE_CEILING_EXCEEDED", plan["exportId"])]
        assert [e.id for e in events] == [too_many["eventId"], over["eventId"]]
        assert all(e.data.agent.model_dump(by_alias=True) == IDENTITY for e in events)
        assert sdk.exports.inspect(plan["exportId"]).state == "PLANNED"
    assert smtp.accepted == []


def test_a_stale_plan_hash_is_refused_and_the_current_plan_executes_once_reviewed(
        mcp_server: Callable[..., McpServer], shop: Shop, smtp: Any) -> None:
    async def session(agent: Agent) -> tuple[Any, ...]:
        [order] = (await agent.ok("sync_orders", orders=[shop.order()]))["orders"]
        first = await planned(agent, shop, order["id"])  # the plan the agent reviewed

        # meanwhile the order changes and the batch is planned again
        changed = shop.order(items=[{"productId": shop.product_id, "quantity": 2,
                                     "unitValueUsd": 110}])
        assert (await agent.ok("sync_orders", orders=[changed]))["updated"] == 1
        again = await agent.ok("plan_export", warehouse_id=shop.warehouse_id,
                               broker_id=shop.broker_id, order_ids=[order["id"]],
                               dry_run=False, batch_id=first["exportId"])
        assert again["exportId"] == first["exportId"]
        assert again["planHash"] != first["planHash"]

        unbound = await agent.refused("execute_export", export_id=first["exportId"])
        stale = await agent.refused("execute_export", export_id=first["exportId"],
                                    plan_hash=first["planHash"])
        review = await agent.ok("review_readiness", export_id=first["exportId"])
        done = await agent.ok("execute_export", export_id=first["exportId"],
                              plan_hash=review["planHash"])
        return first, again, unbound, stale, done

    first, again, unbound, stale, done = mcp_server("stdio", ACCEPTING).run(session)

    assert unbound["code"] == "PLAN_HASH_REQUIRED" and unbound["setting"] == "require_plan_hash"
    assert stale["code"] == "PLAN_HASH_STALE"
    assert stale["details"] == {"providedPlanHash": first["planHash"],
                                "storedPlanHash": again["planHash"]}
    assert "review_readiness" in stale["allowedIf"]
    assert done["planHash"] == again["planHash"] and done["state"] == "COMPLETED"
    with shop.sdk() as sdk:
        assert [(e.data.code, e.data.export_id) for e in refusals(sdk)] == [
            ("PLAN_HASH_REQUIRED", first["exportId"]), ("PLAN_HASH_STALE", first["exportId"])]
    assert [m["To"] for m in smtp.accepted].count("broker@example.com") == 1


def test_execution_off_and_tools_outside_the_policy_are_refused(
        mcp_server: Callable[..., McpServer], shop: Shop) -> None:
    # a JSON policy file that allows execution, overridden by the environment
    policy = {"agent_id": "from-the-file", "allow_execute": True,
              "tools": ["sync_orders", "plan_export", "review_readiness", "execute_export"]}
    server = mcp_server("stdio", policy, as_json=True,
                        env={"ENTRYGO_MCP_ALLOW_EXECUTE": "false"})

    async def session(agent: Agent) -> tuple[Any, ...]:
        tools = {t.name: t for t in (await agent.session.list_tools()).tools}
        [order] = (await agent.ok("sync_orders", orders=[shop.order()]))["orders"]
        plan = await planned(agent, shop, order["id"])
        off = await agent.refused("execute_export", export_id=plan["exportId"],
                                  plan_hash=plan["planHash"])
        outside = await agent.refused("inspect_export", export_id=plan["exportId"])
        return tools, plan, off, outside

    tools, plan, off, outside = server.run(session)

    assert tools["inspect_export"].description.startswith("NOT ALLOWED")
    assert not tools["execute_export"].description.startswith("NOT ALLOWED")
    assert off["code"] == "EXECUTE_DISABLED" and off["setting"] == "allow_execute"
    assert outside["code"] == "TOOL_NOT_ALLOWED" and outside["setting"] == "tools"
    assert "inspect_export" in outside["allowedIf"]
    assert outside["details"]["allowedTools"] == policy["tools"]
    assert off["agent"]["id"] == AGENT_ID  # --agent-id over the file's agent_id
    with shop.sdk() as sdk:
        assert [(e.data.tool, e.data.code) for e in refusals(sdk)] == [
            ("execute_export", "EXECUTE_DISABLED"), ("inspect_export", "TOOL_NOT_ALLOWED")]
        assert sdk.exports.inspect(plan["exportId"]).state == "PLANNED"


def test_a_refusal_stands_when_it_cannot_be_recorded(tmp_path: Any) -> None:
    """The guard fails closed: with EntryGo unreachable the call is still refused, and the
    refusal says it is not in the feed."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}"
    shop = Shop(nowhere, "shpbndl_live_" + "x" * 40, "acc_1", "wh_1", "br_1", "prod_1")

    async def session(agent: Agent) -> dict[str, Any]:
        return await agent.refused("execute_export", export_id="batch_1",
                                   plan_hash="planhash_" + "0" * 64)

    refusal = McpServer("stdio", shop, None, tmp_path).run(session)
    assert refusal["code"] == "EXECUTE_DISABLED" and refusal["eventId"] is None
    assert refusal["recordError"].startswith("the refusal could not be recorded")
