"""Every code of the catalogue: one case where it fires, one close case where it does not.

Cases are judged by the pure engine (no database): a complete base product and order judge
READY, each case changes only what the rule is about.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from entrygo.readiness.catalogue import CATALOGUE
from entrygo.readiness.facts import FilingFacts, LineFacts, OrderFacts, PlanFacts, ProductFacts
from entrygo.readiness.plan import Assessment, assess
from entrygo.readiness.product_rules import judge_product, section232_metals
from entrygo.readiness.reference import load

REF = load()

BASE_PRODUCT = ProductFacts(
    id="prod_base", title="Hardcover notebook A5, 192 ruled pages",
    customs_description="Paper notebook with hard cover, A5, 192 ruled pages",
    hts_code="4820102060", country_of_origin="CA", mid="XQMAPPAP55MON",
    net_weight_kg=Decimal("0.35"), reference_value_usd=Decimal("18"), excise_category="none",
    manufacturer={"name": "Maple Paper Company", "address1": "55 Rue Saint-Paul",
                  "city": "Montreal", "region": "QC", "country": "CA"},
)
CONSIGNEE = {"name": "Jane Doe", "address1": "1 Market St", "city": "San Francisco"}
PARCELS = ({"trackingNumber": "1Z999AA10123456784", "grossWeightKg": 0.5},)
FILING = FilingFacts(
    importer={"id": "imp_1", "name": "Jane Doe Imports LLC", "number": "12-3456789",
              "address": {"address1": "1 Harbor Way", "city": "Buffalo", "region": "NY",
                          "postalCode": "14202", "country": "US"}, "bond": None},
    seller={"name": "Maple Paper Company", "address": None},
    shipment={"modeOfTransport": "truck", "portOfEntry": "0901", "carrier": {"scac": "EGTR"}})
"""A complete filing: importer of record, a truck via Buffalo-Niagara Falls with its SCAC."""


def order(oid: str = "ord_1", *, product_id: str = "prod_base", value: str = "20",
          quantity: int = 1, **overrides: Any) -> OrderFacts:
    unit = Decimal(value)
    base = dict(id=oid, external_id=f"ext-{oid}", destination_country="US",
                destination_region="CA", destination_postal_code="94105", consignee=CONSIGNEE,
                lines=(LineFacts(product_id, quantity, unit, unit * quantity),),
                total_value_usd=unit * quantity, parcels=PARCELS)
    base.update(overrides)
    return OrderFacts(**base)


def judge(product: dict[str, Any] | None = None, orders: list[OrderFacts] | None = None,
          warehouse_country: str = "CA", exclude_blocked: bool = False,
          filing: FilingFacts = FILING) -> Assessment:
    p = replace(BASE_PRODUCT, **(product or {}))
    facts = PlanFacts("acc_1", "wh_1", warehouse_country, "br_1", "US", exclude_blocked,
                      tuple(orders or [order()]), {p.id: p}, filing)
    return assess(facts, REF)


def codes(a: Assessment) -> set[str]:
    return {f.code for f in a.findings}


def test_base_case_is_ready_with_only_the_de_minimis_note():
    a = judge()
    assert a.readiness_state == "READY"
    assert [(f.code, f.severity, f.scope) for f in a.findings] == [
        ("DE_MINIMIS_UNAVAILABLE", "info", "batch")]
    assert a.missing == () and a.flags == () and a.next_action == "execute"
    assert judge_product(BASE_PRODUCT, REF).state == "READY"


STEEL = {"hts_code": "7323930045", "metal_content": {"steelPctWeight": 92,
                                                     "steelMeltPourCountry": "CA"}}
ALU = {"hts_code": "7615107125", "metal_content": {"aluminumPctWeight": 97,
                                                   "aluminumSmeltCountry": "DE",
                                                   "aluminumCastCountry": "DE"}}

CPSC_CERTIFICATE = {
    "id": "CPC-2026-0042", "regulations": ["16 CFR 1250", "16 CFR 1303"],
    "productIdentifiers": ["MODEL WB-12", "GTIN 00012345678905"], "manufactureDate": "2026-05",
    "placeOfManufacture": {"city": "Dongguan", "region": "GD", "country": "CN"},
    "testingLab": {"name": "Pearl River Testing Ltd", "labId": "1234"}}
"""A children's product certificate with every element eFiling asks for."""
LACEY_CHAIR = {"hts_code": "9403304000", "title": "Bent-wood office chair",
               "customs_description": "Office chair of bent beech wood, lacquered"}
