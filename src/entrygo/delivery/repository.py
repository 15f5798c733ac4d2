"""The outbox as stored: claiming a row with a lease, reading what a message needs, recording
the outcome, finding what is due.

Delivery runs for every account (a worker, a start-up sweep) on rows that execution created
for an account's batch; it reads and writes those rows by their own ids, never by anything a
client sent, so these queries carry no caller scope.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from entrygo.artifacts.models import Artifact, CustomsPackage
from entrygo.db.database import affected
from entrygo.delivery.models import BrokerSubmission, Notification
from entrygo.webhooks.models import WebhookDelivery

PENDING = ("queued", "retrying")
Outbox = type[BrokerSubmission] | type[Notification]
Leased = Outbox | type[WebhookDelivery]
"""Every outbox table: claimed with a lease, its outcome recorded, the same way."""


def claim(session: Session, model: Leased, row_id: str, *, force: bool,
          take_over: str | None, now: datetime, lease_until: datetime, holder: str) -> bool:
    """Take the row's lease: free, expired, or held by ``take_over`` (a holder known to be
    gone). Not forced, the row must also be due. Whether the lease is ours."""
    free: list[ColumnElement[bool]] = [model.lease_until.is_(None), model.lease_until < now]
    if take_over is not None:
        free.append(model.lease_owner == take_over)
    conditions = [model.id == row_id, or_(*free)]
    if force:
        conditions.append(model.status != "sent")
    else:
        conditions += [model.status.in_(PENDING),
                       or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now)]
    return affected(session, update(model).where(*conditions).values(
        lease_until=lease_until, lease_owner=holder)) == 1


def submission_with_files(session: Session, submission_id: str
                          ) -> tuple[BrokerSubmission, CustomsPackage, list[Artifact]]:
    sub = session.get_one(BrokerSubmission, submission_id)
    package = session.get_one(CustomsPackage, sub.package_id)
    artifacts = list(session.scalars(select(Artifact).where(
        Artifact.package_id == package.id).order_by(Artifact.position)))
    return sub, package, artifacts


def notification_with_package(session: Session, notification_id: str
                              ) -> tuple[Notification, CustomsPackage]:
    note = session.get_one(Notification, notification_id)
    package = session.scalars(select(CustomsPackage).where(
        CustomsPackage.batch_id == note.batch_id)).one()
    return note, package


def record(session: Session, model: Leased, row_id: str, **values: Any) -> None:
    """An attempt's outcome on the row (its lease released)."""
    session.execute(update(model).where(model.id == row_id).values(
        lease_until=None, lease_owner=None, **values))


def set_package_state(session: Session, package_id: str, state: str, now: datetime) -> None:
    session.execute(update(CustomsPackage).where(CustomsPackage.id == package_id).values(
        state=state, updated_at=now))


def submissions_of(session: Session, batch_id: str) -> list[str]:
    return list(session.scalars(select(BrokerSubmission.id).where(
        BrokerSubmission.batch_id == batch_id)))


def notifications_ready(session: Session, batch_id: str) -> list[tuple[str, str | None]]:
    """The batch's notifications (id, lease holder) once its broker submission is sent."""
    return [(row.id, row.lease_owner) for row in session.execute(
        select(Notification.id, Notification.lease_owner).where(
            Notification.batch_id == batch_id, _broker_heard(Notification)))]


def due(session: Session, model: Outbox, now: datetime, limit: int
        ) -> list[tuple[str, datetime | None, str | None]]:
    """Rows due for an attempt (queued, or retrying past their backoff), with their lease;
    a notification only once its batch's broker submission is sent."""
    conditions = [model.status.in_(PENDING),
                  or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now)]
    if model is Notification:
        conditions.append(_broker_heard(Notification))
    return [(row.id, row.lease_until, row.lease_owner) for row in session.execute(
        select(model.id, model.lease_until, model.lease_owner).where(*conditions)
        .order_by(model.id).limit(limit))]


def _broker_heard(model: type[Notification]) -> ColumnElement[bool]:
    """The row's batch has its broker submission sent."""
    return model.batch_id.in_(select(BrokerSubmission.batch_id).where(
        BrokerSubmission.status == "sent"))
