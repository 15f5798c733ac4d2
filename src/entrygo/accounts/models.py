from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, false
from sqlalchemy.orm import Mapped, mapped_column

from entrygo.db.database import Base, UtcDateTime


class Account(Base):
    """A merchant or 3PL operator; every other row belongs to exactly one account."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    legal_name: Mapped[str | None] = mapped_column(String(200))
    """The seller on the commercial invoice (else ``name``)."""
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    default_importer_id: Mapped[str | None] = mapped_column(String(40))
    """The importer of record a plan uses when it names none (an importer of this account;
    checked on write, no foreign key: importers already reference accounts)."""
    require_review_acknowledgement: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false())
    readiness_policy: Mapped[str] = mapped_column(String(16), default="standard",
                                                  server_default="standard")
