"""The artifact renderers: pure, deterministic, and what a broker can file from (no database)."""

from __future__ import annotations

import csv
import io
import json
import re
import zlib
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from entrygo.artifacts.render import (
    COMMERCIAL_INVOICE_COLUMNS,
    ENTRY_LINES_COLUMNS,
    METALS_COLUMNS,
    PACKING_LIST_COLUMNS,
    has_section232,
    latin1,
    render_all,
    render_commercial_invoice_pdf,
    render_entry_lines_csv,
)
from entrygo.artifacts.snapshot import PackageSnapshot, Party, Unit
from entrygo.readiness.facts import LineFacts, OrderFacts, ProductFacts

PACKAGE = "EG-20261127-7K3Q9M"
EXECUTED = datetime(2026, 11, 27, 13, 1, 46, 123000, tzinfo=UTC)

STEEL = ProductFacts(
    id="prod_steel", title="Stainless steel saucepan, 1 l",
    customs_description="Saucepan of stainless steel for stove-top cooking, 1 litre, with "
                        "phenolic handle",
    hts_code="7323930045", country_of_origin="CA", mid=None, net_weight_kg=Decimal("0.4"),
    manufacturer={"name": "Northern Steelworks Ltd", "address1": "1200 Industrial Rd",
                  "city": "Hamilton", "region": "ON", "country": "CA"},
    metal_content={"steelPctWeight": 92, "steelMeltPourCountry": "CA"},
    external_id="SAUCEPAN-1L",
)
BOOK = ProductFacts(  # no customs description: the title is printed
    id="prod_book", title="Hardcover notebook A5, 192 ruled pages", hts_code="4820102060",
    country_of_origin="CA", mid="XQMAPPAP55MON", net_weight_kg=Decimal("0.35"),
)
JANE = {"name": "Jane Doe", "address1": "1 Market St", "city": "San Francisco"}


def _order(oid: str, ext: str, region: str, postal: str, consignee: dict | None,
           lines: list[tuple[str, int, str]]) -> OrderFacts:
    facts = tuple(LineFacts(pid, qty, Decimal(unit),
                            (Decimal(unit) * qty).quantize(Decimal("0.01")))
                  for pid, qty, unit in lines)
    return OrderFacts(id=oid, external_id=ext, destination_country="US",
                      destination_region=region, destination_postal_code=postal,
                      consignee=consignee, lines=facts,
                      total_value_usd=sum((ln.line_value_usd for ln in facts), Decimal(0)))


def make_snapshot(**changes) -> PackageSnapshot:
    """Two units, three orders: Jane's two orders share an informal entry; a formal one."""
    a = _order("ord_a", "ord-ext-1001", "CA", "94105", JANE,
               [("prod_steel", 2, "55.5"), ("prod_book", 1, "12.3456")])
    b = _order("ord_b", "ord-ext-1002", "CA", "94105", JANE, [("prod_book", 3, "10")])
    c = _order("ord_c", "ord-ext-1003", "NY", "10001", None, [("prod_steel", 30, "100")])
    snapshot = PackageSnapshot(
        package_number=PACKAGE, executed_at=EXECUTED, batch_id="batch_1",
        plan_hash="planhash_" + "ab" * 32, readiness_state="REVIEW_REQUIRED",
        rules_version="rules-1", reference_data_version="ref-1",
        seller=Party(name="EntryGo Demo"),
        warehouse=Party(name="Demo 3PL Mississauga", country="CA", address1="6300 Kennedy Rd",
                        city="Mississauga", region="ON", postal_code="L5T 2X5"),
        broker=Party(name="Demo Customs Brokerage", email="broker@example.com", code="DMO"),
        destination_country="US",
        units=(Unit("unit_1", "11", Decimal("153.35"), ("ord_a", "ord_b")),
               Unit("unit_2", "01", Decimal("3000.00"), ("ord_c",))),
        orders={o.id: o for o in (a, b, c)},
        products={p.id: p for p in (STEEL, BOOK)},
        mids={"prod_steel": ("XONORSTE1200HAM", True), "prod_book": ("XQMAPPAP55MON", False)},
        flags=({"flag": "FORMAL_ENTRY", "orderIds": ["ord_c"], "productIds": []},
               {"productIds": ["prod_steel"], "orderIds": ["ord_a", "ord_c"],
                "flag": "SECTION_232_STEEL"}),
        product_flags={"prod_steel": ("SECTION_232_STEEL",), "prod_book": ()},
        validation_messages=({"code": "METALS_REVIEW_RECOMMENDED", "severity": "warning",
                              "message": "Section 232 steel article.", "scope": "line",
                              "orderId": "ord_a", "productId": "prod_steel", "lineIndex": 0},),
        missing_data=(),
        totals={"orderCount": 3, "lineCount": 4, "unitCount": 2,
                "valueUsd": Decimal("3153.35"), "netWeightKg": Decimal("14.2")},
    )
    return replace(snapshot, **changes)


