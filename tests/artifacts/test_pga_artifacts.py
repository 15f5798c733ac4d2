"""The partner agencies' data of a line in every file the broker imports (issue 14 §3): the FDA
product code and facility registration, the CPSC certificate, the FCC ID, the battery's UN number
and watt-hours and the Lacey Act plant declaration, in ``manifest.json``, ``entry_summary.json``
and ``entry_lines.csv``, named after the PGA message set elements they fill."""

from __future__ import annotations

import json
from dataclasses import replace

from entrygo.artifacts.render import ENTRY_LINES_COLUMNS
from entrygo.artifacts.render.pga import PGA_COLUMNS
from tests.artifacts.test_render import BOOK, STEEL, by_type, make_snapshot, rows

CERTIFICATE = {
    "id": "CPC-2026-0042", "regulations": ["16 CFR 1250", "16 CFR 1303"],
    "productIdentifiers": ["MODEL WB-12", "GTIN 00012345678905"], "manufactureDate": "2026-05",
    "placeOfManufacture": {"city": "Dongguan", "region": "GD", "country": "CN"},
    "testingLab": {"name": "Pearl River Testing Ltd", "labId": "1234", "address1": None,
                   "city": "Guangzhou", "region": None, "postalCode": None, "country": "CN",
                   "phone": None},
    "testDate": "2026-04-20"}
PLANTS = [{"article": "frame", "genus": "Fagus", "species": "sylvatica",
           "countryOfHarvest": "DE", "quantity": 4.5, "unit": "kg", "pctRecycled": None},
          {"article": "seat", "genus": "Calamus", "species": "spp.", "countryOfHarvest": "ID",
           "quantity": 0.8, "unit": "kg", "pctRecycled": 0}]
EVERYTHING = {"fdaProductCode": "38AHT09", "fdaFacilityRegistration": "12345678901",
              "cpscCertificateRef": "CPC-REF-7", "cpscCertificate": CERTIFICATE,
              "fccId": "2ABCD-SPK01", "lacey": {"components": PLANTS}}
"""Every identifier at once, on the steel product (its lines: ord_a 0 and ord_c 0)."""


def snapshot_with(pga=None, battery=None):
    steel = replace(STEEL, pga=pga, battery=battery)
    return make_snapshot(products={p.id: p for p in (steel, BOOK)})


def manifest_lines(docs):
    return [line for order in json.loads(docs["manifest"])["orders"] for line in order["lines"]]


def summary_lines(docs):
    return [line for entry in json.loads(docs["entry_summary"])["entries"]
            for line in entry["lines"]]


