from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy.exc import DBAPIError
from starlette.responses import Response

from entrygo import __version__
from entrygo.api.declare import errors
from entrygo.api.wire import DateTime, WireModel, respond
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
    time: DateTime
    database: DatabaseStatus
    account_id: str
    livemode: bool = Field(description="Whether the key acts on live objects (false: test "
                           "mode, whose broker email and notifications never leave).")
    api_key: KeyInfo


@router.get("/api/system/live", summary="Liveness (no auth), for load balancers",
            response_model=Live)
def check_liveness() -> Response:
    """Answers 200 while the process serves requests. Needs no API key and touches no
    database: point a load balancer's liveness probe here."""
    return respond(Live())


@router.get("/api/system/health", summary="Check the API key and the database",
            response_model=Health, responses=errors(503))
def check_health(request: Request, caller: Caller = Depends(authenticated)) -> Response:
    """Checks the API key (its account, id, mode and warehouse scope) and that the database
    answers. A good first call for a new integration, and a readiness probe (503
    SERVICE_UNAVAILABLE while the database does not answer)."""
    db = request.app.state.db
    try:
        db.ping()
    except DBAPIError:
        raise service_unavailable() from None
    return respond(Health(
        status="ok", version=__version__, time=iso(utcnow()) or "",
        database=DatabaseStatus(status="ok", backend=db.backend),
        account_id=caller.public_account_id, livemode=caller.livemode,
        api_key=KeyInfo(id=caller.key_id, mode=caller.mode, warehouse_id=caller.warehouse_id),
    ))
