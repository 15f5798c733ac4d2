"""One commercial invoice per export unit (per entry), each with every 19 CFR 141.86 element the
data holds: the PDF read page by page, the CSV row by row, for every invoice of the package.

``python -m tests.artifacts.test_invoices_per_entry OUT.pdf`` writes this module's package PDF
(what ``docs/images/commercial_invoice_entry_*.png`` show, via ``pdftoppm -png -r 80``).
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from entrygo.artifacts.render import (
    COMMERCIAL_INVOICE_COLUMNS,
    render_commercial_invoice_csv,
    render_commercial_invoice_pdf,
)
from entrygo.artifacts.snapshot import PackageSnapshot, Party, Unit
from entrygo.readiness.facts import FilingFacts, LineFacts, OrderFacts, ProductFacts

PACKAGE = "EG-20261127-7K3Q9M"
EXECUTED = datetime(2026, 11, 27, 13, 1, 46, 123000, tzinfo=UTC)

STEEL = ProductFacts(
    id="prod_steel", title="Stainless steel saucepan, 1 l",
    customs_description="Saucepan of stainless steel for stove-top cooking, 1 litre, with "
                        "phenolic handle",
    hts_code="7323930045", country_of_origin="CA", net_weight_kg=Decimal("0.4"),
    external_id="SPN-1L-SS")
BOOK = ProductFacts(  # no customs description: the title is printed
    id="prod_book", title="Hardcover notebook A5, 192 ruled pages", hts_code="4820102060",
    country_of_origin="CN", mid="CNHANPAP88SHA", net_weight_kg=Decimal("0.35"),
    external_id="NB-A5-192")

IMPORTER = {"id": "imp_1", "name": "Northwind Imports LLC", "number": "12-3456789",
            "address": {"address1": "500 Harbor Blvd", "address2": None, "city": "Blaine",
                        "region": "WA", "postalCode": "98230", "country": "US"},
            "bond": {"type": "continuous", "suretyCode": "457", "number": "99-1234567"}}
SELLER = {"name": "EntryGo Demo Trading Inc.",
          "address": {"address1": "100 King St W", "address2": "Suite 500", "city": "Toronto",
                      "region": "ON", "postalCode": "M5X 1A9", "country": "CA"}}
SHIPMENT = {"modeOfTransport": "truck", "portOfEntry": "3004",
            "carrier": {"scac": "ACMF", "name": "Acme Freight"},
            "conveyanceReference": "TRIP-4471", "masterBill": "ACMF123456789",
            "estimatedArrival": "2026-11-29"}

JANE = {"name": "Jane Doe", "address1": "1 Market St", "address2": "Apt 5",
        "city": "San Francisco"}
MARIE = {"name": "Marie Tremblay", "address1": "200 Park Ave S", "city": "New York"}
SAM = {"name": "Sam Lee", "address1": "77 Lake Shore Dr", "city": "Chicago"}


def _order(oid: str, ext: str, consignee: dict[str, Any], region: str, postal: str,
           lines: list[tuple[str, int, str]], **filing: Any) -> OrderFacts:
    facts = tuple(LineFacts(pid, qty, Decimal(unit),
                            (Decimal(unit) * qty).quantize(Decimal("0.01")))
                  for pid, qty, unit in lines)
    return OrderFacts(id=oid, external_id=ext, destination_country="US",
                      destination_region=region, destination_postal_code=postal,
                      consignee=consignee, lines=facts,
                      total_value_usd=sum((ln.line_value_usd for ln in facts), Decimal(0)),
                      **filing)


def _charges(included: bool, **usd: float | None) -> dict[str, Any]:
    """Charges as stored: every key present (JSON numbers, null when not sent)."""
    keys = ("freightUsd", "insuranceUsd", "packingUsd", "otherUsd")
    return {**{k: usd.get(k) for k in keys}, "includedInUnitPrices": included}


def _parcel(tracking: str, kg: float | None) -> dict[str, Any]:
    return {"trackingNumber": tracking, "grossWeightKg": kg, "lengthCm": None,
            "widthCm": None, "heightCm": None}


# unit 1, formal: Jane's two orders (DDP; charges on top of the prices, then included in them)
A = _order("ord_a", "SO-1001", JANE, "california", "941051234",
           [("prod_steel", 30, "100"), ("prod_book", 1, "12.3456")],
           ordered_at="2026-11-20T15:04:05.000Z", currency="USD", incoterm="DDP",
           charges=_charges(False, freightUsd=12.5, insuranceUsd=1.25),
           parcels=(_parcel("1Z999AA10123456784", 6.2), _parcel("1Z999AA10123456785", 7.05)))
B = _order("ord_b", "SO-1002", JANE, "CA", "94105-1234", [("prod_book", 3, "10")],
           ordered_at="2026-11-21T09:00:00.000Z", currency="USD", incoterm="DDP",
           charges=_charges(True, freightUsd=8),
           parcels=(_parcel("1Z999AA10123456786", 0.5),))
# unit 2: sold in Canadian dollars (DAP), no charges declared
C = _order("ord_c", "SO-1003", MARIE, "NY", "10003", [("prod_steel", 2, "55.5")],
           ordered_at="2026-11-22T23:30:00.000Z", currency="CAD", incoterm="DAP",
           usd_exchange_rate={"rate": 1.3712, "date": "2026-11-21"},
           parcels=(_parcel("CP123456789CA", 1.1),))
# unit 3: every charge declared, one parcel without its weight
D = _order("ord_d", "SO-1004", SAM, "Illinois", "60611",
           [("prod_book", 4, "8.25"), ("prod_steel", 1, "40")],
           ordered_at="2026-11-23T10:00:00.000Z", currency="USD", incoterm="DAP",
           charges=_charges(False, freightUsd=0, insuranceUsd=2, packingUsd=1.5, otherUsd=0.75),
           parcels=(_parcel("1Z999AA10123456790", 2), _parcel("1Z999AA10123456791", None)))


def make_snapshot(**changes: Any) -> PackageSnapshot:
    snapshot = PackageSnapshot(
        package_number=PACKAGE, executed_at=EXECUTED, batch_id="batch_1",
        plan_hash="planhash_" + "ab" * 32, readiness_state="REVIEW_REQUIRED",
        rules_version="rules-1", reference_data_version="ref-1",
        seller=Party(name="EntryGo Demo", country="CA", address1="6300 Kennedy Rd",
                     city="Mississauga", region="ON", postal_code="L5T 2X5"),
        warehouse=Party(name="Demo 3PL Mississauga", country="CA", address1="6300 Kennedy Rd",
                        city="Mississauga", region="ON", postal_code="L5T 2X5"),
        broker=Party(name="Demo Customs Brokerage", email="broker@example.com", code="DMO"),
        destination_country="US",
        units=(Unit("unit_jane", "01", Decimal("3042.35"), ("ord_a", "ord_b")),
               Unit("unit_marie", "11", Decimal("111.00"), ("ord_c",)),
               Unit("unit_sam", "11", Decimal("73.00"), ("ord_d",))),
        orders={o.id: o for o in (A, B, C, D)},
        products={p.id: p for p in (STEEL, BOOK)},
        mids={"prod_steel": ("XONORSTE1200HAM", True), "prod_book": ("CNHANPAP88SHA", False)},
        flags=(), product_flags={"prod_steel": ("SECTION_232_STEEL",), "prod_book": ()},
        validation_messages=(), missing_data=(),
        totals={"orderCount": 4, "lineCount": 6, "unitCount": 3},
        port_of_entry="3004",
        filing=FilingFacts(importer=IMPORTER, seller=SELLER, shipment=SHIPMENT),
    )
    return replace(snapshot, **changes)


# --- reading the files back ---------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """A string shown on a page, where it starts (PDF points from the bottom left)."""

    x: float
    y: float
    text: str


SHOWN = re.compile(rb"BT ([\d.]+) ([\d.]+) Td \(((?:\\.|[^\\)])*)\) Tj ET")


def pdf_pages(content: bytes) -> list[list[Run]]:
    """Each page's strings in reading order: top to bottom, then left to right (fpdf2 writes
    one Flate content stream per page)."""
    pages = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        shown = [Run(float(x), float(y), re.sub(r"\\(.)", r"\1", text.decode("latin-1")))
                 for x, y, text in SHOWN.findall(zlib.decompress(stream))]
        pages.append(sorted(shown, key=lambda r: (-r.y, r.x)))
    return pages


def invoices(content: bytes) -> dict[str, list[list[Run]]]:
    """Pages by invoice number, read off each page's footer."""
    out: dict[str, list[list[Run]]] = {}
    for page in pdf_pages(content):
        [footer] = [r.text for r in page if r.text.startswith("Commercial invoice EG-")]
        out.setdefault(footer.removeprefix("Commercial invoice "), []).append(page)
    return out


