"""Idempotency for every write, POST or PATCH (docs/api/contract.md §4): one mechanism in front
of them all (``api.writes.run_write``), with the method part of the fingerprint.

A keyed request runs in two steps, three when the write has an after-commit step:

1. **Claim** (own short transaction): find the account's record for the key. A finished record
   with the same fingerprint is replayed byte for byte; a different fingerprint is
   ``IDEMPOTENCY_CONFLICT``; a live in-flight marker is ``IDEMPOTENCY_IN_PROGRESS``. Otherwise
   (no record, an abandoned marker, or a record past retention) we write an in-flight marker
   carrying a random owner token.
2. **Work** (one transaction): the write itself, then the stored response is put on the record,
   conditional on still owning it, and both commit together. A crash before that commit leaves
   only the marker, which expires; a crash after it replays.
3. **Finish**, only for a write with an after-commit step (execute delivers its emails): the
   record commits as ``finishing`` and stays ours for ``finish_seconds`` while the step runs;
   a same-key request meanwhile gets ``IDEMPOTENCY_IN_PROGRESS`` (never the response as it was
   before the step). ``finish`` then stores the response the caller receives and completes the
   record, so every replay is that response byte for byte. Should the process die during the
   step, the record is replayed with the response as committed (the export ``COMPLETED``, its
   emails ``queued``: the worker delivers them; inspect shows where they are) once its hold
   runs out, or at once where the dead process is known to be gone (``kit.process``).

Likewise an in-flight marker whose process is known to be gone is abandoned at once: a retry
after a crash before the commit runs the request without waiting out ``lock_seconds``.

A non-2xx outcome rolls the work back and deletes the marker: nothing is stored, so a corrected
retry with the same key proceeds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from entrygo.api.fields import IDEMPOTENCY_KEY_PATTERN, jsonable
from entrygo.db import idempotency as records
from entrygo.db.database import Database
from entrygo.db.idempotency import IdempotencyRecord
from entrygo.kit.clock import utcnow
from entrygo.kit.errors import ApiError, Issue, validation_error
from entrygo.kit.process import holder_id, holder_is_gone

IN_PROGRESS, FINISHING, COMPLETED = "in_progress", "finishing", "completed"
log = logging.getLogger("entrygo")


@dataclass(frozen=True)
class Outcome:
    status: int
    body: bytes
    replayed: bool = False
    owner: str | None = None
    """Our claim on the record while it is ``finishing`` (for ``finish``)."""


def key_from(header: str | None, body: Any) -> str | None:
    """The request's key: the ``Idempotency-Key`` header wins over the ``idempotencyKey`` field."""
    if header is not None:
        header = header.strip(" ")  # optional white space around a header value is not content
        if not IDEMPOTENCY_KEY_PATTERN.match(header):
            raise validation_error([Issue(
                "idempotencyKey", "Idempotency key must be 1-255 printable ASCII characters",
                "invalid_format")])
        return header
    value = body.get("idempotencyKey") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None  # its format was checked by the schema


