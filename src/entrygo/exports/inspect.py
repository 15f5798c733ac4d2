"""Inspect: the canonical read model of a batch (CONTRACT §5.6), a fixed number of queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from entrygo.exports import repository as repo
from entrygo.exports.models import ExportBatch
from entrygo.exports.schemas import event_document
from entrygo.kit.clock import iso


def inspect_document(session: Session, batch: ExportBatch) -> dict[str, Any]:
    """Every plan field as planned, the live state, what execution produced, the timeline."""
    doc = dict(batch.plan)
    doc.update({
        "exportId": batch.id, "batch_id": batch.id, "state": batch.state,
        "status": batch.state, "planHash": batch.plan_hash,
        "customs_package_id": None, "customsPackage": None, "artifacts": [],
        "brokerSubmission": None, "notifications": [],
        "executedAt": iso(batch.executed_at), "updatedAt": iso(batch.updated_at),
        "events": [event_document(e) for e in repo.events_of(session, batch.id)],
    })
    return doc