BEECH = {"article": "frame", "genus": "Fagus", "species": "sylvatica",
         "countryOfHarvest": "DE", "quantity": 4.5, "unit": "kg"}

# code: (product changes, order kwargs, warehouse), near-miss the same, expected field,
#       expected missing_data fields (entity, field)
PRODUCT_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str | None, list[str]]] = {
    "HTS_MISSING": ({"hts_code": None}, {"hts_code": "4820102060"}, "htsCode", ["htsCode"]),
    "HTS_MALFORMED": ({"hts_code": "482010"}, {"hts_code": "4820102060"}, "htsCode",
                      ["htsCode"]),
    "HTS_INVALID_CHAPTER": ({"hts_code": "7700000000"}, {"hts_code": "9701290000"}, "htsCode",
                            ["htsCode"]),
    "HTS_NOT_IN_SCHEDULE": ({"hts_code": "4820102099"}, {"hts_code": "4820102040"}, "htsCode",
                            ["htsCode"]),
    "HTS_NOT_STATISTICAL": ({"hts_code": "48201020"}, {"hts_code": "4820102020"}, "htsCode",
                            ["htsCode"]),
    "STATISTICAL_QUANTITY_DATA_MISSING": ({"hts_code": "4802201000"},
                                          {"hts_code": "4802201000",
                                           "measures": {"areaM2": 0.06237}},
                                          "measures.areaM2", ["measures.areaM2"]),
    "STATISTICAL_QUANTITY_NOT_DERIVED": ({"hts_code": "2616900010"},  # ores: copper content
                                         {"hts_code": "2616900050"},  # other metals, in g
                                         "htsCode", []),
    "ORIGIN_MISSING": ({"country_of_origin": None}, {"country_of_origin": "CA"},
                       "countryOfOrigin", ["countryOfOrigin"]),
    "ORIGIN_INVALID": ({"country_of_origin": "UK"}, {"country_of_origin": "GB",
                                                     "mid": "GBMAPPAP55MON"},
                       "countryOfOrigin", ["countryOfOrigin"]),
    "PROHIBITED_ORIGIN": ({"country_of_origin": "KP", "mid": "KPMAPPAP55MON"},
                          {"country_of_origin": "KR", "mid": "KRMAPPAP55MON"},
                          "countryOfOrigin", []),
    "DESCRIPTION_INSUFFICIENT": ({"customs_description": "Gift accessories set"},
                                 {"customs_description": "Gift box of paper notebooks"},
                                 "customsDescription", ["customsDescription"]),
    "MID_MISSING": ({"mid": None, "manufacturer": {"name": "Maple Paper Company"}},
                    {"mid": "XQMAPPAP55MON", "manufacturer": None}, "mid", ["mid"]),
    "MID_DERIVED": ({"mid": None}, {"mid": "XQMAPPAP55MON"}, "mid", []),
    "MID_MALFORMED": ({"mid": "xq-mappap"}, {"mid": "XQMAPPAP55MON"}, "mid", ["mid"]),
    "MID_ORIGIN_MISMATCH": ({"mid": "CAMAPPAP55MON"}, {"mid": "XOMAPPAP55MON"}, "mid", []),
    "MID_MANUFACTURER_MISMATCH": ({"mid": "XQMAPPAP5MON"}, {"mid": "XQMAPPAP55MON"}, "mid",
                                  []),
    "WEIGHT_MISSING": ({"net_weight_kg": None}, {"net_weight_kg": Decimal("0.001")},
                       "netWeightKg", ["netWeightKg"]),
    "TEXTILE_DETAILS_MISSING": ({"hts_code": "6109100012", "materials": [{"material": "cotton"}]},
                                {"hts_code": "6109100012", "materials": [
                                    {"material": "cotton", "pctByWeight": 100}]},
                                "materials", ["materials"]),
    "METALS_REVIEW_RECOMMENDED": (STEEL, {"metal_content": {"steelPctWeight": 0}},
                                  "htsCode", []),
    "METALS_ORIGIN_DATA_MISSING": ({"hts_code": "7323930045",
                                    "metal_content": {"steelPctWeight": 92}},
                                   STEEL, "metalContent.steelMeltPourCountry",
                                   ["metalContent.steelMeltPourCountry"]),
    "METALS_CONTENT_INCONSISTENT": ({**STEEL, "materials": [
                                        {"material": "Acier inoxydable", "pctByWeight": 80},
                                        {"material": "Laiton", "pctByWeight": 20}]},
                                    {**STEEL, "materials": [
                                        {"material": "Stainless steel", "pctByWeight": 92},
                                        {"material": "polypropylene", "pctByWeight": 8}]},
                                    "metalContent.copperPctWeight",
                                    ["metalContent.copperPctWeight"]),
    "METALS_BELOW_THRESHOLD": ({"hts_code": "9401790050", "metal_content": {
        "steelPctWeight": 14, "aluminumPctWeight": 10}}, STEEL, "metalContent", []),
    "CN_SECTION_301_REVIEW": ({"country_of_origin": "CN", "mid": "CNMAPPAP55MON"},
                              {"country_of_origin": "HK", "mid": "HKMAPPAP55MON"},
                              "countryOfOrigin", []),
    "UFLPA_REVIEW": ({"country_of_origin": "CN", "mid": "CNMAPPAP55MON",
                      "materials": [{"material": "Organic cotton", "pctByWeight": 100}]},
                     {"country_of_origin": "CN", "mid": "CNMAPPAP55MON",
                      "materials": [{"material": "wood pulp paper", "pctByWeight": 100}]},
                     "materials", []),
    "PGA_FDA_REVIEW": ({"hts_code": "3304995000"}, {"hts_code": "3401115000"}, "htsCode", []),
    "PGA_FDA_DATA_MISSING": ({"hts_code": "1702204070", "pga": {"fdaProductCode": "38AHT09"}},
                             {"hts_code": "1702204070", "pga": {
                                 "fdaProductCode": "38AHT09",
                                 "fdaFacilityRegistration": "12345678901"}},
                             "pga.fdaFacilityRegistration", ["pga.fdaFacilityRegistration"]),
    "PGA_CPSC_REVIEW": ({"pga": {"childrensProduct": True, "cpscCertificateRef": "CPC-1"}},
                        {"pga": {"childrensProduct": False}}, "pga", []),
    "PGA_CPSC_CERT_MISSING": ({"pga": {"cpscRegulated": True}},
                              {"pga": {"cpscRegulated": True, "cpscCertificateRef": "GCC-1"}},
                              "pga.cpscCertificateRef", ["pga.cpscCertificateRef"]),
    "PGA_CPSC_DATA_MISSING": ({"hts_code": "9503000073", "pga": {"cpscCertificateRef": "CPC-1"}},
                              {"hts_code": "9503000073", "pga": {
                                  "cpscCertificate": CPSC_CERTIFICATE}},
                              "pga.cpscCertificate", ["pga.cpscCertificate"]),
    "PGA_FCC_REVIEW": ({"pga": {"rfDevice": True}}, {"pga": {"rfDevice": True,
                                                             "fccId": "2ABCD-1"}},
                       "pga.fccId", ["pga.fccId"]),
    "PGA_LACEY_REVIEW": ({**LACEY_CHAIR, "pga": {"lacey": {"components": [BEECH]}}},
                         {"hts_code": "9401790050"}, "htsCode", []),
    "PGA_LACEY_DATA_MISSING": ({**LACEY_CHAIR, "pga": {"lacey": {"components": [
                                   {**BEECH, "countryOfHarvest": None}]}}},
                               {**LACEY_CHAIR, "pga": {"lacey": {"components": [BEECH]}}},
                               "pga.lacey.components.0.countryOfHarvest",
                               ["pga.lacey.components.0.countryOfHarvest"]),
    "DANGEROUS_GOODS_REVIEW": ({"battery": {"present": True, "unNumber": "UN3481",
                                            "wattHours": 7.4}},
                               {"battery": {"present": False}}, "battery", []),
    "DG_DATA_MISSING": ({"battery": {"present": True, "unNumber": "UN3481"}},
                        {"battery": {"present": True, "unNumber": "UN3481", "wattHours": 7.4}},
                        "battery.wattHours", ["battery.wattHours"]),
    "EXCISE_GOODS_BLOCKED": ({"hts_code": "2204215050"}, {"hts_code": "2209000060"},
                             "exciseCategory", []),
}


