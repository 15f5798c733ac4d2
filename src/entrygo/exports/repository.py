"""The reads planning and inspection need: bulk, account-scoped, a fixed number of queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrygo.db.database import chunked
from entrygo.events.models import ExportEvent
from entrygo.exports.models import ExportBatch
from entrygo.orders.models import Order, OrderLine
from entrygo.products.models import Product
from entrygo.readiness.facts import LineFacts, OrderFacts, ProductFacts

ORDERS, LINES, PRODUCTS = Order.__table__, OrderLine.__table__, Product.__table__


def orders_by_id(session: Session, account_id: str, ids: list[str], *,
                 lock: bool = False) -> dict[str, Any]:
    """Order rows of this account by id (ids of other accounts are simply absent)."""
    found: dict[str, Any] = {}
    for chunk in chunked(ids):
        stmt = select(ORDERS.c.id, ORDERS.c.external_id, ORDERS.c.destination_country,
                      ORDERS.c.destination_region, ORDERS.c.destination_postal_code,
                      ORDERS.c.consignee, ORDERS.c.total_value_usd,
                      ORDERS.c.exported_batch_id).where(
            ORDERS.c.account_id == account_id, ORDERS.c.id.in_(chunk))
        if lock:  # in id order, as order sync locks them: the two never deadlock
            stmt = stmt.order_by(ORDERS.c.id).with_for_update()
        for row in session.execute(stmt):
            found[row.id] = row
    return found


def order_facts(session: Session, rows: list[Any]) -> list[OrderFacts]:
    """Facts for order rows (from ``orders_by_id``), lines read in bulk."""
    lines: dict[str, list[LineFacts]] = {row.id: [] for row in rows}
    for chunk in chunked(list(lines)):
        for ln in session.execute(
                select(LINES.c.order_id, LINES.c.product_id, LINES.c.quantity,
                       LINES.c.unit_value_usd, LINES.c.line_value_usd)
                .where(LINES.c.order_id.in_(chunk))
                .order_by(LINES.c.order_id, LINES.c.line_index)):
            lines[ln.order_id].append(LineFacts(ln.product_id, ln.quantity, ln.unit_value_usd,
                                                ln.line_value_usd))
    return [OrderFacts(row.id, row.external_id, row.destination_country,
                       row.destination_region, row.destination_postal_code, row.consignee,
                       tuple(lines[row.id]), row.total_value_usd)
            for row in sorted(rows, key=lambda r: r.id)]


def product_facts(session: Session, account_id: str, ids: set[str]) -> dict[str, ProductFacts]:
    out: dict[str, ProductFacts] = {}
    for chunk in chunked(sorted(ids)):
        for p in session.execute(select(
                PRODUCTS.c.id, PRODUCTS.c.title, PRODUCTS.c.customs_description,
                PRODUCTS.c.hts_code, PRODUCTS.c.country_of_origin, PRODUCTS.c.mid,
                PRODUCTS.c.net_weight_kg, PRODUCTS.c.reference_value_usd,
                PRODUCTS.c.excise_category, PRODUCTS.c.manufacturer, PRODUCTS.c.materials,
                PRODUCTS.c.metal_content, PRODUCTS.c.pga, PRODUCTS.c.battery,
        ).where(PRODUCTS.c.account_id == account_id, PRODUCTS.c.id.in_(chunk))):
            out[p.id] = ProductFacts(
                id=p.id, title=p.title, customs_description=p.customs_description,
                hts_code=p.hts_code, country_of_origin=p.country_of_origin, mid=p.mid,
                net_weight_kg=p.net_weight_kg, reference_value_usd=p.reference_value_usd,
                excise_category=p.excise_category, manufacturer=p.manufacturer,
                materials=p.materials, metal_content=p.metal_content, pga=p.pga,
                battery=p.battery)
    return out


def events_of(session: Session, batch_id: str) -> list[ExportEvent]:
    return list(session.scalars(select(ExportEvent).where(ExportEvent.batch_id == batch_id)
                                .order_by(ExportEvent.id)))


def batch_for_update(session: Session, account_id: str, batch_id: str) -> ExportBatch | None:
    return session.scalars(select(ExportBatch).where(
        ExportBatch.id == batch_id, ExportBatch.account_id == account_id).with_for_update()
    ).one_or_none()
