from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from entrygo.db.database import Base, Owned, UtcDateTime


class Importer(Base, Owned):
    """An importer of record: the party liable for the entry (CBP Form 7501 block 12/24), with
    its IOR number and bond. Which one is the account's default is the account's
    ``default_importer_id`` (one place, so there is never a second default)."""

    __tablename__ = "importers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(20))
    """The IOR number as normalised: ``NN-NNNNNNN`` (+ 2-character suffix) or ``YYDDPP-NNNNN``."""
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    bond: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
