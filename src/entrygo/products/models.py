from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from entrygo.db.database import Base, Owned, ScaledDecimal, UtcDateTime


class Product(Base, Owned):
    """A catalogue item (merchant SKU) with the customs data the broker needs.

    Scalar customs fields are columns (planning reads them); the nested groups are stored as
    their wire JSON, exactly as validated.
    """

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("account_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    external_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(500))
    customs_description: Mapped[str | None] = mapped_column(String(1000))
    hts_code: Mapped[str | None] = mapped_column(String(32))
    country_of_origin: Mapped[str | None] = mapped_column(String(8))
    mid: Mapped[str | None] = mapped_column(String(32))
    net_weight_kg: Mapped[Decimal | None] = mapped_column(ScaledDecimal(6))
    reference_value_usd: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4))
    excise_category: Mapped[str] = mapped_column(String(16))
    manufacturer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    materials: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    metal_content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pga: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    battery: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    measures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    preference_claim: Mapped[str | None] = mapped_column(String(16))
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
