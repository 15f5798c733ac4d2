from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from entrygo.api.declare import LIST, READ_ONE, WRITE, errors, request_example
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
    WarehousePatch,
)

PATCH_EXAMPLE = {"accountId": "acc_123",
                 "defaultShipment": {"modeOfTransport": "truck", "portOfEntry": "3004"}}
"""Parcels from this warehouse cross by truck at Blaine, WA: the request example in the
published contract."""

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


@router.patch("/api/warehouses/{warehouse_id}", summary="Update a warehouse (partial)",
              response_model=WarehouseOut, responses=errors(*WRITE, 404),
              openapi_extra=request_example(PATCH_EXAMPLE))
def update_warehouse(warehouse_id: str, request: Request,
                     caller: Caller = Depends(authenticated),
                     body: WarehousePatch = Depends(json_body(WarehousePatch))) -> Response:
    """Changes only the fields sent (JSON merge patch): a field left out stays as stored,
    `null` clears it (`name` and `country` cannot be cleared), and `defaultShipment` merges
    key by key, its `carrier` too; `defaultShipment: null` clears the whole default. The
    merged warehouse is validated as a create validates it, with issue paths into this body
    (`defaultShipment.carrier.scac`). A warehouse-scoped API key may patch only its own
    warehouse (403 INVALID_ACCOUNT_SCOPE). Answers the warehouse as stored; `updatedAt` moves
    only when something changed, and `{}` changes nothing."""
    # the body, then its accountId, then the key's warehouse, then the warehouse (404 for
    # another account's: the service reads it in the caller's scope), as every write with a
    # path id checks (contract §2.1)
    if body.account_id is not None:
        caller.require_account(body.account_id)
    caller.require_warehouse(warehouse_id)  # field warehouseId, as the contract names it (§3)
    return run_write(request, caller, lambda s: service.update_warehouse(
        s, caller, warehouse_id, body))


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
