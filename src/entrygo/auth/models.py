from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from entrygo.db.database import Base, UtcDateTime


class ApiKey(Base):
    """An API key. The secret itself is never stored: only its keyed hash (HMAC-SHA256)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    mode: Mapped[str] = mapped_column(String(8))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(40))
    """Enough of the key to recognise it in a list: prefix and last four characters."""
    name: Mapped[str | None] = mapped_column(String(200))
    warehouse_id: Mapped[str | None] = mapped_column(ForeignKey("warehouses.id"))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
