"""The operator's policy: loaded from TOML or JSON under environment overrides, refused at
start when a setting is wrong, and the guard's judgement of plans against it (pure: no server
needed), with the decision surface's "what to fix"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from entrygo.cli import app
from entrygo.exports.schemas import PlanFields, TotalsOut, ValidationMessageOut
from entrygo.mcp.policy import (
    TOOLS,
    Policy,
    PolicyError,
    execution_violations,
    load_policy,
    planning_violations,
)
from entrygo.mcp.review import grouped

HASH = "planhash_" + "a" * 64
FULL = """
agent_id = "wms-night-agent"
tools = ["sync_orders", "plan_export", "review_readiness", "execute_export", "inspect_export"]
allow_execute = true
allow_review_required = true
acceptable_codes = ["METALS_REVIEW_RECOMMENDED", "CN_SECTION_301_REVIEW"]
max_batch_value_usd = 2500.50
max_orders_per_batch = 500
require_plan_hash = true
"""


@pytest.fixture(autouse=True)
def no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the environment a test sets applies."""
    import os

    for name in [n for n in os.environ if n.startswith("ENTRYGO_MCP_")]:
        monkeypatch.delenv(name)


def plan(state: str = "READY", value: float = 110, orders: int = 1,
         codes: dict[str, str] | None = None, plan_hash: str = HASH) -> PlanFields:
    """A stored plan as the guard reads it (only the fields it judges)."""
    messages = [ValidationMessageOut.model_construct(code=code, severity=severity,
                                                     message=f"{code} found", scope="order",
                                                     order_id="ord_1", product_id=None,
                                                     field=None)
                for code, severity in (codes or {}).items()]
    return PlanFields.model_construct(
        livemode=True, plan_hash=plan_hash, readiness_state=state, validation_messages=messages,
        totals=TotalsOut(order_count=orders, line_count=orders, unit_count=1, value_usd=value,
                         net_weight_kg=0.4))


def test_every_setting_from_toml_and_json(tmp_path: Path) -> None:
    toml_file = tmp_path / "policy.toml"
    toml_file.write_text(FULL)
    policy = load_policy(toml_file)
    assert policy.agent_id == "wms-night-agent" and policy.allow_execute
    assert policy.tools == TOOLS[:5] and policy.acceptable_codes == (
        "METALS_REVIEW_RECOMMENDED", "CN_SECTION_301_REVIEW")
    assert str(policy.max_batch_value_usd) == "2500.5" and policy.max_orders_per_batch == 500
    json_file = tmp_path / "policy.json"
    json_file.write_text('{"allow_execute": true, "acceptable_codes": ["UFLPA_REVIEW"]}')
    assert load_policy(json_file).acceptable_codes == ("UFLPA_REVIEW",)


def test_the_defaults_read_sync_and_plan_but_never_execute() -> None:
    policy = load_policy(None)
    assert policy.tools == TOOLS and not policy.allow_execute
    assert not policy.allow_review_required and policy.require_plan_hash
    assert policy.max_batch_value_usd is None and policy.acceptable_codes == ()
    assert [v.code for v in execution_violations(policy, HASH, plan())] == ["EXECUTE_DISABLED"]


