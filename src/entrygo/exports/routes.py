from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from entrygo.api.declare import LIST, READ_ONE, WRITE, errors, request_example
from entrygo.api.http import json_body, optional_json_body, request_id_of
from entrygo.api.owned import Owned
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import WireResponse, respond
from entrygo.api.writes import run_write
from entrygo.artifacts.models import CustomsPackage
from entrygo.artifacts.render import CONTENT_TYPES
from entrygo.auth.context import Caller, authenticated
from entrygo.exports import execute as executing
from entrygo.exports import repository as repo
from entrygo.exports import service
from entrygo.exports.inspect import (
    execute_document,
    inspect_bytes,
    inspect_document,
    package_view,
)
from entrygo.exports.models import ExportBatch
from entrygo.exports.repository import BatchRepository, PackageRepository
from entrygo.exports.schemas import (
    AccountBody,
    CustomsPackageOut,
    DryRunPlanOut,
    ExecuteOut,
    ExecuteRequest,
    ExportListOut,
    InspectOut,
    PlanOut,
    PlanRequest,
    summary_document,
)
from entrygo.exports.states import ExportState
from entrygo.kit.errors import ApiError, not_found

GUIDE_PLAN = {"accountId": "acc_123", "warehouseId": "wh_123", "brokerId": "br_123",
              "destinationCountry": "US", "orderIds": ["ord_123"], "dryRun": False}
GUIDE_EXECUTE = {"accountId": "acc_123", "batchId": "batch_123"}
"""Steps 6 and 7 of the first-export guide: request examples in the published contract."""

router = APIRouter(tags=["exports"])
log = logging.getLogger("entrygo")


@router.post("/api/exports/plan",
             summary="Plan an export: readiness, exclusions, units, planHash",
             response_model=PlanOut | DryRunPlanOut, responses=errors(*WRITE, 404, conflicts=[
                 "INVALID_EXPORT_STATE"]),
             openapi_extra=request_example(GUIDE_PLAN))
def plan_export(request: Request, caller: Caller = Depends(authenticated),
                body: PlanRequest = Depends(json_body(PlanRequest))) -> Response:
    """Judges the orders for a U.S. customs entry, deterministically: `readinessState`
    READY, REVIEW_REQUIRED or BLOCKED with a machine-readable code per finding, the orders
    excluded and why, one export unit (entry) per consignee, and `planHash`, the fingerprint
    execute checks. Persists a PLANNED batch (`exportId` set) unless `dryRun` is true
    (`exportId` null, nothing stored). No external side effects either way."""
    caller.require_account(body.account_id)
    return run_write(request, caller, lambda s: service.plan_export(
        s, caller, body, request_id_of(request)))


@router.post("/api/exports/execute", summary="Execute a planned batch, exactly once",
             response_model=ExecuteOut, responses=errors(*WRITE, 404, conflicts=[
                 "INVALID_EXPORT_STATE", "PLAN_STALE", "PLAN_HASH_MISMATCH",
                 "EXPORT_BLOCKED", "REVIEW_NOT_ACKNOWLEDGED", "ORDERS_ALREADY_EXPORTED"]),
             openapi_extra=request_example(GUIDE_EXECUTE))
def execute_export(request: Request, caller: Caller = Depends(authenticated),
                   body: ExecuteRequest = Depends(json_body(ExecuteRequest))) -> Response:
    """Builds the customs package of a PLANNED batch, emails it to the broker and notifies
    the warehouse, exactly once. Every check runs before any side effect; the package,
    artifacts, broker submission and notifications commit together, then are delivered. A
    failed delivery never rolls the export back: it is retried and shows in
    `brokerSubmission`. After a network error, retry with the same Idempotency-Key."""
    caller.require_account(body.account_id)
    state = request.app.state
    request_id = request_id_of(request)

    def work(s: Session) -> dict[str, Any]:
        batch_id = executing.execute_export(
            s, caller, body.batch_id, body.plan_hash, request_id, store=state.store,
            mail_domain=state.settings.mail_domain, review=executing.Review(
                tuple(body.acknowledged_codes or ()), body.reviewed_by))
        return _reload(s, caller, batch_id, execute_document)

    def deliver(done: Any) -> dict[str, Any]:
        # at most ENTRYGO_DELIVERY_WAIT_SECONDS, then it says queued (docs/api/contract.md §5.5)
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
    batch = BatchRepository(s, caller).get(batch_id)
    if batch is None:
        raise not_found("Export batch")
    return view(s, batch)


@router.post("/api/exports/{batch_id}/broker-submission/retry",
             summary="Force a broker delivery attempt now", response_model=InspectOut,
             responses=errors(*WRITE, 404, conflicts=["INVALID_EXPORT_STATE",
                                                      "DELIVERY_IN_PROGRESS"]))
