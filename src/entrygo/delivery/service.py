"""Delivering what execution committed: claim a row, send, record the outcome.

Delivery runs after the export is committed and never rolls it back. Each attempt claims its
row with a lease (so a request, a worker and a start-up sweep never send the same message at
once), sends, then records ``sent`` or the error and the next attempt (exponential backoff) in
one transaction with the timeline event. A crash between sending and recording leaves the lease
to expire: the message is sent again with the same Message-ID.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from entrygo.artifacts.models import Artifact, CustomsPackage
from entrygo.artifacts.store import ArtifactStore
from entrygo.delivery import messages
from entrygo.delivery.models import BrokerSubmission, Notification
from entrygo.delivery.transport import Transport
from entrygo.events import service as events
from entrygo.exports.models import ExportBatch
from entrygo.kit.clock import iso, utcnow
from entrygo.kit.db import Database
from entrygo.setup.models import Broker, Warehouse

log = logging.getLogger("entrygo.delivery")
PENDING = ("queued", "retrying")


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 8
    backoff_seconds: int = 30
    max_backoff_seconds: int = 3600
    lease_seconds: int = 120

    def next_attempt(self, attempts: int, now: datetime) -> datetime:
        delay = min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.max_backoff_seconds)
        return now + timedelta(seconds=delay)


class Deliverer:
    def __init__(self, db: Database, store: ArtifactStore, transport: Transport, sender: str,
                 policy: Policy | None = None) -> None:
        self.db = db
        self.store = store
        self.transport = transport
        self.sender = sender
        self.policy = policy or Policy()

    # --- claiming --------------------------------------------------------------------------

    def _claim(self, model: Any, row_id: str, *, force: bool) -> bool:
        now = utcnow()
        conditions = [model.id == row_id,
                      or_(model.lease_until.is_(None), model.lease_until < now)]
        if force:
            conditions.append(model.status != "sent")
        else:
            conditions += [model.status.in_(PENDING),
                           or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now)]
        with self.db.write() as s:
            claimed = s.execute(update(model).where(*conditions).values(
                lease_until=now + timedelta(seconds=self.policy.lease_seconds)))
            return claimed.rowcount == 1

    # --- broker submissions ----------------------------------------------------------------

    def deliver_submission(self, submission_id: str, *, force: bool = False) -> bool:
        """One attempt, if the submission is due (or ``force``) and nobody else holds it.
        Returns whether an attempt was made."""
        if not self._claim(BrokerSubmission, submission_id, force=force):
            return False
        with self.db.read() as s:
            sub = s.get(BrokerSubmission, submission_id)
            package = s.get(CustomsPackage, sub.package_id)
            batch = s.get(ExportBatch, sub.batch_id)
            warehouse = s.get(Warehouse, batch.warehouse_id)
            artifacts = list(s.scalars(select(Artifact).where(
                Artifact.package_id == package.id).order_by(Artifact.position)))
        error = None
        try:
            files = [(a, self.store.get(a.sha256)) for a in artifacts]
            self.transport.send(messages.broker_message(
                submission=sub, package=package, batch=batch, warehouse=warehouse,
                artifacts=files, sender=self.sender))
        except Exception as exc:  # any failure to send is recorded and retried
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("broker submission %s failed: %s", submission_id, error)
        with self.db.write() as s:
            self._record(s, BrokerSubmission, sub, error, package_id=package.id)
        return True

    def _record(self, s: Session, model: Any, row: Any, error: str | None, *,
                package_id: str | None = None) -> None:
        now = utcnow()
        attempts = row.attempts + 1
        if error is None:
            values = {"status": "sent", "sent_at": now, "error_message": None,
                      "next_attempt_at": None}
        elif attempts >= self.policy.max_attempts:
            values = {"status": "failed", "error_message": error, "next_attempt_at": None}
        else:
            values = {"status": "retrying", "error_message": error,
                      "next_attempt_at": self.policy.next_attempt(attempts, now)}
        s.execute(update(model).where(model.id == row.id).values(
            attempts=attempts, lease_until=None, transport=self.transport.name,
            updated_at=now, **values))
        events.touch(s, row.batch_id)  # delivery state is part of inspect, event or not
        timeline: list[tuple[str, dict[str, Any]]] = []
        if model is BrokerSubmission:
            s.execute(update(CustomsPackage).where(CustomsPackage.id == package_id).values(
                state="sent_to_broker" if error is None else "delivery_failed",
                updated_at=now))
            if error is None:
                timeline.append(("BROKER_NOTIFIED", {
                    "submissionId": row.id, "recipient": row.recipient_email,
                    "messageId": row.message_id, "attempt": attempts,
                    "transport": self.transport.name}))
            else:
                timeline.append(("BROKER_SUBMISSION_FAILED", {
                    "submissionId": row.id, "attempt": attempts, "error": error,
                    "status": values["status"],
                    "nextAttemptAt": iso(values["next_attempt_at"])}))
        elif error is None:
            timeline.append(("WAREHOUSE_NOTIFIED", {
                "notificationId": row.id, "recipient": row.recipient,
                "messageId": row.message_id, "attempt": attempts}))
        events.record(s, account_id=row.account_id, batch_id=row.batch_id, request_id=None,
                      events=timeline)

    # --- notifications ---------------------------------------------------------------------

    def deliver_notification(self, notification_id: str, *, force: bool = False) -> bool:
        if not self._claim(Notification, notification_id, force=force):
            return False
        with self.db.read() as s:
            note = s.get(Notification, notification_id)
            batch = s.get(ExportBatch, note.batch_id)
            package = s.scalars(select(CustomsPackage).where(
                CustomsPackage.batch_id == batch.id)).one()
            broker = s.get(Broker, batch.broker_id)
        error = None
        try:
            self.transport.send(messages.warehouse_message(
                notification=note, package=package, batch=batch, broker=broker,
                sender=self.sender))
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("notification %s failed: %s", notification_id, error)
        with self.db.write() as s:
            self._record(s, Notification, note, error)
        return True

    # --- sweeps ----------------------------------------------------------------------------

    def deliver_batch(self, batch_id: str) -> None:
        """Everything a freshly executed batch has to send (called after its commit)."""
        with self.db.read() as s:
            sub_ids = list(s.scalars(select(BrokerSubmission.id).where(
                BrokerSubmission.batch_id == batch_id)))
            note_ids = list(s.scalars(select(Notification.id).where(
                Notification.batch_id == batch_id)))
        for sub_id in sub_ids:
            self.deliver_submission(sub_id)
        for note_id in note_ids:
            self.deliver_notification(note_id)

    def deliver_due(self, limit: int = 100) -> int:
        """One sweep over everything due (queued, or retrying and past its backoff)."""
        now = utcnow()
        attempted = 0
        for model, deliver in ((BrokerSubmission, self.deliver_submission),
                               (Notification, self.deliver_notification)):
            with self.db.read() as s:
                due = list(s.scalars(select(model.id).where(
                    model.status.in_(PENDING),
                    or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
                    or_(model.lease_until.is_(None), model.lease_until < now),
                ).order_by(model.id).limit(limit)))
            attempted += sum(1 for row_id in due if deliver(row_id))
        return attempted