@pytest.mark.parametrize("code", sorted(PRODUCT_CASES))
def test_product_rule_fires_and_its_near_miss_does_not(code):
    fire, near, field, missing = PRODUCT_CASES[code]
    rule = CATALOGUE[code]
    a = judge(fire)
    hits = [f for f in a.findings if f.code == code]
    assert hits, (code, [f.code for f in a.findings])
    for f in hits:
        assert (f.severity, f.scope, f.order_id, f.line_index, f.product_id) == (
            rule.severity, "line", "ord_1", 0, "prod_base")
        assert f.reference == rule.reference and f.message
    assert field in {f.field for f in hits}
    assert {m.field for m in a.missing if m.code == code} == set(missing)
    assert all(m.entity == "product" and m.id == "prod_base" for m in a.missing
               if m.code == code)
    if rule.severity == "blocking":
        assert a.readiness_state == "BLOCKED"
        assert a.next_action == "fix_blocking_issues_then_replan"
    elif rule.severity == "warning":
        assert a.readiness_state in ("REVIEW_REQUIRED", "BLOCKED")
    # product-level readiness says the same, scoped to the product
    verdict = judge_product(replace(BASE_PRODUCT, **fire), REF)
    assert code in {f.code for f in verdict.findings if f.scope == "product"}
    assert code not in codes(judge(near)), code


