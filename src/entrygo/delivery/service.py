"""Delivering what execution committed: claim a row, send, record the outcome.

Delivery runs after the export is committed and never rolls it back. Each attempt claims its
row with a lease naming its holder (so a request, a worker and a start-up sweep never send the
same message at once), sends, then records ``sent`` or the error and the next attempt
(exponential backoff) in one transaction with the timeline event. A crash between sending and
recording leaves the lease behind: it is taken over at once by a process on the same machine
that can tell the holder is gone (``kit.process``), else when it expires; the message is sent
again with the same Message-ID.

The broker hears first: a batch's warehouse notification ("your package went to the broker")
goes out only once its broker submission is ``sent``.

A request waits for delivery at most ``Policy.wait_seconds``; past that the attempt goes on in
the background (``deliver_batch_within``) and the answer says ``queued``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitedTooLong
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from entrygo.artifacts.store import ArtifactStore
from entrygo.db.database import Database
from entrygo.delivery import messages
from entrygo.delivery import repository as outbox
from entrygo.delivery.models import BrokerSubmission, Notification
from entrygo.delivery.ports import Batches
from entrygo.delivery.transport import Transport
from entrygo.events import service as events
from entrygo.kit.clock import iso, utcnow
from entrygo.kit.process import holder_id, holder_is_gone

log = logging.getLogger("entrygo.delivery")


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 8
    backoff_seconds: int = 30
    max_backoff_seconds: int = 3600
    lease_seconds: int = 120
    wait_seconds: float = 2.0
    """How long a request (execute, a forced retry) waits for its delivery before answering."""

    def next_attempt(self, attempts: int, now: datetime) -> datetime:
        delay = min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.max_backoff_seconds)
        return now + timedelta(seconds=delay)

    def outcome(self, attempts: int, error: str | None, now: datetime) -> dict[str, Any]:
        """What an attempt leaves on its outbox row: sent, failed for good after the last
        attempt, or retrying at the next backoff (broker email and webhooks alike)."""
        if error is None:
            return {"status": "sent", "sent_at": now, "error_message": None,
                    "next_attempt_at": None}
        if attempts >= self.max_attempts:
            return {"status": "failed", "error_message": error, "next_attempt_at": None}
        return {"status": "retrying", "error_message": error,
                "next_attempt_at": self.next_attempt(attempts, now)}


class Deliverer:
    def __init__(self, db: Database, store: ArtifactStore, transport: Transport, sender: str,
                 batches: Batches, policy: Policy | None = None, *,
                 test_transport: Transport) -> None:
        self.db = db
        self.batches = batches
        self.store = store
        self.transport = transport
        self.test_transport = test_transport
        """Where test-mode mail goes (``kit.modes``): never the live transport."""
        self.sender = sender
        self.policy = policy or Policy()
        self._background = ThreadPoolExecutor(max_workers=4,
                                              thread_name_prefix="entrygo-delivery")

    def close(self) -> None:
        """Stop taking background work (an attempt under way finishes or its lease expires)."""
        self._background.shutdown(wait=False, cancel_futures=True)

    def transport_for(self, row: Any) -> Transport:
        """A live-mode row's mail leaves through the configured transport; a test-mode row's
        goes to the test outbox only."""
        return self.transport if row.livemode else self.test_transport

    # --- claiming --------------------------------------------------------------------------

    def _claim(self, model: outbox.Outbox, row_id: str, *, force: bool,
               take_over: str | None = None) -> bool:
        now = utcnow()
        with self.db.write() as s:
            return outbox.claim(s, model, row_id, force=force, take_over=take_over, now=now,
                                lease_until=now + timedelta(seconds=self.policy.lease_seconds),
                                holder=holder_id())

    # --- broker submissions ----------------------------------------------------------------

    def deliver_submission(self, submission_id: str, *, force: bool = False,
                           take_over: str | None = None) -> bool:
        """One attempt, if the submission is due (or ``force``) and nobody else holds it.
        Returns whether an attempt was made."""
        if not self._claim(BrokerSubmission, submission_id, force=force, take_over=take_over):
            return False
        with self.db.read() as s:
            sub, package, artifacts = outbox.submission_with_files(s, submission_id)
            batch = self.batches.mail_context(s, sub.batch_id)
        error = None
        try:
            files = [(a, self.store.get(a.sha256)) for a in artifacts]
            self.transport_for(sub).send(messages.broker_message(
                submission=sub, package=package, batch=batch, artifacts=files,
                sender=self.sender))
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
        values = self.policy.outcome(attempts, error, now)
        transport = self.transport_for(row).name
        outbox.record(s, model, row.id, attempts=attempts, transport=transport,
                      updated_at=now, **values)
        self.batches.changed(s, row.batch_id)  # delivery state is part of inspect
        timeline: list[tuple[str, dict[str, Any]]] = []
        if model is BrokerSubmission:
            assert package_id is not None
            outbox.set_package_state(s, package_id, "sent_to_broker" if error is None
                                     else "delivery_failed", now)
            if error is None:
                timeline.append(("BROKER_NOTIFIED", {
                    "submissionId": row.id, "recipient": row.recipient_email,
                    "messageId": row.message_id, "attempt": attempts,
                    "transport": transport}))
            else:
                timeline.append(("BROKER_SUBMISSION_FAILED", {
                    "submissionId": row.id, "attempt": attempts, "error": error,
                    "status": values["status"],
                    "nextAttemptAt": iso(values["next_attempt_at"])}))
        elif error is None:
            timeline.append(("WAREHOUSE_NOTIFIED", {
                "notificationId": row.id, "recipient": row.recipient,
                "messageId": row.message_id, "attempt": attempts}))
        if timeline:
            events.record(s, account_id=row.account_id, batch_id=row.batch_id,
                          warehouse_id=self.batches.warehouse_of(s, row.batch_id),
                          request_id=None, events=timeline)

    # --- notifications ---------------------------------------------------------------------

    def deliver_notification(self, notification_id: str, *, force: bool = False,
                             take_over: str | None = None) -> bool:
        if not self._claim(Notification, notification_id, force=force, take_over=take_over):
            return False
        with self.db.read() as s:
            note, package = outbox.notification_with_package(s, notification_id)
            batch = self.batches.mail_context(s, note.batch_id)
        error = None
        try:
            self.transport_for(note).send(messages.warehouse_message(
                notification=note, package=package, batch=batch, sender=self.sender))
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("notification %s failed: %s", notification_id, error)
        with self.db.write() as s:
            self._record(s, Notification, note, error)
        return True

    # --- sweeps ----------------------------------------------------------------------------

    def deliver_batch(self, batch_id: str, *, force: bool = False,
                      take_over: str | None = None) -> None:
        """Everything an executed batch has to send: the broker submission (``force``: now,
        whatever its schedule), then, once that is sent, the warehouse notification."""
        with self.db.read() as s:
            sub_ids = outbox.submissions_of(s, batch_id)
        for sub_id in sub_ids:
            self.deliver_submission(sub_id, force=force, take_over=take_over)
        with self.db.read() as s:
            notes = outbox.notifications_ready(s, batch_id)
        for note_id, owner in notes:
            self.deliver_notification(note_id, take_over=owner if holder_is_gone(owner)
                                      else None)

    def deliver_batch_within(self, batch_id: str, seconds: float | None = None, **options: Any
                             ) -> bool:
        """``deliver_batch`` for a request that is waiting: at most ``seconds`` (default
        ``Policy.wait_seconds``); past that the attempt goes on in the background. Returns
        whether it finished in time. Delivery problems never fail the request: they are
        recorded on the rows, logged, and retried."""
        future = self._background.submit(self.deliver_batch, batch_id, **options)
        try:
            future.result(timeout=self.policy.wait_seconds if seconds is None else seconds)
        except WaitedTooLong:
            log.info("delivery of batch %s goes on in the background", batch_id)
            return False
        except Exception:
            log.exception("delivery of batch %s failed; the worker retries it", batch_id)
            return False
        return True

    def deliver_due(self, limit: int = 100) -> int:
        """One sweep over everything due (queued, or retrying and past its backoff), taking
        over the leases of holders that are gone. Broker submissions go first; a notification
        is due only once its batch's broker submission is sent."""
        now = utcnow()
        attempted = 0
        sweeps: list[tuple[outbox.Outbox, Callable[..., bool]]] = [
            (BrokerSubmission, self.deliver_submission),
            (Notification, self.deliver_notification)]
        for model, deliver in sweeps:
            with self.db.read() as s:
                due = outbox.due(s, model, now, limit)
            for row_id, lease_until, owner in due:
                if lease_until is None or lease_until < now:
                    attempted += deliver(row_id)
                elif holder_is_gone(owner):
                    attempted += deliver(row_id, take_over=owner)
        return attempted

