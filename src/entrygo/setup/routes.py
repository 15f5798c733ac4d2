from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from entrygo.api.declare import LIST, READ_ONE, WRITE, errors
from entrygo.api.http import json_body
from entrygo.api.owned import Owned
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import respond
from entrygo.api.writes import run_write
from entrygo.auth.context import Caller, authenticated
from entrygo.kit.errors import account_scope
from entrygo.setup import service
from entrygo.setup.models import Broker, Warehouse
from entrygo.setup.repository import BrokerRepository, WarehouseRepository
from entrygo.setup.schemas import (
    BrokerCreate,
    BrokerList,
    BrokerOut,
    WarehouseCreate,
    WarehouseList,
    WarehouseOut,
)

router = APIRouter(tags=["setup"])


@router.post("/api/warehouses", status_code=201, summary="Create a warehouse",
             response_model=WarehouseOut, responses=errors(*WRITE))
def create_warehouse(request: Request, caller: Caller = Depends(authenticated),
                     body: WarehouseCreate = Depends(json_body(WarehouseCreate))) -> Response:
    """Creates a warehouse: the place parcels ship from. Its address is printed on the
    commercial invoice, and its `notifyEmail` is told when a batch is executed. A
    warehouse-scoped API key cannot create warehouses (403 INVALID_ACCOUNT_SCOPE)."""
    caller.require_account(body.account_id)
    if caller.warehouse_id is not None:
        raise account_scope("A warehouse-scoped API key cannot create warehouses.")
    return run_write(request, caller, lambda s: WarehouseOut.of(
        service.create_warehouse(s, caller.account_id, body)), status=201)


@router.get("/api/warehouses", summary="List warehouses", response_model=WarehouseList,
            responses=errors(*LIST))
def list_warehouses(request: Request, caller: Caller = Depends(authenticated),
                    page: PageParams = Depends()) -> Response:
    """The account's warehouses, newest first, a page at a time (`limit`, `cursor`)."""
    with request.app.state.db.read() as s:
        rows = WarehouseRepository(s, caller).page(page)
    return respond(page_of([WarehouseOut.of(r) for r in rows], page))


@router.get("/api/warehouses/{warehouse_id}", summary="Get a warehouse",
            response_model=WarehouseOut, responses=errors(*READ_ONE))
def get_warehouse(warehouse: Warehouse = Depends(Owned(WarehouseRepository, "warehouse_id"))
                  ) -> Response:
    """One warehouse of the caller's account (404 for any other id)."""
    return respond(WarehouseOut.of(warehouse))


@router.post("/api/brokers", status_code=201, summary="Create a customs broker",
             response_model=BrokerOut, responses=errors(*WRITE))
def create_broker(request: Request, caller: Caller = Depends(authenticated),
                  body: BrokerCreate = Depends(json_body(BrokerCreate))) -> Response:
    """Creates a customs broker: where executed customs packages are emailed, with the
    filer code printed on the package."""
    caller.require_account(body.account_id)
    return run_write(request, caller, lambda s: BrokerOut.of(
        service.create_broker(s, caller.account_id, body)), status=201)


@router.get("/api/brokers", summary="List brokers", response_model=BrokerList,
            responses=errors(*LIST))
def list_brokers(request: Request, caller: Caller = Depends(authenticated),
                 page: PageParams = Depends()) -> Response:
    """The account's brokers, newest first, a page at a time (`limit`, `cursor`)."""
    with request.app.state.db.read() as s:
        rows = BrokerRepository(s, caller).page(page)
    return respond(page_of([BrokerOut.of(r) for r in rows], page))


@router.get("/api/brokers/{broker_id}", summary="Get a broker", response_model=BrokerOut,
            responses=errors(*READ_ONE))
def get_broker(broker: Broker = Depends(Owned(BrokerRepository, "broker_id"))) -> Response:
    """One broker of the caller's account (404 for any other id)."""
    return respond(BrokerOut.of(broker))