MARGIN_PT = 36.0  # the left margin, 12.7 mm


def texts(runs: list[Run]) -> list[str]:
    return [r.text for r in runs]


def block(runs: list[Run], title: str) -> list[str]:
    """The lines of a boxed block or a shipment fact: what is written under its title, at the
    same x, line after line (10 points apart at most)."""
    top = next(r for r in runs if r.text == title)
    lines, y = [], top.y
    for r in runs:
        if abs(r.x - top.x) < 0.01 and r.y < y:
            if y - r.y > 12:
                break
            lines.append(r.text)
            y = r.y
    return lines


def fact(runs: list[str], label: str) -> str:
    """The value printed after ``label`` (a value wrapped over lines is joined back)."""
    i = runs.index(label)
    value = []
    for s in runs[i + 1:]:
        if s.endswith(":"):
            break
        value.append(s)
    return " ".join(value)


def order_runs(runs: list[Run], external_id: str) -> list[str]:
    """An order's facts: the lines under its title, up to its first line of goods (whose
    first cell is the order number)."""
    title = next(r for r in runs if r.text == f"Order {external_id}")
    after = [r.text for r in runs if r.y < title.y]
    return after[:after.index(external_id)]


def table_row(pages: list[list[Run]], external_id: str, description: str) -> list[str]:
    """A line's cells after the order number: SKU, then after the description (its wrapped
    lines joined back) HTS, origin, MID, quantity, unit price, amount."""
    for runs in pages:
        for i, r in enumerate(runs):
            if r.text != external_id:
                continue
            row = [c for c in runs if c.y == r.y and c.x > r.x]  # SKU, description, ...
            desc, y = [row[1].text], r.y
            for c in runs[i + 1:]:
                if c.x == row[1].x and 0 < y - c.y < 10:
                    desc.append(c.text)
                    y = c.y
            if " ".join(desc) == description:
                return [row[0].text, *texts(row[2:])]
    raise AssertionError(f"no row {external_id} / {description}")


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


