"""Wire shapes of warehouses and brokers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from entrygo.api.fields import CountryCode, Email, Id, IdempotencyKeyField, trimmed
from entrygo.api.validation import RequestModel
from entrygo.api.wire import Page, Timestamp, WireModel


class WarehouseCreate(RequestModel):
    account_id: Id
    name: Annotated[str, trimmed(200, 1)]
    country: CountryCode
    address1: Annotated[str, trimmed(200)] | None = None
    address2: Annotated[str, trimmed(200)] | None = None
    city: Annotated[str, trimmed(100)] | None = None
    region: Annotated[str, trimmed(100)] | None = None
    postal_code: Annotated[str, trimmed(20)] | None = None
    notify_email: Email | None = None
    idempotency_key: IdempotencyKeyField | None = None


class WarehouseOut(WireModel):
    id: str
    account_id: str
    name: str
    country: str
    address1: str | None
    address2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    notify_email: str | None
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, row: Any) -> WarehouseOut:
        return cls.model_validate(row, from_attributes=True)


class BrokerCreate(RequestModel):
    account_id: Id
    name: Annotated[str, trimmed(200, 1)]
    email: Email
    filer_code: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{3}$")] | None = None
    idempotency_key: IdempotencyKeyField | None = None


class BrokerOut(WireModel):
    id: str
    account_id: str
    name: str
    email: str
    filer_code: str | None
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, row: Any) -> BrokerOut:
        return cls.model_validate(row, from_attributes=True)


class WarehouseList(Page[WarehouseOut]):
    """A page of warehouses, newest first."""


class BrokerList(Page[BrokerOut]):
    """A page of brokers, newest first."""
