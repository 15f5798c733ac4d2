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


class Batches(Protocol):
    def mail_context(self, session: Session, batch_id: str) -> MailContext:
        """The batch as its emails describe it."""
        ...

    def changed(self, session: Session, batch_id: str) -> None:
        """Delivery state changed: what inspect shows of the batch is stale."""
        ...
