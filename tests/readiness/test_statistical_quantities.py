"""Statistical quantities against lines of the real schedule: each unit kind from the order's
count and the product's data, the whole units an entry reports, and what readiness asks for
when a measure is missing."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from entrygo.readiness.classification import statistical_line
from entrygo.readiness.product_rules import judge_product
from entrygo.readiness.quantities import reported, statistical, units_of
from entrygo.readiness.reference import load
from tests.readiness.test_catalogue import BASE_PRODUCT

REF = load()
SCHEDULE = REF.schedule


Reported = list[tuple[str, Decimal | None, int | None]]


def quantities(hts: str, count: int, **product: Any) -> Reported:
    line = statistical_line(hts, SCHEDULE)
    assert line is not None, hts
    facts = replace(BASE_PRODUCT, hts_code=hts, **product)
    return [(q.unit, q.value, None if q.value is None else reported(q.value))
            for q in statistical(line.units, facts, count)]


def test_dozens_and_kilograms_of_cotton_t_shirts():
    """6109.10.00.12, men's cotton T-shirts: doz. and kg."""
    assert quantities("6109100012", 30, net_weight_kg=Decimal("0.2")) == [
        ("doz.", Decimal("2.5"), 3), ("kg", Decimal("6.0"), 6)]
    assert quantities("6109100012", 3, net_weight_kg=Decimal("0.2")) == [
        ("doz.", Decimal("0.25"), 1), ("kg", Decimal("0.6"), 1)]


def test_number_and_kilograms_of_stainless_cookware():
    """7323.93.00.45, stainless steel cooking ware: No. and kg."""
    assert quantities("7323930045", 3, net_weight_kg=Decimal("0.4")) == [
        ("No.", Decimal(3), 3), ("kg", Decimal("1.2"), 1)]


def test_square_meters_of_a_rug():
    """5702.42.20.80, man-made fibre floor coverings: m² and kg."""
    assert quantities("5702422080", 2, net_weight_kg=Decimal("3.1"),
                      measures={"areaM2": 2.4}) == [
        ("m²", Decimal("4.8"), 5), ("kg", Decimal("6.2"), 6)]


def test_liters_of_a_soft_drink():
    """2202.10.00.75, sweetened waters: liters."""
    assert quantities("2202100075", 3, measures={"volumeLiters": 0.5}) == [
        ("liters", Decimal("1.5"), 2)]


def test_pairs_and_dozen_pairs():
    """6403.19.30.90, golf shoes: prs.; 6115.95.90.00, cotton socks: doz. prs. and kg."""
    assert quantities("6403193090", 2, measures={"pairsPerUnit": 1}) == [
        ("prs.", Decimal(2), 2)]
    socks = quantities("6115959000", 4, net_weight_kg=Decimal("0.15"),
                       measures={"pairsPerUnit": 3})  # four packs of three pairs
    assert socks == [("doz. prs.", Decimal(1), 1), ("kg", Decimal("0.60"), 1)]


def test_kilograms_only():
    """3401.11.50.00, toilet soap: kg."""
    assert quantities("3401115000", 10, net_weight_kg=Decimal("0.125")) == [
        ("kg", Decimal("1.250"), 1)]


def test_the_two_spellings_of_a_two_unit_line():
    """3924.10.40.00 prints its units as "No. and kg": two quantities, No. and kg."""
    assert SCHEDULE.line("3924104000").units == ("No. and kg",)
    assert quantities("3924104000", 6, net_weight_kg=Decimal("0.3")) == [
        ("No.", Decimal(6), 6), ("kg", Decimal("1.8"), 2)]
    assert units_of(("No",)) == ("No.",)


def test_a_content_weight_is_left_to_the_broker():
    """2616.90.00.10, the copper content of ores: Cu kg is no product measure."""
    line = statistical_line("2616900010", SCHEDULE)
    (q,) = statistical(line.units, BASE_PRODUCT, 5)
    assert (q.unit, q.value, q.derived) == ("Cu kg", None, False)


def test_no_line_reports_more_than_two_quantities():
    assert max(len(units_of(ln.units)) for ln in SCHEDULE.lines if ln.statistical) == 2


@pytest.mark.parametrize(("value", "whole"), [
    ("0", 0), ("0.01", 1), ("0.49", 1), ("0.5", 1), ("1.49", 1), ("1.5", 2), ("2.5", 3),
    ("12", 12), ("1234.5", 1235)])
def test_whole_units_halves_up_and_never_zero_for_goods(value: str, whole: int):
    assert reported(Decimal(value)) == whole


@pytest.mark.parametrize(("hts", "product", "field"), [
    ("6109100012", {"net_weight_kg": None}, "netWeightKg"),
    ("5702422080", {}, "measures.areaM2"),
    ("2202100075", {}, "measures.volumeLiters"),
    ("6403193090", {}, "measures.pairsPerUnit"),
    ("6115959000", {"measures": {"areaM2": 1}}, "measures.pairsPerUnit"),
    ("3706900060", {}, "measures.lengthM"),  # motion-picture film: m
])
def test_a_missing_measure_blocks_and_names_the_unit_and_field(hts: str, product: dict[str, Any],
                                                               field: str):
    verdict = judge_product(replace(BASE_PRODUCT, hts_code=hts, **product), REF)
    hits = [f for f in verdict.findings if f.code == "STATISTICAL_QUANTITY_DATA_MISSING"]
    assert [f.field for f in hits] == [field]
    assert field in hits[0].message and hits[0].severity == "blocking"
    assert verdict.state == "BLOCKED"
    assert ("product", BASE_PRODUCT.id, field) in {(m.entity, m.id, m.field)
                                                   for m in verdict.missing}


def test_the_count_needs_no_data_and_a_zero_measure_is_missing():
    assert not [f for f in judge_product(replace(BASE_PRODUCT, hts_code="4820102060"),
                                         REF).findings if f.code.startswith("STATISTICAL")]
    verdict = judge_product(replace(BASE_PRODUCT, hts_code="5702422080",
                                    measures={"areaM2": 0}), REF)
    assert [f.field for f in verdict.findings
            if f.code == "STATISTICAL_QUANTITY_DATA_MISSING"] == ["measures.areaM2"]
