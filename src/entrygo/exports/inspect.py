"""Inspect: the canonical read model of a batch (docs/api/contract.md §5.6-5.7).

A fixed number of queries whatever the size of the batch: the batch, its package, the
package's artifacts, the broker submission, the notifications and the events, one each.
"""

from __future__ import annotations

import threading
from typing import Any

from cachetools import LRUCache
from sqlalchemy.orm import Session

from entrygo.api.wire import json_bytes
from entrygo.artifacts.models import CustomsPackage
from entrygo.db.repository import Scope
from entrygo.exports import repository as repo
from entrygo.exports.models import ExportBatch
from entrygo.exports.schemas import (
    artifact_document,
    event_document,
    filing_document,
    notification_document,
    package_document,
    submission_document,
)
from entrygo.kit.clock import iso


def execution_parts(session: Session, batch: ExportBatch) -> dict[str, Any]:
    """What execution produced, as the execute response and inspect show it."""
    package = repo.package_of_batch(session, batch.id)
    if package is None:
        return {"customs_package_id": None, "customsPackage": None, "artifacts": [],
                "brokerSubmission": None, "notifications": [],
                "executedAt": iso(batch.executed_at)}
    artifacts = repo.artifacts_of(session, package.id)
    submission = repo.submission_of(session, package.id)
    notes = repo.notifications_of(session, batch.id)
    return {
        "customs_package_id": package.id,
        "customsPackage": package_document(package),
        "artifacts": [artifact_document(a) for a in artifacts],
        "brokerSubmission": submission_document(submission) if submission else None,
        "notifications": [notification_document(n) for n in notes],
        "executedAt": iso(batch.executed_at),
    }


def execute_document(session: Session, batch: ExportBatch) -> dict[str, Any]:
    return {"exportId": batch.id, "batch_id": batch.id, "livemode": batch.livemode,
            "status": batch.state, "state": batch.state, "planHash": batch.plan_hash,
            **execution_parts(session, batch)}


def inspect_document(session: Session, batch: ExportBatch) -> dict[str, Any]:
    """Every plan field as planned, the live state (and the batch that superseded it), what
    execution produced, the timeline."""
    # plans stored before filing data or estimates: null
    doc = {**filing_document(None), "dutyEstimate": None, **batch.plan}
    doc.update({
        "exportId": batch.id, "batch_id": batch.id, "livemode": batch.livemode,
        "state": batch.state, "status": batch.state, "supersededBy": batch.superseded_by,
        "planHash": batch.plan_hash, **execution_parts(session, batch),
        "updatedAt": iso(batch.updated_at),
        "events": [event_document(e) for e in repo.events_of(session, batch.id)],
    })
    return doc


def package_view(session: Session, package: CustomsPackage) -> dict[str, Any]:
    artifacts = repo.artifacts_of(session, package.id)
    submission = repo.submission_of(session, package.id)
    return {"id": package.id, "livemode": package.livemode, "exportBatchId": package.batch_id,
            "packageNumber": package.package_number, "state": package.state,
            "createdAt": iso(package.created_at),
            "artifacts": [artifact_document(a) for a in artifacts],
            "brokerSubmission": submission_document(submission) if submission else None}


class RenderedCache:
    """Rendered inspect documents by (batch id, version), least recently used out first.

    Any change inspect shows bumps the batch's ``version`` in the same transaction, so a hit is
    exactly what a fresh rendering would give; each process keeps its own cache.
    """

    def __init__(self, size: int = 512) -> None:
        self._items: LRUCache[tuple[str, int], bytes] = LRUCache(maxsize=size)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe by themselves

    def get(self, key: tuple[str, int]) -> bytes | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: tuple[str, int], body: bytes) -> None:
        with self._lock:
            self._items[key] = body


def inspect_bytes(session: Session, cache: RenderedCache, scope: Scope, batch_id: str
                  ) -> bytes | None:
    """The rendered inspect document, or None when the caller cannot see the batch."""
    batches = repo.BatchRepository(session, scope)
    version = batches.version_of(batch_id)
    if version is None:
        return None
    key = (batch_id, version)
    body = cache.get(key)
    if body is None:
        batch = batches.get(batch_id)
        assert batch is not None
        body = json_bytes(inspect_document(session, batch))
        cache.put(key, body)
    return body
