"""Orders, as the caller may see them, and the bulk statements of order sync.

Sync touches up to 1,000 orders and their lines per call: every statement here is one
statement for many rows (Core, no ORM object per row).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from entrygo.db.database import bulk_insert
from entrygo.db.repository import Repository
from entrygo.orders.models import Order, OrderLine

ORDERS = cast(Table, Order.__table__)
LINES = cast(Table, OrderLine.__table__)


class OrderRepository(Repository[Order]):
    model = Order
    what = "Order"


def lock_by_external_id(session: Session, account_id: str, external_ids: list[str]
                        ) -> dict[str, Any]:
    """The account's orders with these external ids, locked for the sync that changes them
    (in id order, as execution locks them: the two never deadlock)."""
    stmt = (select(ORDERS.c.id, ORDERS.c.external_id, ORDERS.c.content_hash,
                   ORDERS.c.exported_batch_id, ORDERS.c.created_at, ORDERS.c.updated_at)
            .where(ORDERS.c.account_id == account_id, ORDERS.c.external_id.in_(external_ids))
            .order_by(ORDERS.c.id).with_for_update())
    return {row.external_id: row for row in session.execute(stmt)}


def write_sync(session: Session, *, new_orders: list[dict[str, Any]],
               changed_orders: list[dict[str, Any]], new_lines: list[dict[str, Any]]) -> None:
    """A sync's writes: changed orders lose their lines and get their new values (rows carry
    ``_id``), new orders and every new line are inserted in bulk."""
    if changed_orders:
        session.execute(delete(LINES).where(
            LINES.c.order_id.in_([o["_id"] for o in changed_orders])))
        session.execute(update(ORDERS).where(ORDERS.c.id == bindparam("_id")), changed_orders)
    bulk_insert(session, ORDERS, new_orders)
    bulk_insert(session, LINES, new_lines)


def lines_of(session: Session, order_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The lines of orders the caller may see, by order, in line order (one query)."""
    lines: dict[str, list[dict[str, Any]]] = {order_id: [] for order_id in order_ids}
    if order_ids:
        for line in session.execute(
                select(LINES).where(LINES.c.order_id.in_(order_ids))
                .order_by(LINES.c.order_id, LINES.c.line_index)):
            lines[line.order_id].append(dict(line._mapping))
    return lines