def test_schedule_findings_list_the_lines_to_choose_from():
    """HTS_NOT_IN_SCHEDULE suggests the nearest lines under the heading, HTS_NOT_STATISTICAL
    lists a tariff line's statistical lines: in details, on the product and on each line."""
    a = judge({"hts_code": "4820102099"})
    (line_finding,) = [f for f in a.findings if f.code == "HTS_NOT_IN_SCHEDULE"]
    suggestions = line_finding.details["suggestions"]
    assert [s["htsCode"] for s in suggestions[:3]] == ["4820102060", "4820102040", "4820102030"]
    assert suggestions[0] == {"htsCode": "4820102060", "units": ["No."], "description": (
        "Registers, account books, notebooks, order books, receipt books, letter pads, "
        "memorandum pads, diaries and similar articles: > Diaries, notebooks and address books, "
        "bound; memorandum pads, letter pads and similar articles > Other")}
    assert "4820.10.20.60" in line_finding.message

    def statistical(hts: str) -> list[str]:
        verdict = judge_product(replace(BASE_PRODUCT, hts_code=hts), REF)
        (f,) = [f for f in verdict.findings if f.code.startswith("HTS_")]
        assert f.code == "HTS_NOT_STATISTICAL", (hts, f.code)
        return [(x["htsCode"], x["description"]) for x in f.details["statisticalLines"]]

    lines = statistical("1702204000")  # the 8-digit line and 00: still no statistical line
    assert [code for code, _ in lines] == ["1702204010", "1702204040", "1702204050",
                                          "1702204060", "1702204070"]
    assert lines[:2] == [("1702204010", "Maple sugar"), (
        "1702204040", "Maple syrup: > Certified organic: > In containers over 5 kg")]
    assert statistical("39241040") == [("3924104000", "Other")]  # printed without its 8 digits
    assert len(statistical("61091000")) == 14

    def hts_codes(hts: str) -> set[str]:
        return {f.code for f in judge_product(replace(BASE_PRODUCT, hts_code=hts), REF).findings
                if f.code.startswith("HTS_")}

    assert hts_codes("48201099") == {"HTS_MALFORMED"}  # 8 digits, no tariff line
    assert hts_codes("98010010") == {"HTS_MALFORMED"}  # a chapter for no goods
    assert hts_codes("9101114000") == set()  # a tariff line without suffixes reports as …00
    assert hts_codes("4820.10.2060".replace(".", "")) == set()
    assert judge({"hts_code": "9700000000"}).findings[0].details == {"suggestions": []}


CHAIR = {"hts_code": "9401790050", "title": "Folding chair",
         "customs_description": "Folding outdoor chair with aluminium frame and polyester seat",
         "materials": [{"material": "aluminium frame", "pctByWeight": 70},
                       {"material": "polyester seat", "pctByWeight": 30}],
         "metal_content": {"steelPctWeight": 5, "steelMeltPourCountry": "CN"}}


def test_a_chair_in_scope_for_two_metals_declares_the_one_its_materials_name():
    """9401.79 is in the Section 232 scope for steel and for aluminum: both are kept (one metal
    per prefix kept only steel). Its materials name aluminium, which metalContent leaves out:
    blocked, never READY."""
    assert REF.section232_metals("9401790000") == {"steel", "aluminum"}
    blocked = judge(CHAIR)
    assert blocked.readiness_state == "BLOCKED"
    (f,) = [f for f in blocked.findings if f.code == "METALS_CONTENT_INCONSISTENT"]
    assert (f.field, f.severity) == ("metalContent.aluminumPctWeight", "blocking")
    assert "aluminium" in f.message
    declared = judge({**CHAIR, "metal_content": {
        "steelPctWeight": 5, "steelMeltPourCountry": "CN", "aluminumPctWeight": 70,
        "aluminumSmeltCountry": "CN", "aluminumCastCountry": "CN"}})
    assert declared.readiness_state == "REVIEW_REQUIRED"
    assert "METALS_CONTENT_INCONSISTENT" not in codes(declared)
    assert ("SECTION_232_ALUMINUM", ("ord_1",), ("prod_base",)) in declared.flags
    assert REF.section232_declarations["aluminum"] == "07 - SMELT & CAST"


