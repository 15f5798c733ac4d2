from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from entrygo.db.database import Base, Owned, UtcDateTime


class CustomsPackage(Base, Owned):
    """What execution produced for the broker: one per executed batch."""

    __tablename__ = "customs_packages"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    batch_id: Mapped[str] = mapped_column(ForeignKey("export_batches.id"), unique=True)
    package_number: Mapped[str] = mapped_column(String(40), unique=True)
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Artifact(Base):
    """One generated document; its bytes live in the artifact store under their sha256."""

    __tablename__ = "artifacts"
    __table_args__ = (UniqueConstraint("package_id", "filename"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("customs_packages.id"), index=True)
    artifact_type: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime())