def by_type(snapshot: PackageSnapshot) -> dict[str, bytes]:
    return {a.artifact_type: a.content for a in render_all(snapshot)}


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def pdf_pages(content: bytes) -> list[str]:
    """The text shown on each page (fpdf2 writes one Flate content stream per page)."""
    pages = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        data = zlib.decompress(stream)
        shown = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data)
        pages.append("\n".join(re.sub(r"\\(.)", r"\1", s.decode("latin-1")) for s in shown))
    return pages


# --- the set ---------------------------------------------------------------------------------

def test_artifacts_in_contract_order_with_names_and_types():
    got = [(a.artifact_type, a.filename, a.content_type) for a in render_all(make_snapshot())]
    assert got == [
        ("manifest", "manifest.json", "application/json"),
        ("entry_summary", "entry_summary.json", "application/json"),
        ("commercial_invoice", "commercial_invoice.pdf", "application/pdf"),
        ("commercial_invoice_data", "commercial_invoice.csv", "text/csv; charset=utf-8"),
        ("entry_lines", "entry_lines.csv", "text/csv; charset=utf-8"),
        ("packing_list", "packing_list.csv", "text/csv; charset=utf-8"),
        ("readiness_report", "readiness_report.json", "application/json"),
        ("metals_declaration", "section_232_metals.csv", "text/csv; charset=utf-8"),
    ]


def test_no_metals_declaration_without_a_section_232_flag():
    snapshot = make_snapshot(product_flags={"prod_steel": ("PGA_FDA",), "prod_book": ()})
    assert not has_section232(snapshot)
    types = [a.artifact_type for a in render_all(snapshot)]
    assert "metals_declaration" not in types
    assert len(types) == 7
    entry = rows(by_type(snapshot)["entry_lines"])
    assert {r["section232_declaration"] for r in entry} == {""}


def test_same_snapshot_same_bytes():
    first = render_all(make_snapshot())
    second = render_all(make_snapshot())  # rebuilt from scratch, not the same objects
    assert [a.content for a in first] == [a.content for a in second]
    assert all(a.content for a in first)


