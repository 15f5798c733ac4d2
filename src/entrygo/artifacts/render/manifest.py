"""The two JSON documents of a package: the customs manifest and the readiness report.

The manifest is what a broker's software imports (every party, unit, order and line); the
readiness report records what the plan found, as planned. Both are ``indent=2`` UTF-8 with
sorted keys wherever the data comes from the plan, so storage that reorders keys changes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from entrygo.artifacts.render.formatting import json_number
from entrygo.artifacts.render.lines import (
    destination_state,
    destination_zip,
    invoice_number,
    line_rows,
    totals,
    tracking_numbers,
    unit_orders,
)
from entrygo.artifacts.render.pga import pga_of
from entrygo.artifacts.render.statistical import classifications
from entrygo.artifacts.render.statistical import document as statistical_document
from entrygo.artifacts.snapshot import PackageSnapshot, Party
from entrygo.kit.clock import iso

MANIFEST_FORMAT = "entrygo.customs-manifest"
MANIFEST_FORMAT_VERSION = 2
"""2: an order's ``destination`` is the USPS state code and normalised ZIP (1: as synced)."""
READINESS_REPORT_FORMAT = "entrygo.readiness-report"
READINESS_REPORT_FORMAT_VERSION = 2
"""2: ``invoiceLinesToCheck``, and their messages first in ``validationMessages``."""


def jsonable(value: Any) -> Any:
    """Plan data as JSON types. Dict keys sorted, so storage that reorders keys changes nothing."""
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {str(k): jsonable(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def json_bytes(doc: dict[str, Any]) -> bytes:
    """A JSON artifact's bytes: UTF-8, indented with 2 spaces, a final newline."""
    return (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()


def _provenance(snapshot: PackageSnapshot) -> dict[str, Any]:
    """Which package this is and the plan it was executed from (both documents open with it)."""
    return {
        "packageNumber": snapshot.package_number,
        "executedAt": iso(snapshot.executed_at),
        "batchId": snapshot.batch_id,
        "planHash": snapshot.plan_hash,
        "readinessState": snapshot.readiness_state,
        "rulesVersion": snapshot.rules_version,
        "referenceDataVersion": snapshot.reference_data_version,
    }


def _party(p: Party) -> dict[str, Any]:
    return {"name": p.name, "address1": p.address1, "address2": p.address2, "city": p.city,
            "region": p.region, "postalCode": p.postal_code, "country": p.country,
            "email": p.email, "filerCode": p.code}


def _totals(snapshot: PackageSnapshot) -> dict[str, Any]:
    t = totals(snapshot)
    return {
        "unitCount": t.units,
        "orderCount": t.orders,
        "lineCount": t.lines,
        "quantity": t.quantity,
        "valueUsd": json_number(t.value_usd),
        "netWeightKg": json_number(t.net_weight_kg),
        "linesWithoutWeight": t.lines_without_weight,
    }


def _lines_by_order(snapshot: PackageSnapshot) -> dict[str, list[dict[str, Any]]]:
    lines: dict[str, list[dict[str, Any]]] = {}
    for r in line_rows(snapshot):
        weight = r.product.net_weight_kg
        lines.setdefault(r.order.id, []).append({
            "lineIndex": r.index,
            "productId": r.product.id,
            "sku": r.product.external_id,
            "description": r.description,
            "htsCode": r.product.hts_code,
            "countryOfOrigin": r.product.country_of_origin,
            "mid": r.mid,
            "midDerived": r.mid_derived,
            "quantity": r.line.quantity,
            "unitValueUsd": json_number(r.line.unit_value_usd),
            "lineValueUsd": json_number(r.line.line_value_usd),
            "netWeightKg": None if weight is None else json_number(weight),
            "statisticalQuantities": statistical_document(r),
            "flags": list(r.flags),
            "pga": pga_of(r.product),
        })
    return lines


def render_manifest(snapshot: PackageSnapshot) -> bytes:
    """The machine-readable customs package (``entrygo.customs-manifest`` v2)."""
    lines_by_order = _lines_by_order(snapshot)
    doc = {
        "format": MANIFEST_FORMAT,
        "formatVersion": MANIFEST_FORMAT_VERSION,
        "package": {
            **_provenance(snapshot),
            "destinationCountry": snapshot.destination_country,
            "portOfEntry": snapshot.port_of_entry,
        },
        "parties": {
            "seller": _party(snapshot.seller),
            "warehouse": _party(snapshot.warehouse),
            "broker": _party(snapshot.broker),
        },
        "exportUnits": [{
            "id": u.id,
            "entryType": u.entry_type,
            "valueUsd": json_number(u.value_usd),
            "consignee": jsonable(snapshot.orders[u.order_ids[0]].consignee
                                   if u.order_ids else None),
            "orderIds": list(u.order_ids),
        } for u in snapshot.units],
        "orders": [{
            "id": o.id,
            "externalId": o.external_id,
            "trackingNumbers": list(tracking_numbers(o)),
            "exportUnitId": u.id,
            "destination": {"country": o.destination_country, "region": destination_state(o),
                            "postalCode": destination_zip(o)},
            "consignee": jsonable(o.consignee),
            "totalValueUsd": json_number(o.total_value_usd),
            "lines": lines_by_order.get(o.id, []),
        } for u, o in unit_orders(snapshot)],
        "flags": jsonable(snapshot.flags),
        "totals": _totals(snapshot),
        "dutyEstimate": None if snapshot.duty_estimate is None
        else jsonable(dict(snapshot.duty_estimate)),
    }
    return json_bytes(doc)


def _lines_to_check(snapshot: PackageSnapshot) -> list[dict[str, Any]]:
    """The invoice lines marked ``! CHECK`` (``Rule.signer_checks``), in invoice order."""
    numbers = {unit.id: invoice_number(snapshot, n)
               for n, unit in enumerate(snapshot.units, start=1)}
    return [{"invoiceNumber": numbers[r.unit.id], "orderId": r.order.id,
             "orderExternalId": r.order.external_id, "lineIndex": r.index,
             "productId": r.product.id, "description": r.description,
             "unitValueUsd": json_number(r.line.unit_value_usd), "codes": list(r.checks)}
            for r in line_rows(snapshot) if r.checks]


def render_readiness_report(snapshot: PackageSnapshot) -> bytes:
    """What the plan found, as planned, and the review it was executed under (who reviewed it,
    which warnings they acknowledged): the record of what the client chose to execute. What
    the signer of an invoice must check comes first: the lines the invoices mark, and their
    messages at the head of ``validationMessages`` (the rest in plan order)."""
    checked = [m for m in snapshot.validation_messages
               if (m.get("orderId"), m.get("lineIndex")) in snapshot.signer_checks
               and m.get("code") in snapshot.signer_checks[(m["orderId"], m["lineIndex"])]]
    rest = [m for m in snapshot.validation_messages if not any(m is c for c in checked)]
    doc = {
        "format": READINESS_REPORT_FORMAT,
        "formatVersion": READINESS_REPORT_FORMAT_VERSION,
        **_provenance(snapshot),
        "invoiceLinesToCheck": _lines_to_check(snapshot),
        "classifications": classifications(line_rows(snapshot)),
        "validationMessages": jsonable([*checked, *rest]),
        "flags": jsonable(snapshot.flags),
        "missing_data": jsonable(snapshot.missing_data),
        "totals": jsonable(snapshot.totals),
        "review": {"reviewedBy": snapshot.review.get("reviewedBy"),
                   "acknowledgedCodes": list(snapshot.review.get("acknowledgedCodes", []))},
    }
    return json_bytes(doc)
