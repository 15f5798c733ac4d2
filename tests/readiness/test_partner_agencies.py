"""The partner agencies' data a product must carry (issue 14 §3): the CPSC certificate's data of a
children's product (eFiling, 16 CFR 1110.11) and the Lacey Act plant declaration (16 U.S.C.
3372(f)), judged by the pure engine."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from entrygo.readiness.product_rules import ProductVerdict, judge_product
from entrygo.readiness.reference import DATA, load
from tests.readiness.test_catalogue import BASE_PRODUCT, BEECH, CPSC_CERTIFICATE, LACEY_CHAIR

REF = load()
TOY = {"hts_code": "9503000073", "title": "Wooden stacking blocks",
       "customs_description": "Set of 12 painted wooden stacking blocks for children"}


def verdict(**changes: Any) -> ProductVerdict:
    return judge_product(replace(BASE_PRODUCT, **changes), REF)


def found(v: ProductVerdict, code: str) -> list[str | None]:
    return sorted(f.field or "" for f in v.findings if f.code == code)


# --- CPSC: the certificate's data, not one reference ------------------------------------------

def test_a_reference_alone_no_longer_clears_a_childrens_product():
    v = verdict(**TOY, pga={"cpscCertificateRef": "CPC-1"})
    assert v.state == "BLOCKED"
    assert found(v, "PGA_CPSC_DATA_MISSING") == ["pga.cpscCertificate"]
    assert not found(v, "PGA_CPSC_CERT_MISSING")  # the data asked for says it all
    assert "not enough" in next(f.message for f in v.findings
                                if f.code == "PGA_CPSC_DATA_MISSING")
    # the flag said so: a children's product outside the toy chapter
    v = verdict(pga={"childrensProduct": True, "cpscCertificateRef": "CPC-1"})
    assert found(v, "PGA_CPSC_DATA_MISSING") == ["pga.cpscCertificate"]


def test_a_complete_certificate_clears_it():
    v = verdict(**TOY, pga={"cpscCertificate": CPSC_CERTIFICATE})
    assert v.state == "REVIEW_REQUIRED"
    assert {f.code for f in v.findings} == {"PGA_CPSC_REVIEW"}
    assert v.flags == {"PGA_CPSC"}


def test_each_missing_element_is_named():
    cert = {"id": "CPC-9", "regulations": [], "manufactureDate": "2026-05",
            "placeOfManufacture": {"city": "Dongguan", "country": "UK"},
            "testingLab": {"labId": "1234"}}
    v = verdict(**TOY, pga={"cpscCertificate": cert})
    fields = ["pga.cpscCertificate.placeOfManufacture.country",
              "pga.cpscCertificate.productIdentifiers", "pga.cpscCertificate.regulations",
              "pga.cpscCertificate.testingLab.name"]
    assert found(v, "PGA_CPSC_DATA_MISSING") == fields
    assert sorted(m.field for m in v.missing) == fields


def test_the_lab_is_identified_by_its_cpsc_id_or_its_city_and_country():
    def lab(**fields: str) -> list[str | None]:
        cert = {**CPSC_CERTIFICATE, "testingLab": {"name": "Pearl River Testing", **fields}}
        return found(verdict(**TOY, pga={"cpscCertificate": cert}), "PGA_CPSC_DATA_MISSING")

    assert lab(labId="1234") == []
    assert lab(city="Shenzhen", country="CN") == []
    assert lab(city="Shenzhen") == ["pga.cpscCertificate.testingLab.labId"]
    assert lab(city="Shenzhen", country="XX") == ["pga.cpscCertificate.testingLab.labId"]


def test_products_that_are_not_for_children_need_a_certificate_reference_only():
    # an adult collectible in the toy chapter says so; a regulated household product
    for pga in ({"childrensProduct": False}, {"cpscRegulated": True}):
        hts = TOY if pga.get("childrensProduct") is False else {}
        v = verdict(**hts, pga=pga)
        assert found(v, "PGA_CPSC_CERT_MISSING") == ["pga.cpscCertificateRef"]
        assert not found(v, "PGA_CPSC_DATA_MISSING")
        for certificate in ({"cpscCertificateRef": "GCC-7"}, {"cpscCertificate": {"id": "GCC-7"}}):
            near = verdict(**hts, pga={**pga, **certificate})
            assert not found(near, "PGA_CPSC_CERT_MISSING")
            assert not found(near, "PGA_CPSC_DATA_MISSING")


# --- Lacey Act: the plant declaration -----------------------------------------------------------

def test_a_wooden_chair_without_its_plants_is_blocked():
    v = verdict(**LACEY_CHAIR)
    assert v.state == "BLOCKED" and v.flags == {"PGA_LACEY"}
    assert found(v, "PGA_LACEY_REVIEW") == ["htsCode"]
    assert found(v, "PGA_LACEY_DATA_MISSING") == ["pga.lacey.components"]
    declared = verdict(**LACEY_CHAIR, pga={"lacey": {"components": [BEECH]}})
    assert declared.state == "REVIEW_REQUIRED"
    assert {f.code for f in declared.findings} == {"PGA_LACEY_REVIEW"}


def test_every_component_needs_genus_species_country_of_harvest_and_quantity():
    rattan = {"article": "seat", "genus": "Calamus", "countryOfHarvest": "ID"}
    v = verdict(**LACEY_CHAIR, pga={"lacey": {"components": [BEECH, rattan]}})
    assert found(v, "PGA_LACEY_DATA_MISSING") == [
        "pga.lacey.components.1.quantity", "pga.lacey.components.1.species",
        "pga.lacey.components.1.unit"]
    spp = {**rattan, "species": "spp.", "quantity": 0.8, "unit": "kg"}
    assert not found(verdict(**LACEY_CHAIR, pga={"lacey": {"components": [BEECH, spp]}}),
                     "PGA_LACEY_DATA_MISSING")
    unknown_country = {**BEECH, "countryOfHarvest": "EU"}
    assert found(verdict(**LACEY_CHAIR, pga={"lacey": {"components": [unknown_country]}}),
                 "PGA_LACEY_DATA_MISSING") == ["pga.lacey.components.0.countryOfHarvest"]


def test_outside_the_schedule_the_product_can_still_declare_itself():
    """A Phase VII product EntryGo's copy of the schedule does not list: the product says so,
    or declares its plants; a product of another heading is left alone."""
    assert "PGA_LACEY" not in verdict(hts_code="9401790050").flags  # a metal-framed seat
    v = verdict(pga={"lacey": {"declarationRequired": True}})
    assert found(v, "PGA_LACEY_DATA_MISSING") == ["pga.lacey.components"]
    v = verdict(hts_code="9401790050", pga={"lacey": {"components": [BEECH]}})
    assert "PGA_LACEY" in v.flags and not found(v, "PGA_LACEY_DATA_MISSING")


def test_paper_declares_its_recycled_content():
    """The base product is a notebook (HTS 4820): pulp and paper give the percent recycled."""
    pulp = {**BEECH, "article": "paper", "genus": "Picea", "species": "abies", "unit": "kg"}
    v = verdict(pga={"lacey": {"declarationRequired": True, "components": [pulp]}})
    assert found(v, "PGA_LACEY_DATA_MISSING") == ["pga.lacey.components.0.pctRecycled"]
    zero = {**pulp, "pctRecycled": 0}
    assert not found(verdict(pga={"lacey": {"declarationRequired": True,
                                            "components": [zero]}}), "PGA_LACEY_DATA_MISSING")
    # wood furniture has no recycled share to give
    assert not found(verdict(**LACEY_CHAIR, pga={"lacey": {"components": [BEECH]}}),
                     "PGA_LACEY_DATA_MISSING")


@pytest.mark.parametrize(("hts", "in_scope"), [
    ("4407110001", True),   # Phase II: pine sawn lengthwise
    ("4412330620", True),   # Phase III, the whole heading since Phase VII
    ("4419110000", True),   # Phase III: bread and chopping boards
    ("9202902000", True),   # Phase IV: string instruments (guitars)
    ("9401692010", True),   # Phase IV: seats with wooden frames (bent-wood, household)
    ("9401790050", False),  # seats with metal frames
    ("9403304000", True),   # Phase V: bent-wood office furniture
    ("9403308090", False),  # other wooden office furniture: not in a phase EntryGo lists
    ("3301295150", True),   # Phase VII: other essential oils
    ("3301295142", False),  # vetiver: taken out of Phase VII by APHIS
    ("4415208000", True),   # Phase VI: pallets
    ("4820102060", False),  # paper: composite, not phased in
])
def test_the_schedule_as_the_reference_data_has_it(hts: str, in_scope: bool):
    assert REF.lacey_scope.contains(hts) is in_scope


def test_the_schedule_cites_its_source():
    lacey = json.loads((DATA / "manifest.json").read_text())["lacey"]
    assert "APHIS-2008-0119" in lacey["source"] and "2024-11901" in lacey["source"]
    assert lacey["edition"]
    assert "9503" not in lacey["scope"]  # wooden toys: no phase EntryGo could confirm
