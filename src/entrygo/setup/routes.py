from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from entrygo.api.http import json_body
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import respond
from entrygo.api.writes import run_write
from entrygo.auth.context import Caller, authenticated
from entrygo.db.repository import get_owned, list_owned
from entrygo.kit.errors import account_scope, not_found
from entrygo.setup import service
from entrygo.setup.models import Broker, Warehouse
from entrygo.setup.schemas import BrokerCreate, BrokerOut, WarehouseCreate, WarehouseOut

router = APIRouter(tags=["setup"])


@router.post("/api/warehouses", status_code=201)
def create_warehouse(request: Request, caller: Caller = Depends(authenticated),
                     body: WarehouseCreate = Depends(json_body(WarehouseCreate))) -> Response:
    caller.require_account(body.account_id)
    if caller.warehouse_id is not None:
        raise account_scope("A warehouse-scoped API key cannot create warehouses.")
    return run_write(request, caller, lambda s: WarehouseOut.of(
        service.create_warehouse(s, caller.account_id, body)), status=201)


@router.get("/api/warehouses")
def list_warehouses(request: Request, caller: Caller = Depends(authenticated),
                    page: PageParams = Depends()) -> Response:
    where = [Warehouse.id == caller.warehouse_id] if caller.warehouse_id else []
    with request.app.state.db.read() as s:
        rows = list_owned(s, Warehouse, caller.account_id, page, *where)
        return respond(page_of([WarehouseOut.of(r) for r in rows], page))


@router.get("/api/warehouses/{warehouse_id}")
def get_warehouse(warehouse_id: str, request: Request,
                  caller: Caller = Depends(authenticated)) -> Response:
    with request.app.state.db.read() as s:
        row = get_owned(s, Warehouse, caller.account_id, warehouse_id)
        if row is None or (caller.warehouse_id and row.id != caller.warehouse_id):
            raise not_found("Warehouse")
        return respond(WarehouseOut.of(row))


@router.post("/api/brokers", status_code=201)
def create_broker(request: Request, caller: Caller = Depends(authenticated),
                  body: BrokerCreate = Depends(json_body(BrokerCreate))) -> Response:
    caller.require_account(body.account_id)
    return run_write(request, caller, lambda s: BrokerOut.of(
        service.create_broker(s, caller.account_id, body)), status=201)


@router.get("/api/brokers")
def list_brokers(request: Request, caller: Caller = Depends(authenticated),
                 page: PageParams = Depends()) -> Response:
    with request.app.state.db.read() as s:
        rows = list_owned(s, Broker, caller.account_id, page)
        return respond(page_of([BrokerOut.of(r) for r in rows], page))


@router.get("/api/brokers/{broker_id}")
def get_broker(broker_id: str, request: Request,
               caller: Caller = Depends(authenticated)) -> Response:
    with request.app.state.db.read() as s:
        row = get_owned(s, Broker, caller.account_id, broker_id)
        if row is None:
            raise not_found("Broker")
        return respond(BrokerOut.of(row))
