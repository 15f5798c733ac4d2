"""entry_summary.json, and the filing data the manifest and entry_lines.csv carry: one record per
entry with what the broker files it from (CBP Form 7501 / 3461), the consignee's state and ZIP
as the USPS code and normalised ZIP, never the text as synced."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from entrygo.artifacts.render import (
    ENTRY_LINES_COLUMNS,
    render_all,
    render_entry_lines_csv,
    render_entry_summary,
    render_manifest,
)
from entrygo.artifacts.snapshot import PackageSnapshot, Party, Unit
from entrygo.readiness.facts import FilingFacts, LineFacts, OrderFacts, ProductFacts

PACKAGE = "EG-20261127-7K3Q9M"
EXECUTED = datetime(2026, 11, 27, 13, 1, 46, 123000, tzinfo=UTC)

STEEL = ProductFacts(
    id="prod_steel", title="Stainless steel saucepan, 1 l",
    customs_description="Saucepan of stainless steel for stove-top cooking, 1 litre",
    hts_code="7323930045", country_of_origin="CA", net_weight_kg=Decimal("0.4"),
    external_id="SAUCEPAN-1L")
BOOK = ProductFacts(
    id="prod_book", title="Hardcover notebook A5, 192 ruled pages", hts_code="4820102060",
    country_of_origin="CA", mid="XQMAPPAP55MON", net_weight_kg=Decimal("0.35"))

IMPORTER = {
    "id": "imp_1", "name": "Northbound Goods Inc.", "number": "12-3456789",
    "address": {"address1": "1 Harbor Way", "address2": None, "city": "Buffalo",
                "region": "NY", "postalCode": "14202", "country": "US"},
    "bond": {"type": "continuous", "suretyCode": "457", "number": "BND-0001"},
}
SHIPMENT = {"modeOfTransport": "truck", "portOfEntry": "3004",
            "carrier": {"scac": "EGTR", "name": "EntryGo Test Trucking"},
            "conveyanceReference": "TRIP-0042", "masterBill": "EGTR1234567",
            "estimatedArrival": "2026-11-30"}
JANE = {"name": "Jane Doe", "address1": "350 Fifth Avenue", "address2": "Suite 5000",
        "city": "New York"}
BOB = {"name": "Bob Stone", "address1": "1 Market St", "city": "San Francisco"}


def _order(oid: str, ext: str, region: str | None, postal: str | None,
           consignee: dict | None, lines: list[tuple[str, int, str]],
           **extra) -> OrderFacts:
    facts = tuple(LineFacts(pid, qty, Decimal(unit),
                            (Decimal(unit) * qty).quantize(Decimal("0.01")))
                  for pid, qty, unit in lines)
    return OrderFacts(id=oid, external_id=ext, destination_country="US",
                      destination_region=region, destination_postal_code=postal,
                      consignee=consignee, lines=facts,
                      total_value_usd=sum((ln.line_value_usd for ln in facts), Decimal(0)),
                      **extra)


def make_snapshot(**changes) -> PackageSnapshot:
    """Three consignees by truck via Blaine (3004): Jane's two orders (one DDP in USD, one DAP
    in CAD with its rate) are a formal entry; Bob's order and an order without a consignee are
    informal entries, the last without parcels."""
    a = _order("ord_a", "SHOP-1001", "new york", "101181234", JANE,
               [("prod_steel", 2, "1200"), ("prod_book", 1, "12.3456")],
               ordered_at="2026-11-20T10:00:00.000Z", currency="USD", incoterm="DDP",
               parcels=({"trackingNumber": "1ZA0001", "grossWeightKg": 1.25},
                        {"trackingNumber": "1ZA0002", "grossWeightKg": 0.6}))
    b = _order("ord_b", "SHOP-1002", "new york", "101181234", JANE,
               [("prod_book", 3, "100")], currency="CAD", incoterm="DAP",
               usd_exchange_rate={"rate": 1.3712, "date": "2026-11-19"},
               parcels=({"trackingNumber": "1ZB0001", "grossWeightKg": 1.5},))
    c = _order("ord_c", "SHOP-1003", "California", "94105", BOB, [("prod_steel", 1, "55.5")],
               currency="USD", incoterm="DDP",
               parcels=({"trackingNumber": "1ZC0001", "grossWeightKg": 0.9, "lengthCm": 30},))
    d = _order("ord_d", "SHOP-1004", "tx", "73301 0001", None, [("prod_book", 2, "10")],
               incoterm="DAP")
    snapshot = PackageSnapshot(
        package_number=PACKAGE, executed_at=EXECUTED, batch_id="batch_1",
        plan_hash="planhash_" + "ab" * 32, readiness_state="REVIEW_REQUIRED",
        rules_version="rules-1", reference_data_version="ref-1",
        seller=Party(name="EntryGo Demo"),
        warehouse=Party(name="Demo 3PL Mississauga", country="CA", city="Mississauga"),
        broker=Party(name="Demo Customs Brokerage", email="broker@example.com", code="DMO"),
        destination_country="US",
        units=(Unit("unit_1", "01", Decimal("2712.35"), ("ord_a", "ord_b")),
               Unit("unit_2", "11", Decimal("55.50"), ("ord_c",)),
               Unit("unit_3", "11", Decimal("20.00"), ("ord_d",))),
        orders={o.id: o for o in (a, b, c, d)},
        products={p.id: p for p in (STEEL, BOOK)},
        mids={"prod_steel": ("XONORSTE1200HAM", True), "prod_book": ("XQMAPPAP55MON", False)},
        flags=(), product_flags={"prod_steel": ("SECTION_232_STEEL",), "prod_book": ()},
        validation_messages=(), missing_data=(), totals={},
        port_of_entry="3004",
        filing=FilingFacts(importer=IMPORTER, seller={"name": "EntryGo Demo", "address": None},
                           shipment=SHIPMENT),
        review={"reviewedBy": "Ops Jane", "acknowledgedCodes": ["METALS_REVIEW_RECOMMENDED"]},
    )
    return replace(snapshot, **changes)


def summary(snapshot: PackageSnapshot) -> dict:
    return json.loads(render_entry_summary(snapshot))


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


IOR = {"name": "Northbound Goods Inc.", "importerNumber": "12-3456789",
       "address": {"address1": "1 Harbor Way", "address2": None, "city": "Buffalo",
                   "region": "NY", "postalCode": "14202", "country": "US"},
       "bond": {"bondType": "continuous", "suretyNumber": "457", "bondNumber": "BND-0001"}}
TRANSPORT = {"portOfEntry": {"code": "3004", "name": "BLAINE, WA"}, "modeOfTransport": "truck",
             "importingCarrier": {"scac": "EGTR", "iataCode": None,
                                  "name": "EntryGo Test Trucking"},
             "conveyanceReference": "TRIP-0042", "masterBill": "EGTR1234567"}


def line(number, order, index, product, quantity, value, weight, mid, derived, description):
    counted = [{"unit": "No.", "quantity": quantity, "exactQuantity": quantity,
                "source": "count"}]  # the notebook's line, 4820.10.20.60: No.
    if product is STEEL:  # 7323.93.00.45: No. and kg, whole kilograms, never 0
        counted.append({"unit": "kg", "quantity": round(weight) or 1, "exactQuantity": weight,
                        "source": "netWeightKg"})
    return {"lineNumber": number, "description": description,
            "htsusNumber": product.hts_code, "countryOfOrigin": "CA", "manufacturerId": mid,
            "manufacturerIdDerived": derived, "quantity": quantity, "netWeightKg": weight,
            "netQuantityInHtsusUnits": counted,
            "enteredValueUsd": value, "orderId": order, "orderExternalId": {
                "ord_a": "SHOP-1001", "ord_b": "SHOP-1002", "ord_c": "SHOP-1003",
                "ord_d": "SHOP-1004"}[order], "lineIndex": index, "productId": product.id,
            "sku": product.external_id, "pga": {"fda": None, "cpsc": None, "fcc": None,
                                                "dangerousGoods": None, "lacey": None}}


def test_one_record_per_entry_with_every_field():
    raw = render_entry_summary(make_snapshot())
    assert raw.endswith(b"}\n") and b'\n  "version": "entry-summary/1",' in raw  # indent=2
    doc = json.loads(raw)
    assert list(doc) == ["version", "packageNumber", "generatedAt", "entries"]
    assert (doc["version"], doc["packageNumber"], doc["generatedAt"]) == (
        "entry-summary/1", PACKAGE, "2026-11-27T13:01:46.123Z")
    formal, bob, nobody = doc["entries"]
    assert list(formal) == [
        "exportUnitId", "invoiceNumber", "entryType", "importerOfRecord", "ultimateConsignee",
        "portOfEntry", "modeOfTransport", "importingCarrier", "conveyanceReference",
        "masterBill", "houseBills", "importDate", "exportingCountry", "manifestQuantity",
        "grossWeightKg", "totalEnteredValueUsd", "orders", "lines", "dutyEstimate"]
    steel_desc, book_desc = STEEL.customs_description, BOOK.title
    assert formal == {
        "exportUnitId": "unit_1", "invoiceNumber": f"{PACKAGE}-1", "entryType": "01",
        "importerOfRecord": IOR,
        "ultimateConsignee": {"name": "Jane Doe", "address1": "350 Fifth Avenue",
                              "address2": "Suite 5000", "city": "New York", "state": "NY",
                              "zip": "10118-1234", "country": "US"},
        **TRANSPORT,
        "houseBills": ["1ZA0001", "1ZA0002", "1ZB0001"],
        "importDate": "2026-11-30", "exportingCountry": "CA",
        "manifestQuantity": 3, "grossWeightKg": 3.35,  # 1.25 + 0.6 + 1.5, exactly
        "totalEnteredValueUsd": 2712.35,
        "orders": [
            {"id": "ord_a", "externalId": "SHOP-1001", "orderedAt": "2026-11-20T10:00:00.000Z",
             "incoterm": "DDP", "currency": "USD", "usdExchangeRate": None,
             "trackingNumbers": ["1ZA0001", "1ZA0002"]},
            {"id": "ord_b", "externalId": "SHOP-1002", "orderedAt": None, "incoterm": "DAP",
             "currency": "CAD", "usdExchangeRate": {"rate": 1.3712, "date": "2026-11-19"},
             "trackingNumbers": ["1ZB0001"]},
        ],
        "lines": [
            line(1, "ord_a", 0, STEEL, 2, 2400, 0.8, "XONORSTE1200HAM", True, steel_desc),
            line(2, "ord_a", 1, BOOK, 1, 12.35, 0.35, "XQMAPPAP55MON", False, book_desc),
            line(3, "ord_b", 0, BOOK, 3, 300, 1.05, "XQMAPPAP55MON", False, book_desc),
        ],
        "dutyEstimate": None,  # a plan without an estimate (test_duty_estimate_artifacts.py)
    }
    assert bob == {
        "exportUnitId": "unit_2", "invoiceNumber": f"{PACKAGE}-2", "entryType": "11",
        "importerOfRecord": IOR,
        "ultimateConsignee": {"name": "Bob Stone", "address1": "1 Market St", "address2": None,
                              "city": "San Francisco", "state": "CA", "zip": "94105",
                              "country": "US"},
        **TRANSPORT,
        "houseBills": ["1ZC0001"], "importDate": "2026-11-30", "exportingCountry": "CA",
        "manifestQuantity": 1, "grossWeightKg": 0.9, "totalEnteredValueUsd": 55.5,
        "orders": [{"id": "ord_c", "externalId": "SHOP-1003", "orderedAt": None,
                    "incoterm": "DDP", "currency": "USD", "usdExchangeRate": None,
                    "trackingNumbers": ["1ZC0001"]}],
        "lines": [line(1, "ord_c", 0, STEEL, 1, 55.5, 0.4, "XONORSTE1200HAM", True,
                       steel_desc)],
        "dutyEstimate": None,
    }
    assert nobody == {  # no consignee: the destination alone; no parcels: nothing to weigh
        "exportUnitId": "unit_3", "invoiceNumber": f"{PACKAGE}-3", "entryType": "11",
        "importerOfRecord": IOR,
        "ultimateConsignee": {"name": None, "address1": None, "address2": None, "city": None,
                              "state": "TX", "zip": "73301-0001", "country": "US"},
        **TRANSPORT,
        "houseBills": [], "importDate": "2026-11-30", "exportingCountry": "CA",
        "manifestQuantity": 0, "grossWeightKg": None, "totalEnteredValueUsd": 20,
        "orders": [{"id": "ord_d", "externalId": "SHOP-1004", "orderedAt": None,
                    "incoterm": "DAP", "currency": None, "usdExchangeRate": None,
                    "trackingNumbers": []}],
        "lines": [line(1, "ord_d", 0, BOOK, 2, 20, 0.7, "XQMAPPAP55MON", False, book_desc)],
        "dutyEstimate": None,
    }


def test_state_and_zip_are_normalised_never_the_raw_input():
    snapshot = make_snapshot()
    out = {a.artifact_type: a.content for a in render_all(snapshot)}
    for kind in ("entry_summary", "manifest", "entry_lines"):
        for raw in (b"new york", b"101181234", b"73301 0001", b"California"):
            assert raw not in out[kind], (kind, raw)
    consignee = summary(snapshot)["entries"][0]["ultimateConsignee"]
    assert (consignee["state"], consignee["zip"]) == ("NY", "10118-1234")
    # what is no state or ZIP at all is left out, not copied
    odd = replace(snapshot.orders["ord_c"], destination_region="Narnia",
                  destination_postal_code="SW1A 1AA")
    bob = summary(replace(snapshot, orders={**snapshot.orders, "ord_c": odd}))["entries"][1]
    assert (bob["ultimateConsignee"]["state"], bob["ultimateConsignee"]["zip"]) == (None, None)


def test_gross_weight_is_unknown_when_a_parcel_has_none():
    snapshot = make_snapshot()
    light = replace(snapshot.orders["ord_b"], parcels=({"trackingNumber": "1ZB0001"},))
    formal = summary(replace(snapshot, orders={**snapshot.orders, "ord_b": light}))["entries"][0]
    assert (formal["manifestQuantity"], formal["grossWeightKg"]) == (3, None)


def test_without_filing_data_the_fields_are_null():
    """A package executed from a plan stored before filing data: the entries still list."""
    entry = summary(make_snapshot(filing=None, port_of_entry=None))["entries"][0]
    assert {k: entry[k] for k in ("importerOfRecord", "portOfEntry", "modeOfTransport",
                                  "importingCarrier", "conveyanceReference", "masterBill",
                                  "importDate")} == dict.fromkeys(
        ("importerOfRecord", "portOfEntry", "modeOfTransport", "importingCarrier",
         "conveyanceReference", "masterBill", "importDate"))
    assert entry["houseBills"] == ["1ZA0001", "1ZA0002", "1ZB0001"]
    no_bond = summary(make_snapshot(filing=FilingFacts(
        importer={**IMPORTER, "bond": None}, seller={}, shipment={})))["entries"][0]
    assert no_bond["importerOfRecord"]["bond"] is None


def test_follows_the_snapshot_and_sits_after_the_manifest():
    first, second = make_snapshot(), make_snapshot()
    assert render_entry_summary(first) == render_entry_summary(second)
    later = make_snapshot(package_number="EG-20261128-AAAAAA",
                          executed_at=datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    assert render_entry_summary(first).replace(PACKAGE.encode(), b"EG-20261128-AAAAAA").replace(
        b"2026-11-27T13:01:46.123Z", b"2026-11-28T08:00:00.000Z") == render_entry_summary(later)
    kinds = [(a.artifact_type, a.filename, a.content_type) for a in render_all(first)]
    assert kinds[:2] == [("manifest", "manifest.json", "application/json"),
                         ("entry_summary", "entry_summary.json", "application/json")]


# --- the same filing data in the manifest and the entry lines --------------------------------

def test_manifest_carries_tracking_numbers_and_the_normalised_destination():
    doc = json.loads(render_manifest(make_snapshot()))
    assert doc["formatVersion"] == 2
    a, b, c, d = doc["orders"]
    assert list(a)[:4] == ["id", "externalId", "trackingNumbers", "exportUnitId"]
    assert (a["id"], a["externalId"], a["trackingNumbers"]) == (
        "ord_a", "SHOP-1001", ["1ZA0001", "1ZA0002"])
    assert a["destination"] == {"country": "US", "region": "NY", "postalCode": "10118-1234"}
    assert b["destination"] == a["destination"]
    assert c["destination"] == {"country": "US", "region": "CA", "postalCode": "94105"}
    assert (d["trackingNumbers"], d["destination"]) == (
        [], {"country": "US", "region": "TX", "postalCode": "73301-0001"})
    # the merchant's SKU beside EntryGo's product id
    assert (a["lines"][0]["productId"], a["lines"][0]["sku"]) == ("prod_steel", "SAUCEPAN-1L")


def test_entry_lines_carry_external_ids_tracking_and_the_normalised_destination():
    content = render_entry_lines_csv(make_snapshot())
    assert content.decode().split("\n")[0] == ",".join(ENTRY_LINES_COLUMNS)
    data = rows(content)
    assert [(r["order_id"], r["order_external_id"], r["tracking_numbers"],
             r["consignee_region"], r["consignee_postal_code"]) for r in data] == [
        ("ord_a", "SHOP-1001", "1ZA0001;1ZA0002", "NY", "10118-1234"),
        ("ord_a", "SHOP-1001", "1ZA0001;1ZA0002", "NY", "10118-1234"),
        ("ord_b", "SHOP-1002", "1ZB0001", "NY", "10118-1234"),
        ("ord_c", "SHOP-1003", "1ZC0001", "CA", "94105"),
        ("ord_d", "SHOP-1004", "", "TX", "73301-0001"),
    ]
    assert data[0]["consignee_address"] == "350 Fifth Avenue, Suite 5000"
    assert list(data[0])[7:10] == ["order_id", "order_external_id", "tracking_numbers"]
    assert [(r["product_id"], r["sku"]) for r in data[:2]] == [
        ("prod_steel", "SAUCEPAN-1L"), ("prod_book", "")]
