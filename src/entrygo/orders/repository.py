"""Orders, as the caller may see them."""

from __future__ import annotations

from entrygo.db.repository import Repository
from entrygo.orders.models import Order


class OrderRepository(Repository[Order]):
    model = Order
    what = "Order"
