"""Every endpoint the SDK speaks, once: its method and path, the server's request model that
checks its body, and the server's response model that reads its answer. Both clients send
these; the routes in ``entrygo.*.routes`` are the other side of each line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

import httpx

from entrygo.accounts.schemas import AccountOut, AccountPatch
from entrygo.api.validation import RequestModel
from entrygo.api.wire import Page
from entrygo.client._core import (
    Call,
    get,
    read_json,
    reader,
    request_body,
    segment,
    with_account,
    write,
)
from entrygo.events.schemas import EventList, EventOut
from entrygo.exports.schemas import (
    AccountBody,
    CustomsPackageOut,
    DryRunPlanOut,
    ExecuteOut,
    ExecuteRequest,
    ExportListOut,
    ExportSummaryOut,
    InspectOut,
    PlanOut,
    PlanRequest,
)
from entrygo.importers.schemas import (
    ImporterCreate,
    ImporterList,
    ImporterOut,
    ImporterPatch,
)
from entrygo.orders.schemas import OrderList, OrderOut, OrderSync, OrderSynced, OrderSyncResult
from entrygo.products.schemas import (
    ProductList,
    ProductOut,
    ProductPatch,
    ProductSync,
    ProductSynced,
    ProductSyncResult,
)
from entrygo.setup.schemas import (
    BrokerCreate,
    BrokerList,
    BrokerOut,
    WarehouseCreate,
    WarehouseList,
    WarehouseOut,
    WarehousePatch,
)
from entrygo.tariff.schemas import TariffLineOut, TariffSearchHit, TariffSearchPage
from entrygo.webhooks.schemas import (
    AccountOnly,
    RotateSecret,
    WebhookDeliveryList,
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointDeleted,
    WebhookEndpointList,
    WebhookEndpointOut,
    WebhookEndpointPatch,
    WebhookEndpointWithSecret,
)

T = TypeVar("T")
PageCall: TypeAlias = Callable[[str | None], Call[Page[T]]]
"""A list endpoint: the call for the page after ``cursor`` (None: the first page)."""
Fields = Mapping[str, Any]


def _body(model: type[RequestModel], account_id: str, fields: Fields) -> dict[str, Any]:
    return request_body(model, with_account(dict(fields), account_id))


def _paged(path: str, model: type[Page[T]], limit: int | None,
           params: Mapping[str, str | int | None] | None = None,
           repeated: Mapping[str, list[str]] | None = None) -> PageCall[T]:
    read = reader(model)

    def page(cursor: str | None) -> Call[Page[T]]:
        return get(path, read, {**(params or {}), "limit": limit, "cursor": cursor}, repeated)

    return page


# --- system and account -----------------------------------------------------------------------

def health() -> Call[dict[str, Any]]:
    return get("/api/system/health", read_json)


def account_get() -> Call[AccountOut]:
    return get("/api/account", reader(AccountOut))


def account_update(account_id: str, changes: Fields, key: str | None) -> Call[AccountOut]:
    return write("PATCH", "/api/account", reader(AccountOut),
                 _body(AccountPatch, account_id, changes), key)


# --- warehouses, brokers, importers -----------------------------------------------------------

def warehouse_create(account_id: str, fields: Fields, key: str | None) -> Call[WarehouseOut]:
    return write("POST", "/api/warehouses", reader(WarehouseOut),
                 _body(WarehouseCreate, account_id, fields), key)


def warehouse_pages(limit: int | None) -> PageCall[WarehouseOut]:
    return _paged("/api/warehouses", WarehouseList, limit)


def warehouse_get(warehouse_id: str) -> Call[WarehouseOut]:
    return get(f"/api/warehouses/{segment(warehouse_id)}", reader(WarehouseOut))


def warehouse_update(account_id: str, warehouse_id: str, changes: Fields, key: str | None
                     ) -> Call[WarehouseOut]:
    return write("PATCH", f"/api/warehouses/{segment(warehouse_id)}", reader(WarehouseOut),
                 _body(WarehousePatch, account_id, changes), key)


def broker_create(account_id: str, fields: Fields, key: str | None) -> Call[BrokerOut]:
    return write("POST", "/api/brokers", reader(BrokerOut),
                 _body(BrokerCreate, account_id, fields), key)


def broker_pages(limit: int | None) -> PageCall[BrokerOut]:
    return _paged("/api/brokers", BrokerList, limit)


def broker_get(broker_id: str) -> Call[BrokerOut]:
    return get(f"/api/brokers/{segment(broker_id)}", reader(BrokerOut))


def importer_create(account_id: str, fields: Fields, key: str | None) -> Call[ImporterOut]:
    return write("POST", "/api/importers", reader(ImporterOut),
                 _body(ImporterCreate, account_id, fields), key)


def importer_pages(limit: int | None) -> PageCall[ImporterOut]:
    return _paged("/api/importers", ImporterList, limit)


def importer_get(importer_id: str) -> Call[ImporterOut]:
    return get(f"/api/importers/{segment(importer_id)}", reader(ImporterOut))


def importer_update(account_id: str, importer_id: str, changes: Fields, key: str | None
                    ) -> Call[ImporterOut]:
    return write("PATCH", f"/api/importers/{segment(importer_id)}", reader(ImporterOut),
                 _body(ImporterPatch, account_id, changes), key)


# --- products and orders ----------------------------------------------------------------------

def _synced_products(response: httpx.Response) -> list[ProductSynced]:
    return reader(ProductSyncResult)(response).data


def _synced_orders(response: httpx.Response) -> list[OrderSynced]:
    return reader(OrderSyncResult)(response).data


def product_sync(account_id: str, items: Sequence[Any], key: str | None
                 ) -> Call[list[ProductSynced]]:
    return write("POST", "/api/products/sync", _synced_products,
                 _body(ProductSync, account_id, {"items": list(items)}), key)


def product_pages(limit: int | None, external_id: str | None) -> PageCall[ProductOut]:
    return _paged("/api/products", ProductList, limit, {"externalId": external_id})


def product_get(product_id: str) -> Call[ProductOut]:
    return get(f"/api/products/{segment(product_id)}", reader(ProductOut))


def product_update(account_id: str, product_id: str, changes: Fields, key: str | None
                   ) -> Call[ProductOut]:
    return write("PATCH", f"/api/products/{segment(product_id)}", reader(ProductOut),
                 _body(ProductPatch, account_id, changes), key)


def order_sync(account_id: str, items: Sequence[Any], key: str | None
               ) -> Call[list[OrderSynced]]:
    return write("POST", "/api/orders/sync", _synced_orders,
                 _body(OrderSync, account_id, {"items": list(items)}), key)


def order_pages(limit: int | None, external_id: str | None) -> PageCall[OrderOut]:
    return _paged("/api/orders", OrderList, limit, {"externalId": external_id})


def order_get(order_id: str) -> Call[OrderOut]:
    return get(f"/api/orders/{segment(order_id)}", reader(OrderOut))


# --- exports and customs packages -------------------------------------------------------------

def plan(account_id: str, fields: Fields, key: str | None) -> Call[PlanOut]:
    return write("POST", "/api/exports/plan", reader(PlanOut),
                 _body(PlanRequest, account_id, {**fields, "dryRun": False}), key)


def dry_run(account_id: str, fields: Fields, key: str | None) -> Call[DryRunPlanOut]:
    return write("POST", "/api/exports/plan", reader(DryRunPlanOut),
                 _body(PlanRequest, account_id, {**fields, "dryRun": True}), key)


def execute(account_id: str, fields: Fields, key: str | None) -> Call[ExecuteOut]:
    return write("POST", "/api/exports/execute", reader(ExecuteOut),
                 _body(ExecuteRequest, account_id, fields), key)


def inspect(batch_id: str) -> Call[InspectOut]:
    return get(f"/api/exports/{segment(batch_id)}", reader(InspectOut))


def export_pages(limit: int | None, state: str | None) -> PageCall[ExportSummaryOut]:
    return _paged("/api/exports", ExportListOut, limit, {"state": state})


def cancel(account_id: str, batch_id: str, key: str | None) -> Call[InspectOut]:
    return write("POST", f"/api/exports/{segment(batch_id)}/cancel", reader(InspectOut),
                 _body(AccountBody, account_id, {}), key)


def retry_broker_submission(account_id: str, batch_id: str, key: str | None
                            ) -> Call[InspectOut]:
    return write("POST", f"/api/exports/{segment(batch_id)}/broker-submission/retry",
                 reader(InspectOut), _body(AccountBody, account_id, {}), key)


def package_get(package_id: str) -> Call[CustomsPackageOut]:
    return get(f"/api/customs-packages/{segment(package_id)}", reader(CustomsPackageOut))


def artifact_path(package_id: str, filename: str) -> str:
    return f"/api/customs-packages/{segment(package_id)}/artifacts/{segment(filename)}"


# --- events and webhooks ----------------------------------------------------------------------

def event_pages(limit: int | None, types: Sequence[str] | None, export_id: str | None,
                created_after: datetime | str | None) -> PageCall[EventOut]:
    after = created_after.isoformat() if isinstance(created_after, datetime) else created_after
    return _paged("/api/events", EventList, limit,
                  {"exportId": export_id, "createdAfter": after},
                  {"type": list(types or [])})


def webhook_create(account_id: str, fields: Fields, key: str | None
                   ) -> Call[WebhookEndpointWithSecret]:
    return write("POST", "/api/webhook-endpoints", reader(WebhookEndpointWithSecret),
                 _body(WebhookEndpointCreate, account_id, fields), key)


def webhook_pages(limit: int | None) -> PageCall[WebhookEndpointOut]:
    return _paged("/api/webhook-endpoints", WebhookEndpointList, limit)


def _hook(endpoint_id: str) -> str:
    return f"/api/webhook-endpoints/{segment(endpoint_id)}"


def webhook_get(endpoint_id: str) -> Call[WebhookEndpointOut]:
    return get(_hook(endpoint_id), reader(WebhookEndpointOut))


def webhook_update(account_id: str, endpoint_id: str, changes: Fields, key: str | None
                   ) -> Call[WebhookEndpointOut]:
    return write("PATCH", _hook(endpoint_id), reader(WebhookEndpointOut),
                 _body(WebhookEndpointPatch, account_id, changes), key)


def webhook_delete(account_id: str, endpoint_id: str, key: str | None
                   ) -> Call[WebhookEndpointDeleted]:
    return write("DELETE", _hook(endpoint_id), reader(WebhookEndpointDeleted),
                 _body(AccountOnly, account_id, {}), key)


def webhook_rotate(account_id: str, endpoint_id: str, overlap_seconds: int | None,
                   key: str | None) -> Call[WebhookEndpointWithSecret]:
    fields = {} if overlap_seconds is None else {"overlapSeconds": overlap_seconds}
    return write("POST", f"{_hook(endpoint_id)}/rotate-secret",
                 reader(WebhookEndpointWithSecret), _body(RotateSecret, account_id, fields), key)


def webhook_delivery_pages(endpoint_id: str, limit: int | None
                           ) -> PageCall[WebhookDeliveryOut]:
    return _paged(f"{_hook(endpoint_id)}/deliveries", WebhookDeliveryList, limit)


def webhook_delivery_retry(account_id: str, endpoint_id: str, delivery_id: str,
                           key: str | None) -> Call[WebhookDeliveryOut]:
    return write("POST", f"{_hook(endpoint_id)}/deliveries/{segment(delivery_id)}/retry",
                 reader(WebhookDeliveryOut), _body(AccountOnly, account_id, {}), key)


# --- tariff -----------------------------------------------------------------------------------

def tariff_line(hts: str) -> Call[TariffLineOut]:
    return get(f"/api/tariff/lines/{segment(hts)}", reader(TariffLineOut))


def tariff_pages(q: str, limit: int | None) -> PageCall[TariffSearchHit]:
    return _paged("/api/tariff/lines", TariffSearchPage, limit, {"q": q})
