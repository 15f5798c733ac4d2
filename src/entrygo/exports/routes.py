from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from entrygo.api.http import json_body, optional_json_body, request_id_of
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import WireResponse, respond
from entrygo.api.writes import run_write
from entrygo.artifacts.models import Artifact, CustomsPackage
from entrygo.auth.context import Caller, authenticated
from entrygo.db.repository import get_owned, list_owned
from entrygo.exports import execute as executing
from entrygo.exports import service
from entrygo.exports.inspect import (
    execute_document,
    inspect_bytes,
    inspect_document,
    package_view,
)
from entrygo.exports.models import ExportBatch
from entrygo.exports.schemas import (
    AccountBody,
    ExecuteRequest,
    PlanRequest,
    summary_document,
)
from entrygo.exports.states import ExportState
from entrygo.kit.errors import ApiError, not_found

router = APIRouter(tags=["exports"])
log = logging.getLogger("entrygo")


@router.post("/api/exports/plan")
def plan(request: Request, caller: Caller = Depends(authenticated),
         body: PlanRequest = Depends(json_body(PlanRequest))) -> Response:
    caller.require_account(body.account_id)
    return run_write(request, caller, lambda s: service.plan_export(
        s, caller, body, request_id_of(request)))


@router.post("/api/exports/execute")
def execute(request: Request, caller: Caller = Depends(authenticated),
            body: ExecuteRequest = Depends(json_body(ExecuteRequest))) -> Response:
    caller.require_account(body.account_id)
    state = request.app.state
    request_id = request_id_of(request)

    def work(s: Session) -> dict[str, Any]:
        batch_id = executing.execute_export(
            s, caller, body.batch_id, body.plan_hash, request_id, store=state.store,
            mail_domain=state.settings.mail_domain)
        return _reload(s, caller, batch_id, execute_document)

    def deliver(done: Any) -> dict[str, Any]:
        # at most ENTRYGO_DELIVERY_WAIT_SECONDS; then the answer says queued (CONTRACT §5.5)
        state.deliverer.deliver_batch_within(done["exportId"])
        with state.db.read() as s:
            return _reload(s, caller, done["exportId"], execute_document)

    try:
        return run_write(request, caller, work, after_commit=deliver,
                         after_commit_seconds=state.deliverer.policy.wait_seconds)
    except executing.GenerationFailed as failure:
        log.error("execution of %s failed", failure.batch_id, exc_info=failure.cause)
        executing.mark_failed(state.db, caller.account_id, failure, request_id)
        raise ApiError(500, "INTERNAL_ERROR", "Generating the customs package failed; the batch "
                       "is FAILED and nothing was sent. Re-plan the orders.",
                       details={"exportId": failure.batch_id,
                                "currentState": ExportState.FAILED}
                       ) from None


def _reload(s: Session, caller: Caller, batch_id: str, view: Any) -> dict[str, Any]:
    batch = get_owned(s, ExportBatch, caller.account_id, batch_id)
    if batch is None:
        raise not_found("Export batch")
    return view(s, batch)


@router.post("/api/exports/{batch_id}/broker-submission/retry")
def retry_submission(batch_id: str, request: Request, caller: Caller = Depends(authenticated),
                     body: AccountBody = Depends(optional_json_body(AccountBody))) -> Response:
    """Force a delivery attempt now (the worker retries on its own, with backoff)."""
    if body.account_id is not None:
        caller.require_account(body.account_id)
    state = request.app.state
    dead_holder: list[str | None] = [None]

    def check(s: Session) -> dict[str, Any]:
        batch, dead_holder[0] = executing.submission_to_retry(s, caller, batch_id)
        return inspect_document(s, batch)

    def deliver(checked: Any) -> dict[str, Any]:
        # the broker first, now; then the warehouse notification, if it was waiting for that
        state.deliverer.deliver_batch_within(batch_id, force=True, take_over=dead_holder[0])
        with state.db.read() as s:
            return _reload(s, caller, batch_id, inspect_document)

    return run_write(request, caller, check, after_commit=deliver,
                     after_commit_seconds=state.deliverer.policy.wait_seconds)


@router.get("/api/customs-packages/{package_id}")
def get_package(package_id: str, request: Request,
                caller: Caller = Depends(authenticated)) -> Response:
    with request.app.state.db.read() as s:
        return respond(package_view(s, _package(s, caller, package_id)))


@router.get("/api/customs-packages/{package_id}/artifacts/{filename}")
def download_artifact(package_id: str, filename: str, request: Request,
                      caller: Caller = Depends(authenticated)) -> Response:
    with request.app.state.db.read() as s:
        package = _package(s, caller, package_id)
        artifact = s.scalars(select(Artifact).where(
            Artifact.package_id == package.id, Artifact.filename == filename)).one_or_none()
        if artifact is None:
            raise not_found("Artifact")
    etag = f'"{artifact.sha256}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    content = request.app.state.store.get(artifact.sha256)
    return Response(content, media_type=artifact.content_type, headers={
        "ETag": etag, "Content-Disposition": f'attachment; filename="{artifact.filename}"',
        "Cache-Control": "private, max-age=31536000, immutable"})


def _package(s: Session, caller: Caller, package_id: str) -> CustomsPackage:
    package = get_owned(s, CustomsPackage, caller.account_id, package_id)
    if package is not None and caller.warehouse_id:
        batch = s.get(ExportBatch, package.batch_id)
        if batch is None or batch.warehouse_id != caller.warehouse_id:
            package = None
    if package is None:
        raise not_found("Customs package")
    return package


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
                 state: ExportState | None = Query(None)) -> Response:
    where = [ExportBatch.state == state] if state else []
    if caller.warehouse_id:
        where.append(ExportBatch.warehouse_id == caller.warehouse_id)
    with request.app.state.db.read() as s:
        rows = list_owned(s, ExportBatch, caller.account_id, page, *where)
    return respond(page_of([summary_document(b) for b in rows], page, [b.id for b in rows]))


@router.get("/api/exports/{batch_id}")
def inspect(batch_id: str, request: Request,
            caller: Caller = Depends(authenticated)) -> Response:
    state = request.app.state
    with state.db.read() as s:
        body = inspect_bytes(s, state.inspect_cache, caller.account_id, batch_id,
                             caller.warehouse_id)
    if body is None:
        raise not_found("Export batch")
    return WireResponse(body)