# --- what each invoice must show -----------------------------------------------------------------

INVOICES = {
    f"{PACKAGE}-1": {
        "unit": "unit_jane", "entry": "01 (formal)",
        "consignee": ["Jane Doe", "1 Market St", "Apt 5", "San Francisco, CA 94105-1234",
                      "United States (US)"],
        "packages": "3 packages", "gross": "13.75 kg", "value": "3,042.35",
        "orders": {
            "SO-1001": {"date": "2026-11-20", "terms": "DDP (Delivered Duty Paid)",
                        "currency": "USD", "charges": ["12.50 USD", "1.25 USD", "not provided",
                                                       "not provided"],
                        "included": "no", "packages": "2", "gross": "13.25 kg",
                        "tracking": "1Z999AA10123456784, 1Z999AA10123456785"},
            "SO-1002": {"date": "2026-11-21", "terms": "DDP (Delivered Duty Paid)",
                        "currency": "USD", "charges": ["8.00 USD", "not provided",
                                                       "not provided", "not provided"],
                        "included": "yes", "packages": "1", "gross": "0.5 kg",
                        "tracking": "1Z999AA10123456786"},
        },
        "lines": [("SO-1001", STEEL.customs_description,
                   ["SPN-1L-SS", "7323.93.0045", "CA", "XONORSTE1200HAM*", "30", "100.00",
                    "3,000.00"]),
                  ("SO-1001", BOOK.title,
                   ["NB-A5-192", "4820.10.2060", "CN", "CNHANPAP88SHA", "1", "12.3456", "12.35"]),
                  ("SO-1002", BOOK.title,
                   ["NB-A5-192", "4820.10.2060", "CN", "CNHANPAP88SHA", "3", "10.00", "30.00"])],
        "extra": [("Charges not included in unit prices (USD)", "13.75"),
                  ("Total with those charges (USD)", "3,056.10")],
    },
    f"{PACKAGE}-2": {
        "unit": "unit_marie", "entry": "11 (informal)",
        "consignee": ["Marie Tremblay", "200 Park Ave S", "New York, NY 10003",
                      "United States (US)"],
        "packages": "1 package", "gross": "1.1 kg", "value": "111.00",
        "orders": {
            "SO-1003": {"date": "2026-11-22", "terms": "DAP (Delivered at Place)",
                        "currency": "CAD, converted at 1.3712 CAD per USD (rate of 2026-11-21)",
                        "charges": None, "included": "not provided", "packages": "1",
                        "gross": "1.1 kg", "tracking": "CP123456789CA"},
        },
        "lines": [("SO-1003", STEEL.customs_description,
                   ["SPN-1L-SS", "7323.93.0045", "CA", "XONORSTE1200HAM*", "2", "55.50",
                    "111.00"])],
        "extra": [],
    },
    f"{PACKAGE}-3": {
        "unit": "unit_sam", "entry": "11 (informal)",
        "consignee": ["Sam Lee", "77 Lake Shore Dr", "Chicago, IL 60611", "United States (US)"],
        "packages": "2 packages", "gross": "2 kg", "value": "73.00",
        "orders": {
            "SO-1004": {"date": "2026-11-23", "terms": "DAP (Delivered at Place)",
                        "currency": "USD", "charges": ["0.00 USD", "2.00 USD", "1.50 USD",
                                                       "0.75 USD"],
                        "included": "no", "packages": "2",
                        "gross": "2 kg (1 package without weight)",
                        "tracking": "1Z999AA10123456790, 1Z999AA10123456791"},
        },
        "lines": [("SO-1004", BOOK.title,
                   ["NB-A5-192", "4820.10.2060", "CN", "CNHANPAP88SHA", "4", "8.25", "33.00"]),
                  ("SO-1004", STEEL.customs_description,
                   ["SPN-1L-SS", "7323.93.0045", "CA", "XONORSTE1200HAM*", "1", "40.00",
                    "40.00"])],
        "extra": [("Charges not included in unit prices (USD)", "4.25"),
                  ("Total with those charges (USD)", "77.25")],
    },
}