def fingerprint(method: str, path: str, body: Any) -> str:
    """The logical request: method, path and canonical JSON of the body without its key."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "idempotencyKey"}
    canonical = json.dumps(jsonable(body), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _in_progress() -> ApiError:
    return ApiError(409, "IDEMPOTENCY_IN_PROGRESS",
                    "A request with this idempotency key is still being processed; retry shortly.",
                    field="idempotencyKey", headers={"Retry-After": "1"})


def _conflict() -> ApiError:
    return ApiError(409, "IDEMPOTENCY_CONFLICT",
                    "This idempotency key was already used for a different request.",
                    field="idempotencyKey")


class Idempotency:
    def __init__(self, db: Database, *, lock_seconds: int, retention_seconds: int) -> None:
        self.db = db
        self.lock = timedelta(seconds=lock_seconds)
        self.retention = timedelta(seconds=retention_seconds)

    def run(self, account_id: str, key: str, print_: str,
            work: Callable[[Session], tuple[int, bytes]], *,
            finish_seconds: float | None = None) -> Outcome:
        """Run ``work`` once for this key. With ``finish_seconds`` the record stays held that
        long after the commit, until ``finish`` stores the final response."""
        claimed = self._claim(account_id, key, print_)
        if isinstance(claimed, Outcome):
            return claimed
        owner = claimed

        def unit(session: Session) -> Outcome:
            status, body = work(session)
            self._complete(session, account_id, key, owner, status, body, finish_seconds)
            return Outcome(status, body, owner=owner)

        try:
            return self.db.transact(unit)  # re-run if it lost a race (``db.retryable``)
        except BaseException:
            self._release(account_id, key, owner)
            raise

    def _complete(self, session: Session, account_id: str, key: str, owner: str, status: int,
                  body: bytes, finish_seconds: float | None) -> None:
        """Store the response on our marker, in the transaction of the write it describes."""
        now = utcnow()
        if finish_seconds is None:
            held: dict[str, Any] = {"state": COMPLETED, "owner": None, "locked_until": None,
                                    "holder": None}
        else:
            held = {"state": FINISHING, "locked_until": now + timedelta(seconds=finish_seconds)}
        done = records.update_owned(session, account_id, key, owner, {
            "response_status": status, "response_body": body,
            "expires_at": now + self.retention, **held})
        if not done:  # our marker expired and another attempt took it over
            raise _in_progress()

    def finish(self, account_id: str, key: str, owner: str, body: bytes) -> None:
        """Store the response the caller receives after the after-commit step, and complete
        the record: from now on every replay is exactly this."""
        with self.db.write() as session:
            records.update_owned(session, account_id, key, owner, {
                "state": COMPLETED, "owner": None, "locked_until": None, "holder": None,
                "response_body": body}, only_in=FINISHING)

    def _claim(self, account_id: str, key: str, print_: str) -> str | Outcome:
        # A plain read first: replays, conflicts and "in progress" need no write lock (on
        # SQLite a writer would otherwise queue behind the very request it is waiting for).
        with self.db.read() as session:
            decided = self._decide(records.find(session, account_id, key, lock=False), print_)
        if decided is not None:
            return decided
        for _ in range(3):
            try:
                with self.db.write() as session:
                    record = records.find(session, account_id, key, lock=True)
                    decided = self._decide(record, print_)
                    if decided is not None:
                        return decided
                    return self._take(session, record, account_id, key, print_)
            except IntegrityError:
                continue  # a concurrent first request inserted the marker; look again
        raise _in_progress()

    @staticmethod
    def _decide(record: IdempotencyRecord | None, print_: str) -> Outcome | None:
        """What a live record says about this request; None when the key is free."""
        if record is None or record.expires_at <= utcnow():
            return None
        if record.fingerprint != print_:
            raise _conflict()
        abandoned = record.state != COMPLETED and (
            record.locked_until is None or record.locked_until <= utcnow()
            or holder_is_gone(record.holder))
        if record.state == COMPLETED or (record.state == FINISHING and abandoned):
            assert record.response_status is not None and record.response_body is not None
            return Outcome(record.response_status, record.response_body, replayed=True)
        if abandoned:  # its process died before the commit: nothing happened, run it now
            return None
        raise _in_progress()

    def _take(self, session: Session, record: IdempotencyRecord | None, account_id: str,
              key: str, print_: str) -> str:
        """Write our in-flight marker: a new record, or over an expired one."""
        now, owner = utcnow(), secrets.token_hex(16)
        if record is None:
            records.insert(session, IdempotencyRecord(
                account_id=account_id, key=key, fingerprint=print_, state=IN_PROGRESS,
                owner=owner, holder=holder_id(), locked_until=now + self.lock, created_at=now,
                expires_at=now + self.lock))
        else:  # abandoned marker, or a finished record past retention: the key is free again
            record.fingerprint, record.state, record.owner = print_, IN_PROGRESS, owner
            record.holder = holder_id()
            record.locked_until = record.expires_at = now + self.lock
            record.response_status, record.response_body, record.created_at = None, None, now
        return owner

    def _release(self, account_id: str, key: str, owner: str) -> None:
        """Drop our marker after a failed attempt (if that fails too, the marker expires)."""
        try:
            with self.db.write() as session:
                records.release(session, account_id, key, owner)
        except Exception:
            log.warning("could not release idempotency marker; it expires on its own",
                        exc_info=True)

    def purge(self) -> int:
        """Delete records past retention (and abandoned markers). Returns how many."""
        with self.db.write() as session:
            return records.purge(session, utcnow())