def test_under_the_threshold_is_noted_and_still_reviewed():
    """Heading 9903.82.03: outside chapters 72, 73, 74 and 76, an article whose every metal is
    under 15 % of its weight is excluded. The exclusion is noted (info) and a review still asked
    for (warning: sources disagree on how it is measured), and the line keeps its Section 232
    flags so the declaration lists the metal content either way."""
    a = judge({"hts_code": "9401790050", "metal_content": {"steelPctWeight": "14.99",
                                                           "aluminumPctWeight": 10}})
    assert {f.code: f.severity for f in a.findings if f.code.startswith("METALS")} == {
        "METALS_BELOW_THRESHOLD": "info", "METALS_REVIEW_RECOMMENDED": "warning"}
    assert a.readiness_state == "REVIEW_REQUIRED"
    assert {("SECTION_232_STEEL", ("ord_1",), ("prod_base",)),
            ("SECTION_232_ALUMINUM", ("ord_1",), ("prod_base",))} <= set(a.flags)
    # under the threshold the melt-and-pour and smelt/cast countries are not required
    assert "METALS_ORIGIN_DATA_MISSING" not in codes(a)
    # "less than 15 percent": 15 itself is in scope, and its origin data is due
    at = judge({"hts_code": "9401790050", "metal_content": {"steelPctWeight": 15,
                                                            "aluminumPctWeight": 10}})
    assert "METALS_BELOW_THRESHOLD" not in codes(at)
    assert "metalContent.steelMeltPourCountry" in {
        f.field for f in at.findings if f.code == "METALS_ORIGIN_DATA_MISSING"}
    # chapters 72, 73, 74 and 76 are never excluded: a saucepan of 12 % steel is declared
    pan = judge({"hts_code": "7323930045", "metal_content": {"steelPctWeight": 12}})
    assert "METALS_BELOW_THRESHOLD" not in codes(pan)
    assert "METALS_ORIGIN_DATA_MISSING" in codes(pan)
    # a share above 0 in an out-of-scope chapter brings the product into scope the same way
    assert "METALS_REVIEW_RECOMMENDED" in codes(judge({"metal_content": {
        "copperPctWeight": 2}}))


def test_the_declaration_lists_every_metal_of_the_product():
    """In declaration order, in scope by HTS, by declared share or by name in the materials,
    at or below the threshold included; nothing out of scope."""
    chair = replace(BASE_PRODUCT, **{**CHAIR, "metal_content": {
        "steelPctWeight": 5, "aluminumPctWeight": 70}})
    assert [m.name for m in section232_metals(chair, REF)] == ["steel", "aluminum"]
    brass = replace(BASE_PRODUCT, **{**STEEL, "materials": [{"material": "steel"},
                                                            {"material": "brass hinge"}]})
    assert [m.name for m in section232_metals(brass, REF)] == ["steel", "copper"]
    notebook = replace(BASE_PRODUCT, materials=[{"material": "paper, steel spiral"}])
    assert section232_metals(notebook, REF) == ()


def test_metal_words_in_the_languages_merchants_write():
    for words, metal in (("Edelstahl", "steel"), ("acero inoxidable", "steel"),
                         ("Latón", "copper"), ("ottone", "copper"), ("Alluminio", "aluminum"),
                         ("cast iron", "steel"), ("BRONZE", "copper")):
        a = judge({**STEEL, "metal_content": {}, "materials": [{"material": words}]})
        assert f"metalContent.{metal}PctWeight" in {
            f.field for f in a.findings if f.code == "METALS_CONTENT_INCONSISTENT"}, words
    # whole words only: "environmentally" does not name iron
    a = judge({**STEEL, "materials": [{"material": "environmentally friendly polyester"}]})
    assert "METALS_CONTENT_INCONSISTENT" not in codes(a)


def test_severities_drive_the_state():
    assert judge(STEEL).readiness_state == "REVIEW_REQUIRED"
    assert judge(STEEL).next_action == "review_flags_then_execute"
    assert judge({"hts_code": None}).readiness_state == "BLOCKED"


