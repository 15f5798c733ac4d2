"""Execution: the only side-effect boundary (docs/api/contract.md §5.5), exactly once.

In one transaction: every check before any side effect, the conditional PLANNED -> EXECUTING
transition (of concurrent executes exactly one passes it), the orders locked to the batch, the
customs package and its artifacts, the broker submission and the warehouse notification (as
outbox rows), the events, and (through ``run_write``) the idempotency record. Delivery happens
only after that commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from entrygo.accounts.models import Account
from entrygo.artifacts.models import CustomsPackage
from entrygo.artifacts.render import render_all
from entrygo.artifacts.snapshot import PackageSnapshot, Party
from entrygo.artifacts.store import ArtifactStore
from entrygo.auth.context import Caller
from entrygo.db.database import Database
from entrygo.delivery.models import BrokerSubmission, Notification
from entrygo.exports import repository as repo
from entrygo.exports.models import ExportBatch
from entrygo.exports.snapshot import plan_hash
from entrygo.exports.states import ENTERED, ExportState, move, require
from entrygo.kit.clock import iso, utcnow
from entrygo.kit.errors import ApiError, not_found
from entrygo.kit.ids import new_id
from entrygo.kit.process import lease_standing
from entrygo.readiness import reference
from entrygo.readiness.catalogue import RULES_VERSION
from entrygo.readiness.facts import PlanFacts
from entrygo.readiness.product_rules import judge_product
from entrygo.setup.models import Warehouse

_PACKAGE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class GenerationFailed(Exception):
    """Rendering or storing the artifacts failed: the batch becomes FAILED, nothing is sent."""

    def __init__(self, batch_id: str, cause: BaseException) -> None:
        super().__init__(f"artifact generation failed for {batch_id}: {cause!r}")
        self.batch_id = batch_id
        self.cause = cause


def package_number(now: datetime) -> str:
    return f"EG-{now:%Y%m%d}-" + "".join(secrets.choice(_PACKAGE_ALPHABET) for _ in range(6))


@dataclass(frozen=True)
class Review:
    """What the client says of its review of the plan: recorded with the export."""

    acknowledged_codes: tuple[str, ...] = ()
    reviewed_by: str | None = None

    def record(self) -> dict[str, Any]:
        """The review as the timeline and the artifacts state it (nothing when not given)."""
        out: dict[str, Any] = {}
        if self.reviewed_by:
            out["reviewedBy"] = self.reviewed_by
        if self.acknowledged_codes:
            out["acknowledgedCodes"] = sorted(set(self.acknowledged_codes))
        return out


def _require_review(account: Account, warning_codes: tuple[str, ...], review: Review) -> None:
    """With the account's ``requireReviewAcknowledgement``, every warning of the plan must be
    acknowledged by code (409 ``REVIEW_NOT_ACKNOWLEDGED`` listing the others)."""
    if not account.require_review_acknowledgement:
        return
    missing = sorted(set(warning_codes) - set(review.acknowledged_codes))
    if missing:
        raise ApiError(409, "REVIEW_NOT_ACKNOWLEDGED", "The account requires every warning of "
                       "the plan to be acknowledged: add them to acknowledgedCodes once "
                       "reviewed.", field="acknowledgedCodes",
                       details={"unacknowledgedCodes": missing})


def _check(session: Session, caller: Caller, batch_id: str, wanted_hash: str | None,
           review: Review) -> tuple[ExportBatch, PlanFacts, Warehouse]:
    batch = repo.batch_for_update(session, caller.account_id, batch_id)
    if batch is None:
        raise not_found("Export batch")
    caller.require_warehouse(batch.warehouse_id, field="batchId")
    require(batch, ExportState.PLANNED, "be executed")
    summary = batch.summary
    if batch.readiness_state == "BLOCKED":
        raise ApiError(409, "EXPORT_BLOCKED", "The plan is BLOCKED: fix the blocking issues "
                       "and re-plan.", details={"blockingCodes": list(summary.blocking_codes)})
    if wanted_hash is not None and wanted_hash != batch.plan_hash:
        raise ApiError(409, "PLAN_HASH_MISMATCH", "planHash is not the batch's current plan.",
                       field="planHash", details={"storedPlanHash": batch.plan_hash,
                                                  "providedPlanHash": wanted_hash})
    included = list(summary.included_order_ids)
    rows = repo.orders_by_id(session, caller.account_id, included, lock=True)
    orders = repo.order_facts(session, list(rows.values()))
    products = repo.product_facts(session, caller.account_id,
                                  {ln.product_id for o in orders for ln in o.lines})
    account, warehouse, _ = repo.parties_of(session, batch)
    filing = repo.filing_facts(session, caller.account_id, warehouse, batch.importer_id,
                               batch.shipment)
    elsewhere = repo.same_conveyance(session, caller.account_id, filing.shipment,
                                     states=ENTERED, other_than={batch.id})
    facts = PlanFacts(caller.account_id, warehouse.id, warehouse.country, batch.broker_id,
                      batch.destination_country, batch.exclude_blocked_orders, tuple(orders),
                      products, filing, elsewhere)
    current = plan_hash(facts, RULES_VERSION, reference.load().version)
    if current != batch.plan_hash:
        raise ApiError(409, "PLAN_STALE", "The orders, products, parties, rules or other "
                       "batches on the conveyance changed since planning: re-plan.",
                       details={"storedPlanHash": batch.plan_hash, "currentPlanHash": current})
    _require_review(account, summary.warning_codes, review)
    taken = sorted(oid for oid, row in rows.items()
                   if row.exported_batch_id not in (None, batch.id))
    if taken:
        raise _already_exported(taken)
    return batch, facts, warehouse


def _already_exported(order_ids: list[str]) -> ApiError:
    return ApiError(409, "ORDERS_ALREADY_EXPORTED", "Some orders are already in an executed "
                    "batch.", details={"orderIds": order_ids})


def _snapshot(session: Session, batch: ExportBatch, facts: PlanFacts, warehouse: Warehouse,
              number: str, now: datetime, review: Review) -> PackageSnapshot:
    account, _, broker = repo.parties_of(session, batch)
    ref = reference.load()
    mids: dict[str, tuple[str, bool]] = {}
    product_flags: dict[str, tuple[str, ...]] = {}
    for pid, product in facts.products.items():
        verdict = judge_product(product, ref)
        product_flags[pid] = tuple(sorted(verdict.flags))
        if product.mid:
            mids[pid] = (product.mid, False)
        elif verdict.derived_mid:
            mids[pid] = (verdict.derived_mid, True)
    summary = batch.summary
    # flags, messages, missing data and totals go into the package as the client was told
    # them (the readiness report and manifest republish the plan document)
    plan = batch.plan
    wh = Party(warehouse.name, warehouse.country, warehouse.address1, warehouse.address2,
               warehouse.city, warehouse.region, warehouse.postal_code, warehouse.notify_email)
    return PackageSnapshot(
        package_number=number, executed_at=now, batch_id=batch.id, plan_hash=batch.plan_hash,
        readiness_state=batch.readiness_state, rules_version=batch.rules_version,
        reference_data_version=batch.reference_data_version,
        seller=Party(account.name, warehouse.country, warehouse.address1, warehouse.address2,
                     warehouse.city, warehouse.region, warehouse.postal_code),
        warehouse=wh,
        broker=Party(broker.name, email=broker.email, code=broker.filer_code),
        destination_country=batch.destination_country,
        units=summary.units,
        orders={o.id: o for o in facts.orders},
        products=dict(facts.products),
        mids=mids, flags=tuple(plan["flags"]), product_flags=product_flags,
        validation_messages=tuple(plan["validationMessages"]),
        missing_data=tuple(plan["missing_data"]), totals=dict(plan["totals"]),
        port_of_entry=(facts.filing.shipment.get("portOfEntry") if facts.filing else None),
        filing=facts.filing, review=review.record(), duty_estimate=summary.duty_estimate)


def execute_export(session: Session, caller: Caller, batch_id: str, wanted_hash: str | None,
                   request_id: str | None, *, store: ArtifactStore, mail_domain: str,
                   review: Review | None = None) -> str:
    """Execute a planned batch in the caller's transaction. Returns the batch id."""
    review = review or Review()
    batch, facts, warehouse = _check(session, caller, batch_id, wanted_hash, review)
    move(session, batch, ExportState.EXECUTING, wanted="be executed")
    included = [o.id for o in facts.orders]
    if included and repo.lock_orders_to(session, batch.id, included) != len(included):
        raise _already_exported(included)

    now = utcnow()
    number = package_number(now)
    try:
        rendered = render_all(_snapshot(session, batch, facts, warehouse, number, now, review))
        digests = [store.put(a.content) for a in rendered]
    except Exception as exc:
        raise GenerationFailed(batch.id, exc) from exc

    package_id = new_id("cp")
    outputs: list[Any] = [CustomsPackage(
        id=package_id, account_id=batch.account_id, batch_id=batch.id, package_number=number,
        state="generated", created_at=now, updated_at=now)]
    artifact_rows = [{"id": new_id("art"), "package_id": package_id,
                      "artifact_type": a.artifact_type, "filename": a.filename,
                      "content_type": a.content_type, "size_bytes": len(a.content),
                      "sha256": digest, "position": position, "generated_at": now}
                     for position, (a, digest) in enumerate(zip(rendered, digests, strict=True))]
    broker = repo.parties_of(session, batch)[2]
    submission_id = new_id("bs")
    orders = batch.summary.order_count
    outputs.append(BrokerSubmission(
        id=submission_id, account_id=batch.account_id, batch_id=batch.id,
        package_id=package_id, submission_type="email", recipient_email=broker.email,
        subject=f"Customs package {number}: {orders} order(s) for U.S. entry "
                f"({batch.readiness_state})",
        status="queued", message_id=f"<{submission_id}@{mail_domain}>", attempts=0,
        created_at=now, updated_at=now))
    timeline: list[tuple[str, dict[str, Any]]] = [
        ("CUSTOMS_PACKAGE_CREATED", {"customsPackageId": package_id, "packageNumber": number}),
        *[("CUSTOMS_ARTIFACT_GENERATED", {"artifactId": row["id"], "filename": row["filename"],
                                          "sha256": row["sha256"]}) for row in artifact_rows],
    ]
    if warehouse.notify_email:
        notification_id = new_id("ntf")
        outputs.append(Notification(
            id=notification_id, account_id=batch.account_id, batch_id=batch.id,
            type="WAREHOUSE_NOTIFIED", channel="email", recipient=warehouse.notify_email,
            subject=f"Export {batch.id} executed: customs package {number}",
            status="queued", message_id=f"<{notification_id}@{mail_domain}>", attempts=0,
            created_at=now, updated_at=now))
    repo.add_package(session, outputs, artifact_rows)
    timeline.append(("EXPORT_EXECUTED", {"customsPackageId": package_id,
                                         "orderCount": len(included), **review.record()}))
    move(session, batch, ExportState.COMPLETED, wanted="complete", request_id=request_id,
         timeline=timeline, executed_at=now, updated_at=now)
    session.flush()
    return batch.id


