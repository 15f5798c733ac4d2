from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from entrygo.api.http import json_body
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import DataList, respond
from entrygo.api.writes import run_write
from entrygo.auth.context import Caller, authenticated
from entrygo.db.repository import get_owned, list_owned
from entrygo.kit.errors import not_found
from entrygo.products import service
from entrygo.products.models import Product
from entrygo.products.schemas import ProductSync, product_out

router = APIRouter(tags=["products"])


@router.post("/api/products/sync")
def sync_products(request: Request, caller: Caller = Depends(authenticated),
                  body: ProductSync = Depends(json_body(ProductSync))) -> Response:
    caller.require_account(body.account_id)
    return run_write(request, caller, lambda s: DataList(
        data=service.sync_products(s, caller.account_id, body.items)))


@router.get("/api/products")
def list_products(request: Request, caller: Caller = Depends(authenticated),
                  page: PageParams = Depends(),
                  external_id: str | None = Query(None, alias="externalId", max_length=128)
                  ) -> Response:
    where = [Product.external_id == external_id] if external_id is not None else []
    with request.app.state.db.read() as s:
        rows = list_owned(s, Product, caller.account_id, page, *where)
        return respond(page_of([product_out(service.product_record(r)) for r in rows], page))


@router.get("/api/products/{product_id}")
def get_product(product_id: str, request: Request,
                caller: Caller = Depends(authenticated)) -> Response:
    with request.app.state.db.read() as s:
        row = get_owned(s, Product, caller.account_id, product_id)
        if row is None:
            raise not_found("Product")
        return respond(product_out(service.product_record(row)))
