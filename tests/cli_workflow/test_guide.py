"""The first-export guide with the command line: sync an orders CSV, plan, execute, inspect,
download; once as a person reads it (tables, exit code 0) and once as a script reads it
(``--json``: the API's documents, checked against the published contract and against what
the API itself answers)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from tests.cli_workflow.conftest import Cli, Merchant, guide_rows, orders_csv
from tests.support import check


def test_the_guide_in_a_terminal(cli: Cli, merchant: Merchant, smtp: Any, tmp_path: Path):
    rows = [
        *guide_rows(merchant),
        # a second order over two rows: one line each, the order's columns given once
        {"externalId": "ord-ext-1002", "destinationCountry": "US", "destinationRegion": "NY",
         "destinationPostalCode": "10001", "consignee.name": "Grace Hopper",
         "consignee.address1": "5 Broadway", "consignee.city": "New York",
         "parcels": "1Z999AA10123456785:1.1", "productId": merchant.product_id, "quantity": 2,
         "unitValueUsd": 110},
        {"externalId": "ord-ext-1002", "productId": merchant.product_id, "quantity": 1,
         "unitValueUsd": "99.50"}]
    orders = orders_csv(tmp_path / "orders.csv", rows)

    synced = cli("orders", "sync", str(orders))
    assert synced.code == 0, synced
    assert re.search(r"2\s+│\s+3\s+│\s+1\s+│\s+2\s+│\s+0\s+│\s+0", synced.stdout), synced
    by_external = {o["externalId"]: o for o in merchant.get("/api/orders")["data"]}
    assert by_external["ord-ext-1002"]["totalValueUsd"] == 319.5
    assert [ln["quantity"] for ln in by_external["ord-ext-1002"]["items"]] == [2, 1]
    assert by_external["ord-ext-1001"]["parcels"][0]["trackingNumber"] == "1Z999AA10123456784"
    for order in by_external.values():  # the id table, ready to copy
        assert order["id"] in synced.stdout

    again = cli("orders", "sync", str(orders))  # a second run changes nothing
    assert again.code == 0, again
    assert re.search(r"2\s+│\s+3\s+│\s+1\s+│\s+0\s+│\s+0\s+│\s+2", again.stdout), again

    planned = cli("exports", "plan", *merchant.plan_options(), "--orders", str(orders))
    assert planned.code == 0, planned
    batch_id = re.search(r"Plan (batch_\w+) \(PLANNED\)", planned.stdout).group(1)
    plan = merchant.get(f"/api/exports/{batch_id}")
    assert sorted(plan["included_order_ids"]) == sorted(o["id"] for o in by_external.values())
    assert plan["readinessState"] == "REVIEW_REQUIRED"
    assert "REVIEW_REQUIRED" in planned.stdout and plan["planHash"] in planned.stdout
    assert re.search(r"warning\s+│\s+METALS_REVIEW_RECOMMENDED\s+│\s+3\s+│\s+htsCode: ",
                     planned.stdout), planned  # grouped: one row for the three lines
    assert "review_flags_then_execute" in planned.stdout
    assert f"entrygo exports execute {batch_id} --plan-hash {plan['planHash']}" in \
        planned.stderr

    executed = cli("exports", "execute", batch_id, "--yes")
    assert executed.code == 0, executed
    assert plan["planHash"] in executed.stderr  # shown before executing
    done = merchant.get(f"/api/exports/{batch_id}")
    assert done["state"] == "COMPLETED"
    package_id = done["customs_package_id"]
    assert package_id in executed.stdout and "commercial_invoice.pdf" in executed.stdout
    assert f"entrygo packages download {package_id}" in executed.stderr

    inspected = cli("exports", "inspect", batch_id, "--watch")
    assert inspected.code == 0, inspected
    for event in ("EXPORT_PLANNED", "EXPORT_EXECUTED", "BROKER_NOTIFIED"):
        assert event in inspected.stdout
    assert "the broker email was sent (broker@example.com)" in inspected.stderr
    assert [m["To"] for m in smtp.accepted].count("broker@example.com") == 1

    folder = tmp_path / "customs-package"
    downloaded = cli("packages", "download", package_id, "--to", str(folder))
    assert downloaded.code == 0, downloaded
    package = merchant.get(f"/api/customs-packages/{package_id}")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        a["filename"] for a in package["artifacts"])
    for artifact in package["artifacts"]:
        data = (folder / artifact["filename"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == artifact["sha256"]
        assert artifact["sha256"] in downloaded.stdout


def test_the_guide_as_a_script_reads_it(cli: Cli, merchant: Merchant, spec: Any,
                                        tmp_path: Path):
    """Every ``--json`` is the API's document and nothing else on stdout."""
    orders = tmp_path / "orders.json"  # the API's own body, as a file
    orders.write_text('{"items": [{"externalId": "ord-ext-1001", "destinationCountry": "US", '
                      '"destinationRegion": "CA", "destinationPostalCode": "94105", "items": '
                      f'[{{"productId": "{merchant.product_id}", "quantity": 1, '
                      '"unitValueUsd": 110}], "metadata": {"source": "first-export-guide"}}]}')

    synced = cli("orders", "sync", str(orders), "--json")
    assert synced.code == 0, synced
    check(spec, "post", "/api/orders/sync", 200, synced.json())
    [order] = synced.json()["data"]
    assert (order["externalId"], order["syncStatus"], order["totalValueUsd"]) == (
        "ord-ext-1001", "created", 110)
    assert order == {**merchant.get(f"/api/orders/{order['id']}"), "syncStatus": "created"}

    synced_file = tmp_path / "synced.json"  # the sync's output names the orders to plan
    synced_file.write_text(synced.stdout)
    dry = cli("exports", "plan", *merchant.plan_options(), "--orders", str(synced_file),
              "--dry-run", "--json")
    assert dry.code == 0, dry
    check(spec, "post", "/api/exports/plan", 200, dry.json())
    assert dry.json()["exportId"] is None and dry.json()["dryRun"] is True

    planned = cli("exports", "plan", *merchant.plan_options(), "--order-id", order["id"],
                  "--json")
    assert planned.code == 0, planned
    plan = planned.json()
    check(spec, "post", "/api/exports/plan", 200, plan)
    assert plan["planHash"] == dry.json()["planHash"]  # the dry run judged the same plan
    assert plan["included_order_ids"] == [order["id"]]
    stored = merchant.get(f"/api/exports/{plan['exportId']}")
    assert {k: stored[k] for k in plan} == plan

    executed = cli("exports", "execute", plan["exportId"], "--yes", "--plan-hash",
                   plan["planHash"], "--acknowledge", "METALS_REVIEW_RECOMMENDED",
                   "--reviewed-by", "ops@example.com", "--json")
    assert executed.code == 0, executed
    done = executed.json()
    check(spec, "post", "/api/exports/execute", 200, done)
    assert (done["state"], done["planHash"]) == ("COMPLETED", plan["planHash"])

    inspected = cli("exports", "inspect", plan["exportId"], "--watch", "--json")
    assert inspected.code == 0, inspected
    batch = inspected.json()
    assert batch == merchant.get(f"/api/exports/{plan['exportId']}")
    assert batch["brokerSubmission"]["status"] == "sent"
    executed_event = next(e for e in batch["events"] if e["type"] == "EXPORT_EXECUTED")
    assert executed_event["data"]["reviewedBy"] == "ops@example.com"
    assert executed_event["data"]["acknowledgedCodes"] == ["METALS_REVIEW_RECOMMENDED"]

    folder = tmp_path / "out"
    downloaded = cli("packages", "download", done["customs_package_id"], "--to", str(folder),
                     "--json")
    assert downloaded.code == 0, downloaded
    result = downloaded.json()
    package = merchant.get(f"/api/customs-packages/{done['customs_package_id']}")
    assert result["customsPackage"] == package
    check(spec, "get", "/api/customs-packages/{package_id}", 200, result["customsPackage"])
    assert [f["filename"] for f in result["files"]] == [a["filename"]
                                                        for a in package["artifacts"]]
    for f in result["files"]:
        assert f["verified"] is True
        assert hashlib.sha256(Path(f["path"]).read_bytes()).hexdigest() == f["sha256"]
