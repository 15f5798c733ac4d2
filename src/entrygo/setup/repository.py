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

    def get_for_update(self, warehouse_id: str) -> Warehouse | None:
        """One of the scope's warehouses, its row locked until the transaction ends (a patch
        reads, merges and writes it back)."""
        return self.session.scalars(self.readable().where(Warehouse.id == warehouse_id)
                                    .with_for_update()).one_or_none()


class BrokerRepository(Repository[Broker]):
    model = Broker
    what = "Broker"
