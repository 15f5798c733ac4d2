"""Statistical quantities in the artifacts: every entry line in its statistical line's units,
the same in entry_lines.csv, manifest.json and entry_summary.json."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

from entrygo.artifacts.render import ENTRY_LINES_COLUMNS
from entrygo.readiness.facts import ProductFacts
from tests.artifacts.test_render import BOOK, STEEL, _order, by_type, make_snapshot, rows

TEES = ProductFacts(  # 6109.10.00.12: doz. and kg
    id="prod_tees", title="Men's T-shirt, cotton", hts_code="6109100012",
    country_of_origin="CA", mid="XOTEEMAK1MIS", net_weight_kg=Decimal("0.18"),
    external_id="TEE-M")
RUG = ProductFacts(  # 5702.42.20.80: m² and kg
    id="prod_rug", title="Flat-woven polypropylene rug 1.2 x 1.8 m", hts_code="5702422080",
    country_of_origin="CA", mid="XORUGMAK1MIS", net_weight_kg=Decimal("2.75"),
    measures={"areaM2": 2.16})
ORE = ProductFacts(  # 2616.90.00.10: Cu kg, which no product measure gives
    id="prod_ore", title="Precious metal ore sample", hts_code="2616900010",
    country_of_origin="CA", mid="XOOREMAK1MIS", net_weight_kg=Decimal("1"))


def snapshot():
    a = _order("ord_a", "ord-ext-1001", "CA", "94105", None,
               [("prod_tees", 30, "8"), ("prod_rug", 2, "60"), ("prod_ore", 1, "40"),
                ("prod_book", 1, "12")])
    base = make_snapshot()
    return replace(base, orders={**base.orders, "ord_a": a},
                   products={p.id: p for p in (STEEL, BOOK, TEES, RUG, ORE)},
                   product_flags={**base.product_flags, "prod_tees": (), "prod_rug": (),
                                  "prod_ore": ()})


def test_entry_lines_report_each_unit_with_its_quantity():
    assert ENTRY_LINES_COLUMNS[ENTRY_LINES_COLUMNS.index("net_weight_kg") + 1:][:6] == (
        "statistical_unit_1", "statistical_quantity_1", "statistical_quantity_1_exact",
        "statistical_unit_2", "statistical_quantity_2", "statistical_quantity_2_exact")
    lines = rows(by_type(snapshot())["entry_lines"])

    def cells(r):
        return tuple(r[c] for c in ENTRY_LINES_COLUMNS if c.startswith("statistical_"))

    tees, rug, ore, book = lines[:4]
    assert cells(tees) == ("doz.", "3", "2.5", "kg", "5", "5.4")  # 30 shirts, 0.18 kg each
    assert cells(rug) == ("m²", "4", "4.32", "kg", "6", "5.5")
    assert cells(ore) == ("Cu kg", "", "", "", "", "")  # for the broker to report
    assert cells(book) == ("No.", "1", "1", "", "", "")


def test_the_json_artifacts_say_the_same_with_where_each_quantity_comes_from():
    artifacts = by_type(snapshot())
    manifest = json.loads(artifacts["manifest"])
    summary = json.loads(artifacts["entry_summary"])
    in_manifest = [ln["statisticalQuantities"] for ln in manifest["orders"][0]["lines"]]
    in_summary = [ln["netQuantityInHtsusUnits"] for ln in summary["entries"][0]["lines"]]
    assert in_manifest == in_summary[:4]
    tees, rug, ore, book = in_manifest
    assert tees == [
        {"unit": "doz.", "quantity": 3, "exactQuantity": 2.5, "source": "count"},
        {"unit": "kg", "quantity": 5, "exactQuantity": 5.4, "source": "netWeightKg"}]
    assert rug[0] == {"unit": "m²", "quantity": 4, "exactQuantity": 4.32,
                      "source": "measures.areaM2"}
    assert ore == [{"unit": "Cu kg", "quantity": None, "exactQuantity": None, "source": None}]
    assert book == [{"unit": "No.", "quantity": 1, "exactQuantity": 1, "source": "count"}]


def test_a_dozen_is_divided_exactly_and_a_code_off_the_schedule_reports_nothing():
    """Seven shirts are 7/12 of a dozen: 0.583333 exact, 1 reported. A code the schedule does
    not have (readiness blocked it) has no units to report in."""
    base = snapshot()
    a = _order("ord_a", "ord-ext-1001", "CA", "94105", None,
               [("prod_tees", 7, "8"), ("prod_odd", 1, "8")])
    odd = replace(BOOK, id="prod_odd", hts_code="4820102099")
    changed = replace(base, orders={**base.orders, "ord_a": a},
                      products={**base.products, "prod_odd": odd},
                      product_flags={**base.product_flags, "prod_odd": ()})
    tees, odd_line = json.loads(by_type(changed)["manifest"])["orders"][0]["lines"][:2]
    assert tees["statisticalQuantities"][0] == {"unit": "doz.", "quantity": 1,
                                                "exactQuantity": 0.583333, "source": "count"}
    assert odd_line["statisticalQuantities"] == []
    report = json.loads(by_type(changed)["readiness_report"])
    assert [(c["productId"], c["schedulePath"] is None) for c in report["classifications"]][:2] \
        == [("prod_tees", False), ("prod_odd", True)]
