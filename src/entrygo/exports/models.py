from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from entrygo.db.database import Base, Owned, UtcDateTime
from entrygo.exports.plan_summary import PlanSummary, summarise


class ExportBatch(Base, Owned):
    """A planned (and later executed) export: the decision and its fingerprint.

    ``plan`` holds the plan exactly as answered to the client (the decision surface); the
    columns beside it are what queries and state transitions need.
    """

    __tablename__ = "export_batches"
    __table_args__ = (Index("ix_export_batches_account_id_state", "account_id", "state"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"))
    broker_id: Mapped[str] = mapped_column(ForeignKey("brokers.id"))
    destination_country: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(16))
    plan_hash: Mapped[str] = mapped_column(String(80))
    readiness_state: Mapped[str] = mapped_column(String(20))
    exclude_blocked_orders: Mapped[bool] = mapped_column(Boolean)
    order_count: Mapped[int] = mapped_column(Integer)
    rules_version: Mapped[str] = mapped_column(String(40))
    reference_data_version: Mapped[str] = mapped_column(String(40))
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    executed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    """Bumped by every change that inspect shows (see ``exports.repository.touch``): the key
    of the rendered read model's cache."""
    importer_id: Mapped[str | None] = mapped_column(String(40))
    """The plan request's ``importerId`` as sent (null: the account's default at the time)."""
    shipment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The plan request's ``shipment`` as sent (the warehouse's defaults fill the rest)."""
    superseded_by: Mapped[str | None] = mapped_column(String(40))
    """The batch whose newer plan over some of the same orders superseded this one (set with
    the move to SUPERSEDED, null otherwise)."""

    @property
    def summary(self) -> PlanSummary:
        """What execution and delivery need of the plan, typed."""
        return summarise(self.plan)


class ExportBatchOrder(Base):
    """The orders a batch was planned over (its plan's included and excluded orders), looked
    up by order: how a new plan finds the PLANNED batches it supersedes without reading every
    stored plan. Written with each plan and re-plan (replacing the batch's rows) and kept
    afterwards; only PLANNED batches are ever looked for."""

    __tablename__ = "export_batch_orders"

    batch_id: Mapped[str] = mapped_column(ForeignKey("export_batches.id"), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True,
                                          index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
