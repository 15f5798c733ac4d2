"""What delivery needs from the rest of EntryGo, as an interface it owns.

Delivery sends what execution committed; it does not know how export batches are stored. The
application wires in an implementation (``exports.repository.ExportsForDelivery``), so the
dependency points from exports to delivery's interface and never from delivery into exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class MailContext:
    """What the broker and warehouse emails say about an executed batch."""

    batch_id: str
    executed_at: datetime | None
    destination_country: str
    readiness_state: str
    plan_hash: str
    ship_from_name: str
    ship_from_country: str
    broker_name: str
    broker_email: str
    order_count: int
    line_count: int
    value_usd: Decimal
    units: int
    formal_units: int
    flags: tuple[str, ...]
    # how the entries are filed, as the plan judged it (null before plans carried filing data)
    importer_name: str | None = None
    port_of_entry: str | None = None  # the 4-digit Schedule D code
    port_name: str | None = None
    mode_of_transport: str | None = None
    carrier_scac: str | None = None
    carrier_iata_code: str | None = None
    carrier_name: str | None = None
    conveyance_reference: str | None = None
    master_bill: str | None = None
    estimated_arrival: str | None = None  # YYYY-MM-DD
    # the review execute was given (the EXPORT_EXECUTED event's)
    reviewed_by: str | None = None
    acknowledged_codes: tuple[str, ...] = ()


class Batches(Protocol):
    def mail_context(self, session: Session, batch_id: str) -> MailContext:
        """The batch as its emails describe it."""
        ...

    def changed(self, session: Session, batch_id: str) -> None:
        """Delivery state changed: what inspect shows of the batch is stale."""
        ...

    def warehouse_of(self, session: Session, batch_id: str) -> str:
        """The warehouse the batch ships from (its events name it)."""
        ...