ORDER_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str | None, list[str]]] = {
    "DEST_OUTSIDE_CUSTOMS_TERRITORY": ({"destination_region": "GU",
                                        "destination_postal_code": "96910"},
                                       {"destination_region": "PR",
                                        "destination_postal_code": "00901"},
                                       "destinationRegion", []),
    "DEST_REGION_MISSING": ({"destination_region": None}, {"destination_region": "California"},
                            "destinationRegion", ["destinationRegion"]),
    "DEST_REGION_INVALID": ({"destination_region": "Calif"}, {"destination_region": "ca"},
                            "destinationRegion", ["destinationRegion"]),
    "DEST_POSTAL_CODE_MISSING": ({"destination_postal_code": None},
                                 {"destination_postal_code": "941051234"},
                                 "destinationPostalCode", ["destinationPostalCode"]),
    "DEST_POSTAL_CODE_INVALID": ({"destination_postal_code": "9410"},
                                 {"destination_postal_code": "94105-1234"},
                                 "destinationPostalCode", ["destinationPostalCode"]),
    "DEST_POSTAL_REGION_MISMATCH": ({"destination_postal_code": "10001"},
                                    {"destination_postal_code": "90210"},
                                    "destinationPostalCode", []),
    "DEST_MILITARY_ADDRESS": ({"destination_region": "AE", "destination_postal_code": "09001"},
                              {"destination_region": "DC", "destination_postal_code": "20001"},
                              "destinationRegion", []),
    "CONSIGNEE_INCOMPLETE": ({"consignee": {"name": "Jane Doe"}},
                             {"consignee": {**CONSIGNEE, "phone": None}}, "consignee",
                             ["consignee.address1", "consignee.city"]),
    "PARCEL_DATA_MISSING": ({"parcels": ({"trackingNumber": "1Z1", "grossWeightKg": None},)},
                            {"parcels": ({"trackingNumber": "1Z1", "grossWeightKg": 0.001},)},
                            "parcels", ["parcels"]),
    "CURRENCY_CONVERSION_UNDOCUMENTED": ({"currency": "CAD"},
                                         {"currency": "CAD", "usd_exchange_rate": {
                                             "rate": 1.3712, "date": "2026-11-27"}},
                                         "usdExchangeRate", ["usdExchangeRate"]),
}


@pytest.mark.parametrize("code", sorted(ORDER_CASES))
def test_order_rule_fires_and_its_near_miss_does_not(code):
    fire, near, field, missing = ORDER_CASES[code]
    rule = CATALOGUE[code]
    a = judge(orders=[order(**fire)])
    hits = [f for f in a.findings if f.code == code]
    assert len(hits) == 1, [f.code for f in a.findings]
    f = hits[0]
    assert (f.severity, f.scope, f.order_id, f.line_index, f.field) == (
        rule.severity, "order", "ord_1", None, field)
    assert sorted(m.field for m in a.missing if m.code == code) == missing
    assert all(m.entity == "order" and m.id == "ord_1" for m in a.missing if m.code == code)
    assert code not in codes(judge(orders=[order(**near)])), code


def test_value_rules():
    zero = judge(orders=[order(value="0")])
    (f,) = [f for f in zero.findings if f.code == "VALUE_ZERO"]
    assert (f.severity, f.scope, f.order_id, f.line_index, f.product_id, f.field) == (
        "warning", "line", "ord_1", 0, "prod_base", "unitValueUsd")
    assert "VALUE_ZERO" not in codes(judge(orders=[order(value="0.01")]))
    low = judge(orders=[order(value="8.99")])  # reference value 18: half is 9
    assert "VALUE_OUTLIER" in codes(low) and "VALUE_ZERO" not in codes(low)
    (outlier,) = [f for f in low.findings if f.code == "VALUE_OUTLIER"]
    assert "8.99 USD" in outlier.message and "18.00 USD" in outlier.message
    assert "VALUE_OUTLIER" not in codes(judge(orders=[order(value="9")]))


def test_origin_differs_is_info_once_per_product():
    a = judge({"country_of_origin": "DE", "mid": "DEMAPPAP55MON"},
              orders=[order("ord_1"), order("ord_2")])
    hits = [f for f in a.findings if f.code == "ORIGIN_DIFFERS_FROM_EXPORT_COUNTRY"]
    assert [(f.severity, f.scope, f.product_id) for f in hits] == [
        ("info", "product", "prod_base")]
    assert a.readiness_state == "READY"
    assert "ORIGIN_DIFFERS_FROM_EXPORT_COUNTRY" not in codes(judge(warehouse_country="CA"))


def test_de_minimis_once_per_plan():
    a = judge(orders=[order("ord_1"), order("ord_2")])
    assert [f.code for f in a.findings].count("DE_MINIMIS_UNAVAILABLE") == 1


