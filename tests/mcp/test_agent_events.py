"""POST /api/agent-events: what an automation client reports about its agents (a refused
call) becomes an AGENT_CALL_REFUSED event of the account's feed: validated, idempotent under
an Idempotency-Key, scoped to the key's account and warehouse, in the published contract."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import check, error

REPORT = {"type": "AGENT_CALL_REFUSED",
          "agent": {"id": "wms-night-agent", "clientName": "claude-ai", "clientVersion": "0.9"},
          "tool": "execute_export", "code": "VALUE_CEILING_EXCEEDED",
          "reason": "The batch is worth 3120.50 USD; this agent may execute at most 2500 USD.",
          "exportId": "batch_123", "details": {"valueUsd": 3120.5, "maxBatchValueUsd": 2500}}


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    return client.get("/docs/api/openapi").json()


def report(api: Any, key: str | None = "refusal-1", **changes: Any) -> Any:
    headers = {"idempotency-key": key} if key else None
    return api.post("/api/agent-events", {"accountId": api.account_id, **REPORT, **changes},
                    headers=headers)


def test_a_report_is_an_event_of_the_feed(api: Any, spec: dict[str, Any]) -> None:
    r = report(api, key=None)
    assert r.status_code == 201, r.text
    check(spec, "post", "/api/agent-events", 201, r.json())
    event = r.json()
    assert event["id"].startswith("evt_") and event["type"] == "AGENT_CALL_REFUSED"
    assert event["exportId"] is None and event["livemode"] is True
    assert event["requestId"] == r.headers["x-request-id"]
    assert event["data"] == {key: REPORT[key] for key in
                             ("tool", "code", "reason", "agent", "exportId", "details")}

    feed = api.get("/api/events?type=AGENT_CALL_REFUSED").json()
    check(spec, "get", "/api/events", 200, feed)
    assert feed["data"] == [event]
    assert api.get(f"/api/events/{event['id']}").json() == event

    # what is not given is left out, never null
    bare = report(api, key="refusal-2", agent={}, exportId=None, details=None)
    assert bare.status_code == 201, bare.text
    assert bare.json()["data"] == {"tool": "execute_export", "code": "VALUE_CEILING_EXCEEDED",
                                   "reason": REPORT["reason"], "agent": {}}
    check(spec, "post", "/api/agent-events", 201, bare.json())


def test_a_retry_with_the_same_key_records_it_once(api: Any) -> None:
    first = report(api)
    again = report(api)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len(api.get("/api/events?type=AGENT_CALL_REFUSED").json()["data"]) == 1
    error(report(api, code="EXECUTE_DISABLED"), 409, "IDEMPOTENCY_CONFLICT")


def test_reports_are_validated(api: Any) -> None:
    wrong: list[tuple[dict[str, Any], str]] = [
        ({"code": "value ceiling"}, "code"), ({"type": "ORDERS_SYNCED"}, "type"),
        ({"tool": ""}, "tool"), ({"reason": "x" * 1001}, "reason"),
        ({"details": ["not", "an", "object"]}, "details"), ({"agent": {"id": 7}}, "agent.id")]
    for changes, path in wrong:
        body = error(report(api, key=None, **changes), 400, "VALIDATION_ERROR")
        assert path in {i["path"] for i in body["details"]["issues"]}, (changes, body)
    missing = api.post("/api/agent-events", {"accountId": api.account_id, "type":
                                             "AGENT_CALL_REFUSED"})
    paths = {i["path"] for i in error(missing, 400, "VALIDATION_ERROR")["details"]["issues"]}
    assert {"agent", "tool", "code", "reason"} <= paths
    assert api.get("/api/events?type=AGENT_CALL_REFUSED").json()["data"] == []


def test_a_report_belongs_to_the_keys_account_and_warehouse(api: Any, world: Any) -> None:
    other = world.tenant(api.client, "Other merchant")
    error(report(api, accountId=other.account_id), 403, "INVALID_ACCOUNT_SCOPE", "accountId")
    assert other.get("/api/events?type=AGENT_CALL_REFUSED").json()["data"] == []

    dock = api.as_key(world.key(api.account_id, warehouse_id=api.warehouse_id))
    second = world.warehouse(api.account_id, name="Second DC")
    elsewhere = api.as_key(world.key(api.account_id, warehouse_id=second))
    made = report(dock, key="dock-refusal")
    assert made.status_code == 201, made.text
    assert [e["id"] for e in dock.get("/api/events?type=AGENT_CALL_REFUSED").json()["data"]
            ] == [made.json()["id"]]
    assert elsewhere.get("/api/events?type=AGENT_CALL_REFUSED").json()["data"] == []
    assert [e["id"] for e in api.get("/api/events?type=AGENT_CALL_REFUSED").json()["data"]
            ] == [made.json()["id"]]  # the account's unrestricted key sees every warehouse's


def test_webhook_endpoints_can_subscribe_to_refusals(api: Any) -> None:
    r = api.post("/api/webhook-endpoints", {"accountId": api.account_id,
                                            "url": "http://127.0.0.1:9/hooks",
                                            "enabledEvents": ["AGENT_CALL_REFUSED"]})
    assert r.status_code == 201, r.text
    assert r.json()["enabledEvents"] == ["AGENT_CALL_REFUSED"]
