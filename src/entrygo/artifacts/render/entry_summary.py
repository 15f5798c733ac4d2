"""The broker's entry files: ``entry_summary.json``, one record per entry, and
``entry_lines.csv``, one row per line.

An entry is an export unit (one ultimate consignee on one conveyance, 19 CFR 141.51). Each record
of the summary holds what the broker keys into the entry (CBP Form 3461) and the entry summary
(CBP Form 7501): its fields are named after the form elements they fill, and
``docs/artifacts.md`` maps each one to its block. The consignee's state and ZIP are the USPS code
and the normalised ZIP the readiness rules judged (``NY``, ``10118-1234``), never the text as
synced; the port's name comes from EntryGo's port reference data (the version the plan was
judged with: execution refuses a plan whose reference data changed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from entrygo.artifacts.render.duty_estimate import add_entry_estimates
from entrygo.artifacts.render.formatting import json_number
from entrygo.artifacts.render.lines import (
    LineRow,
    consignee,
    destination_state,
    destination_zip,
    invoice_number,
    tracking_numbers,
    unit_rows,
)
from entrygo.artifacts.render.manifest import json_bytes
from entrygo.artifacts.render.pga import pga_of
from entrygo.artifacts.render.statistical import document as statistical_document
from entrygo.artifacts.snapshot import PackageSnapshot, Unit
from entrygo.kit.clock import iso
from entrygo.readiness import reference
from entrygo.readiness.facts import OrderFacts

ENTRY_SUMMARY_VERSION = "entry-summary/1"


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))  # str: never a binary float


def _number(value: Any) -> int | float | None:
    return None if value is None else json_number(_decimal(value))


def _date(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _importer(snapshot: PackageSnapshot) -> dict[str, Any] | None:
    """7501 blocks 27 (importer number), 30 (name and address), 4 and 5 (surety, bond type)."""
    importer = snapshot.filing.importer if snapshot.filing else None
    if importer is None:
        return None
    address = importer.get("address") or {}
    bond = importer.get("bond")
    return {
        "name": importer.get("name"),
        "importerNumber": importer.get("number"),
        "address": {key: address.get(key) for key in (
            "address1", "address2", "city", "region", "postalCode", "country")},
        "bond": None if not bond else {"bondType": bond.get("type"),
                                       "suretyNumber": bond.get("suretyCode"),
                                       "bondNumber": bond.get("number")},
    }


def _ultimate_consignee(order: OrderFacts) -> dict[str, Any]:
    """7501 block 29: the first order's consignee, at the order's destination."""
    c = consignee(order)
    return {"name": c.get("name"), "address1": c.get("address1"), "address2": c.get("address2"),
            "city": c.get("city"), "state": destination_state(order),
            "zip": destination_zip(order), "country": order.destination_country}


def _port(code: str | None) -> dict[str, Any] | None:
    """7501 block 6: the Schedule D code and the port's name (None when the code is unknown)."""
    if not code:
        return None
    port = reference.load().ports.get(code)
    return {"code": code, "name": port.name if port else None}


def _gross_weight(orders: Sequence[OrderFacts]) -> int | float | None:
    """The parcels' gross weight; None when an order has no parcels or a parcel no weight (a
    partial sum would understate it)."""
    weights = [p.get("grossWeightKg") for o in orders for p in o.parcels]
    if not orders or any(not o.parcels for o in orders) or any(w is None for w in weights):
        return None
    return json_number(sum((_decimal(w) for w in weights), Decimal(0)))


def _line(number: int, r: LineRow) -> dict[str, Any]:
    weight = r.weight_total
    return {
        "lineNumber": number,
        "description": r.description,
        "htsusNumber": r.product.hts_code,
        "countryOfOrigin": r.product.country_of_origin,
        "manufacturerId": r.mid,
        "manufacturerIdDerived": r.mid_derived,
        "quantity": r.line.quantity,
        "netWeightKg": None if weight is None else json_number(weight),
        "netQuantityInHtsusUnits": statistical_document(r),
        "enteredValueUsd": json_number(r.line.line_value_usd),
        "orderId": r.order.id,
        "orderExternalId": r.order.external_id,
        "lineIndex": r.index,
        "productId": r.product.id,
        "sku": r.product.external_id,
        "pga": pga_of(r.product),
    }


def _order(o: OrderFacts) -> dict[str, Any]:
    rate = o.usd_exchange_rate
    return {
        "id": o.id,
        "externalId": o.external_id,
        "orderedAt": o.ordered_at,
        "incoterm": o.incoterm,
        "currency": o.currency,
        "usdExchangeRate": None if not rate else {"rate": _number(rate.get("rate")),
                                                  "date": _date(rate.get("date"))},
        "trackingNumbers": list(tracking_numbers(o)),
    }


def _entry(snapshot: PackageSnapshot, position: int, unit: Unit) -> dict[str, Any]:
    shipment = snapshot.filing.shipment if snapshot.filing else {}
    carrier = shipment.get("carrier") or {}
    orders = [snapshot.orders[oid] for oid in unit.order_ids]
    rows = list(unit_rows(snapshot, unit))
    return {
        "exportUnitId": unit.id,
        "invoiceNumber": invoice_number(snapshot, position),
        "entryType": unit.entry_type,
        "importerOfRecord": _importer(snapshot),
        "ultimateConsignee": _ultimate_consignee(orders[0]) if orders else None,
        "portOfEntry": _port(snapshot.port_of_entry),
        "modeOfTransport": shipment.get("modeOfTransport"),
        "importingCarrier": None if not carrier else {
            "scac": carrier.get("scac"), "iataCode": carrier.get("iataCode"),
            "name": carrier.get("name")},
        "conveyanceReference": shipment.get("conveyanceReference"),
        "masterBill": shipment.get("masterBill"),
        "houseBills": [number for o in orders for number in tracking_numbers(o)],
        "importDate": _date(shipment.get("estimatedArrival")),
        "exportingCountry": snapshot.warehouse.country,
        "manifestQuantity": sum(len(o.parcels) for o in orders),
        "grossWeightKg": _gross_weight(orders),
        "totalEnteredValueUsd": json_number(
            sum((r.line.line_value_usd for r in rows), Decimal(0))),
        "orders": [_order(o) for o in orders],
        "lines": [_line(number, r) for number, r in enumerate(rows, start=1)],
    }


def render_entry_summary(snapshot: PackageSnapshot) -> bytes:
    """One record per entry (export unit), in unit order: what the broker files it from."""
    entries = [_entry(snapshot, position, unit)
               for position, unit in enumerate(snapshot.units, start=1)]
    add_entry_estimates(snapshot, entries)
    doc = {
        "version": ENTRY_SUMMARY_VERSION,
        "packageNumber": snapshot.package_number,
        "generatedAt": iso(snapshot.executed_at),
        "entries": entries,
    }
    return json_bytes(doc)