def test_one_invoice_per_export_unit_each_from_a_new_page():
    content = render_commercial_invoice_pdf(make_snapshot())
    by_number = invoices(content)
    assert list(by_number) == list(INVOICES)  # numbered 1.. in the units' order
    for number, pages in by_number.items():
        first = texts(pages[0])  # it starts its own page, with its title
        assert "COMMERCIAL INVOICE" in first[:3], number
        assert not any("(continued)" in t for t in first), number
        for n, page in enumerate(pages, start=1):
            assert f"Page {n} of {len(pages)}" in texts(page), number  # paged per invoice
    assert b"/Title (Commercial invoices EG-20261127-7K3Q9M)" in content
    assert content.count(b"/Title (Invoice EG-20261127-7K3Q9M-") == 3  # the PDF's outline


def test_every_invoice_carries_the_141_86_elements():
    by_number = invoices(render_commercial_invoice_pdf(make_snapshot()))
    for number, want in INVOICES.items():
        pages = by_number[number]
        runs = [r for page in pages for r in page]
        words = texts(runs)

        # the invoice and its entry
        assert words[words.index("Invoice no.") + 1] == number
        assert words[words.index("Entry type") + 1] == want["entry"], number
        assert words[words.index("Currency") + 1] == "USD (U.S. dollar)", number
        assert words[words.index("Invoice date") + 1] == "2026-11-27", number
        assert f"Export unit {want['unit']} - Entry type {want['entry']}" in words, number
        assert (f"Invoice {number[-1]} of 3 in customs package {PACKAGE} (one invoice per "
                "entry)") in words
        # (a)(1) port of entry; the shipment
        assert {title: block(runs, title) for title in (
            "PORT OF ENTRY", "MODE OF TRANSPORT", "CARRIER", "TRIP / FLIGHT / VOYAGE NO.",
            "MASTER BILL (B/L, AIR WAYBILL)", "ESTIMATED ARRIVAL", "COUNTRY OF EXPORT",
            "COUNTRY OF DESTINATION")} == {
            "PORT OF ENTRY": ["3004 - BLAINE, WA"], "MODE OF TRANSPORT": ["Truck"],
            "CARRIER": ["Acme Freight (SCAC ACMF)"], "TRIP / FLIGHT / VOYAGE NO.": ["TRIP-4471"],
            "MASTER BILL (B/L, AIR WAYBILL)": ["ACMF123456789"],
            "ESTIMATED ARRIVAL": ["2026-11-29"], "COUNTRY OF EXPORT": ["Canada (CA)"],
            "COUNTRY OF DESTINATION": ["United States (US)"]}, number
        # (a)(2) seller and sold to / ultimate consignee; the importer of record
        assert block(runs, "SELLER") == ["EntryGo Demo Trading Inc.", "100 King St W",
                                         "Suite 500", "Toronto ON M5X 1A9", "Canada (CA)"]
        assert block(runs, "SOLD TO / ULTIMATE CONSIGNEE") == want["consignee"], number
        importer = block(runs, "IMPORTER OF RECORD")
        assert importer[:5] == ["Northwind Imports LLC", "IOR no. 12-3456789",
                                "500 Harbor Blvd", "Blaine WA 98230", "United States (US)"]
        assert importer[5:] == ["Bond: continuous 99-1234567, surety 457"], number
        assert block(runs, "SHIP FROM (WAREHOUSE)")[0] == "Demo 3PL Mississauga", number
        assert block(runs, "NOTIFY PARTY (CUSTOMS BROKER)") == [
            "Demo Customs Brokerage", "Email: broker@example.com", "Filer code: DMO"], number
        # (a)(3), (a)(4): the packages, their gross weight
        assert block(runs, "PACKAGES")[:2] == [want["packages"],
                                               f"Gross weight: {want['gross']}"], number
        # per order: (a)(2) date and terms of sale; (a)(7) currency; (a)(8) the charges and
        # whether the prices include them; (a)(3) the marks and numbers of the packages
        for external_id, sale in want["orders"].items():
            o = order_runs(runs, external_id)
            where = (number, external_id)
            assert fact(o, "Date of sale:") == sale["date"], where
            assert fact(o, "Terms of sale:") == sale["terms"], where
            assert fact(o, "Currency of purchase:") == sale["currency"], where
            if sale["charges"] is None:
                assert fact(o, "Charges (freight, insurance, packing, other):") == \
                    "not provided", where
            else:
                assert [fact(o, f"{label}:") for label in
                        ("Freight", "Insurance", "Packing", "Other")] == sale["charges"], where
            assert fact(o, "Charges included in unit prices:") == sale["included"], where
            assert fact(o, "Packages:") == sale["packages"], where
            assert fact(o, "Gross weight:") == sale["gross"], where
            assert fact(o, "Marks and numbers (tracking):") == sale["tracking"], where
        # per line: SKU and description ((a)(3)), HTS, (a)(10) origin, MID, (a)(4) quantity,
        # (a)(5) unit price, amount
        for external_id, description, cells in want["lines"]:
            assert table_row(pages, external_id, description) == cells, (number, description)
        # the totals
        assert words[words.index("TOTAL VALUE OF GOODS (USD)") + 1] == want["value"], number
        for label, value in want["extra"]:
            assert words[words.index(label) + 1] == value, (number, label)
        if not want["extra"]:  # no charge on top of the prices: no total with charges
            assert "Charges not included in unit prices (USD)" not in words, number
        # (a)(9), (a)(11) are the seller's to state; the declaration to sign
        notes = " ".join(r.text for r in runs if r.x == MARGIN_PT)
        for said in ("rebates, drawbacks and bounties (19 CFR 141.86(a)(9))",
                     "assists not included in the prices (141.86(a)(11))",
                     "I declare that all the information contained in this invoice is true "
                     "and correct."):
            assert said in notes, (number, said)
        assert {"Name", "Title", "Signature", "Date"} <= set(words), number
        # only this unit's goods: no other consignee, no other invoice's orders
        for other, theirs in INVOICES.items():
            if other != number:
                assert theirs["consignee"][0] not in words, (number, other)
                for external_id in theirs["orders"]:
                    assert f"Order {external_id}" not in words, (number, external_id)


