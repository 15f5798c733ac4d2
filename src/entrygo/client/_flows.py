"""The decisions of the multi-step operations, shared by both clients: when an execute whose
answer was lost counts as done, when a wait is over, whether downloaded bytes are the
artifact's."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeAlias

from entrygo.client.errors import (
    ChecksumMismatch,
    EntryGoError,
    ExecuteUnconfirmed,
    UnexpectedResponse,
    WaitFailed,
)
from entrygo.exports.schemas import CustomsPackageOut, ExecuteOut, ExportState, InspectOut

FINAL_STATES = frozenset({ExportState.COMPLETED, ExportState.CANCELLED, ExportState.FAILED,
                          ExportState.SUPERSEDED})
"""States a batch never leaves."""

Until: TypeAlias = str | Iterable[str] | Callable[[InspectOut], bool]
"""What ``exports.wait`` waits for: export states (``"COMPLETED"``), event types
(``"BROKER_NOTIFIED"``), a mix of both (any one will do), or a test of the inspect read
model."""


# --- execute ----------------------------------------------------------------------------------

def confirmed_execution(inspected: InspectOut, plan_hash: str | None) -> ExecuteOut | None:
    """What inspect says about an execute whose answer was lost: the batch COMPLETED with the
    plan the caller sent (any plan, when it sent no ``planHash``) means it happened, and the
    execute answer is rebuilt from inspect (the same fields, as they stand now). Anything
    else: None."""
    if inspected.state != ExportState.COMPLETED:
        return None
    if plan_hash is not None and inspected.plan_hash != plan_hash:
        return None
    return ExecuteOut.model_validate(inspected.model_dump(mode="json", by_alias=True),
                                     extra="ignore")


def unconfirmed(batch_id: str, key: str, inspected: InspectOut | None, cause: EntryGoError
                ) -> ExecuteUnconfirmed:
    seen = "inspect failed too" if inspected is None else f"inspect shows it {inspected.state}"
    return ExecuteUnconfirmed(
        f"Execute of {batch_id} got no definite answer ({cause}); {seen}. Calling execute "
        f"again with idempotency key {key!r} is safe.", batch_id=batch_id,
        idempotency_key=key, inspected=inspected, cause=cause)


# --- wait -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    """``until`` taken apart: states are checked on inspect, event types on the event feed."""

    states: frozenset[str]
    events: tuple[str, ...]
    test: Callable[[InspectOut], bool] | None

    @classmethod
    def of(cls, until: Until) -> Condition:
        if callable(until):
            return cls(frozenset(), (), until)
        names = [until] if isinstance(until, str) else list(until)
        if not names:
            raise ValueError("wait until what? name at least one state or event type")
        known = {s.value for s in ExportState}
        return cls(frozenset(n for n in names if n in known),
                   tuple(n for n in names if n not in known), None)

    @property
    def needs_inspect(self) -> bool:
        return bool(self.states) or self.test is not None

    def met_by(self, inspected: InspectOut) -> bool:
        if self.test is not None:
            return self.test(inspected)
        return inspected.state in self.states

    def unreachable(self, inspected: InspectOut) -> bool:
        """The batch is final and is none of the states waited for (a wait on events or a
        test runs to its timeout instead: an event may still come)."""
        return (not self.events and self.test is None and inspected.state in FINAL_STATES
                and inspected.state not in self.states)


def unreachable(batch_id: str, condition: Condition, inspected: InspectOut) -> WaitFailed:
    wanted = ", ".join(sorted(condition.states))
    return WaitFailed(f"{batch_id} is {inspected.state}, a final state: it will never be "
                      f"{wanted}", inspected=inspected)


# --- downloads --------------------------------------------------------------------------------

def recorded_digest(package: CustomsPackageOut, filename: str) -> str | None:
    """The sha256 the package records for an artifact (None: it lists no such file)."""
    return next((a.sha256 for a in package.artifacts if a.filename == filename), None)


class Digest:
    """The bytes of a download as they arrive: their sha256 and size, and optionally the
    bytes themselves."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.reset()

    def reset(self) -> None:
        self.hash = hashlib.sha256()
        self.size = 0
        self.chunks: list[bytes] = []

    def add(self, chunk: bytes) -> None:
        self.hash.update(chunk)
        self.size += len(chunk)
        if self.keep:
            self.chunks.append(chunk)

    def verify(self, expected: str | None, what: str, request_id: str | None) -> None:
        """Refuse bytes that are not the recorded artifact."""
        actual = self.hash.hexdigest()
        if expected is None:
            raise UnexpectedResponse(f"{what}: the package records no such artifact, so its "
                                     "bytes cannot be checked", request_id=request_id)
        if actual != expected.lower():
            raise ChecksumMismatch(f"{what}: received {self.size} bytes with sha256 {actual}, "
                                   f"but the artifact's recorded sha256 is {expected}",
                                   expected=expected, actual=actual, request_id=request_id)
