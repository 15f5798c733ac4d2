from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.exc import DBAPIError
from starlette.responses import Response

from entrygo import __version__
from entrygo.api.declare import errors
from entrygo.api.wire import WireModel, respond
from entrygo.auth.context import Caller, authenticated
from entrygo.kit.clock import iso, utcnow
from entrygo.kit.errors import service_unavailable

router = APIRouter(tags=["system"])


class Live(WireModel):
    status: str = "ok"


class DatabaseStatus(WireModel):
    status: str
    backend: str


class KeyInfo(WireModel):
    id: str
    mode: str
    warehouse_id: str | None


class Health(WireModel):
    status: str
    version: str
    time: str
    database: DatabaseStatus
    account_id: str
    api_key: KeyInfo


@router.get("/api/system/live", summary="Liveness (no auth), for load balancers",
            response_model=Live)
def live() -> Response:
    return respond(Live())


@router.get("/api/system/health", summary="Check the API key and the database",
            response_model=Health, responses=errors(503))
def health(request: Request, caller: Caller = Depends(authenticated)) -> Response:
    db = request.app.state.db
    try:
        db.ping()
    except DBAPIError:
        raise service_unavailable() from None
    return respond(Health(
        status="ok", version=__version__, time=iso(utcnow()) or "",
        database=DatabaseStatus(status="ok", backend=db.backend),
        account_id=caller.account_id,
        api_key=KeyInfo(id=caller.key_id, mode=caller.mode, warehouse_id=caller.warehouse_id),
    ))
