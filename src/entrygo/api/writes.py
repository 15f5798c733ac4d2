"""How every write endpoint runs: one transaction, one response, idempotent when keyed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import Response

from entrygo.api.idempotency import fingerprint, key_from
from entrygo.api.wire import WireResponse, json_bytes
from entrygo.auth.context import Caller

Body = BaseModel | dict[str, Any]
FINISH_MARGIN = 10.0
"""Seconds a keyed request's record stays held beyond its after-commit step's own bound
(re-reading the response, a slow database)."""


def run_write(request: Request, caller: Caller, work: Callable[[Session], Body], *,
              status: int = 200, after_commit: Callable[[Body], Body | None] | None = None,
              after_commit_seconds: float = 0.0) -> Response:
    """Run ``work`` in one write transaction and render what it returns.

    With an idempotency key (header or body), the response is stored in that same transaction
    and replayed for a repeat of the same logical request (docs/api/contract.md §4).

    ``after_commit`` runs once the write is durable (never on a replay): it may do what must
    follow the commit (execution delivers its messages) and return the response to give
    instead. A keyed request's record is held meanwhile (``after_commit_seconds``, how long
    the step may take, plus a margin), so a concurrent repeat is told "in progress" rather
    than given the response as it was before the step, and then stores exactly what this
    caller receives. Should the process die before that, the committed response is what a
    retry replays once the hold runs out.
    """
    state = request.app.state
    body = getattr(request.state, "json_body", None)
    key = key_from(request.headers.get("idempotency-key"), body)
    results: list[Body] = []

    def unit(session: Session) -> tuple[int, bytes]:
        results[:] = [work(session)]
        return status, json_bytes(results[0])

    if key is None:
        code, payload = state.db.transact(unit)
        outcome = None
    else:
        outcome = state.idempotency.run(
            caller.account_id, key, fingerprint(request.method, request.url.path, body), unit,
            finish_seconds=None if after_commit is None else after_commit_seconds + FINISH_MARGIN)
        code, payload = outcome.status, outcome.body
    replayed = outcome is not None and outcome.replayed
    if after_commit is not None and not replayed:
        try:
            final = after_commit(results[0])
            if final is not None:
                payload = json_bytes(final)
        finally:
            if outcome is not None and outcome.owner is not None:
                state.idempotency.finish(caller.account_id, key, outcome.owner, payload)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return WireResponse(payload, status_code=code, headers=headers)
