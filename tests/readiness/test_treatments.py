"""Treatment flags, Section 232 metals and the collector that pairs flags with their findings.

``treatments`` is the one definition the rules, the docs page and the artifacts share; these tests
pin it to the catalogue, the reference data and the product API so none of them can drift.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from typing import Any

import pytest

from entrygo.products.importer import GROUPS
from entrygo.products.schemas import MetalContent
from entrygo.readiness.catalogue import CATALOGUE, FLAGS
from entrygo.readiness.findings import Collector, Finding, Missing
from entrygo.readiness.product_rules import judge_product
from entrygo.readiness.reference import DATA, load
from entrygo.readiness.treatments import (
    METAL_CONTENT_FIELDS,
    METALS,
    SECTION_232_METALS,
    TREATMENTS,
)
from tests.readiness.test_catalogue import ALU, BASE_PRODUCT, STEEL

REF = load()


def test_every_flag_comes_with_a_catalogue_finding() -> None:
    assert FLAGS == tuple(TREATMENTS) == (
        "SECTION_232_STEEL", "SECTION_232_ALUMINUM", "SECTION_232_COPPER", "SECTION_301_CN",
        "PGA_FDA", "PGA_CPSC", "PGA_FCC", "PGA_LACEY", "DANGEROUS_GOODS", "FORMAL_ENTRY",
        "UFLPA_SCREENING")
    for flag, treatment in TREATMENTS.items():
        assert treatment.flag == flag and treatment.applies_to
        assert CATALOGUE[treatment.finding].severity == "warning"


def test_metals_match_the_reference_data() -> None:
    manifest = json.loads((DATA / "manifest.json").read_text())["section232"]
    assert [m.name for m in SECTION_232_METALS] == manifest["metals"]
    with (DATA / manifest["scope_file"]).open(newline="") as fh:
        declarations = {(row["metal"], row["declaration"]) for row in csv.DictReader(fh)
                        if row["metal"] in METALS}
    assert declarations == set(load().section232_declarations.items())
    assert set(load().section232_declarations) == {m.name for m in SECTION_232_METALS}
    assert {m.flag for m in SECTION_232_METALS} <= set(FLAGS)


def test_metal_fields_are_the_products_metal_content() -> None:
    assert METAL_CONTENT_FIELDS == ("steelPctWeight", "steelMeltPourCountry", "aluminumPctWeight",
                                    "aluminumSmeltCountry", "aluminumCastCountry",
                                    "copperPctWeight")
    assert METALS["steel"].origin_fields == ("steelMeltPourCountry",)
    assert METALS["aluminum"].origin_fields == ("aluminumSmeltCountry", "aluminumCastCountry")
    assert METALS["copper"].fields == ("copperPctWeight",)
    wire = {field.alias or name for name, field in MetalContent.model_fields.items()}
    assert wire == set(METAL_CONTENT_FIELDS) == GROUPS["metalContent"]


@pytest.mark.parametrize("changes", [
    STEEL, ALU, {"country_of_origin": "CN", "mid": "CNMAPPAP55MON",
                 "materials": [{"material": "cotton", "pctByWeight": 100}]},
    {"hts_code": "1702204070"}, {"hts_code": "9503000073"}, {"pga": {"rfDevice": True}},
    {"hts_code": "4421100000"}, {"pga": {"lacey": {"declarationRequired": True}}},
    {"battery": {"present": True}},
    {"hts_code": "7323930045", "metal_content": {"steelPctWeight": 60, "aluminumPctWeight": 30}},
])
def test_a_products_flags_come_with_their_findings(changes: dict[str, Any]) -> None:
    verdict = judge_product(replace(BASE_PRODUCT, **changes), REF)
    assert verdict.flags
    codes = {f.code for f in verdict.findings}
    assert {TREATMENTS[flag].finding for flag in verdict.flags} <= codes


def test_a_radio_device_with_its_fcc_id_is_flagged_without_a_finding() -> None:
    verdict = judge_product(replace(BASE_PRODUCT, pga={"rfDevice": True, "fccId": "2AB"}), REF)
    assert verdict.flags == {"PGA_FCC"}
    assert verdict.findings == ()


def test_collector_places_findings_and_missing_data() -> None:
    product = Collector("product", product_id="prod_1")
    product.add("HTS_MISSING", "Add it.", missing=True)
    product.treat("SECTION_232_STEEL", "SECTION_232_ALUMINUM", message="Declare the metals.")
    assert product.findings == [
        Finding("HTS_MISSING", "Add it.", "product", "htsCode", product_id="prod_1"),
        Finding("METALS_REVIEW_RECOMMENDED", "Declare the metals.", "product", "htsCode",
                product_id="prod_1")]
    assert product.missing == [Missing("product", "prod_1", "htsCode", "HTS_MISSING")]
    assert product.flags == {"SECTION_232_STEEL", "SECTION_232_ALUMINUM"}

    order = Collector("order", order_id="ord_1")
    order.add("CONSIGNEE_INCOMPLETE", "Add the city.")
    order.gap("CONSIGNEE_INCOMPLETE", "consignee.city")
    line = Collector("line", order_id="ord_1", line_index=2, product_id="prod_1", into=order)
    line.repeat(product.findings[:1])
    line.add("VALUE_ZERO", "Declare a value.")
    assert [(f.code, f.scope, f.order_id, f.line_index, f.product_id, f.field)
            for f in order.findings] == [
        ("CONSIGNEE_INCOMPLETE", "order", "ord_1", None, None, "consignee"),
        ("HTS_MISSING", "line", "ord_1", 2, "prod_1", "htsCode"),
        ("VALUE_ZERO", "line", "ord_1", 2, "prod_1", "unitValueUsd")]
    assert order.missing == [Missing("order", "ord_1", "consignee.city", "CONSIGNEE_INCOMPLETE")]

    batch = Collector("batch")
    unit = Collector("batch", unit_index=0, order_ids=("ord_1",), into=batch)
    unit.treat("FORMAL_ENTRY", message="Formal entry.")
    (formal,) = batch.findings
    assert (formal.unit_index, formal.order_ids) == (0, ("ord_1",))
    assert unit.flags == {"FORMAL_ENTRY"}
    assert batch.flags == set()  # flags stay with the unit
    with pytest.raises(ValueError):
        unit.gap("FORMAL_ENTRY_REQUIRED", "value")  # nothing at batch scope to fill in
    with pytest.raises(ValueError):  # flags paired with different findings
        Collector("product", product_id="p").treat("PGA_FDA", "PGA_CPSC", message="Two.")
