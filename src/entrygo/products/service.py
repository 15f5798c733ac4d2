"""Product sync: an atomic, bulk upsert by ``externalId`` within the account."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from entrygo.db.repository import AccountScope
from entrygo.kit.clock import utcnow
from entrygo.kit.errors import duplicate_issues, validation_error
from entrygo.kit.ids import new_id
from entrygo.products.models import Product
from entrygo.products.repository import ProductRepository
from entrygo.products.schemas import ProductIn, ProductSynced, SyncStatus, product_synced

# Every stored field that a sync sets; equality over these decides ``unchanged``.
SYNCED_FIELDS = (
    "title", "customs_description", "hts_code", "country_of_origin", "mid", "net_weight_kg",
    "reference_value_usd", "excise_category", "manufacturer", "materials", "metal_content", "pga",
    "battery", "meta",
)
_COLUMNS = [getattr(Product, name) for name in ("id", "external_id", "created_at", "updated_at",
                                                 *SYNCED_FIELDS)]


def fields_of(item: ProductIn) -> dict[str, Any]:
    """The stored form of a validated product: nested groups as their wire JSON."""

    def group(value: Any) -> Any:
        return None if value is None else value.model_dump(mode="json", by_alias=True)

    return {
        "title": item.title,
        "customs_description": item.customs_description,
        "hts_code": item.hts_code,
        "country_of_origin": item.country_of_origin,
        "mid": item.mid,
        "net_weight_kg": item.net_weight_kg,
        "reference_value_usd": item.reference_value_usd,
        "excise_category": item.excise_category,
        "manufacturer": group(item.manufacturer),
        "materials": None if item.materials is None else [group(m) for m in item.materials],
        "metal_content": group(item.metal_content),
        "pga": group(item.pga),
        "battery": group(item.battery),
        "meta": item.metadata,
    }


def sync_products(session: Session, account_id: str, items: list[ProductIn]
                  ) -> list[ProductSynced]:
    """Upsert every item or none: one read, at most one bulk insert and one bulk update."""
    external_ids = [item.external_id for item in items]
    issues = duplicate_issues(external_ids, "items.{}.externalId", "externalId")
    if issues:
        raise validation_error(issues)

    products = ProductRepository(session, AccountScope(account_id))
    existing = {row["external_id"]: row
                for row in products.records_by_external_id(_COLUMNS, external_ids)}
    now = utcnow()
    to_insert: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    out: list[ProductSynced] = []
    for item in items:
        fields = fields_of(item)
        current = existing.get(item.external_id)
        status: SyncStatus
        if current is None:
            record = {"id": new_id("prod"), "external_id": item.external_id,
                      "created_at": now, "updated_at": now, **fields}
            to_insert.append({**record, "account_id": account_id})
            status = "created"
        elif all(current[name] == fields[name] for name in SYNCED_FIELDS):
            record, status = current, "unchanged"
        else:
            record = {**current, **fields, "updated_at": now}
            to_update.append({"id": current["id"], "updated_at": now, **fields})
            status = "updated"
        out.append(product_synced(record, status))
    products.insert_many(to_insert)
    products.update_many(to_update)
    return out


def product_record(row: Product) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in _COLUMNS}
