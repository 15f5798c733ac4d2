from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from entrygo.api.declare import LIST, READ_ONE, WRITE, errors, request_example
from entrygo.api.http import json_body, request_id_of
from entrygo.api.owned import Owned
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import respond
from entrygo.api.writes import run_write
from entrygo.auth.context import Caller, authenticated
from entrygo.orders import service
from entrygo.orders.models import Order
from entrygo.orders.repository import OrderRepository
from entrygo.orders.schemas import OrderList, OrderOut, OrderSync, OrderSyncResult

GUIDE_ORDER = {"accountId": "acc_123", "items": [{
    "externalId": "ord-ext-1001", "destinationCountry": "US", "destinationRegion": "CA",
    "destinationPostalCode": "94105",
    "items": [{"productId": "prod_123", "quantity": 1, "unitValueUsd": 110}],
    "metadata": {"source": "first-export-guide"}}]}
"""Step 4 of the first-export guide: the request example in the published contract."""

router = APIRouter(tags=["orders"])


@router.post("/api/orders/sync", summary="Upsert orders by externalId (1-1000, atomic)",
             response_model=OrderSyncResult, responses=errors(*WRITE, conflicts=["ORDER_LOCKED"]),
             openapi_extra=request_example(GUIDE_ORDER))
def sync_orders(request: Request, caller: Caller = Depends(authenticated),
                body: OrderSync = Depends(json_body(OrderSync))) -> Response:
    """Creates or updates 1-1,000 orders by `externalId`, all or nothing. Lines name
    products by id (unknown ids are 400 `unknown_reference`). Parcels (tracking numbers unique
    within the order), charges and the USD exchange rate (only for a currency other than USD)
    are part of the order. An order in a batch being executed or already exported cannot
    change: 409 ORDER_LOCKED with its `externalIds`."""
    caller.require_account(body.account_id)
    return run_write(request, caller, lambda s: {
        "data": service.sync_orders(s, caller.account_id, body.items, request_id_of(request))})


@router.get("/api/orders", summary="List orders", response_model=OrderList,
            responses=errors(*LIST))
def list_orders(request: Request, caller: Caller = Depends(authenticated),
                page: PageParams = Depends(),
                external_id: str | None = Query(None, alias="externalId", max_length=128)
                ) -> Response:
    """The account's orders, newest first, a page at a time; `externalId` finds one."""
    where = [Order.external_id == external_id] if external_id is not None else []
    with request.app.state.db.read() as s:
        rows = OrderRepository(s, caller).page(page, *where)
        return respond(page_of(service.orders_out(s, rows), page))


@router.get("/api/orders/{order_id}", summary="Get an order", response_model=OrderOut,
            responses=errors(*READ_ONE))
def get_order(request: Request,
              order: Order = Depends(Owned(OrderRepository, "order_id"))) -> Response:
    """One order of the caller's account with its lines."""
    with request.app.state.db.read() as s:  # its lines
        return respond(service.orders_out(s, [order])[0])