def retry_broker_submission(batch_id: str, request: Request,
                            caller: Caller = Depends(authenticated),
                            body: AccountBody = Depends(optional_json_body(AccountBody))
                            ) -> Response:
    """Attempts the broker delivery of an executed batch now, whatever its backoff (the
    worker retries on its own). 409 DELIVERY_IN_PROGRESS while another process is sending
    it; 409 INVALID_EXPORT_STATE when there is nothing to retry."""
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


@router.get("/api/customs-packages/{package_id}", summary="Get a customs package",
            response_model=CustomsPackageOut, responses=errors(*READ_ONE))
def get_customs_package(request: Request, package: CustomsPackage = Depends(
        Owned(PackageRepository, "package_id"))) -> Response:
    """A customs package: its artifacts (with sha256 and size) and broker submission."""
    with request.app.state.db.read() as s:  # its artifacts and submission
        return respond(package_view(s, package))


@router.get("/api/customs-packages/{package_id}/artifacts/{filename}",
            summary="Download an artifact", response_class=Response, responses={
                **errors(*READ_ONE),
                200: {"description": "The artifact's bytes, with its Content-Type, a "
                      "Content-Disposition naming the file and an ETag of its sha256.",
                      "headers": {
                          "ETag": {"description": "The sha256 of the bytes, quoted.",
                                   "schema": {"type": "string"}},
                          "Content-Disposition": {"description": "attachment; filename=…",
                                                  "schema": {"type": "string"}}},
                      "content": {media_type: {"schema": {"type": "string",
                                                          "format": "binary"}}
                                  for media_type in CONTENT_TYPES}},
                304: {"description": "Not modified: If-None-Match matched the ETag.",
                      "headers": {"ETag": {"description": "The sha256 of the bytes, quoted.",
                                           "schema": {"type": "string"}}}}})
def download_artifact(filename: str, request: Request, package: CustomsPackage = Depends(
        Owned(PackageRepository, "package_id")),
        if_none_match: str | None = Header(
            None, alias="If-None-Match", max_length=200,
            description="The ETag of a copy you hold (the quoted sha256): 304 when it still "
            "matches.")
        ) -> Response:
    """One artifact's bytes. Its ETag is its sha256 (as listed in the package): send it
    back in If-None-Match for a 304."""
    with request.app.state.db.read() as s:
        artifact = repo.artifact_named(s, package.id, filename)
    if artifact is None:
        raise not_found("Artifact")
    etag = f'"{artifact.sha256}"'
    if if_none_match == etag:
        return Response(status_code=304, headers={"ETag": etag})
    content = request.app.state.store.get(artifact.sha256)
    return Response(content, media_type=artifact.content_type, headers={
        "ETag": etag, "Content-Disposition": f'attachment; filename="{artifact.filename}"',
        "Cache-Control": "private, max-age=31536000, immutable"})


@router.post("/api/exports/{batch_id}/cancel", summary="Cancel a PLANNED batch",
             response_model=InspectOut,
             responses=errors(*WRITE, 404, conflicts=["INVALID_EXPORT_STATE"]))
def cancel_export(batch_id: str, request: Request, caller: Caller = Depends(authenticated),
                  body: AccountBody = Depends(optional_json_body(AccountBody))) -> Response:
    """Cancels a PLANNED batch, releasing its orders for another plan. Any other state:
    409 INVALID_EXPORT_STATE with `currentState`."""
    if body.account_id is not None:
        caller.require_account(body.account_id)

    def work(s: Session) -> dict[str, Any]:
        return inspect_document(s, service.cancel_export(s, caller, batch_id,
                                                         request_id_of(request)))

    return run_write(request, caller, work)


@router.get("/api/exports", summary="List export batches", response_model=ExportListOut,
            responses=errors(*LIST))
def list_exports(request: Request, caller: Caller = Depends(authenticated),
                 page: PageParams = Depends(),
                 state: ExportState | None = Query(None)) -> Response:
    """The account's export batches, newest first, a page at a time; `state` filters."""
    where = [ExportBatch.state == state] if state else []
    with request.app.state.db.read() as s:
        rows = BatchRepository(s, caller).page(page, *where)
    return respond(page_of([summary_document(b) for b in rows], page, [b.id for b in rows]))


@router.get("/api/exports/{batch_id}", summary="Inspect a batch: the canonical read model",
            response_model=InspectOut, responses=errors(*READ_ONE))
def inspect_export(batch_id: str, request: Request,
                   caller: Caller = Depends(authenticated)) -> Response:
    """The canonical read model of a batch: the plan as the client was told it, the
    customs package and its artifacts, broker submission, notifications and the event
    timeline."""
    state = request.app.state
    with state.db.read() as s:
        body = inspect_bytes(s, state.inspect_cache, caller, batch_id)
    if body is None:
        raise not_found("Export batch")
    return WireResponse(body)
