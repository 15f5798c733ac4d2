"""Warehouses and brokers, as the caller may see them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from entrygo.db.repository import Repository
from entrygo.setup.models import Broker, Warehouse


class WarehouseRepository(Repository[Warehouse]):
    model = Warehouse
    what = "Warehouse"

    def restrict(self, stmt: Select[Any]) -> Select[Any]:
        if self.scope.warehouse_id is not None:  # a warehouse-scoped key sees its own only
            stmt = stmt.where(Warehouse.id == self.scope.warehouse_id)
        return stmt


class BrokerRepository(Repository[Broker]):
    model = Broker
    what = "Broker"
