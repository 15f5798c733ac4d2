"""Exit codes a script can branch on: 2 usage, 3 blocked, 4 conflict or state, 5 server or
network; with ``--json`` the failure is the API's error envelope on stdout."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.cli_workflow.conftest import Cli, Merchant, guide_rows, orders_csv


def test_a_blocked_plan_exits_3_and_says_what_to_fix(cli: Cli, merchant: Merchant,
                                                     tmp_path: Path):
    merchant.order("hat-1", merchant.hatless_product_id)
    orders = orders_csv(tmp_path / "hat.csv", guide_rows(merchant, "hat-1"))  # by externalId

    shown = cli("exports", "plan", *merchant.plan_options(), "--orders", str(orders))
    assert shown.code == 3, shown
    assert "BLOCKED" in shown.stdout and "fix_blocking_issues_then_replan" in shown.stdout
    row = next(line for line in shown.stdout.splitlines() if "HTS_MISSING" in line)
    assert "blocking" in row and "htsCode: Add the product's 10-digit HTS code." in row
    assert merchant.hatless_product_id in row  # the product to fix, not the order
    assert "planHash" in shown.stdout and "fix the blocking issues" in shown.stderr

    as_json = cli("exports", "plan", *merchant.plan_options(), "--orders", str(orders),
                  "--json")
    assert as_json.code == 3, as_json
    plan = as_json.json()
    assert plan["readinessState"] == "BLOCKED"
    assert {"entity": "product", "id": merchant.hatless_product_id, "field": "htsCode",
            "code": "HTS_MISSING"} in plan["missing_data"]

    refused = cli("exports", "execute", plan["exportId"], "--yes", "--json")
    assert refused.code == 3, refused  # EXPORT_BLOCKED: nothing to ask, the server refuses
    assert refused.json()["errorCode"] == "EXPORT_BLOCKED"
    assert refused.json()["details"]["blockingCodes"] == ["HTS_MISSING"]
    assert merchant.get(f"/api/exports/{plan['exportId']}")["state"] == "PLANNED"


def test_execute_refuses_without_a_yes_twice_or_a_changed_plan(cli: Cli, merchant: Merchant):
    plan = merchant.planned("ask-1")  # without --yes and without a terminal: refused
    run = cli("exports", "execute", plan["exportId"])  # stdin is /dev/null
    assert run.code == 2, run
    assert "--yes" in run.stderr and plan["planHash"] in run.stderr  # shown, then refused
    assert run.stdout == ""
    as_json = cli("exports", "execute", plan["exportId"], "--json")
    assert as_json.code == 2
    assert as_json.json()["errorCode"] == "CONFIRMATION_REQUIRED"
    assert merchant.get(f"/api/exports/{plan['exportId']}")["state"] == "PLANNED"

    plan = merchant.planned("twice-1")
    first = cli("exports", "execute", plan["exportId"], "--yes")
    assert first.code == 0, first

    again = cli("exports", "execute", plan["exportId"], "--yes", "--json")
    assert again.code == 4, again
    assert again.json()["errorCode"] == "INVALID_EXPORT_STATE"
    assert again.json()["details"] == {"currentState": "COMPLETED"}
    assert again.json()["requestId"].startswith("req_")

    # the data under a plan changes after it was planned: the plan shown is not executed
    stale = merchant.planned("stale-1")
    merchant.send("PATCH", f"/api/products/{merchant.product_id}", {"netWeightKg": 0.45})
    refused = cli("exports", "execute", stale["exportId"], "--yes", "--json")
    assert refused.code == 4, refused
    assert refused.json()["errorCode"] == "PLAN_STALE"
    assert refused.json()["details"]["storedPlanHash"] == stale["planHash"]
    said = cli("exports", "execute", stale["exportId"], "--yes")
    assert said.code == 4 and f"--batch {stale['exportId']}" in said.stderr, said

    # a planHash that is not the batch's (re-planned since it was reviewed)
    replanned = cli("exports", "plan", *merchant.plan_options(), "--batch", stale["exportId"],
                    "--order-id", stale["included_order_ids"][0], "--json")
    assert replanned.code == 0, replanned
    mismatch = cli("exports", "execute", stale["exportId"], "--yes", "--plan-hash",
                   stale["planHash"], "--json")
    assert mismatch.code == 4, mismatch
    assert mismatch.json()["errorCode"] == "PLAN_HASH_MISMATCH"
    assert merchant.get(f"/api/exports/{stale['exportId']}")["state"] == "PLANNED"


def test_bad_usage_exits_2(bare_cli: Cli, tmp_path: Path):
    """Refused before any request: no server is needed to say so."""
    env = {"ENTRYGO_BASE_URL": "http://127.0.0.1:9", "ENTRYGO_API_KEY": "shpbndl_live_x"}
    cases = [
        ("exports", "plan", "--warehouse", "wh_1", "--broker", "br_1"),  # which orders?
        ("exports", "plan", "--warehouse", "wh_1", "--broker", "br_1", "--all-unexported",
         "--order-id", "ord_1"),
        ("exports", "plan", "--order-id", "ord_1"),  # no warehouse (nor ENTRYGO_WAREHOUSE_ID)
        ("exports", "inspect", "batch_1", "--no-such-option"),
        ("orders", "sync", str(tmp_path / "missing.csv")),
        ("exports", "inspect", "batch_1", "--base-url", "localhost:3000"),  # not a URL
    ]
    for args in cases:
        run = bare_cli(*args, env=env)
        assert run.code == 2, run
        assert run.stdout == "", run
    no_key = bare_cli("exports", "inspect", "batch_1", "--json")
    assert no_key.code == 2, no_key
    assert no_key.json()["errorCode"] == "NO_API_KEY"
    unknown_column = tmp_path / "orders.csv"
    unknown_column.write_text("externalId,productId,quantity,unitValueUsd,colour\n")
    run = bare_cli("orders", "sync", str(unknown_column), env=env)
    assert run.code == 2 and "unknown column(s) colour" in run.stderr, run


def test_a_server_that_is_down_exits_5(bare_cli: Cli, tmp_path: Path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {"ENTRYGO_BASE_URL": down, "ENTRYGO_API_KEY": "shpbndl_live_x"}

    run = bare_cli("exports", "inspect", "batch_1", env=env)
    assert run.code == 5, run
    assert f"is an EntryGo server running at {down}?" in run.stderr
    as_json = bare_cli("exports", "execute", "batch_1", "--yes", "--json", env=env)
    assert as_json.code == 5, as_json
    assert as_json.json()["errorCode"] == "CONNECTION_ERROR"

    login = bare_cli("login", "--base-url", down, "--api-key", "shpbndl_live_x")
    assert login.code == 5, login
    assert not bare_cli.config_file.exists()

    orders = tmp_path / "orders.json"
    orders.write_text('[{"externalId": "o-1", "destinationCountry": "US", "items": '
                      '[{"productId": "prod_1", "quantity": 1, "unitValueUsd": 5}]}]')
    sync = bare_cli("orders", "sync", str(orders), "--json", env=env)
    assert sync.code == 5, sync
    assert sync.json()["data"] == [] and sync.json()["errors"][0]["errorCode"] == \
        "CONNECTION_ERROR"
