"""``entrygo orders sync``: the per-row error report (which row, which column, what to fix)
for what the file gets wrong and for what only the server can judge, and files of more than
1,000 orders sent in calls of 1,000."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from tests.cli_workflow.conftest import Cli, Merchant, guide_rows, orders_csv


def line(external_id: str, product_id: str, **cells: Any) -> dict[str, Any]:
    return {"externalId": external_id, "destinationCountry": "US", "destinationRegion": "CA",
            "destinationPostalCode": "94105", "productId": product_id, "quantity": 1,
            "unitValueUsd": 110, **cells}


def row_of(report: str, where: str) -> str:
    """The report's line for a row (``row 3``) or item (``items[1]``)."""
    return next(ln for ln in report.splitlines() if ln.startswith(where + " "))


def test_every_problem_is_reported_by_row_and_column(cli: Cli, merchant: Merchant,
                                                     tmp_path: Path):
    """Mistakes in the file: all listed, nothing sent. Then what only the server knows."""
    p = merchant.product_id
    orders = orders_csv(tmp_path / "orders.csv", [
        line("o-1", p),                                          # row 2: fine
        line("o-2", p, quantity=0),                              # row 3
        line("o-2", p, destinationRegion="NY"),                  # row 4: disagrees with row 3
        line("o-3", p, destinationCountry="USA", unitValueUsd="ten"),  # row 5: two problems
    ])
    run = cli("orders", "sync", str(orders))
    assert run.code == 2, run
    assert "4 problem(s)" in run.stderr and "nothing was sent" in run.stderr
    assert re.search(r"row 3 +│ o-2 +│ quantity +│ 0 +│ Number must be greater than or equal "
                     r"to 1", run.stderr), run
    assert re.search(r"row 4 +│ o-2 +│ destinationRegion +│ NY +│ Differs from row 3", run.stderr)
    assert "destinationCountry │ USA" in run.stderr and "unitValueUsd       │ ten" in run.stderr
    assert merchant.get("/api/orders")["data"] == []  # not even the good row

    as_json = cli("orders", "sync", str(orders), "--json")
    assert as_json.code == 2
    [failure] = as_json.json()["errors"]
    assert failure["errorCode"] == "VALIDATION_ERROR" and failure["batch"] is None
    assert {"item": 1, "rows": [3], "externalId": "o-2", "field": "quantity", "value": 0,
            "message": "Number must be greater than or equal to 1",
            "code": "too_small"} in failure["problems"]

    # what only the server can judge: a product id the account does not have
    orders = orders_csv(tmp_path / "orders.csv", [
        *guide_rows(merchant, "o-1"),
        {"externalId": "o-1", "productId": "prod_doesnotexist", "quantity": 1,
         "unitValueUsd": 5}])
    run = cli("orders", "sync", str(orders))
    assert run.code == 2, run
    report = row_of(run.stderr, "row 3")
    for said in ("o-1", "productId", "prod_doesnotexist", "No product with this id in the "
                                                           "account"):
        assert said in report, run
    assert re.search(r"requestId req_\w+", run.stderr)

    json_file = tmp_path / "orders.json"
    json_file.write_text('{"items": [{"externalId": "j-1", "destinationCountry": "US", '
                         '"items": [{"productId": "prod_nope", "quantity": 1, '
                         '"unitValueUsd": 5}]}]}')
    as_json = cli("orders", "sync", str(json_file), "--json")
    assert as_json.code == 2, as_json
    [failure] = as_json.json()["errors"]
    assert failure["details"]["issues"] == [{"path": "items.0.items.0.productId", "message":
                                             "No product with this id in the account",
                                             "code": "unknown_reference"}]
    assert failure["problems"][0]["field"] == "items.0.productId"
    assert row_of(cli("orders", "sync", str(json_file)).stderr, "items[0]")


def test_more_than_a_thousand_orders_go_in_calls_of_a_thousand(cli: Cli, merchant: Merchant,
                                                               tmp_path: Path):
    p = merchant.product_id
    rows = [line(f"bulk-{n:04}", p) for n in range(1, 1004)]
    rows[1001]["productId"] = "prod_doesnotexist"  # order 1002, in the second call: row 1003
    orders = orders_csv(tmp_path / "bulk.csv", rows)

    first = cli("orders", "sync", str(orders))
    assert first.code == 2, first
    assert "call 2 (orders 1001-1003)" in first.stderr
    assert "bulk-1002" in row_of(first.stderr, "row 1003")
    assert "1000 order(s) of other calls were synced" in first.stderr

    rows[1001]["productId"] = p
    orders_csv(orders, rows)
    second = cli("orders", "sync", str(orders))
    assert second.code == 0, second
    # orders, lines, calls, created, updated, unchanged
    assert re.search(r"1003\s+│\s+1003\s+│\s+2\s+│\s+3\s+│\s+0\s+│\s+1000", second.stdout), second
    events = httpx.get(f"{merchant.base_url}/api/events", headers=merchant.headers,
                       params={"type": "ORDERS_SYNCED", "limit": 10}, timeout=30).json()["data"]
    # newest first: the 3 of the second run's second call (its first changed nothing, so it
    # recorded no event), the 1,000 of the first run's first call; its second was refused
    assert [(e["data"]["created"], e["data"]["updated"]) for e in events] == [(3, 0), (1000, 0)]