def test_the_environment_overrides_the_file(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "policy.toml"
    file.write_text(FULL)
    monkeypatch.setenv("ENTRYGO_MCP_ALLOW_EXECUTE", "false")
    monkeypatch.setenv("ENTRYGO_MCP_ACCEPTABLE_CODES", "UFLPA_REVIEW, VALUE_OUTLIER")
    monkeypatch.setenv("ENTRYGO_MCP_TOOLS", "review_readiness,inspect_export")
    monkeypatch.setenv("ENTRYGO_MCP_MAX_BATCH_VALUE_USD", "1000")
    policy = load_policy(file)
    assert not policy.allow_execute and policy.allow_review_required  # the rest from the file
    assert policy.acceptable_codes == ("UFLPA_REVIEW", "VALUE_OUTLIER")
    assert policy.tools == ("review_readiness", "inspect_export")
    assert str(policy.max_batch_value_usd) == "1000"


@pytest.mark.parametrize(("text", "says"), [
    ("alow_execute = true", "alow_execute: Extra inputs are not permitted"),
    ('tools = ["execute"]', "unknown tools ['execute']"),
    ('acceptable_codes = ["METALS_REVIEW"]', "METALS_REVIEW is not a readiness code"),
    ('acceptable_codes = ["HTS_MISSING"]', "HTS_MISSING is blocking, not a warning"),
    ("max_batch_value_usd = 0", "max_batch_value_usd: Input should be greater than 0"),
    ("allow_execute = ", "is not valid"),
])
def test_a_wrong_setting_stops_the_server(tmp_path: Path, text: str, says: str) -> None:
    file = tmp_path / "policy.toml"
    file.write_text(text)
    with pytest.raises(PolicyError) as refused:
        load_policy(file)
    assert says in str(refused.value)
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load_policy(tmp_path / "missing.toml")

    ran = CliRunner().invoke(app, ["mcp", "--policy", str(file), "--api-key", "k"])
    assert ran.exit_code == 2 and says in ran.output


def test_http_beyond_loopback_needs_a_token() -> None:
    ran = CliRunner().invoke(app, ["mcp", "--transport", "http", "--host", "0.0.0.0",
                                   "--api-key", "k"])
    assert ran.exit_code == 2 and "--http-token" in ran.output
    ran = CliRunner().invoke(app, ["mcp", "--transport", "sse", "--api-key", "k"])
    assert ran.exit_code == 2 and "--transport must be stdio or http" in ran.output
    ran = CliRunner().invoke(app, ["mcp"], env={"ENTRYGO_API_KEY": ""})
    assert ran.exit_code == 2 and "no API key" in ran.output


def executing(**settings: Any) -> Policy:
    return Policy(allow_execute=True, **settings)


def codes(policy: Policy, given: str | None, stored: PlanFields) -> list[str]:
    return [v.code for v in execution_violations(policy, given, stored)]


def test_only_ready_plans_unless_review_is_allowed_for_the_codes_present() -> None:
    warned = plan("REVIEW_REQUIRED", codes={"METALS_REVIEW_RECOMMENDED": "warning",
                                            "UFLPA_REVIEW": "warning",
                                            "DE_MINIMIS_UNAVAILABLE": "info"})
    assert codes(executing(), HASH, plan("READY")) == []
    assert codes(executing(), HASH, warned) == ["REVIEW_REQUIRED_NOT_ALLOWED"]
    partly = executing(allow_review_required=True, acceptable_codes=["METALS_REVIEW_RECOMMENDED"])
    [refusal] = execution_violations(partly, HASH, warned)
    assert refusal.code == "CODES_NOT_ACCEPTED"
    assert refusal.details["unacceptedCodes"] == ["UFLPA_REVIEW"]
    both = executing(allow_review_required=True,
                     acceptable_codes=["METALS_REVIEW_RECOMMENDED", "UFLPA_REVIEW"])
    assert codes(both, HASH, warned) == []
    blocked = plan("BLOCKED", codes={"HTS_MISSING": "blocking", "UFLPA_REVIEW": "warning"})
    [refusal] = execution_violations(both, HASH, blocked)
    assert (refusal.code, refusal.details) == ("READINESS_BLOCKED",
                                               {"blockingCodes": ["HTS_MISSING"]})


def test_the_ceiling_the_batch_size_and_the_plan_hash() -> None:
    policy = executing(max_batch_value_usd="110", max_orders_per_batch=2)
    assert codes(policy, HASH, plan(value=110, orders=2)) == []  # at the limits is allowed
    assert codes(policy, HASH, plan(value=110.01)) == ["VALUE_CEILING_EXCEEDED"]
    assert codes(policy, HASH, plan(orders=3)) == ["ORDER_LIMIT_EXCEEDED"]
    assert codes(policy, None, plan()) == ["PLAN_HASH_REQUIRED"]
    assert codes(policy, "planhash_old", plan(value=200, orders=3)) == [
        "PLAN_HASH_STALE", "VALUE_CEILING_EXCEEDED", "ORDER_LIMIT_EXCEEDED"]
    assert codes(executing(require_plan_hash=False), None, plan()) == []
    assert [v.code for v in planning_violations(policy, 3)] == ["ORDER_LIMIT_EXCEEDED"]
    assert planning_violations(policy, 2) == []


def test_findings_are_grouped_by_code_with_what_to_fix() -> None:
    def found(code: str, severity: str, scope: str, **where: Any) -> ValidationMessageOut:
        return ValidationMessageOut.model_construct(
            code=code, severity=severity, message=f"{code} here", scope=scope,
            order_id=where.get("order_id"), product_id=where.get("product_id"),
            field=where.get("field"), reference=None, order_ids=where.get("order_ids"))

    groups = grouped([
        found("DE_MINIMIS_UNAVAILABLE", "info", "batch"),
        found("METALS_REVIEW_RECOMMENDED", "warning", "line", order_id="ord_1",
              product_id="prod_1", field="htsCode"),
        found("HTS_MISSING", "blocking", "line", order_id="ord_1", product_id="prod_1",
              field="htsCode"),
        found("HTS_MISSING", "blocking", "line", order_id="ord_2", product_id="prod_2",
              field="htsCode"),
        found("DEST_REGION_MISSING", "blocking", "order", order_id="ord_3",
              field="destinationRegion"),
        found("PORT_OF_ENTRY_MISSING", "blocking", "batch", field="shipment.portOfEntry"),
    ])
    by_code = {g.code: g for g in groups}
    assert [g.code for g in groups] == ["DEST_REGION_MISSING", "HTS_MISSING",
                                        "PORT_OF_ENTRY_MISSING", "METALS_REVIEW_RECOMMENDED",
                                        "DE_MINIMIS_UNAVAILABLE"]
    hts = by_code["HTS_MISSING"]
    assert (hts.count, hts.order_ids, hts.product_ids) == (2, ["ord_1", "ord_2"],
                                                           ["prod_1", "prod_2"])
    assert hts.fires_when == "The product has no HTS code."
    assert "htsCode of the product" in hts.what_to_fix and "never invent" in hts.what_to_fix
    assert "sync it again (sync_orders)" in by_code["DEST_REGION_MISSING"].what_to_fix
    assert "shipment.portOfEntry of the batch" in by_code["PORT_OF_ENTRY_MISSING"].what_to_fix
    assert by_code["METALS_REVIEW_RECOMMENDED"].what_to_fix.startswith("Review it:")
    assert by_code["DE_MINIMIS_UNAVAILABLE"].what_to_fix.startswith("Nothing")