def test_every_identifier_is_in_the_three_files():
    docs = by_type(snapshot_with(EVERYTHING, {"present": True, "chemistry": "li-ion",
                                             "unNumber": "UN3481", "wattHours": 7.4}))
    expected = {
        "fda": {"productCode": "38AHT09", "facilityRegistration": "12345678901"},
        "cpsc": {"certificateId": "CPC-2026-0042", "certificateRef": "CPC-REF-7",
                 "regulations": ["16 CFR 1250", "16 CFR 1303"],
                 "productIdentifiers": ["MODEL WB-12", "GTIN 00012345678905"],
                 "manufactureDate": "2026-05",
                 "placeOfManufacture": {"city": "Dongguan", "region": "GD", "country": "CN"},
                 "testingLab": CERTIFICATE["testingLab"], "testDate": "2026-04-20"},
        "fcc": {"fccId": "2ABCD-SPK01"},
        "dangerousGoods": {"unNumber": "UN3481", "wattHours": 7.4},
        "lacey": {"components": PLANTS},
    }
    for lines in (manifest_lines(docs), summary_lines(docs)):
        steel = [line["pga"] for line in lines if line["productId"] == "prod_steel"]
        assert steel == [expected, expected]
        book = [line["pga"] for line in lines if line["productId"] == "prod_book"]
        assert book == [{"fda": None, "cpsc": None, "fcc": None, "dangerousGoods": None,
                         "lacey": None}] * 2
    csv_rows = rows(docs["entry_lines"])
    assert list(csv_rows[0]) == list(ENTRY_LINES_COLUMNS)
    assert ENTRY_LINES_COLUMNS[-len(PGA_COLUMNS):] == PGA_COLUMNS
    (steel_row, *_) = [r for r in csv_rows if r["product_id"] == "prod_steel"]
    assert {k: v for k, v in steel_row.items() if k.startswith("pga_")} == {
        "pga_fda_product_code": "38AHT09", "pga_fda_facility_registration": "12345678901",
        "pga_cpsc_certificate_id": "CPC-2026-0042", "pga_cpsc_certificate_ref": "CPC-REF-7",
        "pga_cpsc_regulations": "16 CFR 1250;16 CFR 1303",
        "pga_cpsc_product_identifiers": "MODEL WB-12;GTIN 00012345678905",
        "pga_cpsc_manufacture_date": "2026-05", "pga_cpsc_manufacture_city": "Dongguan",
        "pga_cpsc_manufacture_region": "GD", "pga_cpsc_manufacture_country": "CN",
        "pga_cpsc_testing_lab_name": "Pearl River Testing Ltd", "pga_cpsc_testing_lab_id": "1234",
        "pga_cpsc_testing_lab_address1": "", "pga_cpsc_testing_lab_city": "Guangzhou",
        "pga_cpsc_testing_lab_region": "", "pga_cpsc_testing_lab_postal_code": "",
        "pga_cpsc_testing_lab_country": "CN", "pga_cpsc_testing_lab_phone": "",
        "pga_cpsc_test_date": "2026-04-20", "pga_fcc_id": "2ABCD-SPK01",
        "pga_un_number": "UN3481", "pga_battery_watt_hours": "7.4",
        "pga_lacey_article": "frame;seat", "pga_lacey_genus": "Fagus;Calamus",
        "pga_lacey_species": "sylvatica;spp.", "pga_lacey_country_of_harvest": "DE;ID",
        "pga_lacey_quantity": "4.5;0.8", "pga_lacey_unit": "kg;kg",
        "pga_lacey_pct_recycled": ";0"}
    (book_row, *_) = [r for r in csv_rows if r["product_id"] == "prod_book"]
    assert {v for k, v in book_row.items() if k.startswith("pga_")} == {""}


def test_a_reference_alone_is_the_certificate_id():
    """Clients that send only ``cpscCertificateRef`` (a GCC reference) still see it filed."""
    docs = by_type(snapshot_with({"cpscRegulated": True, "cpscCertificateRef": "GCC-9"}))
    (cpsc, *_) = [line["pga"]["cpsc"] for line in manifest_lines(docs)
                  if line["productId"] == "prod_steel"]
    assert (cpsc["certificateId"], cpsc["certificateRef"], cpsc["regulations"]) == (
        "GCC-9", "GCC-9", [])
    assert cpsc["placeOfManufacture"] == {"city": None, "region": None, "country": None}
    row = next(r for r in rows(docs["entry_lines"]) if r["product_id"] == "prod_steel")
    assert (row["pga_cpsc_certificate_id"], row["pga_cpsc_certificate_ref"],
            row["pga_cpsc_regulations"]) == ("GCC-9", "GCC-9", "")


def test_a_battery_without_a_un_number_keeps_its_watt_hours_and_numbers_are_exact():
    docs = by_type(snapshot_with(None, {"present": True, "wattHours": 99.125}))
    (dangerous, *_) = [line["pga"]["dangerousGoods"] for line in summary_lines(docs)
                       if line["productId"] == "prod_steel"]
    assert dangerous == {"unNumber": None, "wattHours": 99.125}
    row = next(r for r in rows(docs["entry_lines"]) if r["product_id"] == "prod_steel")
    assert (row["pga_un_number"], row["pga_battery_watt_hours"]) == ("", "99.125")
    # a battery with nothing to file is no dangerous-goods data
    docs = by_type(snapshot_with(None, {"present": False}))
    assert {line["pga"]["dangerousGoods"] for line in manifest_lines(docs)} == {None}


def test_the_pga_data_follows_the_snapshot_byte_for_byte():
    first = by_type(snapshot_with(EVERYTHING))
    again = by_type(snapshot_with(json.loads(json.dumps(EVERYTHING))))
    assert first == again
