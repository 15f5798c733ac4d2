"""Order sync: an atomic, bulk upsert by ``externalId``; lines replaced, never merged.

A call costs a fixed handful of statements however many orders it carries: one read of the
referenced products, one locking read of the existing orders, then at most one bulk delete of
replaced lines, one bulk insert of new orders, one bulk update of changed orders and one bulk
insert of lines. Rows travel as plain dicts (no ORM object per row on this path).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from entrygo.db.repository import AccountScope
from entrygo.events import service as events
from entrygo.kit.clock import iso, utcnow
from entrygo.kit.errors import ApiError, Issue, duplicate_issues, validation_error
from entrygo.kit.ids import new_id
from entrygo.kit.modes import is_live
from entrygo.kit.money import cents, plain
from entrygo.orders import repository as repo
from entrygo.orders.schemas import OrderIn, order_document
from entrygo.products.repository import ProductRepository


@dataclass(frozen=True)
class Prepared:
    """A validated order with its computed lines, total and content hash."""

    item: OrderIn
    lines: list[dict[str, Any]]
    total: Decimal
    content_hash: str
    fields: dict[str, Any]


def _group(value: Any) -> Any:
    """A nested group as stored and answered: its wire JSON, exact numbers as JSON numbers."""
    return None if value is None else value.model_dump(mode="json", by_alias=True)


def prepare(item: OrderIn) -> Prepared:
    lines: list[dict[str, Any]] = []
    for index, line in enumerate(item.items):
        lines.append({"line_index": index, "product_id": line.product_id,
                      "quantity": line.quantity, "unit_value_usd": line.unit_value_usd,
                      "line_value_usd": cents(line.unit_value_usd * line.quantity)})
    fields = {
        "destination_country": item.destination_country,
        "destination_region": item.destination_region,
        "destination_postal_code": item.destination_postal_code,
        "consignee": _group(item.consignee),
        "ordered_at": item.ordered_at,
        "currency": item.currency,
        "incoterm": item.incoterm,
        "parcels": None if item.parcels is None else [_group(p) for p in item.parcels],
        "charges": _group(item.charges),
        "usd_exchange_rate": _group(item.usd_exchange_rate),
        "metadata": item.metadata,  # the column's name: rows here go through Core, not the ORM
    }
    canonical: list[Any] = [
        item.destination_country, item.destination_region, item.destination_postal_code,
        fields["consignee"], iso(item.ordered_at), item.currency, item.incoterm, item.metadata,
        [[ln["product_id"], ln["quantity"], plain(ln["unit_value_usd"])] for ln in lines],
    ]
    filing = [fields["parcels"], fields["charges"], fields["usd_exchange_rate"]]
    if any(value is not None for value in filing):
        # only when sent: an order without them hashes as it did before they existed, so
        # re-sending an order stored earlier (an exported one included) stays unchanged
        canonical.append(filing)
    digest = hashlib.sha256(json.dumps(canonical, separators=(",", ":"),
                                       ensure_ascii=False).encode()).hexdigest()
    total = sum((ln["line_value_usd"] for ln in lines), Decimal(0))
    return Prepared(item, lines, total, digest, fields)


def _order_issues(index: int, item: OrderIn) -> list[Issue]:
    """What the schema cannot say about one order: repeated tracking numbers (a parcel is
    listed once; ``1z999`` and ``1Z999`` are one parcel), and an exchange rate with no foreign
    currency to convert from."""
    issues: list[Issue] = []
    if item.parcels:
        issues.extend(duplicate_issues(
            [p.tracking_number.casefold() for p in item.parcels],
            f"items.{index}.parcels.{{}}.trackingNumber", "trackingNumber"))
    if item.usd_exchange_rate is not None and item.currency in (None, "USD"):
        issues.append(Issue(
            f"items.{index}.usdExchangeRate",
            "No conversion from USD to USD: leave usdExchangeRate out when currency is USD"
            if item.currency == "USD" else
            "An exchange rate converts from the order's currency: send currency with it",
            "invalid_value"))
    return issues


def _check_orders(session: Session, account_id: str, items: list[OrderIn]) -> list[Issue]:
    issues = duplicate_issues([item.external_id for item in items], "items.{}.externalId",
                              "externalId")
    for i, item in enumerate(items):
        issues.extend(_order_issues(i, item))
    wanted = sorted({line.product_id for item in items for line in item.items})
    known = ProductRepository(session, AccountScope(account_id)).existing_ids(wanted)
    for i, item in enumerate(items):
        for j, line in enumerate(item.items):
            if line.product_id not in known:
                issues.append(Issue(f"items.{i}.items.{j}.productId",
                                    "No product with this id in the account", "unknown_reference"))
    return issues


def sync_orders(session: Session, account_id: str, items: list[OrderIn],
                request_id: str | None = None) -> list[dict[str, Any]]:
    """Upsert every order or none; an ``ORDERS_SYNCED`` event when any was created or
    changed."""
    issues = _check_orders(session, account_id, items)
    if issues:
        raise validation_error(issues)
    prepared = [prepare(item) for item in items]
    existing = repo.lock_by_external_id(session, account_id,
                                        [p.item.external_id for p in prepared])
    locked = [p.item.external_id for p in prepared
              if (row := existing.get(p.item.external_id)) is not None
              and row.exported_batch_id is not None and row.content_hash != p.content_hash]
    if locked:
        raise ApiError(409, "ORDER_LOCKED",
                       "These orders belong to an executed export and cannot change.",
                       details={"externalIds": locked})

    now = utcnow()
    new_orders: list[dict[str, Any]] = []
    changed_orders: list[dict[str, Any]] = []
    new_lines: list[dict[str, Any]] = []
    out = []
    for p in prepared:
        row = existing.get(p.item.external_id)
        values = {**p.fields, "total_value_usd": p.total, "content_hash": p.content_hash,
                  "updated_at": now}
        if row is None:
            order_id, created_at, updated_at, status = new_id("ord"), now, now, "created"
            new_orders.append({"id": order_id, "account_id": account_id,
                               "external_id": p.item.external_id, "created_at": now, **values})
        elif row.content_hash == p.content_hash:
            order_id, created_at, updated_at, status = (row.id, row.created_at, row.updated_at,
                                                        "unchanged")
        else:
            order_id, created_at, updated_at, status = row.id, row.created_at, now, "updated"
            changed_orders.append({"_id": order_id, **values})
        if status != "unchanged":
            new_lines.extend({"order_id": order_id, **line} for line in p.lines)
        out.append(order_document(
            order_id=order_id, livemode=is_live(account_id), external_id=p.item.external_id,
            total=p.total,
            fields=p.fields, lines=p.lines, created_at=created_at, updated_at=updated_at,
            sync_status=status))

    repo.write_sync(session, new_orders=new_orders, changed_orders=changed_orders,
                    new_lines=new_lines)
    _record_sync(session, account_id, out, request_id)
    return out


def _record_sync(session: Session, account_id: str, synced: list[dict[str, Any]],
                 request_id: str | None) -> None:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for order in synced:
        counts[order["syncStatus"]] += 1
    if counts["created"] or counts["updated"]:
        events.record(session, account_id=account_id, request_id=request_id, events=[
            ("ORDERS_SYNCED", {"source": "sync", **counts, "orders": [
                {"id": o["id"], "externalId": o["externalId"], "syncStatus": o["syncStatus"]}
                for o in synced if o["syncStatus"] != "unchanged"]})])


# --- reads ---------------------------------------------------------------------------------------

def orders_out(session: Session, rows: list[Any]) -> list[dict[str, Any]]:
    """Wire orders for rows of ``orders``, with their lines read in one query."""
    lines = repo.lines_of(session, [row.id for row in rows])
    return [order_document(
        order_id=row.id, livemode=row.livemode, external_id=row.external_id,
        total=row.total_value_usd,
        fields={"destination_country": row.destination_country,
                "destination_region": row.destination_region,
                "destination_postal_code": row.destination_postal_code,
                "consignee": row.consignee, "ordered_at": row.ordered_at,
                "currency": row.currency, "incoterm": row.incoterm, "parcels": row.parcels,
                "charges": row.charges, "usd_exchange_rate": row.usd_exchange_rate,
                "metadata": row.meta},
        lines=lines[row.id], created_at=row.created_at, updated_at=row.updated_at)
        for row in rows]