def test_content_follows_the_snapshot_not_the_clock():
    later = make_snapshot(package_number="EG-20261128-AAAAAA",
                          executed_at=datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    before, after = by_type(make_snapshot()), by_type(later)
    # the package number is in these; nothing else differs (the PDF is compressed: see below)
    for kind in ("manifest", "commercial_invoice_data", "readiness_report"):
        assert before[kind] != after[kind], kind
        assert before[kind].replace(PACKAGE.encode(), b"EG-20261128-AAAAAA").replace(
            b"2026-11-27T13:01:46.123Z", b"2026-11-28T08:00:00.000Z") == after[kind], kind
    # the broker's line files are keyed by unit and order, not by package
    for kind in ("entry_lines", "packing_list", "metals_declaration"):
        assert before[kind] == after[kind], kind
    old, new = pdf_pages(before["commercial_invoice"]), pdf_pages(after["commercial_invoice"])
    assert [p.replace(PACKAGE, "EG-20261128-AAAAAA").replace("2026-11-27", "2026-11-28")
            .replace("T13:01:46.123Z", "T08:00:00.000Z") for p in old] == new
    assert b"/CreationDate (D:20261128080000" in after["commercial_invoice"]


# --- JSON ----------------------------------------------------------------------------------------

def test_manifest_structure_and_exact_values():
    raw = by_type(make_snapshot())["manifest"]
    assert raw.endswith(b"}\n") and b'\n  "formatVersion": 2,' in raw  # indent=2
    doc = json.loads(raw)
    assert list(doc) == ["format", "formatVersion", "package", "parties", "exportUnits",
                         "orders", "flags", "totals", "dutyEstimate"]
    assert doc["dutyEstimate"] is None  # a plan without an estimate
    assert doc["format"] == "entrygo.customs-manifest" and doc["formatVersion"] == 2
    assert doc["package"] == {
        "packageNumber": PACKAGE, "executedAt": "2026-11-27T13:01:46.123Z",
        "batchId": "batch_1", "planHash": "planhash_" + "ab" * 32,
        "readinessState": "REVIEW_REQUIRED", "rulesVersion": "rules-1",
        "referenceDataVersion": "ref-1", "destinationCountry": "US", "portOfEntry": None,
    }
    assert doc["parties"]["broker"]["filerCode"] == "DMO"
    assert doc["parties"]["warehouse"]["postalCode"] == "L5T 2X5"
    assert doc["exportUnits"] == [
        {"id": "unit_1", "entryType": "11", "valueUsd": 153.35, "consignee": {
            "address1": "1 Market St", "city": "San Francisco", "name": "Jane Doe"},
         "orderIds": ["ord_a", "ord_b"]},
        {"id": "unit_2", "entryType": "01", "valueUsd": 3000, "consignee": None,
         "orderIds": ["ord_c"]},
    ]
    assert [(o["id"], o["exportUnitId"]) for o in doc["orders"]] == [
        ("ord_a", "unit_1"), ("ord_b", "unit_1"), ("ord_c", "unit_2")]
    a = doc["orders"][0]
    assert a["destination"] == {"country": "US", "region": "CA", "postalCode": "94105"}
    assert a["totalValueUsd"] == 123.35
    steel, book = a["lines"]
    assert steel == {
        "lineIndex": 0, "productId": "prod_steel", "sku": "SAUCEPAN-1L",
        "description": STEEL.customs_description, "htsCode": "7323930045",
        "countryOfOrigin": "CA", "mid": "XONORSTE1200HAM", "midDerived": True, "quantity": 2,
        "unitValueUsd": 55.5, "lineValueUsd": 111, "netWeightKg": 0.4,
        "statisticalQuantities": [  # 7323.93.00.45: No. and kg (whole kilograms, never 0)
            {"unit": "No.", "quantity": 2, "exactQuantity": 2, "source": "count"},
            {"unit": "kg", "quantity": 1, "exactQuantity": 0.8, "source": "netWeightKg"}],
        "flags": ["SECTION_232_STEEL"],
        "pga": {"fda": None, "cpsc": None, "fcc": None, "dangerousGoods": None, "lacey": None},
    }
    assert book["statisticalQuantities"] == [
        {"unit": "No.", "quantity": 1, "exactQuantity": 1, "source": "count"}]
    assert doc["orders"][2]["lines"][0]["statisticalQuantities"][1] == {
        "unit": "kg", "quantity": 12, "exactQuantity": 12, "source": "netWeightKg"}  # 0.4 kg x 30
    assert (book["description"], book["unitValueUsd"], book["lineValueUsd"],
            book["midDerived"], book["flags"]) == (BOOK.title, 12.3456, 12.35, False, [])
    # plan data is passed through with its keys in one fixed (sorted) order
    assert doc["flags"][1] == {"flag": "SECTION_232_STEEL", "orderIds": ["ord_a", "ord_c"],
                               "productIds": ["prod_steel"]}
    assert list(doc["flags"][1]) == ["flag", "orderIds", "productIds"]
    # 111 + 12.35 + 30 + 3000; 0.4*2 + 0.35 + 0.35*3 + 0.4*30
    assert doc["totals"] == {"unitCount": 2, "orderCount": 3, "lineCount": 4, "quantity": 36,
                             "valueUsd": 3153.35, "netWeightKg": 14.2, "linesWithoutWeight": 0}


def test_manifest_counts_lines_without_weight():
    snapshot = make_snapshot(products={"prod_steel": STEEL,
                                       "prod_book": replace(BOOK, net_weight_kg=None)})
    doc = json.loads(by_type(snapshot)["manifest"])
    assert doc["totals"]["netWeightKg"] == 12.8  # steel only: 0.4 * 32
    assert doc["totals"]["linesWithoutWeight"] == 2
    assert doc["orders"][1]["lines"][0]["netWeightKg"] is None


def test_readiness_report():
    raw = by_type(make_snapshot(missing_data=(
        {"entity": "product", "id": "prod_book", "field": "mid", "code": "MID_MISSING"},)))[
        "readiness_report"]
    assert raw.endswith(b"\n")
    doc = json.loads(raw)
    assert list(doc) == ["format", "formatVersion", "packageNumber", "executedAt", "batchId",
                         "planHash", "readinessState", "rulesVersion", "referenceDataVersion",
                         "invoiceLinesToCheck", "classifications", "validationMessages",
                         "flags", "missing_data", "totals", "review"]
    assert doc["invoiceLinesToCheck"] == []
    steel, book = doc["classifications"]  # each product once, in line order
    assert steel == {"productId": "prod_steel", "sku": "SAUCEPAN-1L",
                     "description": STEEL.customs_description, "htsCode": "7323930045",
                     "schedulePath": [
                         "Table, kitchen or other household articles and parts thereof, of iron "
                         "or steel; iron or steel wool; pot scourers and scouring or polishing "
                         "pads, gloves and the like, of iron or steel:", "Other:",
                         "Of stainless steel", "Cooking and kitchen ware:", "Other:",
                         "Cooking ware:", "Other"]}
    assert (book["description"], book["schedulePath"][-1]) == (BOOK.title, "Other")
    assert doc["format"] == "entrygo.readiness-report" and doc["packageNumber"] == PACKAGE
    assert doc["review"] == {"reviewedBy": None, "acknowledgedCodes": []}
    reviewed = json.loads(by_type(make_snapshot(review={
        "reviewedBy": "ops: Dana", "acknowledgedCodes": ["METALS_REVIEW_RECOMMENDED"]}))[
        "readiness_report"])
    assert reviewed["review"] == {"reviewedBy": "ops: Dana",
                                  "acknowledgedCodes": ["METALS_REVIEW_RECOMMENDED"]}
    assert doc["validationMessages"][0]["code"] == "METALS_REVIEW_RECOMMENDED"
    assert doc["missing_data"] == [{"code": "MID_MISSING", "entity": "product", "field": "mid",
                                    "id": "prod_book"}]
    assert doc["totals"] == {"lineCount": 4, "netWeightKg": 14.2, "orderCount": 3,
                             "unitCount": 2, "valueUsd": 3153.35}


GIFT = ProductFacts(id="prod_gift", title="Gift", hts_code="4820102060", country_of_origin="CA",
                   mid="XQMAPPAP55MON", net_weight_kg=Decimal("0.2"))


def _with_a_free_gift() -> PackageSnapshot:
    """Jane's second order ships a line described only as "Gift", at a value of 0.00."""
    b = _order("ord_b", "ord-ext-1002", "CA", "94105", JANE,
               [("prod_book", 3, "10"), ("prod_gift", 1, "0")])
    base = make_snapshot()
    messages = (
        *base.validation_messages,
        {"code": "VALUE_ZERO", "severity": "warning", "message": "Unit value is 0.",
         "scope": "line", "orderId": "ord_b", "lineIndex": 1, "productId": "prod_gift"},
        {"code": "DESCRIPTION_INSUFFICIENT", "severity": "warning",
         "message": "The customs description 'Gift' is generic.", "scope": "line",
         "orderId": "ord_b", "lineIndex": 1, "productId": "prod_gift",
         "field": "customsDescription"})
    return replace(base, orders={**base.orders, "ord_b": b},
                   products={**base.products, "prod_gift": GIFT}, validation_messages=messages)


def test_invoice_marks_the_lines_the_signer_must_check():
    """A "Gift" at 0.00 stays a warning, but the invoice a person signs marks the line, on a
    tint, with what is wrong and its code, and explains the mark in its notes."""
    pdf = by_type(_with_a_free_gift())["commercial_invoice"]
    text = " ".join(" ".join(pdf_pages(pdf)).split())  # wrapped lines read on
    assert "Gift 4820.10.2060 CA XQMAPPAP55MON 1 0.00 0.00 ! CHECK: declared value is 0 " \
           "(VALUE_ZERO) ! CHECK: description too vague to file (DESCRIPTION_INSUFFICIENT)" \
           in text
    assert "! CHECK marks a line the plan flagged for the signer" in text
    # only that line: the plain invoice has neither marks nor the note
    plain = "\n".join(pdf_pages(by_type(make_snapshot())["commercial_invoice"]))
    assert "CHECK" not in plain


def test_readiness_report_lists_the_lines_to_check_first():
    doc = json.loads(by_type(_with_a_free_gift())["readiness_report"])
    assert doc["invoiceLinesToCheck"] == [{
        "invoiceNumber": f"{PACKAGE}-1", "orderId": "ord_b", "orderExternalId": "ord-ext-1002",
        "lineIndex": 1, "productId": "prod_gift", "description": "Gift", "unitValueUsd": 0,
        "codes": ["VALUE_ZERO", "DESCRIPTION_INSUFFICIENT"]}]
    assert [m["code"] for m in doc["validationMessages"]] == [
        "VALUE_ZERO", "DESCRIPTION_INSUFFICIENT", "METALS_REVIEW_RECOMMENDED"]
    invoice = rows(by_type(_with_a_free_gift())["commercial_invoice_data"])
    assert [(r["order_id"], r["line_index"], r["signer_checks"]) for r in invoice
            if r["signer_checks"]] == [("ord_b", "1", "VALUE_ZERO;DESCRIPTION_INSUFFICIENT")]


# --- CSV -----------------------------------------------------------------------------------------

def test_csv_headers_row_counts_and_line_endings():
    out = by_type(make_snapshot())
    expected = {"commercial_invoice_data": (COMMERCIAL_INVOICE_COLUMNS, 4),
                "entry_lines": (ENTRY_LINES_COLUMNS, 4), "packing_list": (PACKING_LIST_COLUMNS, 4),
                "metals_declaration": (METALS_COLUMNS, 2)}
    for kind, (columns, count) in expected.items():
        content = out[kind]
        assert b"\r" not in content and content.endswith(b"\n"), kind
        lines = content.decode().split("\n")
        assert lines[0] == ",".join(columns), kind
        assert len(rows(content)) == count, kind


def test_commercial_invoice_csv_cells():
    data = rows(by_type(make_snapshot())["commercial_invoice_data"])
    assert [(r["export_unit_id"], r["order_id"], r["line_index"]) for r in data] == [
        ("unit_1", "ord_a", "0"), ("unit_1", "ord_a", "1"), ("unit_1", "ord_b", "0"),
        ("unit_2", "ord_c", "0")]
    # one invoice per export unit, numbered in the units' order
    assert [r["invoice_number"] for r in data] == [f"{PACKAGE}-1"] * 3 + [f"{PACKAGE}-2"]
    first, book, _, formal = data
    # a package without filing data (no importer, shipment, terms, charges, parcels): empty
    assert first == {
        "invoice_number": f"{PACKAGE}-1", "package_number": PACKAGE, "export_unit_id": "unit_1",
        "entry_type": "11", "port_of_entry": "", "seller_name": "EntryGo Demo",
        "importer_name": "", "importer_number": "", "consignee_name": "Jane Doe",
        "consignee_address": "1 Market St", "consignee_city": "San Francisco",
        "consignee_state": "CA", "consignee_postal_code": "94105", "consignee_country": "US",
        "order_id": "ord_a", "order_external_id": "ord-ext-1001", "date_of_sale": "",
        "terms_of_sale": "", "currency_of_purchase": "", "usd_exchange_rate": "",
        "usd_exchange_rate_date": "", "order_freight_usd": "", "order_insurance_usd": "",
        "order_packing_usd": "", "order_other_usd": "",
        "order_charges_included_in_unit_prices": "", "order_package_count": "",
        "order_gross_weight_kg": "", "order_tracking_numbers": "",
        "line_index": "0", "product_id": "prod_steel", "sku": "SAUCEPAN-1L", "description":
        STEEL.customs_description, "hts_code": "7323930045", "country_of_origin": "CA",
        "mid": "XONORSTE1200HAM", "mid_derived": "true", "quantity": "2",
        "unit_price_usd": "55.50", "amount_usd": "111.00", "currency": "USD", "signer_checks": "",
    }
    assert (book["unit_price_usd"], book["amount_usd"], book["mid_derived"]) == \
        ("12.3456", "12.35", "false")
    assert (formal["invoice_number"], formal["entry_type"], formal["consignee_name"],
            formal["consignee_state"], formal["consignee_postal_code"],
            formal["amount_usd"]) == (f"{PACKAGE}-2", "01", "", "NY", "10001", "3000.00")


def test_entry_lines_cells():
    data = rows(by_type(make_snapshot())["entry_lines"])
    steel, book, _, formal = data
    assert steel["consignee_address"] == "1 Market St"
    assert (steel["consignee_city"], steel["consignee_region"],
            steel["consignee_postal_code"]) == ("San Francisco", "CA", "94105")
    assert steel["net_weight_kg"] == "0.8"  # line total, exact
    assert steel["value_usd"] == "111.00"
    assert steel["flags"] == "SECTION_232_STEEL"
    assert steel["section232_declaration"] == "08 - MELT & POUR"
    assert (steel["steel_pct"], steel["steel_melt_pour_country"], steel["aluminum_pct"]) == \
        ("92", "CA", "")
    assert (book["flags"], book["section232_declaration"], book["steel_pct"]) == ("", "", "")
    assert (formal["entry_type"], formal["consignee_name"], formal["net_weight_kg"]) == \
        ("01", "", "12")


def test_entry_lines_print_one_consignee_per_entry():
    """Jane's second order spells her address another way: one entry, printed one way (its
    first order's), on every row, as on the invoice."""
    base = make_snapshot()
    shouting = {"name": "JANE DOE", "address1": "1 MARKET STREET", "city": "SAN FRANCISCO"}
    b = replace(base.orders["ord_b"], consignee=shouting, destination_postal_code="941051420")
    data = rows(by_type(replace(base, orders={**base.orders, "ord_b": b}))["entry_lines"])
    assert {(r["consignee_name"], r["consignee_address"], r["consignee_city"],
             r["consignee_postal_code"]) for r in data if r["export_unit_id"] == "unit_1"} == {
        ("Jane Doe", "1 Market St", "San Francisco", "94105")}


def test_entry_lines_several_metals():
    mixed = replace(STEEL, metal_content={"steelPctWeight": 60, "steelMeltPourCountry": "CA",
                                          "aluminumPctWeight": 30.5, "aluminumSmeltCountry": "US",
                                          "aluminumCastCountry": "CA"})
    snapshot = make_snapshot(
        products={"prod_steel": mixed, "prod_book": BOOK},
        product_flags={"prod_steel": ("SECTION_232_STEEL", "SECTION_232_ALUMINUM")})
    steel = rows(render_entry_lines_csv(snapshot))[0]
    assert steel["flags"] == "SECTION_232_ALUMINUM;SECTION_232_STEEL"
    assert steel["section232_declaration"] == "08 - MELT & POUR; 07 - SMELT & CAST"
    assert (steel["aluminum_pct"], steel["aluminum_smelt_country"],
            steel["aluminum_cast_country"]) == ("30.5", "US", "CA")
    metals = rows(by_type(snapshot)["metals_declaration"])
    assert [(r["order_id"], r["metal"], r["declaration"], r["metal_pct_weight"],
             r["melt_pour_country"], r["smelt_country"], r["cast_country"]) for r in metals] == [
        ("ord_a", "steel", "08 - MELT & POUR", "60", "CA", "", ""),
        ("ord_a", "aluminum", "07 - SMELT & CAST", "30.5", "", "US", "CA"),
        ("ord_c", "steel", "08 - MELT & POUR", "60", "CA", "", ""),
        ("ord_c", "aluminum", "07 - SMELT & CAST", "30.5", "", "US", "CA"),
    ]


def test_every_metal_lands_in_its_own_columns():
    content = {"steelPctWeight": 50, "steelMeltPourCountry": "CA", "aluminumPctWeight": 20,
               "aluminumSmeltCountry": "US", "aluminumCastCountry": "MX", "copperPctWeight": 3}
    snapshot = make_snapshot(
        products={"prod_steel": replace(STEEL, metal_content=content), "prod_book": BOOK},
        product_flags={"prod_steel": ("SECTION_232_COPPER", "SECTION_232_STEEL",
                                      "SECTION_232_ALUMINUM")})
    steel = rows(render_entry_lines_csv(snapshot))[0]
    metal_columns = ENTRY_LINES_COLUMNS[ENTRY_LINES_COLUMNS.index("steel_pct"):][:6]
    assert [steel[c] for c in metal_columns] == ["50", "CA", "20", "US", "MX", "3"]
    assert steel["section232_declaration"] == \
        "08 - MELT & POUR; 07 - SMELT & CAST; 11 - COPPER CONTENT"
    metals = rows(by_type(snapshot)["metals_declaration"])[:3]
    assert [(r["metal"], r["metal_pct_weight"], r["melt_pour_country"], r["smelt_country"],
             r["cast_country"]) for r in metals] == [
        ("steel", "50", "CA", "", ""), ("aluminum", "20", "", "US", "MX"),
        ("copper", "3", "", "", "")]


CHAIR = replace(
    STEEL, id="prod_steel", title="Folding chair", hts_code="9401790050",
    customs_description="Folding outdoor chair with aluminium frame and polyester seat",
    materials=[{"material": "aluminium frame", "pctByWeight": 70},
               {"material": "polyester seat", "pctByWeight": 25},
               {"material": "steel rivets", "pctByWeight": 5}])


def test_declaration_lists_every_metal_of_a_flagged_line():
    """The aluminium-frame chair (9401.79: steel and aluminum scope), its aluminium above the
    threshold and its steel rivets at 5 %: both metals are declared, aluminum with code 07."""
    chair = replace(CHAIR, metal_content={
        "steelPctWeight": 5, "steelMeltPourCountry": "CN", "aluminumPctWeight": 70,
        "aluminumSmeltCountry": "CN", "aluminumCastCountry": "VN"})
    snapshot = make_snapshot(products={"prod_steel": chair, "prod_book": BOOK},
                             product_flags={"prod_steel": ("SECTION_232_ALUMINUM",)})
    metals = rows(by_type(snapshot)["metals_declaration"])
    assert [(r["order_id"], r["metal"], r["declaration"], r["metal_pct_weight"],
             r["melt_pour_country"], r["smelt_country"], r["cast_country"]) for r in metals] == [
        ("ord_a", "steel", "08 - MELT & POUR", "5", "CN", "", ""),
        ("ord_a", "aluminum", "07 - SMELT & CAST", "70", "", "CN", "VN"),
        ("ord_c", "steel", "08 - MELT & POUR", "5", "CN", "", ""),
        ("ord_c", "aluminum", "07 - SMELT & CAST", "70", "", "CN", "VN"),
    ]
    line = rows(render_entry_lines_csv(snapshot))[0]
    assert line["section232_declaration"] == "08 - MELT & POUR; 07 - SMELT & CAST"


def test_declaration_reports_unknown_metal_origins_as_cbp_asks():
    """Steel's melt and pour unknown: OTH; aluminum's smelt or cast unknown: UN (reference
    data, with CBP's guidance as its source)."""
    chair = replace(CHAIR, metal_content={"steelPctWeight": 5, "aluminumPctWeight": 12,
                                          "aluminumCastCountry": "VN"})
    snapshot = make_snapshot(products={"prod_steel": chair, "prod_book": BOOK},
                             product_flags={"prod_steel": ("SECTION_232_ALUMINUM",
                                                           "SECTION_232_STEEL")})
    metals = rows(by_type(snapshot)["metals_declaration"])[:2]
    assert [(r["metal"], r["melt_pour_country"], r["smelt_country"], r["cast_country"])
            for r in metals] == [("steel", "OTH", "", ""), ("aluminum", "", "UN", "VN")]


def test_packing_list_weights():
    data = rows(by_type(make_snapshot())["packing_list"])
    assert [(r["order_external_id"], r["quantity"], r["net_weight_kg_per_unit"],
             r["net_weight_kg_total"]) for r in data] == [
        ("ord-ext-1001", "2", "0.4", "0.8"), ("ord-ext-1001", "1", "0.35", "0.35"),
        ("ord-ext-1002", "3", "0.35", "1.05"), ("ord-ext-1003", "30", "0.4", "12")]
    assert data[0]["description"] == STEEL.customs_description
    assert data[1]["description"] == BOOK.title


def test_metals_declaration_rows():
    data = rows(by_type(make_snapshot())["metals_declaration"])
    assert [(r["export_unit_id"], r["order_id"], r["line_index"]) for r in data] == [
        ("unit_1", "ord_a", "0"), ("unit_2", "ord_c", "0")]
    assert data[1] == {
        "export_unit_id": "unit_2", "order_id": "ord_c", "line_index": "0",
        "product_id": "prod_steel", "hts_code": "7323930045",
        "description": STEEL.customs_description, "metal": "steel",
        "declaration": "08 - MELT & POUR", "metal_pct_weight": "92", "melt_pour_country": "CA",
        "smelt_country": "", "cast_country": "", "country_of_origin": "CA", "quantity": "30",
        "value_usd": "3000.00",
    }


def test_csv_formula_injection_is_neutralised():
    hostile = {"name": '=HYPERLINK("http://evil.example","x")', "address1": "@SUM(A1:A9)",
               "city": "-2+3"}
    a = replace(make_snapshot().orders["ord_a"], consignee=hostile, external_id="+1234")
    snapshot = make_snapshot(products={"prod_steel": replace(STEEL, customs_description="+cmd|"),
                                       "prod_book": BOOK})
    snapshot = replace(snapshot, orders={**snapshot.orders, "ord_a": a})
    out = by_type(snapshot)
    entry = rows(out["entry_lines"])[0]
    assert entry["consignee_name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert entry["consignee_address"] == "'@SUM(A1:A9)"
    assert entry["consignee_city"] == "'-2+3"
    assert entry["description"] == "'+cmd|"
    invoice = rows(out["commercial_invoice_data"])[0]
    assert invoice["order_external_id"] == "+1234"  # a plain number is data, not a formula
    assert invoice["consignee_name"].startswith("'=")
    assert rows(out["packing_list"])[0]["description"] == "'+cmd|"
    # JSON keeps the original text: escaping is for spreadsheets only
    doc = json.loads(out["manifest"])
    assert doc["orders"][0]["consignee"]["name"] == hostile["name"]


# --- PDF -----------------------------------------------------------------------------------------

def test_pdf_is_a_commercial_invoice():
    content = by_type(make_snapshot())["commercial_invoice"]
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert b"/CreationDate (D:20261127130146" in content  # the execution time, not now
    assert b"/Producer (EntryGo artifact renderer, fpdf2)" in content
    # one invoice per export unit (per entry), each on its own page with its own number
    jane, formal = pdf_pages(content)
    for page in (jane, formal):
        for expected in ("COMMERCIAL INVOICE", "2026-11-27", "USD (U.S. dollar)",
                         "EntryGo Demo", "6300 Kennedy Rd", "Demo Customs Brokerage",
                         "Filer code: DMO", "not provided (to be determined",
                         "Importer of record not provided", "Page 1 of 1",
                         "I declare that all the information contained in this invoice is true "
                         "and correct.", "Signature"):
            assert expected in page, expected
    for expected in (f"{PACKAGE}-1", "11 (informal)",
                     "Export unit unit_1 - Entry type 11 (informal)", "Jane Doe", "1 Market St",
                     "San Francisco, CA 94105", "United States (US)", "Order ord-ext-1001",
                     "Order ord-ext-1002", "XONORSTE1200HAM*", "XQMAPPAP55MON", "7323.93.0045",
                     "12.3456", "153.35", "2.2 kg"):
        assert expected in jane, expected
    for expected in (f"{PACKAGE}-2", "01 (formal)", "Export unit unit_2 - Entry type 01 (formal)",
                     "Name not provided", "Street address not provided", "NY 10001",
                     "Order ord-ext-1003", "3,000.00", "12 kg"):
        assert expected in formal, expected
    assert "XQMAPPAP55MON*" not in jane  # only derived MIDs are starred
    assert "Jane Doe" not in formal and "ord-ext-1003" not in jane  # each unit its own goods


def test_pdf_port_of_entry_and_transliteration():
    book = replace(BOOK, title="Łódź “carnet” — 東京 édition")
    content = by_type(make_snapshot(port_of_entry="3901",
                                    products={"prod_steel": STEEL, "prod_book": book}))
    pages = pdf_pages(content["commercial_invoice"])
    assert all("3901 - CHICAGO, IL" in page for page in pages)  # the port's name, looked up
    assert 'Lódz "carnet" - ?? édition' in pages[0]  # ó is latin-1, ź is not
    assert "3901 - " not in pdf_pages(render_commercial_invoice_pdf(make_snapshot(
        port_of_entry="3901 Chicago, IL")))[0]  # not a Schedule D code: printed as given
    assert json.loads(content["manifest"])["orders"][0]["lines"][1]["description"] == book.title


def test_pdf_long_invoice_repeats_headers_and_numbers_pages():
    many = {f"ord_{i:03d}": _order(f"ord_{i:03d}", f"#{1000 + i}", "CA", "94105", JANE,
                                   [("prod_steel", 1, "10"), ("prod_book", 2, "3.5")])
            for i in range(120)}
    snapshot = make_snapshot(orders=many, units=(
        Unit("unit_1", "11", Decimal("2040.00"), tuple(sorted(many))),))
    pages = pdf_pages(render_commercial_invoice_pdf(snapshot))
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Unit price" in page  # the column header on every page
        if number > 1:
            assert "Export unit unit_1 - Entry type 11 (informal) (continued)" in page
            assert f"Invoice no. {PACKAGE}-1 (continued)" in page
    everything = "\n".join(pages)
    assert everything.split("\n").count("#1119") == 2  # every line is there, none twice
    assert everything.count("Order #1119") == 1
    assert "2,040.00" in pages[-1]
    assert "Subtotal export unit unit_1 (120 orders, 240 lines)" in everything


@pytest.mark.parametrize("text, expected", [
    ("plain ASCII", "plain ASCII"),
    ("café, Größe", "café, Größe"),  # latin-1 stays
    ("Łódź — “x” …", 'Lódz - "x" ...'),
    ("Œuvre ½ ﬁ", "OEuvre ½ fi"),
    ("東京", "??"),
    ("tab\tand\nnewline", "tab and newline"),
])
def test_latin1(text, expected):
    assert latin1(text) == expected