def test_formal_entry_per_consignee_unit():
    same = [order("ord_1", value="1300"), order("ord_2", value="1300")]
    a = judge(orders=same)
    (f,) = [f for f in a.findings if f.code == "FORMAL_ENTRY_REQUIRED"]
    assert (f.severity, f.scope, f.order_ids) == ("warning", "batch", ("ord_1", "ord_2"))
    assert f.message == ("Export unit worth 2,600.00 USD exceeds the informal threshold of "
                         "2,500.00 USD: Type 01 formal entry.")  # money as money, not 2600.0000
    assert [(u.order_ids, u.entry_type, u.value_usd) for u in a.units] == [
        (("ord_1", "ord_2"), "01", Decimal("2600"))]
    assert ("FORMAL_ENTRY", ("ord_1", "ord_2"), ()) in a.flags
    # the same value split over two consignees: two informal entries
    other = {"name": "John Roe", "address1": "9 Elm St", "city": "Austin"}
    b = judge(orders=[order("ord_1", value="1300"),
                      order("ord_2", value="1300", consignee=other)])
    assert "FORMAL_ENTRY_REQUIRED" not in codes(b)
    assert [u.entry_type for u in b.units] == ["11", "11"]
    # exactly at the threshold is still informal
    c = judge(orders=[order("ord_1", value="2500")])
    assert "FORMAL_ENTRY_REQUIRED" not in codes(c) and c.units[0].entry_type == "11"


def test_orders_without_consignee_are_their_own_units():
    a = judge(orders=[order("ord_1", consignee=None), order("ord_2", consignee=None)])
    assert [u.order_ids for u in a.units] == [("ord_1",), ("ord_2",)]


def test_flags_collect_orders_and_products():
    a = judge({**STEEL, "country_of_origin": "CN", "mid": "CNNORSTE1200HAM",
               "materials": [{"material": "stainless steel", "pctByWeight": 92}]},
              orders=[order("ord_2"), order("ord_1")])
    flags = {flag: (orders, products) for flag, orders, products in a.flags}
    assert flags == {
        "SECTION_232_STEEL": (("ord_1", "ord_2"), ("prod_base",)),
        "SECTION_301_CN": (("ord_1", "ord_2"), ("prod_base",)),
        "UFLPA_SCREENING": (("ord_1", "ord_2"), ("prod_base",)),
    }
    a = judge(ALU)
    assert [flag for flag, _, _ in a.flags] == ["SECTION_232_ALUMINUM"]


def test_exclude_blocked_orders():
    blocked = order("ord_2", destination_region=None)
    a = judge(orders=[order("ord_1"), blocked], exclude_blocked=True)
    assert a.included_order_ids == ("ord_1",)
    assert [(e.order_id, e.reason, e.codes) for e in a.exclusions] == [
        ("ord_2", "BLOCKING_ISSUES", ("DEST_REGION_MISSING",))]
    assert a.readiness_state == "READY"
    nothing = judge(orders=[blocked], exclude_blocked=True)
    assert nothing.readiness_state == "BLOCKED"
    assert "NO_ORDERS_INCLUDED" in codes(nothing)


def test_messages_are_sorted_deterministically():
    orders = [order("ord_3", destination_region=None), order("ord_1", value="0"),
              order("ord_2", consignee=None)]
    a = judge({**STEEL, "net_weight_kg": None}, orders=orders)
    b = judge({**STEEL, "net_weight_kg": None}, orders=list(reversed(orders)))
    assert a.findings == b.findings
    ranks = {"blocking": 0, "warning": 1, "info": 2}
    assert [ranks[f.severity] for f in a.findings] == sorted(ranks[f.severity]
                                                             for f in a.findings)


def test_order_rules_near_misses_of_their_own():
    """No parcels at all fires too; USD (or no currency) needs no conversion."""
    assert "PARCEL_DATA_MISSING" in codes(judge(orders=[order(parcels=())]))
    for near in ({"currency": "USD"}, {"currency": None}):
        assert "CURRENCY_CONVERSION_UNDOCUMENTED" not in codes(judge(orders=[order(**near)]))


def shipment(**fields: Any) -> FilingFacts:
    return replace(FILING, shipment={k: v for k, v in {**FILING.shipment, **fields}.items()
                                     if v is not None})


