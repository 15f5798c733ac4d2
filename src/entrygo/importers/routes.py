from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from entrygo.accounts import service as account_service
from entrygo.api.declare import LIST, READ_ONE, WRITE, errors, request_example
from entrygo.api.http import json_body
from entrygo.api.owned import Owned
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import respond
from entrygo.api.writes import run_write
from entrygo.auth.context import Caller, authenticated
from entrygo.importers import service
from entrygo.importers.models import Importer
from entrygo.importers.repository import ImporterRepository
from entrygo.importers.schemas import ImporterCreate, ImporterList, ImporterOut, ImporterPatch
from entrygo.kit.errors import account_scope

CREATE_EXAMPLE = {
    "accountId": "acc_123", "name": "Northwind Trading LLC", "number": "12-3456789",
    "address": {"address1": "100 Harbor Way", "city": "Buffalo", "region": "NY",
                "postalCode": "14203", "country": "US"},
    "bond": {"type": "continuous", "suretyCode": "457", "number": "GB2026001"},
    "isDefault": True,
}
PATCH_EXAMPLE = {"accountId": "acc_123", "bond": {"number": "GB2027001"}}
"""Renewing a continuous bond: the request examples in the published contract."""

router = APIRouter(tags=["importers"])


def _may_change(caller: Caller) -> None:
    if caller.warehouse_id is not None:
        raise account_scope("A warehouse-scoped API key cannot change importers of record.")


@router.post("/api/importers", status_code=201, summary="Create an importer of record",
             response_model=ImporterOut, responses=errors(*WRITE),
             openapi_extra=request_example(CREATE_EXAMPLE))
def create_importer(request: Request, caller: Caller = Depends(authenticated),
                    body: ImporterCreate = Depends(json_body(ImporterCreate))) -> Response:
    """Creates an importer of record: the party liable for the entries (CBP Form 7501), with
    its importer number and customs bond. `number` is an IRS EIN (`NN-NNNNNNN`, optionally
    with its 2-character suffix) or a CBP-assigned number (`YYDDPP-NNNNN`), stored
    normalised; a Social Security number is refused. `isDefault: true` makes it the
    account's default importer (the one a plan uses when it names none) in the same
    transaction; the first importer is not made the default by itself. A warehouse-scoped
    API key cannot create importers (403 INVALID_ACCOUNT_SCOPE)."""
    caller.require_account(body.account_id)
    _may_change(caller)
    return run_write(request, caller, lambda s: service.create_importer(
        s, caller.account_id, body), status=201)


@router.get("/api/importers", summary="List importers of record", response_model=ImporterList,
            responses=errors(*LIST))
def list_importers(request: Request, caller: Caller = Depends(authenticated),
                   page: PageParams = Depends()) -> Response:
    """The account's importers of record, newest first, a page at a time (`limit`, `cursor`);
    `isDefault` marks the account's default."""
    with request.app.state.db.read() as s:
        rows = ImporterRepository(s, caller).page(page)
        default_id = account_service.default_importer_id(s, caller.account_id)
    return respond(page_of([service.importer_out(r, default_id) for r in rows], page))


@router.get("/api/importers/{importer_id}", summary="Get an importer of record",
            response_model=ImporterOut, responses=errors(*READ_ONE))
def get_importer(request: Request, caller: Caller = Depends(authenticated),
                 importer: Importer = Depends(Owned(ImporterRepository, "importer_id"))
                 ) -> Response:
    """One importer of record of the caller's account (404 for any other id)."""
    with request.app.state.db.read() as s:
        default_id = account_service.default_importer_id(s, caller.account_id)
    return respond(service.importer_out(importer, default_id))


@router.patch("/api/importers/{importer_id}", summary="Update an importer of record (partial)",
              response_model=ImporterOut, responses=errors(*WRITE, 404),
              openapi_extra=request_example(PATCH_EXAMPLE))
def update_importer(importer_id: str, request: Request, caller: Caller = Depends(authenticated),
                    body: ImporterPatch = Depends(json_body(ImporterPatch))) -> Response:
    """Changes only the fields sent (JSON merge patch): a field left out stays as stored;
    `address` and `bond` merge key by key (`null` inside clears that key), `bond: null`
    removes the bond; `name`, `number` and `address` cannot be cleared. The merged importer
    is validated as a create is, with issue paths into this body. `isDefault: true` makes it
    the account's default; `isDefault: false` on the default leaves the account without one.
    `updatedAt` moves only when a stored field changed. A warehouse-scoped API key cannot
    change importers (403 INVALID_ACCOUNT_SCOPE)."""
    # the body, then its accountId and the key's scope, then the importer (404 for another
    # account's), as every write with a path id checks (contract §2)
    if body.account_id is not None:
        caller.require_account(body.account_id)
    _may_change(caller)
    return run_write(request, caller, lambda s: service.update_importer(
        s, caller.account_id, importer_id, body))
