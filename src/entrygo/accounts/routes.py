from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from entrygo.accounts import service
from entrygo.accounts.schemas import AccountOut, AccountPatch
from entrygo.api.declare import WRITE, errors, request_example
from entrygo.api.http import json_body
from entrygo.api.wire import respond
from entrygo.api.writes import run_write
from entrygo.auth.context import Caller, authenticated
from entrygo.kit.errors import account_scope

PATCH_EXAMPLE = {
    "accountId": "acc_123", "legalName": "Maple Goods Inc.",
    "address": {"address1": "55 Rue Saint-Paul", "city": "Montreal", "region": "QC",
                "postalCode": "H2Y 1G2", "country": "CA"},
    "defaultImporterId": "imp_123", "readinessPolicy": "strict",
}
"""Naming the seller and the default importer: the request example in the published contract."""

router = APIRouter(tags=["account"])


@router.get("/api/account", summary="Get the account", response_model=AccountOut,
            responses=errors())
def get_account(request: Request, caller: Caller = Depends(authenticated)) -> Response:
    """The API key's account: its name, the seller printed on the commercial invoice
    (`legalName`, `address`), its default importer of record and its readiness policies.
    Any key of the account may read it, a warehouse-scoped one included."""
    with request.app.state.db.read() as s:
        return respond(service.get_account(s, caller.account_id))


@router.patch("/api/account", summary="Update the account (partial)", response_model=AccountOut,
              responses=errors(*WRITE), openapi_extra=request_example(PATCH_EXAMPLE))
def update_account(request: Request, caller: Caller = Depends(authenticated),
                   body: AccountPatch = Depends(json_body(AccountPatch))) -> Response:
    """Changes only the settings sent (JSON merge patch): a field left out stays, `null`
    clears it (back to its default: no legal name, no address, no default importer,
    `requireReviewAcknowledgement` false, `readinessPolicy` `standard`), and `address` merges
    key by key. `defaultImporterId` must be one of the account's importers of record (else
    400 VALIDATION_ERROR, `unknown_reference`). `name` is not patchable here: it is the
    account's internal name, set from the command line; the seller printed on the invoice is
    `legalName` (a `name` other than the stored one is `invalid_value`, the same one sent
    back is ignored). `updatedAt` moves only when something changed. A warehouse-scoped API
    key cannot change the account (403 INVALID_ACCOUNT_SCOPE)."""
    if body.account_id is not None:
        caller.require_account(body.account_id)
    if caller.warehouse_id is not None:
        raise account_scope("A warehouse-scoped API key cannot change the account.")
    return run_write(request, caller, lambda s: service.update_account(
        s, caller.account_id, body))