def submission_to_retry(session: Session, caller: Caller, batch_id: str
                        ) -> tuple[ExportBatch, str | None]:
    """The batch whose broker submission may be forced now, and the holder of its lease if
    that holder is gone (to be taken over). 409 ``INVALID_EXPORT_STATE`` when there is nothing
    to send; 409 ``DELIVERY_IN_PROGRESS`` (with ``Retry-After``) while a live sender holds it.
    """
    batch = repo.batch_for_update(session, caller.account_id, batch_id)
    if batch is None:
        raise not_found("Export batch")
    caller.require_warehouse(batch.warehouse_id, field="batchId")
    submission = repo.submission_of_batch(session, batch.id)
    if submission is None:
        raise ApiError(409, "INVALID_EXPORT_STATE", f"The batch is {batch.state}: it has no "
                       "broker submission to retry.", details={"currentState": batch.state})
    if submission.status == "sent":
        raise ApiError(409, "INVALID_EXPORT_STATE", "The broker submission was already sent.",
                       details={"currentState": batch.state, "submissionStatus": "sent"})
    stale, wait = lease_standing(submission.lease_until, submission.lease_owner, utcnow())
    if wait is None:
        return batch, stale
    raise ApiError(409, "DELIVERY_IN_PROGRESS", "A delivery attempt of this broker submission "
                   "is under way; its outcome is recorded on the batch. Retry after it.",
                   headers={"Retry-After": str(wait)},
                   details={"currentState": batch.state, "submissionStatus": submission.status,
                            "leaseUntil": iso(submission.lease_until)})


def mark_failed(db: Database, account_id: str, failure: GenerationFailed,
                request_id: str | None) -> None:
    """After the execute transaction rolled back: the batch is FAILED, its orders are free."""
    with db.write() as s:
        batch = repo.batch_for_update(s, account_id, failure.batch_id)
        if batch is not None and batch.state == ExportState.PLANNED:
            move(s, batch, ExportState.FAILED, wanted="fail", request_id=request_id,
                 timeline=[("EXPORT_FAILED", {
                     "error": f"{type(failure.cause).__name__}: {failure.cause}"[:500]})],
                 updated_at=utcnow())

