from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from entrygo.auth.context import Caller, authenticated
from entrygo.exports import service
from entrygo.exports.inspect import inspect_document
from entrygo.exports.models import ExportBatch
from entrygo.exports.schemas import AccountBody, PlanRequest, summary_document
from entrygo.kit.errors import not_found
from entrygo.kit.http import json_body, optional_json_body, request_id_of
from entrygo.kit.pagination import PageParams, encode_cursor
from entrygo.kit.repository import get_owned, list_owned
from entrygo.kit.wire import respond
from entrygo.kit.writes import run_write

router = APIRouter(tags=["exports"])


@router.post("/api/exports/plan")
def plan(request: Request, caller: Caller = Depends(authenticated),
         body: PlanRequest = Depends(json_body(PlanRequest))) -> Response:
    caller.require_account(body.account_id)
    return run_write(request, caller, lambda s: service.plan_export(
        s, caller, body, request_id_of(request)))


@router.post("/api/exports/{batch_id}/cancel")
def cancel(batch_id: str, request: Request, caller: Caller = Depends(authenticated),
           body: AccountBody = Depends(optional_json_body(AccountBody))) -> Response:
    if body.account_id is not None:
        caller.require_account(body.account_id)

    def work(s):  # type: ignore[no-untyped-def]
        return inspect_document(s, service.cancel_export(s, caller, batch_id,
                                                         request_id_of(request)))

    return run_write(request, caller, work)


@router.get("/api/exports")
def list_exports(request: Request, caller: Caller = Depends(authenticated),
                 page: PageParams = Depends(),
                 state: Literal["PLANNED", "EXECUTING", "COMPLETED", "CANCELLED", "FAILED"]
                 | None = Query(None)) -> Response:
    where = [ExportBatch.state == state] if state else []
    if caller.warehouse_id:
        where.append(ExportBatch.warehouse_id == caller.warehouse_id)
    with request.app.state.db.read() as s:
        rows = list_owned(s, ExportBatch, caller.account_id, page, *where)
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    return respond({"data": [summary_document(b) for b in rows], "has_more": has_more,
                    "next_cursor": encode_cursor(rows[-1].id) if has_more else None})


@router.get("/api/exports/{batch_id}")
def inspect(batch_id: str, request: Request,
            caller: Caller = Depends(authenticated)) -> Response:
    with request.app.state.db.read() as s:
        batch = get_owned(s, ExportBatch, caller.account_id, batch_id)
        if batch is None or (caller.warehouse_id and batch.warehouse_id != caller.warehouse_id):
            raise not_found("Export batch")
        return respond(inspect_document(s, batch))
