"""The duty estimate in the package: printed as planned (the stored document), never computed
again; a plan stored before estimates gives no estimate file and null in the JSON files."""

from __future__ import annotations

import json
from typing import Any

from entrygo.artifacts.render import DUTY_ESTIMATE_COLUMNS, render_all
from tests.artifacts.test_render import by_type, make_snapshot, rows

DISCLAIMER = "An estimate for planning, not a duty determination."
STEEL_RATES = [
    {"kind": "base", "rate": "2%", "source": "HTS 7323.93.00.45, column 1 general"},
    {"kind": "section232", "rate": None, "source": "9903.82.02-9903.82.26, U.S. note 16",
     "reason": "The tier depends on U.S. note 16."}]
BOOK_RATES = [{"kind": "base", "rate": "Free", "source": "HTS 4820.10.20.60, column 1 general"}]
FEES = [
    {"entryType": "01", "kind": "mpf", "rate": "0.3464% (minimum $33.58, maximum $651.50)",
     "source": "19 CFR 24.23; CBP Dec. 25-10"},
    {"entryType": "11", "kind": "mpf", "rate": "$2.69 per informal entry",
     "source": "19 CFR 24.23; CBP Dec. 25-10"}]


def order(oid: str, duty: float, fees: float, *amounts: dict[str, float | None]
          ) -> dict[str, Any]:
    return {"orderId": oid, "dutyUsd": duty, "feesUsd": fees, "complete": False,
            "linesUsd": list(amounts)}


ESTIMATE = {
    "disclaimer": DISCLAIMER, "asOf": "2026-08-01", "dateBasis": "estimatedArrival",
    "rulesEdition": "2026-11-29",
    "totals": {"dutyUsd": 62.22, "feesUsd": 36.27, "totalUsd": 98.49, "complete": False,
               "unknownComponents": 2},
    "exportUnits": [
        {"exportUnitId": "unit_1", "entryType": "11", "dutyUsd": 2.22,
         "feesUsd": 2.69, "complete": False, "feeAmountsUsd": {"mpf": 2.69},
         "orders": [order("ord_a", 2.22, 2.0, {"base": 2.22, "section232": None}, {"base": 0}),
                    order("ord_b", 0, 0.69, {"base": 0})]},
        {"exportUnitId": "unit_2", "entryType": "01", "dutyUsd": 60,
         "feesUsd": 33.58, "complete": False,
         "feeAmountsUsd": {"mpf": 33.58}, "feeNotes": {"mpf": "the minimum applies."},
         "orders": [order("ord_c", 60, 33.58, {"base": 60, "section232": None})]}],
    "products": [
        {"productId": "prod_book", "htsCode": "4820102060", "countryOfOrigin": "CA",
         "components": BOOK_RATES},
        {"productId": "prod_steel", "htsCode": "7323930045", "countryOfOrigin": "CA",
         "components": STEEL_RATES}],
    "fees": FEES,
    "sources": {"19 CFR 24.23": "19 CFR 24.23(b)."},
}


def test_duty_estimate_csv_one_row_per_line_and_component_then_the_fees() -> None:
    data = rows(by_type(make_snapshot(duty_estimate=ESTIMATE))["duty_estimate"])
    assert list(data[0]) == list(DUTY_ESTIMATE_COLUMNS)
    assert [(r["order_id"], r["line_index"], r["component"], r["amount_usd"]) for r in data] == [
        ("ord_a", "0", "base", "2.22"), ("ord_a", "0", "section232", ""),
        ("ord_a", "1", "base", "0.00"), ("ord_b", "0", "base", "0.00"),
        ("ord_c", "0", "base", "60.00"), ("ord_c", "0", "section232", ""),
        ("", "", "mpf", "2.69"), ("", "", "mpf", "33.58")]
    assert data[1]["reason"] == "The tier depends on U.S. note 16."
    assert data[0]["order_external_id"] == "ord-ext-1001" and data[0]["entry_type"] == "11"
    assert (data[0]["hts_code"], data[0]["rate"], data[0]["source"]) == (
        "7323930045", "2%", "HTS 7323.93.00.45, column 1 general")
    assert {r["disclaimer"] for r in data} == {DISCLAIMER}
    assert {r["as_of"] for r in data} == {"2026-08-01"}
    assert data[-1]["note"] == "the minimum applies." and data[-1]["value_usd"] == "3000.00"
    assert data[-1]["rate"] == "0.3464% (minimum $33.58, maximum $651.50)"
    assert data[0]["value_usd"] == "111.00"  # the line's, from the executed plan


def test_manifest_and_entry_summary_carry_it() -> None:
    files = by_type(make_snapshot(duty_estimate=ESTIMATE))
    assert json.loads(files["manifest"])["dutyEstimate"] == ESTIMATE
    entries = json.loads(files["entry_summary"])["entries"]
    first = entries[0]["dutyEstimate"]
    assert (first["feesUsd"], first["totalUsd"], first["complete"], first["disclaimer"]) == (
        2.69, 4.91, False, DISCLAIMER)
    assert [(ln["lineNumber"], ln["dutyUsd"]) for ln in first["lines"]] == [
        (1, 2.22), (2, 0), (3, 0)]
    assert first["lines"][0]["components"] == [
        {**STEEL_RATES[0], "amountUsd": 2.22}, {**STEEL_RATES[1], "amountUsd": None}]
    assert entries[1]["dutyEstimate"]["fees"] == [
        {"kind": "mpf", "rate": "0.3464% (minimum $33.58, maximum $651.50)", "amountUsd": 33.58,
         "source": "19 CFR 24.23; CBP Dec. 25-10", "note": "the minimum applies."}]


def test_a_plan_without_an_estimate_has_no_estimate_file() -> None:
    snapshot = make_snapshot()
    assert "duty_estimate" not in [a.artifact_type for a in render_all(snapshot)]
    files = by_type(snapshot)
    assert json.loads(files["manifest"])["dutyEstimate"] is None
    assert [e["dutyEstimate"] for e in json.loads(files["entry_summary"])["entries"]] == [
        None, None]


def test_the_estimate_file_is_last_and_deterministic() -> None:
    snapshot = make_snapshot(duty_estimate=ESTIMATE)
    rendered = render_all(snapshot)
    assert (rendered[-1].artifact_type, rendered[-1].filename) == ("duty_estimate",
                                                                   "duty_estimate.csv")
    assert [a.content for a in render_all(snapshot)] == [a.content for a in rendered]