def test_every_invoice_in_the_csv():
    data = rows(render_commercial_invoice_csv(make_snapshot()))
    assert list(data[0]) == list(COMMERCIAL_INVOICE_COLUMNS)
    assert COMMERCIAL_INVOICE_COLUMNS[0] == "invoice_number"
    assert [(r["invoice_number"], r["order_external_id"], r["line_index"]) for r in data] == [
        (f"{PACKAGE}-1", "SO-1001", "0"), (f"{PACKAGE}-1", "SO-1001", "1"),
        (f"{PACKAGE}-1", "SO-1002", "0"), (f"{PACKAGE}-2", "SO-1003", "0"),
        (f"{PACKAGE}-3", "SO-1004", "0"), (f"{PACKAGE}-3", "SO-1004", "1")]
    for r in data:  # the invoice's facts on each of its rows
        assert (r["package_number"], r["port_of_entry"], r["seller_name"], r["importer_name"],
                r["importer_number"], r["currency"]) == (
            PACKAGE, "3004", "EntryGo Demo Trading Inc.", "Northwind Imports LLC",
            "12-3456789", "USD")
    consignees = {r["invoice_number"]: (r["export_unit_id"], r["entry_type"],
                                        r["consignee_name"], r["consignee_address"],
                                        r["consignee_city"], r["consignee_state"],
                                        r["consignee_postal_code"], r["consignee_country"])
                  for r in data}
    assert consignees == {
        f"{PACKAGE}-1": ("unit_jane", "01", "Jane Doe", "1 Market St, Apt 5", "San Francisco",
                         "CA", "94105-1234", "US"),
        f"{PACKAGE}-2": ("unit_marie", "11", "Marie Tremblay", "200 Park Ave S", "New York",
                         "NY", "10003", "US"),
        f"{PACKAGE}-3": ("unit_sam", "11", "Sam Lee", "77 Lake Shore Dr", "Chicago", "IL",
                         "60611", "US"),
    }
    sale = {r["order_external_id"]: (
        r["date_of_sale"], r["terms_of_sale"], r["currency_of_purchase"],
        r["usd_exchange_rate"], r["usd_exchange_rate_date"], r["order_freight_usd"],
        r["order_insurance_usd"], r["order_packing_usd"], r["order_other_usd"],
        r["order_charges_included_in_unit_prices"], r["order_package_count"],
        r["order_gross_weight_kg"], r["order_tracking_numbers"]) for r in data}
    assert sale == {
        "SO-1001": ("2026-11-20", "DDP", "USD", "", "", "12.50", "1.25", "", "", "false", "2",
                    "13.25", "1Z999AA10123456784;1Z999AA10123456785"),
        "SO-1002": ("2026-11-21", "DDP", "USD", "", "", "8.00", "", "", "", "true", "1", "0.5",
                    "1Z999AA10123456786"),
        "SO-1003": ("2026-11-22", "DAP", "CAD", "1.3712", "2026-11-21", "", "", "", "", "",
                    "1", "1.1", "CP123456789CA"),
        "SO-1004": ("2026-11-23", "DAP", "USD", "", "", "0.00", "2.00", "1.50", "0.75", "false",
                    "2", "2", "1Z999AA10123456790;1Z999AA10123456791"),
    }
    lines = [(r["order_id"], r["product_id"], r["sku"], r["description"], r["hts_code"],
              r["country_of_origin"], r["mid"], r["mid_derived"], r["quantity"],
              r["unit_price_usd"], r["amount_usd"]) for r in data]
    steel, book = ("prod_steel", "SPN-1L-SS", STEEL.customs_description), \
        ("prod_book", "NB-A5-192", BOOK.title)
    assert lines == [
        ("ord_a", *steel, "7323930045", "CA", "XONORSTE1200HAM", "true", "30", "100.00",
         "3000.00"),
        ("ord_a", *book, "4820102060", "CN", "CNHANPAP88SHA", "false", "1", "12.3456", "12.35"),
        ("ord_b", *book, "4820102060", "CN", "CNHANPAP88SHA", "false", "3", "10.00", "30.00"),
        ("ord_c", *steel, "7323930045", "CA", "XONORSTE1200HAM", "true", "2", "55.50",
         "111.00"),
        ("ord_d", *book, "4820102060", "CN", "CNHANPAP88SHA", "false", "4", "8.25", "33.00"),
        ("ord_d", *steel, "7323930045", "CA", "XONORSTE1200HAM", "true", "1", "40.00", "40.00"),
    ]


