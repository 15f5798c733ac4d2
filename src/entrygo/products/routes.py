from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from entrygo.api.declare import LIST, READ_ONE, WRITE, errors, request_example
from entrygo.api.http import json_body, request_id_of
from entrygo.api.owned import Owned
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import DataList, respond
from entrygo.api.writes import run_write
from entrygo.auth.context import Caller, authenticated
from entrygo.products import service
from entrygo.products.models import Product
from entrygo.products.repository import ProductRepository
from entrygo.products.schemas import (
    ProductList,
    ProductOut,
    ProductPatch,
    ProductSync,
    ProductSyncResult,
    product_out,
)

PATCH_EXAMPLE = {"accountId": "acc_123", "htsCode": "7323.93.0045"}
"""Fixing a product blocked by HTS_MISSING: the request example in the published contract."""

router = APIRouter(tags=["products"])


@router.post("/api/products/sync", summary="Upsert products by externalId (1-1000, atomic)",
             response_model=ProductSyncResult, responses=errors(*WRITE))
def sync_products(request: Request, caller: Caller = Depends(authenticated),
                  body: ProductSync = Depends(json_body(ProductSync))) -> Response:
    """Creates or updates 1-1,000 products by `externalId`, all or nothing: one invalid
    item refuses the whole request (400 VALIDATION_ERROR listing every issue). Each answer
    carries the product's readiness (what a customs entry still needs) and its `syncStatus`."""
    caller.require_account(body.account_id)

    def work(s: Session) -> DataList:
        synced = service.sync_products(s, caller.account_id, body.items)
        service.record_sync(s, caller.account_id, synced, source="sync",
                            request_id=request_id_of(request))
        return DataList(data=synced)

    return run_write(request, caller, work)


@router.get("/api/products", summary="List products", response_model=ProductList,
            responses=errors(*LIST))
def list_products(request: Request, caller: Caller = Depends(authenticated),
                  page: PageParams = Depends(),
                  external_id: str | None = Query(None, alias="externalId", max_length=128)
                  ) -> Response:
    """The account's products, newest first, a page at a time; `externalId` finds one."""
    where = [Product.external_id == external_id] if external_id is not None else []
    with request.app.state.db.read() as s:
        rows = ProductRepository(s, caller).page(page, *where)
    return respond(page_of([product_out(service.product_record(r)) for r in rows], page))


@router.get("/api/products/{product_id}", summary="Get a product with its readiness",
            response_model=ProductOut, responses=errors(*READ_ONE))
def get_product(product: Product = Depends(Owned(ProductRepository, "product_id"))
                ) -> Response:
    """One product with its readiness: the codes saying what a customs entry still needs."""
    return respond(product_out(service.product_record(product)))


@router.patch("/api/products/{product_id}", summary="Update a product (partial)",
              response_model=ProductOut, responses=errors(*WRITE, 404),
              openapi_extra=request_example(PATCH_EXAMPLE))
def update_product(product_id: str, request: Request, caller: Caller = Depends(authenticated),
                   body: ProductPatch = Depends(json_body(ProductPatch))) -> Response:
    """Changes only the fields sent (JSON merge patch): a field left out stays as stored,
    `null` clears it, and `manufacturer`, `metalContent`, `pga` and `battery` merge key by
    key (`materials` and `metadata` are replaced whole). The merged product is validated as
    sync validates it, with issue paths into this body; `externalId` cannot change. Answers
    the product with its readiness recomputed; `updatedAt` moves only when something
    changed, and `{}` changes nothing."""
    # the body, then its accountId, then the product (404 for another account's: the service
    # reads it in the caller's scope), as every write with a path id checks (contract §2.1)
    if body.account_id is not None:
        caller.require_account(body.account_id)
    return run_write(request, caller, lambda s: service.update_product(
        s, caller.account_id, product_id, body, request_id_of(request)))
