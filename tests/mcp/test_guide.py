"""The automation guide says what the code does: its policy file loads and names every setting,
its tables list every tool, setting and refusal code, its client configuration starts the
server, and its Python SDK loop runs against a live server, down to the broker's email."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from entrygo.events.schemas import ExportExecutedEvent
from entrygo.mcp.policy import REFUSAL_CODES, TOOLS, Policy, load_policy
from tests.mcp.agent import Shop

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "automation-agents.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def section(title: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(f"\n{title}\n") + len(title) + 2
    end = re.compile(r"\n#{2,3} ").search(text, start)
    return text[start:end.start() if end else len(text)]


def first_column(table_of: str) -> list[str]:
    return re.findall(r"^\| `([a-z_A-Z]+)` \|", section(table_of), re.M)


@pytest.fixture(autouse=True)
def no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in [n for n in os.environ if n.startswith("ENTRYGO_MCP_")]:
        monkeypatch.delenv(name)


def test_the_policy_file_of_the_guide_loads_and_names_every_setting(tmp_path: Path) -> None:
    [example] = blocks("toml")
    file = tmp_path / "agent-policy.toml"
    file.write_text(example)
    policy = load_policy(file)
    assert policy.tools == TOOLS and not policy.allow_execute
    assert set(re.findall(r"^(\w+) =", example, re.M)) == set(Policy.model_fields)
    table = section("### The policy")
    for name in Policy.model_fields:
        assert f"| `{name}` | `ENTRYGO_MCP_{name.upper()}` |" in table, name


def test_the_tables_list_every_tool_and_every_refusal_code() -> None:
    assert first_column("### Tools") == list(TOOLS)
    assert [c for c in first_column("### Refusals") if c.isupper()] == list(REFUSAL_CODES)


def test_the_client_configuration_runs_entrygo_mcp() -> None:
    config = next(json.loads(b) for b in blocks("json") if "mcpServers" in b)
    server = config["mcpServers"]["entrygo"]
    assert server["command"].endswith("/entrygo") and server["args"][0] == "mcp"
    assert {"--policy", "--agent-id"} <= set(server["args"])
    assert set(server["env"]) == {"ENTRYGO_BASE_URL", "ENTRYGO_API_KEY"}


def test_the_sdk_loop_of_the_guide_runs(shop: Shop, smtp: Any) -> None:
    [code] = [b for b in blocks("python") if "def run(" in b]
    told: list[tuple[str, Any, Any]] = []
    loop: dict[str, Any] = {
        "report": lambda what, batch, facts: told.append((what, batch, facts)),
        "request_approval": lambda batch, plan_hash, why: told.append(("ask", batch, why))}
    exec(compile(code, str(GUIDE), "exec"), loop)

    with shop.sdk() as client:
        # the guide's order has warnings its policy does not accept: a person is asked
        loop["run"](client, [shop.order()], shop.warehouse_id, shop.broker_id, "task-1")
        assert told[-1][0] == "ask" and told[-1][2] == ["CONSIGNEE_INCOMPLETE",
                                                        "PARCEL_DATA_MISSING"]
        # once they are accepted, it executes and follows the email to the broker
        loop["ACCEPTABLE"] |= {"CONSIGNEE_INCOMPLETE", "PARCEL_DATA_MISSING"}
        loop["run"](client, [shop.order()], shop.warehouse_id, shop.broker_id, "task-2")
        what, batch, facts = told[-1]
        assert (what, facts) == ("done", ["COMPLETED", "sent"])
        [executed] = list(client.events.list(types=["EXPORT_EXECUTED"], export_id=batch))
        assert isinstance(executed, ExportExecutedEvent)
        assert executed.data.reviewed_by == "wms-night-agent"
    assert [m["To"] for m in smtp.accepted].count("broker@example.com") == 1
