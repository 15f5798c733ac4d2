"""The duty estimate in the package: printed as planned (the stored document), every line's
amounts by its product's components as the plan stored them (the line's value at the rate, or
the amount every line owes), so the lines add up to the plan's totals; a plan stored before
estimates gives no estimate file and null in the JSON files."""

from __future__ import annotations

import json
from typing import Any

from entrygo.artifacts.render import DUTY_ESTIMATE_COLUMNS, render_all
from tests.artifacts.test_render import by_type, make_snapshot, rows

DISCLAIMER = "An estimate for planning, not a duty determination."
STEEL_RATES = [
    {"kind": "base", "rate": "2%", "source": "HTS 7323.93.00.45, column 1 general"},
    {"kind": "section232", "rate": None, "amountUsd": None,
     "source": "9903.82.02-9903.82.26, U.S. note 16",
     "reason": "The tier depends on U.S. note 16."}]
BOOK_RATES = [{"kind": "base", "rate": "Free", "amountUsd": 0,
               "source": "HTS 4820.10.20.60, column 1 general"}]
FEES = [
    {"entryType": "01", "kind": "mpf", "rate": "0.3464% (minimum $33.58, maximum $651.50)",
     "source": "19 CFR 24.23; CBP Dec. 25-10"},
    {"entryType": "11", "kind": "mpf", "rate": "$2.69 per informal entry",
     "source": "19 CFR 24.23; CBP Dec. 25-10"}]


def order(oid: str, duty: float, fees: float) -> dict[str, Any]:
    return {"orderId": oid, "dutyUsd": duty, "feesUsd": fees, "complete": False}


ESTIMATE = {
    "disclaimer": DISCLAIMER, "asOf": "2026-08-01", "dateBasis": "estimatedArrival",
    "rulesEdition": "2026-11-29",
    "totals": {"dutyUsd": 62.22, "feesUsd": 36.27, "totalUsd": 98.49, "complete": False,
               "unknownComponents": 2},
    "exportUnits": [
        {"exportUnitId": "unit_1", "entryType": "11", "dutyUsd": 2.22,
         "feesUsd": 2.69, "complete": False, "feeAmountsUsd": {"mpf": 2.69},
         "orders": [order("ord_a", 2.22, 2.0), order("ord_b", 0, 0.69)]},
        {"exportUnitId": "unit_2", "entryType": "01", "dutyUsd": 60,
         "feesUsd": 33.58, "complete": False,
         "feeAmountsUsd": {"mpf": 33.58}, "feeNotes": {"mpf": "the minimum applies."},
         "orders": [order("ord_c", 60, 33.58)]}],
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
    # 111.00 and 3,000.00 USD of steel at 2 %: 2.22 and 60.00, the orders' duty as planned


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
    assert [list(c) for c in first["lines"][0]["components"]] == [
        ["kind", "rate", "amountUsd", "source"], ["kind", "rate", "amountUsd", "source", "reason"]]
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


def test_every_rate_form_per_line_from_the_stored_components() -> None:
    """Each line's amounts from its product's stored components: ad valorem on the line's value,
    a specific rate on its quantity from the product's data (ord_a's 2 bottles of 0.4 kg at
    2.2¢/kg + 5 %: 0.0176 + 5.55 = 5.57; ord_c's 30: 0.264 + 150.00 = 150.26), an additional
    duty (``+25%``: 27.75 and 750.00), an exemption (0 on every line)."""
    steel = [{"kind": "base", "rate": "2.2¢/kg + 5%", "source": "HTS 7323.93.00.45"},
             {"kind": "section232", "rate": "+25%", "source": "9903.82.04 (steel article)"},
             {"kind": "section122", "rate": "+10%", "amountUsd": 0, "source": "9903.03.06",
              "note": "Section 232 goods are exempt (9903.03.06)."}]
    est = {**ESTIMATE, "products": [{**ESTIMATE["products"][0]}, {
        "productId": "prod_steel", "htsCode": "7323930045", "countryOfOrigin": "GB",
        "components": steel}]}
    data = rows(by_type(make_snapshot(duty_estimate=est))["duty_estimate"])
    steel_rows = [(r["order_id"], r["component"], r["amount_usd"]) for r in data
                  if r["product_id"] == "prod_steel"]
    assert steel_rows == [
        ("ord_a", "base", "5.57"), ("ord_a", "section232", "27.75"),
        ("ord_a", "section122", "0.00"), ("ord_c", "base", "150.26"),
        ("ord_c", "section232", "750.00"), ("ord_c", "section122", "0.00")]
    assert data[2]["note"] == "Section 232 goods are exempt (9903.03.06)."


def test_a_plan_stored_with_every_lines_amounts_is_printed_as_stored() -> None:
    """A plan stored when the plan gave each line's amounts by kind (``linesUsd``): printed as
    stored."""
    est = {**ESTIMATE, "exportUnits": [
        {**ESTIMATE["exportUnits"][0], "orders": [
            {**order("ord_a", 2.22, 2.0), "linesUsd": [{"base": 2.22, "section232": None},
                                                        {"base": 0}]},
            {**order("ord_b", 0, 0.69), "linesUsd": [{"base": 0}]}]},
        {**ESTIMATE["exportUnits"][1], "orders": [
            {**order("ord_c", 60, 33.58), "linesUsd": [{"base": 60, "section232": None}]}]}]}
    data = rows(by_type(make_snapshot(duty_estimate=est))["duty_estimate"])
    assert [(r["order_id"], r["line_index"], r["component"], r["amount_usd"]) for r in data] == [
        ("ord_a", "0", "base", "2.22"), ("ord_a", "0", "section232", ""),
        ("ord_a", "1", "base", "0.00"), ("ord_b", "0", "base", "0.00"),
        ("ord_c", "0", "base", "60.00"), ("ord_c", "0", "section232", ""),
        ("", "", "mpf", "2.69"), ("", "", "mpf", "33.58")]
    assert data[1]["reason"] == "The tier depends on U.S. note 16."