def test_what_the_data_does_not_hold_is_printed_as_missing():
    """A package built before filing data (no filing, orders without terms, charges or
    parcels): the account at the warehouse's address is the seller, and every gap says so."""
    bare = {o.id: replace(o, ordered_at=None, currency=None, incoterm=None,
                          usd_exchange_rate=None, charges=None, parcels=())
            for o in (A, B, C, D)}
    snapshot = make_snapshot(filing=None, port_of_entry=None, orders=bare)
    by_number = invoices(render_commercial_invoice_pdf(snapshot))
    assert list(by_number) == list(INVOICES)
    for number, pages in by_number.items():
        runs = [r for page in pages for r in page]
        assert block(runs, "SELLER") == ["EntryGo Demo", "6300 Kennedy Rd",
                                         "Mississauga ON L5T 2X5", "Canada (CA)"], number
        assert block(runs, "IMPORTER OF RECORD") == ["Importer of record not provided"]
        assert block(runs, "PACKAGES") == ["Packages not provided"], number
        assert block(runs, "PORT OF ENTRY") == ["not provided (to be determined", "by the broker)"]
        for title in ("MODE OF TRANSPORT", "CARRIER", "TRIP / FLIGHT / VOYAGE NO.",
                      "MASTER BILL (B/L, AIR WAYBILL)", "ESTIMATED ARRIVAL"):
            assert block(runs, title) == ["not provided"], (number, title)
        for external_id in INVOICES[number]["orders"]:
            o = order_runs(runs, external_id)
            for label in ("Date of sale:", "Terms of sale:", "Currency of purchase:",
                          "Charges (freight, insurance, packing, other):",
                          "Charges included in unit prices:", "Packages:"):
                assert fact(o, label) == "not provided", (number, external_id, label)
    data = rows(render_commercial_invoice_csv(snapshot))
    assert {(r["port_of_entry"], r["seller_name"], r["importer_name"], r["date_of_sale"],
             r["terms_of_sale"], r["order_freight_usd"],
             r["order_charges_included_in_unit_prices"], r["order_package_count"],
             r["order_tracking_numbers"]) for r in data} == {
        ("", "EntryGo Demo", "", "", "", "", "", "", "")}


