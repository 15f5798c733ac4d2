"""How every write endpoint runs: one transaction, one response, idempotent when keyed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import Response

from entrygo.auth.context import Caller
from entrygo.kit.idempotency import fingerprint, key_from
from entrygo.kit.wire import WireResponse, json_bytes


def run_write(request: Request, caller: Caller,
              work: Callable[[Session], BaseModel | dict[str, Any]], *,
              status: int = 200) -> Response:
    """Run ``work`` in one write transaction and render what it returns.

    With an idempotency key (header or body), the response is stored in that same transaction
    and replayed for a repeat of the same logical request (CONTRACT §4).
    """
    state = request.app.state
    body = getattr(request.state, "json_body", None)
    key = key_from(request.headers.get("idempotency-key"), body)

    def unit(session: Session) -> tuple[int, bytes]:
        return status, json_bytes(work(session))

    if key is None:
        code, payload = state.db.transact(unit)
        return WireResponse(payload, status_code=code)
    outcome = state.idempotency.run(caller.account_id, key,
                                    fingerprint(request.method, request.url.path, body), unit)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return WireResponse(outcome.body, status_code=outcome.status, headers=headers)
