"""Wire shapes of the product setup flow (docs/api/contract.md §5.2)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal, cast

from pydantic import AfterValidator, Field, field_validator
from pydantic.json_schema import JsonDict, SkipJsonSchema
from pydantic_core import PydanticCustomError

from entrygo.api.fields import (
    ExactNumber,
    Id,
    IdempotencyKeyField,
    Metadata,
    MoneyUsd,
    OptionalText,
    Percent,
    WeightKg,
    trimmed,
)
from entrygo.api.validation import RequestModel
from entrygo.api.wire import Batch, Num, Page, Timestamp, WireModel, shaped_as
from entrygo.readiness import reference
from entrygo.readiness.facts import ProductFacts
from entrygo.readiness.findings import ReadinessState
from entrygo.readiness.product_rules import judge_product

ExciseCategory = Literal["none", "alcohol", "tobacco", "ends"]
SyncStatus = Literal["created", "updated", "unchanged"]
_FACT_FIELDS = ("id", "title", "customs_description", "hts_code", "country_of_origin", "mid",
                "net_weight_kg", "reference_value_usd", "excise_category", "manufacturer",
                "materials", "metal_content", "pga", "battery")


def _hts(value: str | None) -> str | None:
    """Dots and spaces are formatting, not content: ``7323.93.0045`` is ``7323930045``."""
    if value is None:
        return None
    return re.sub(r"[.\s]", "", value) or None


def _upper(value: str | None) -> str | None:
    return value.upper() if value else value


HtsInput = Annotated[str, OptionalText(32), AfterValidator(_hts)]
"""Kept as sent (minus dots and spaces) so readiness can say exactly what is wrong with it."""
CountryInput = Annotated[str, OptionalText(8), AfterValidator(_upper)]
"""Upper-cased; whether it is a real ISO code is a readiness finding, not a sync error."""


class Manufacturer(RequestModel):
    name: Annotated[str, OptionalText(200)] | None = None
    address1: Annotated[str, OptionalText(200)] | None = None
    address2: Annotated[str, OptionalText(200)] | None = None
    city: Annotated[str, OptionalText(100)] | None = None
    region: Annotated[str, OptionalText(100)] | None = None
    postal_code: Annotated[str, OptionalText(20)] | None = None
    country: CountryInput | None = None


class Material(RequestModel):
    material: Annotated[str, trimmed(100, 1)]
    pct_by_weight: Percent | None = None


class MetalContent(RequestModel):
    steel_pct_weight: Percent | None = None
    aluminum_pct_weight: Percent | None = None
    copper_pct_weight: Percent | None = None
    steel_melt_pour_country: CountryInput | None = None
    aluminum_smelt_country: CountryInput | None = None
    aluminum_cast_country: CountryInput | None = None


class Pga(RequestModel):
    fda_product_code: Annotated[str, OptionalText(20)] | None = None
    fda_facility_registration: Annotated[str, OptionalText(20)] | None = None
    cpsc_regulated: bool | None = None
    childrens_product: bool | None = None
    cpsc_certificate_ref: Annotated[str, OptionalText(100)] | None = None
    rf_device: bool | None = None
    fcc_id: Annotated[str, OptionalText(40)] | None = None


class Battery(RequestModel):
    present: bool = False
    chemistry: Annotated[str, OptionalText(50)] | None = None
    configuration: Annotated[str, OptionalText(50)] | None = None
    un_number: Annotated[str, OptionalText(10)] | None = None
    watt_hours: Annotated[Decimal, ExactNumber(places=3, le="100000")] | None = None


class ProductIn(RequestModel):
    external_id: Annotated[str, trimmed(128, 1)]
    title: Annotated[str, trimmed(500, 1)]
    customs_description: Annotated[str, OptionalText(1000)] | None = None
    hts_code: HtsInput | None = None
    country_of_origin: CountryInput | None = None
    manufacturer: Manufacturer | None = None
    mid: Annotated[str, OptionalText(32)] | None = None
    net_weight_kg: WeightKg | None = None
    reference_value_usd: MoneyUsd | None = None
    materials: Annotated[list[Material], Field(max_length=50)] | None = None
    metal_content: MetalContent | None = None
    pga: Pga | None = None
    battery: Battery | None = None
    excise_category: ExciseCategory = "none"
    metadata: Metadata | None = None


class ProductSync(RequestModel):
    account_id: Id
    items: Annotated[list[ProductIn], Field(min_length=1, max_length=1000)]
    idempotency_key: IdempotencyKeyField | None = None


class BatteryPatch(RequestModel):
    """``battery`` in a product patch: the keys of ``Battery``, each optional (a null clears
    it: ``present`` goes back to false)."""

    present: bool | None = None
    chemistry: Annotated[str, OptionalText(50)] | None = None
    configuration: Annotated[str, OptionalText(50)] | None = None
    un_number: Annotated[str, OptionalText(10)] | None = None
    watt_hours: Annotated[Decimal, ExactNumber(places=3, le="100000")] | None = None


def _not_null(schema: JsonDict) -> None:
    """The published schema of a field that may be left out but not sent as null."""
    options = cast(list[JsonDict], schema.pop("anyOf"))
    schema.update(next(o for o in options if o.get("type") != "null"))
    schema.pop("default", None)


PATCH_GROUPS = ("manufacturer", "metalContent", "pga", "battery")
"""The nested objects a patch merges into the stored ones key by key (JSON merge patch);
every other field, ``materials`` and ``metadata`` included, is replaced whole."""


class ProductPatch(RequestModel):
    """A partial update of one product (docs/api/contract.md §5.2): any of ``ProductIn``'s
    fields but ``externalId``. A field left out stays as stored; ``null`` clears it; the nested
    groups of ``PATCH_GROUPS`` merge key by key. The merged product is validated as a
    ``ProductIn`` (``products.service.update_product``)."""

    account_id: Id | None = None
    idempotency_key: IdempotencyKeyField | None = None
    external_id: SkipJsonSchema[Any] = None
    title: Annotated[str, trimmed(500, 1)] | None = Field(None, json_schema_extra=_not_null)
    customs_description: Annotated[str, OptionalText(1000)] | None = None
    hts_code: HtsInput | None = None
    country_of_origin: CountryInput | None = None
    manufacturer: Manufacturer | None = None
    mid: Annotated[str, OptionalText(32)] | None = None
    net_weight_kg: WeightKg | None = None
    reference_value_usd: MoneyUsd | None = None
    materials: Annotated[list[Material], Field(max_length=50)] | None = None
    metal_content: MetalContent | None = None
    pga: Pga | None = None
    battery: BatteryPatch | None = None
    excise_category: ExciseCategory | None = Field(None, description="null: back to `none`.")
    metadata: Metadata | None = None

    @field_validator("external_id", mode="before")
    @classmethod
    def _external_id_is_immutable(cls, value: Any) -> Any:
        raise PydanticCustomError("invalid_value", "externalId cannot change: it identifies "
                                  "the product (leave it out of a patch)")

    @field_validator("title", mode="before")
    @classmethod
    def _title_cannot_be_cleared(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("required", "title is required and cannot be cleared")
        return value

    def changes(self) -> dict[str, Any]:
        """The product fields this patch sends, as the JSON of their validated values (a null
        kept as ``None``, a nested group with only the keys it sends)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True,
                               exclude={"account_id", "idempotency_key", "external_id"})