def test_a_long_invoice_repeats_its_header_its_unit_and_its_order():
    many = [("prod_steel", 1, "10"), ("prod_book", 2, "3.5")] * 40
    big = replace(A, lines=tuple(LineFacts(pid, qty, Decimal(u), Decimal(u) * qty)
                                 for pid, qty, u in many))
    snapshot = make_snapshot(orders={**make_snapshot().orders, "ord_a": big})
    by_number = invoices(render_commercial_invoice_pdf(snapshot))
    first = [texts(page) for page in by_number[f"{PACKAGE}-1"]]
    assert len(first) > 2
    for n, page in enumerate(first, start=1):
        assert f"Page {n} of {len(first)}" in page
        assert "Unit price" in page
        if n > 1:
            assert f"Invoice no. {PACKAGE}-1 (continued)" in page
            assert "Export unit unit_jane - Entry type 01 (formal) (continued)" in page
    assert "Order SO-1001 (continued)" in first[1]
    # the next invoice starts afresh: page 1 of its own
    assert "Page 1 of 1" in texts(by_number[f"{PACKAGE}-2"][0])


def test_same_snapshot_same_bytes():
    assert render_commercial_invoice_pdf(make_snapshot()) == \
        render_commercial_invoice_pdf(make_snapshot())
    assert render_commercial_invoice_csv(make_snapshot()) == \
        render_commercial_invoice_csv(make_snapshot())


if __name__ == "__main__":  # the PDF the docs' pictures are taken from
    Path(sys.argv[1]).write_bytes(render_commercial_invoice_pdf(make_snapshot()))


def test_the_fast_text_path_writes_what_fpdf2_writes(monkeypatch):
    """``Canvas.put`` writes a string's PDF operators itself (through fpdf2's ``_out``) rather
    than through ``FPDF.text``: the package must be byte for byte what ``FPDF.text`` makes, so
    an fpdf2 release that changes either side fails here rather than in a broker's viewer."""
    from entrygo.artifacts.render import canvas

    fast = render_commercial_invoice_pdf(make_snapshot())
    monkeypatch.setattr(canvas.Canvas, "put",
                        lambda self, x, y, value: self.pdf.text(x, y, value))
    assert render_commercial_invoice_pdf(make_snapshot()) == fast


def test_the_derived_mid_note_only_where_a_line_carries_a_derived_mid():
    """The note '* MID derived…' is printed on an invoice only when one of its lines has a
    derived MID (it was printed on invoices where none was)."""
    def noted(snapshot: PackageSnapshot) -> dict[str, bool]:
        return {number: any("MID derived" in text for page in pages for text in texts(page))
                for number, pages in invoices(render_commercial_invoice_pdf(snapshot)).items()}

    assert set(noted(make_snapshot()).values()) == {True}  # every invoice ships the steel
    given = make_snapshot(mids={"prod_steel": ("XONORSTE1200HAM", False),
                                "prod_book": ("CNHANPAP88SHA", False)})
    assert set(noted(given).values()) == {False}