# code: (filing that fires, its near miss, expected severity, expected field)
FILING_CASES: dict[str, tuple[FilingFacts, FilingFacts, str, str]] = {
    "IMPORTER_OF_RECORD_MISSING": (replace(FILING, importer=None), FILING, "blocking",
                                   "importerId"),
    "PORT_OF_ENTRY_MISSING": (shipment(portOfEntry=None), shipment(portOfEntry="3004"),
                              "blocking", "shipment.portOfEntry"),
    "PORT_OF_ENTRY_INVALID": (shipment(portOfEntry="0999"), shipment(portOfEntry="0901"),
                              "blocking", "shipment.portOfEntry"),
    "TRANSPORT_MODE_MISSING": (shipment(modeOfTransport=None), shipment(modeOfTransport="rail"),
                               "blocking", "shipment.modeOfTransport"),
    "CARRIER_ID_MISSING": (shipment(carrier={"name": "Acme Trucking", "iataCode": "AC"}),
                           shipment(carrier={"scac": "ACMT"}), "blocking", "shipment.carrier"),
}


@pytest.mark.parametrize("code", sorted(FILING_CASES))
def test_filing_rule_fires_once_per_plan_and_its_near_miss_does_not(code):
    fire, near, severity, field = FILING_CASES[code]
    a = judge(orders=[order("ord_1"), order("ord_2")], filing=fire)
    hits = [f for f in a.findings if f.code == code]
    assert [(f.severity, f.scope, f.field, f.order_id) for f in hits] == [
        (severity, "batch", field, None)], [f.code for f in a.findings]
    assert a.readiness_state == "BLOCKED"
    assert code not in codes(judge(filing=near))
    assert judge(filing=near).readiness_state == "READY"


def test_carrier_code_by_mode():
    """By truck only a SCAC names the carrier; by air or courier an IATA code does too; by
    sea, rail and post a missing code is a warning."""
    def severity(mode: str, carrier: dict[str, str]) -> str | None:
        a = judge(filing=shipment(modeOfTransport=mode, carrier=carrier))
        return next((f.severity for f in a.findings if f.code == "CARRIER_ID_MISSING"), None)

    assert severity("truck", {"iataCode": "AC"}) == "blocking"
    assert severity("air", {"iataCode": "AC"}) is None
    assert severity("courier", {"scac": "FDEG"}) is None
    assert severity("courier", {"name": "Express Co"}) == "blocking"
    assert severity("ocean", {"name": "Oceanic Lines"}) == "warning"
    assert severity("rail", {}) == "warning"
    assert severity("postal", {"name": "Canada Post"}) is None
    assert severity("postal", {}) == "warning"


def test_strict_policy_blocks_the_warnings_that_leave_entry_fields_empty():
    strict = replace(FILING, policy="strict")
    orders = [order("ord_1", consignee={"name": "Jane Doe"}), order("ord_2", parcels=())]
    standard, blocked = judge(orders=orders), judge(orders=orders, filing=strict)
    assert standard.readiness_state == "REVIEW_REQUIRED"
    assert blocked.readiness_state == "BLOCKED"
    escalated = {f.code: f for f in blocked.findings if f.severity_as == "blocking"}
    assert set(escalated) == {"CONSIGNEE_INCOMPLETE", "PARCEL_DATA_MISSING"}
    assert all("strict policy" in f.message for f in escalated.values())
    # a review signal that leaves no field empty stays a warning under strict too
    metals = judge(STEEL, filing=strict)
    assert metals.readiness_state == "REVIEW_REQUIRED"
    assert {f.code: f.severity for f in metals.findings}["METALS_REVIEW_RECOMMENDED"] == \
        "warning"
    # strict excludes what it blocks when the plan asks for it
    excluded = judge(orders=orders, filing=strict, exclude_blocked=True)
    assert [e.order_id for e in excluded.exclusions] == ["ord_1", "ord_2"]
    assert {rule.code for rule in CATALOGUE.values() if rule.strict} == {
        "CONSIGNEE_INCOMPLETE", "DESCRIPTION_INSUFFICIENT", "VALUE_ZERO", "MID_ORIGIN_MISMATCH",
        "WEIGHT_MISSING", "PARCEL_DATA_MISSING", "CURRENCY_CONVERSION_UNDOCUMENTED"}


def test_every_catalogue_code_is_covered_here():
    covered = set(PRODUCT_CASES) | set(ORDER_CASES) | set(FILING_CASES) | {
        "VALUE_ZERO", "VALUE_OUTLIER", "ORIGIN_DIFFERS_FROM_EXPORT_COUNTRY",
        "DE_MINIMIS_UNAVAILABLE", "FORMAL_ENTRY_REQUIRED", "NO_ORDERS_INCLUDED",
        "CONSIGNEE_SPLIT_ACROSS_BATCHES"}  # its cases: test_consignee.py
    assert covered == set(CATALOGUE)