class ReadinessMessage(WireModel):
    """One finding of the readiness catalogue (the same shape as a plan's messages)."""

    code: str
    severity: Literal["blocking", "warning", "info"]
    message: str
    scope: Literal["batch", "order", "line", "product"]
    order_id: str | None = None
    line_index: int | None = None
    product_id: str | None = None
    field: str | None = None
    reference: str | None = None


class ProductReadiness(WireModel):
    state: ReadinessState
    messages: list[ReadinessMessage]


class ProductOut(WireModel):
    id: str
    external_id: str
    title: str
    customs_description: str | None
    hts_code: str | None
    country_of_origin: str | None
    manufacturer: Annotated[dict[str, Any], shaped_as(Manufacturer)] | None
    mid: str | None
    net_weight_kg: Num | None
    reference_value_usd: Num | None
    materials: Annotated[list[dict[str, Any]], shaped_as(Material, many=True)] | None
    metal_content: Annotated[dict[str, Any], shaped_as(MetalContent)] | None
    pga: Annotated[dict[str, Any], shaped_as(Pga)] | None
    battery: Annotated[dict[str, Any], shaped_as(Battery)] | None
    excise_category: ExciseCategory
    meta: dict[str, Any] | None = Field(alias="metadata")
    readiness: ProductReadiness
    created_at: Timestamp
    updated_at: Timestamp


class ProductSynced(ProductOut):
    sync_status: SyncStatus


def product_facts(record: dict[str, Any]) -> ProductFacts:
    return ProductFacts(**{name: record[name] for name in _FACT_FIELDS})


def readiness_of(record: dict[str, Any]) -> ProductReadiness:
    """The product-level part of the rule catalogue, judged now from the stored data."""
    verdict = judge_product(product_facts(record), reference.load())
    return ProductReadiness(state=verdict.state, messages=[ReadinessMessage(
        code=f.code, severity=f.severity, message=f.message, scope=f.scope,
        product_id=f.product_id, field=f.field, reference=f.reference)
        for f in verdict.findings])


def product_out(record: dict[str, Any]) -> ProductOut:
    """A wire product from a row mapping (column attribute names), with its readiness."""
    return ProductOut.model_validate({**record, "readiness": readiness_of(record)})


def product_synced(record: dict[str, Any], sync_status: SyncStatus) -> ProductSynced:
    """A product as a sync answers it: with what the sync did to it."""
    return ProductSynced.model_validate({**record, "readiness": readiness_of(record),
                                         "sync_status": sync_status})


class ProductList(Page[ProductOut]):
    """A page of products, newest first."""


class ProductSyncResult(Batch[ProductSynced]):
    """One entry per item of the request, in request order."""
