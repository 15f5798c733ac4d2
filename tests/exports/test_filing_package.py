"""A realistic batch through the API, read as a broker reads its package: a truck into Blaine
(port 3004) with its SCAC, an importer of record with a bond, three consignees (one of them a
formal entry of two orders), parcels with tracking numbers, DDP and DAP orders, a CAD order with
its exchange rate. Every invoice (commercial_invoice.csv) and every entry (entry_summary.json)
carries the filing data the API was given; on both backends.

The renderers' own tests (tests/artifacts/) pin each element's layout on the PDF page; this one
holds the path from the API to the package."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.support import Flow, execute


@pytest.fixture
def flow(api):
    return Flow(api)


JANE = {"name": "Jane Doe", "address1": "350 Fifth Avenue", "address2": "Suite 5000",
        "city": "New York"}
MARIE = {"name": "Marie Tremblay", "address1": "1 Market St", "city": "San Francisco"}
SAM = {"name": "Sam Lee", "address1": "77 Lake Shore Dr", "city": "Chicago"}
SHIPMENT = {"modeOfTransport": "truck", "portOfEntry": "3004",
            "carrier": {"scac": "ACMF", "name": "Acme Freight"},
            "conveyanceReference": "TRIP-4471", "masterBill": "ACMF123456789",
            "estimatedArrival": "2026-11-30"}


def write(api, method, path, body):
    r = api.client.request(method, path, json={"accountId": api.account_id, **body},
                           headers=api.headers())
    assert r.status_code in (200, 201), r.text
    return r.json()


def parcel(tracking, kg):
    return {"trackingNumber": tracking, "grossWeightKg": kg}


def test_every_invoice_and_entry_carries_the_filing_data(flow):
    api = flow.api
    write(api, "PATCH", f"/api/warehouses/{api.warehouse_id}", {"defaultShipment": SHIPMENT})
    write(api, "PATCH", "/api/account", {"legalName": "Maple Goods Trading Inc.", "address": {
        "address1": "100 King St W", "city": "Toronto", "region": "ON",
        "postalCode": "M5X 1A9", "country": "CA"}})
    importer = write(api, "POST", "/api/importers", {
        "name": "Northwind Imports LLC", "number": "12-3456789", "address": {
            "address1": "500 Harbor Blvd", "city": "Blaine", "region": "WA",
            "postalCode": "98230", "country": "US"},
        "bond": {"type": "continuous", "suretyCode": "457", "number": "99-1234567"}})
    jane_1 = flow.order("SO-1001", value=1300, quantity=1, consignee=JANE,
                        destinationRegion="new york", destinationPostalCode="101181234",
                        orderedAt="2026-11-20T15:00:00Z", currency="USD", incoterm="DDP",
                        charges={"freightUsd": 12.5, "insuranceUsd": 1.25},
                        parcels=[parcel("1Z999AA10123456784", 1.3)])
    jane_2 = flow.order("SO-1002", value=1300, consignee=JANE, destinationRegion="NY",
                        destinationPostalCode="10118-1234", incoterm="DDP",
                        orderedAt="2026-11-21T09:00:00Z",
                        parcels=[parcel("1Z999AA10123456785", 1.2)])
    marie = flow.order("SO-1003", value=55.5, consignee=MARIE, currency="CAD",
                       incoterm="DAP", orderedAt="2026-11-22T12:00:00Z",
                       usdExchangeRate={"rate": 1.3712, "date": "2026-11-21"},
                       parcels=[parcel("CP123456789CA", 0.6)])
    sam = flow.order("SO-1004", flow.notebook, value=20, quantity=2, consignee=SAM,
                     destinationRegion="IL", destinationPostalCode="60611", incoterm="DAP",
                     orderedAt="2026-11-23T08:00:00Z",
                     charges={"freightUsd": 4, "includedInUnitPrices": True},
                     parcels=[parcel("1Z999AA10123456790", 0.9)])
    plan = flow.plan([jane_1, jane_2, marie, sam], importerId=importer["id"]).json()
    assert plan["readinessState"] == "REVIEW_REQUIRED", plan["validationMessages"]
    assert [u["entryType"] for u in plan["strategy"]["exportUnits"]] == ["01", "11", "11"]
    warnings = sorted({m["code"] for m in plan["validationMessages"]
                       if m["severity"] == "warning"})
    done = execute(api, plan["exportId"], acknowledgedCodes=warnings, reviewedBy="ops: Dana")
    assert done.status_code == 200, done.text
    package = done.json()
    number = package["customsPackage"]["packageNumber"]

    def artifact(name):
        r = api.get(f"/api/customs-packages/{package['customs_package_id']}/artifacts/{name}")
        assert r.status_code == 200, name
        return r.content

    summary = json.loads(artifact("entry_summary.json"))
    invoice_rows = list(csv.DictReader(io.StringIO(artifact("commercial_invoice.csv").decode())))
    pdf = artifact("commercial_invoice.pdf")
    assert pdf.startswith(b"%PDF-")

    # one entry, and one invoice, per consignee: Jane's two orders are one formal entry
    entries = summary["entries"]
    assert summary["version"] == "entry-summary/1" and summary["packageNumber"] == number
    assert [(e["invoiceNumber"], e["entryType"], [o["externalId"] for o in e["orders"]])
            for e in entries] == [(f"{number}-1", "01", ["SO-1001", "SO-1002"]),
                                  (f"{number}-2", "11", ["SO-1003"]),
                                  (f"{number}-3", "11", ["SO-1004"])]
    for entry in entries:  # the filing data, on every entry
        assert entry["importerOfRecord"]["name"] == "Northwind Imports LLC"
        assert entry["importerOfRecord"]["importerNumber"] == "12-3456789"
        assert entry["portOfEntry"] == {"code": "3004", "name": "BLAINE, WA"}
        assert entry["modeOfTransport"] == "truck"
        assert entry["importingCarrier"]["scac"] == "ACMF"
        assert (entry["conveyanceReference"], entry["masterBill"], entry["importDate"]) == (
            "TRIP-4471", "ACMF123456789", "2026-11-30")
    jane, marie_entry, sam_entry = entries
    assert (jane["ultimateConsignee"]["state"], jane["ultimateConsignee"]["zip"]) == (
        "NY", "10118-1234")  # "new york" and "101181234" as synced, normalised
    assert jane["houseBills"] == ["1Z999AA10123456784", "1Z999AA10123456785"]
    assert (jane["manifestQuantity"], jane["grossWeightKg"], jane["totalEnteredValueUsd"]) == (
        2, 2.5, 2600)
    assert marie_entry["orders"][0]["usdExchangeRate"] == {"rate": 1.3712,
                                                           "date": "2026-11-21"}
    assert (marie_entry["orders"][0]["currency"], marie_entry["orders"][0]["incoterm"]) == (
        "CAD", "DAP")
    assert sam_entry["lines"][0]["sku"] == "NOTEBOOK"

    # every invoice in the CSV: its number, the parties, the port, the terms, the charges
    by_invoice: dict[str, list[dict[str, str]]] = {}
    for row in invoice_rows:
        by_invoice.setdefault(row["invoice_number"], []).append(row)
    assert sorted(by_invoice) == [f"{number}-1", f"{number}-2", f"{number}-3"]
    for rows in by_invoice.values():
        for row in rows:
            assert (row["port_of_entry"], row["seller_name"], row["importer_name"],
                    row["importer_number"]) == ("3004", "Maple Goods Trading Inc.",
                                                "Northwind Imports LLC", "12-3456789")
            assert row["hts_code"] and row["country_of_origin"] and row["mid"]
    first = {r["order_external_id"]: r for r in by_invoice[f"{number}-1"]}
    assert (first["SO-1001"]["date_of_sale"], first["SO-1001"]["terms_of_sale"],
            first["SO-1001"]["order_freight_usd"], first["SO-1001"]["order_insurance_usd"],
            first["SO-1001"]["order_charges_included_in_unit_prices"],
            first["SO-1001"]["order_tracking_numbers"]) == (
        "2026-11-20", "DDP", "12.50", "1.25", "false", "1Z999AA10123456784")
    assert (first["SO-1001"]["consignee_state"], first["SO-1001"]["consignee_postal_code"]) == (
        "NY", "10118-1234")
    (cad,) = by_invoice[f"{number}-2"]
    assert (cad["currency_of_purchase"], cad["usd_exchange_rate"],
            cad["usd_exchange_rate_date"], cad["terms_of_sale"]) == (
        "CAD", "1.3712", "2026-11-21", "DAP")
    (notebooks,) = by_invoice[f"{number}-3"]
    assert (notebooks["sku"], notebooks["quantity"], notebooks["order_freight_usd"],
            notebooks["order_charges_included_in_unit_prices"]) == ("NOTEBOOK", "2", "4.00",
                                                                    "true")

    # the review is on record
    events = api.get(f"/api/exports/{plan['exportId']}").json()["events"]
    executed = next(e for e in events if e["type"] == "EXPORT_EXECUTED")
    assert executed["data"]["reviewedBy"] == "ops: Dana"
    assert executed["data"]["acknowledgedCodes"] == warnings
    assert json.loads(artifact("readiness_report.json"))["review"] == {
        "reviewedBy": "ops: Dana", "acknowledgedCodes": warnings}
