"""Use cases of the setup flow: accounts, warehouses, brokers. Services never commit."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from entrygo.accounts import repository as accounts
from entrygo.accounts.models import Account
from entrygo.api.validation import issues_from
from entrygo.db.repository import AccountScope, Scope
from entrygo.kit.clock import utcnow
from entrygo.kit.errors import not_found, validation_error
from entrygo.kit.ids import new_id
from entrygo.kit.patch import merge_patch
from entrygo.setup.models import Broker, Warehouse
from entrygo.setup.repository import BrokerRepository, WarehouseRepository
from entrygo.setup.schemas import (
    BrokerCreate,
    WarehouseCreate,
    WarehouseOut,
    WarehousePatch,
    shipment_json,
)

WAREHOUSE_FIELDS = {"name": "name", "country": "country", "address1": "address1",
                    "address2": "address2", "city": "city", "region": "region",
                    "postal_code": "postalCode", "notify_email": "notifyEmail",
                    "default_shipment": "defaultShipment"}
"""Each stored field a warehouse's body sets, and its name in the JSON."""
MERGED_GROUPS = ("defaultShipment", "defaultShipment.carrier")
"""The objects a warehouse patch merges key by key (JSON merge patch, RFC 7396)."""


def create_account(session: Session, name: str) -> Account:
    return accounts.add(session, Account(id=new_id("acc"), name=name, created_at=utcnow()))


def list_accounts(session: Session) -> list[Account]:
    return accounts.every(session)


def warehouse_fields(body: WarehouseCreate) -> dict[str, Any]:
    """The stored form of a validated warehouse body (the default shipment as its JSON)."""
    return {
        "name": body.name, "country": body.country, "address1": body.address1,
        "address2": body.address2, "city": body.city, "region": body.region,
        "postal_code": body.postal_code,
        "notify_email": str(body.notify_email) if body.notify_email else None,
        "default_shipment": shipment_json(body.default_shipment),
    }


def create_warehouse(session: Session, account_id: str, body: WarehouseCreate) -> Warehouse:
    now = utcnow()
    row = Warehouse(id=new_id("wh"), account_id=account_id, **warehouse_fields(body),
                    created_at=now, updated_at=now)
    return WarehouseRepository(session, AccountScope(account_id)).add(row)


def update_warehouse(session: Session, scope: Scope, warehouse_id: str, patch: WarehousePatch
                     ) -> WarehouseOut:
    """Merge ``patch`` into the stored warehouse (locked until the commit, so that concurrent
    patches of different fields both land), validate the result as a ``WarehouseCreate``
    (issue paths are the patch's own: ``defaultShipment.carrier.scac``) and store it, or
    nothing when nothing differs (``updatedAt`` stays)."""
    warehouses = WarehouseRepository(session, scope)
    row = warehouses.get_for_update(warehouse_id)
    if row is None:
        raise not_found(WarehouseRepository.what)
    stored = {name: getattr(row, name) for name in WAREHOUSE_FIELDS}
    document = {WAREHOUSE_FIELDS[name]: value for name, value in stored.items()}
    try:
        merged = WarehouseCreate.model_validate(
            {**merge_patch(document, patch.changes(), MERGED_GROUPS), "accountId": row.account_id})
    except ValidationError as exc:
        raise validation_error(issues_from(exc)) from None
    fields = warehouse_fields(merged)
    if fields == stored:
        return WarehouseOut.of(row)
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    return WarehouseOut.of(row)


def create_broker(session: Session, account_id: str, body: BrokerCreate) -> Broker:
    now = utcnow()
    row = Broker(
        id=new_id("br"), account_id=account_id, name=body.name, email=str(body.email),
        filer_code=body.filer_code.upper() if body.filer_code else None,
        created_at=now, updated_at=now,
    )
    return BrokerRepository(session, AccountScope(account_id)).add(row)
