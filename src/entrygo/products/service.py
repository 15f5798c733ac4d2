"""Product sync, an atomic, bulk upsert by ``externalId`` within the account; and the
partial update of one product (a patch merged into what is stored)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from entrygo.api.validation import issues_from
from entrygo.db.repository import AccountScope
from entrygo.events import service as events
from entrygo.kit.clock import utcnow
from entrygo.kit.errors import duplicate_issues, not_found, validation_error
from entrygo.kit.ids import new_id
from entrygo.kit.patch import merge_patch
from entrygo.products.models import Product
from entrygo.products.repository import ProductRepository
from entrygo.products.schemas import (
    PATCH_GROUPS,
    ProductIn,
    ProductOut,
    ProductPatch,
    ProductSynced,
    SyncStatus,
    product_out,
    product_synced,
)

# Every stored field that a sync sets; equality over these decides ``unchanged``.
SYNCED_FIELDS = (
    "title", "customs_description", "hts_code", "country_of_origin", "mid", "net_weight_kg",
    "reference_value_usd", "excise_category", "manufacturer", "materials", "metal_content", "pga",
    "battery", "measures", "preference_claim", "meta",
)
_COLUMNS = [getattr(Product, name) for name in ("id", "external_id", "created_at", "updated_at",
                                                 *SYNCED_FIELDS)]
_WIRE_NAMES = {name: str(ProductIn.model_fields["metadata" if name == "meta" else name].alias)
               for name in ("external_id", *SYNCED_FIELDS)}
"""Each stored field's name in a product's JSON (``hts_code`` is ``htsCode``)."""


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
        "measures": group(item.measures),
        "preference_claim": item.preference_claim,
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
        elif unchanged(current, fields):
            record, status = current, "unchanged"
        else:
            record = {**current, **fields, "updated_at": now}
            to_update.append({"id": current["id"], "updated_at": now, **fields})
            status = "updated"
        out.append(product_synced(record, status))
    products.insert_many(to_insert)
    products.update_many(to_update)
    return out


def record_sync(session: Session, account_id: str, synced: list[ProductSynced], *,
                source: str, request_id: str | None) -> None:
    """A ``PRODUCTS_SYNCED`` event for a sync or import that created or changed products
    (one that changed nothing records nothing)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for product in synced:
        counts[product.sync_status] += 1
    if counts["created"] or counts["updated"]:
        events.record(session, account_id=account_id, request_id=request_id, events=[
            ("PRODUCTS_SYNCED", {"source": source, **counts, "products": [
                {"id": p.id, "externalId": p.external_id, "syncStatus": p.sync_status,
                 "readinessState": p.readiness.state}
                for p in synced if p.sync_status != "unchanged"]})])


def unchanged(current: dict[str, Any], fields: dict[str, Any]) -> bool:
    """Whether a stored product already has these fields (``fields_of``): nothing to write,
    and ``updatedAt`` stays."""
    return all(current[name] == fields[name] for name in SYNCED_FIELDS)


def update_product(session: Session, account_id: str, product_id: str, patch: ProductPatch,
                   request_id: str | None = None) -> ProductOut:
    """Merge ``patch`` into the stored product (locked until the commit, so that concurrent
    patches of different fields both land), validate the result as a ``ProductIn`` (issue
    paths are the patch's own: ``metalContent.steelPctWeight``) and store it, or nothing
    when nothing differs."""
    products = ProductRepository(session, AccountScope(account_id))
    current = products.record_for_update(_COLUMNS, product_id)
    if current is None:
        raise not_found(ProductRepository.what)
    try:
        item = ProductIn.model_validate(merge_patch(
            wire_document(current), _exact(patch.changes()), PATCH_GROUPS))
    except ValidationError as exc:
        raise validation_error(issues_from(exc)) from None
    fields = fields_of(item)
    if unchanged(current, fields):
        return product_out(current)
    now = utcnow()
    products.update_many([{"id": current["id"], "updated_at": now, **fields}])
    out = product_out({**current, **fields, "updated_at": now})
    events.record(session, account_id=account_id, request_id=request_id, events=[
        ("PRODUCTS_SYNCED", {"source": "patch", "created": 0, "updated": 1, "unchanged": 0,
                             "products": [{"id": out.id, "externalId": out.external_id,
                                           "syncStatus": "updated",
                                           "readinessState": out.readiness.state}]})])
    return out


def wire_document(record: dict[str, Any]) -> dict[str, Any]:
    """A stored product as the ``ProductIn`` JSON that stores it (``fields_of`` read
    backwards), numbers as exact decimals, as a request body parses."""
    return {_WIRE_NAMES[name]: _exact(record[name]) for name in ("external_id", *SYNCED_FIELDS)}


def _exact(value: Any) -> Any:
    """Stored JSON back as a request body parses: a non-integral number as an exact
    ``Decimal`` (it was written as the shortest float that reads back as that decimal)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def product_record(row: Product) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in _COLUMNS}
