from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from entrygo.api.http import json_body
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import respond
from entrygo.api.writes import run_write
from entrygo.auth.context import Caller, authenticated
from entrygo.db.repository import get_owned, list_owned
from entrygo.kit.errors import not_found
from entrygo.orders import service
from entrygo.orders.models import Order
from entrygo.orders.schemas import OrderSync

router = APIRouter(tags=["orders"])


@router.post("/api/orders/sync")
def sync_orders(request: Request, caller: Caller = Depends(authenticated),
                body: OrderSync = Depends(json_body(OrderSync))) -> Response:
    caller.require_account(body.account_id)
    return run_write(request, caller, lambda s: {
        "data": service.sync_orders(s, caller.account_id, body.items)})


@router.get("/api/orders")
def list_orders(request: Request, caller: Caller = Depends(authenticated),
                page: PageParams = Depends(),
                external_id: str | None = Query(None, alias="externalId", max_length=128)
                ) -> Response:
    where = [Order.external_id == external_id] if external_id is not None else []
    with request.app.state.db.read() as s:
        rows = list_owned(s, Order, caller.account_id, page, *where)
        return respond(page_of(service.orders_out(s, rows), page))


@router.get("/api/orders/{order_id}")
def get_order(order_id: str, request: Request,
              caller: Caller = Depends(authenticated)) -> Response:
    with request.app.state.db.read() as s:
        row = get_owned(s, Order, caller.account_id, order_id)
        if row is None:
            raise not_found("Order")
        return respond(service.orders_out(s, [row])[0])
