from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from entrygo.db.database import Base, Owned, ScaledDecimal, UtcDateTime


class Order(Base, Owned):
    """A consumer order as the warehouse last synced it (lines in ``order_lines``)."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("account_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    external_id: Mapped[str] = mapped_column(String(128))
    destination_country: Mapped[str] = mapped_column(String(2))
    destination_region: Mapped[str | None] = mapped_column(String(64))
    destination_postal_code: Mapped[str | None] = mapped_column(String(16))
    consignee: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ordered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    currency: Mapped[str | None] = mapped_column(String(3))
    incoterm: Mapped[str | None] = mapped_column(String(3))
    usd_exchange_rate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """``{rate, date}``: how ``unitValueUsd`` was converted from ``currency``."""
    parcels: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    """``[{trackingNumber, grossWeightKg, lengthCm, widthCm, heightCm}]``: the house bills."""
    charges: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """``{freightUsd, insuranceUsd, packingUsd, otherUsd}``, itemized on the invoice."""
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    total_value_usd: Mapped[Decimal] = mapped_column(ScaledDecimal(4))
    content_hash: Mapped[str] = mapped_column(String(64))
    """sha256 of everything a sync sets: equal hash, unchanged order (no need to read lines)."""
    exported_batch_id: Mapped[str | None] = mapped_column(ForeignKey("export_batches.id"))
    """Set when a batch holding this order is executed; the order is locked from then on."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OrderLine(Base):
    __tablename__ = "order_lines"

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          primary_key=True)
    line_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_value_usd: Mapped[Decimal] = mapped_column(ScaledDecimal(4))
    line_value_usd: Mapped[Decimal] = mapped_column(ScaledDecimal(4))
