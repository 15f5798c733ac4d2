"""Use cases of the setup flow: accounts, warehouses, brokers. Services never commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from entrygo.accounts import repository as accounts
from entrygo.accounts.models import Account
from entrygo.db.repository import AccountScope
from entrygo.kit.clock import utcnow
from entrygo.kit.ids import new_id
from entrygo.setup.models import Broker, Warehouse
from entrygo.setup.repository import BrokerRepository, WarehouseRepository
from entrygo.setup.schemas import BrokerCreate, WarehouseCreate


def create_account(session: Session, name: str) -> Account:
    return accounts.add(session, Account(id=new_id("acc"), name=name, created_at=utcnow()))


def list_accounts(session: Session) -> list[Account]:
    return accounts.every(session)


def create_warehouse(session: Session, account_id: str, body: WarehouseCreate) -> Warehouse:
    now = utcnow()
    row = Warehouse(
        id=new_id("wh"), account_id=account_id, name=body.name, country=body.country,
        address1=body.address1, address2=body.address2, city=body.city, region=body.region,
        postal_code=body.postal_code,
        notify_email=str(body.notify_email) if body.notify_email else None,
        created_at=now, updated_at=now,
    )
    return WarehouseRepository(session, AccountScope(account_id)).add(row)


def create_broker(session: Session, account_id: str, body: BrokerCreate) -> Broker:
    now = utcnow()
    row = Broker(
        id=new_id("br"), account_id=account_id, name=body.name, email=str(body.email),
        filer_code=body.filer_code.upper() if body.filer_code else None,
        created_at=now, updated_at=now,
    )
    return BrokerRepository(session, AccountScope(account_id)).add(row)
