"""How every write endpoint runs: one transaction, one response (idempotency wraps it here)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import Response

from entrygo.kit.wire import respond


def run_write(request: Request, work: Callable[[Session], BaseModel], *,
              status: int = 200) -> Response:
    """Run ``work`` in one write transaction and render what it returns."""
    db = request.app.state.db
    model = db.transact(work)
    return respond(model, status)
