"""The export state machine: every state, every allowed move, and the one function that moves.

```
            re-plan
           ┌───────┐
           ▼       │
        PLANNED ───┘ ──execute──▶ EXECUTING ──▶ COMPLETED
         │ │  │
         │ │  └── generation failed (the execute transaction rolled back) ──▶ FAILED
         │ │
 cancel  │ └── a newer persisted plan over any of its orders ──▶ SUPERSEDED
         ▼
     CANCELLED
```

CANCELLED, FAILED, SUPERSEDED and COMPLETED are final. SUPERSEDED (``exports.service``): only
one PLANNED batch per order, so "which plan do I execute?" has one answer; the batch stays
inspectable, with ``superseded_by`` naming the batch that replaced it.

``move`` is the only way a batch changes state: a conditional UPDATE (``WHERE state =
<from>``), so of two concurrent moves exactly one passes; the timeline events of the move in the
same statement batch; and the batch's version bump (inspect's cache key) with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from entrygo.events import service as events
from entrygo.exports.models import ExportBatch
from entrygo.exports.repository import move_state, touch
from entrygo.kit.errors import ApiError


class ExportState(StrEnum):
    PLANNED = "PLANNED"
    EXECUTING = "EXECUTING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    SUPERSEDED = "SUPERSEDED"


TRANSITIONS: dict[ExportState, frozenset[ExportState]] = {
    ExportState.PLANNED: frozenset({ExportState.PLANNED, ExportState.EXECUTING,
                                    ExportState.CANCELLED, ExportState.FAILED,
                                    ExportState.SUPERSEDED}),
    ExportState.EXECUTING: frozenset({ExportState.COMPLETED}),
    ExportState.COMPLETED: frozenset(),
    ExportState.CANCELLED: frozenset(),
    ExportState.FAILED: frozenset(),
    ExportState.SUPERSEDED: frozenset(),
}
"""From each state, where a batch may go (PLANNED → PLANNED is a re-plan)."""

ENTERED: frozenset[ExportState] = frozenset({ExportState.PLANNED, ExportState.EXECUTING,
                                             ExportState.COMPLETED})
"""The batches whose entries are filed or are to be filed: what another plan on the same
conveyance must not split a consignee's goods from (a cancelled, failed or superseded batch
files nothing)."""


def invalid_state(current: str, wanted: str) -> ApiError:
    return ApiError(409, "INVALID_EXPORT_STATE", f"The batch is {current}; it cannot {wanted}.",
                    details={"currentState": current})


def require(batch: ExportBatch, state: ExportState, wanted: str) -> None:
    """409 ``INVALID_EXPORT_STATE`` unless the batch is in ``state`` (``wanted``: "be
    executed", for the message)."""
    if batch.state != state:
        raise invalid_state(batch.state, wanted)


def move(session: Session, batch: ExportBatch, to: ExportState, *, wanted: str,
         request_id: str | None = None, timeline: Sequence[tuple[str, dict[str, Any]]] = (),
         **values: Any) -> None:
    """Move ``batch`` from its current state to ``to`` (with other column ``values``), record
    the ``timeline`` events, bump the version. 409 if the move is not allowed, or if another
    transaction moved the batch first."""
    current = ExportState(batch.state)
    if to not in TRANSITIONS[current]:
        raise invalid_state(current, wanted)
    if not move_state(session, batch.id, current, to, **values):
        raise invalid_state(current, wanted)
    for name, value in {"state": to, **values}.items():  # what the row now says, not dirty
        set_committed_value(batch, name, value)
    events.record(session, account_id=batch.account_id, batch_id=batch.id,
                  warehouse_id=batch.warehouse_id, request_id=request_id,
                  events=list(timeline))
    touch(session, batch.id)
