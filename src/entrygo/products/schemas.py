"""Wire shapes of the product setup flow (docs/api/contract.md §5.2)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, field_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from entrygo.api.fields import (
    CalendarDate,
    ExactNumber,
    Id,
    IdempotencyKeyField,
    Metadata,
    MoneyUsd,
    OptionalText,
    Percent,
    StrictInt,
    WeightKg,
    trimmed,
)
from entrygo.api.validation import RequestModel, json_type_name, not_null_schema
from entrygo.api.wire import Batch, LiveMode, Num, Omittable, Page, Timestamp, WireModel, shaped_as
from entrygo.readiness import reference
from entrygo.readiness.classification import statistical_line
from entrygo.readiness.facts import ProductFacts
from entrygo.readiness.findings import ReadinessState
from entrygo.readiness.product_rules import judge_product
from entrygo.readiness.quantities import units_of

ExciseCategory = Literal["none", "alcohol", "tobacco", "ends"]
SyncStatus = Literal["created", "updated", "unchanged"]
_FACT_FIELDS = ("id", "title", "customs_description", "hts_code", "country_of_origin", "mid",
                "net_weight_kg", "reference_value_usd", "excise_category", "manufacturer",
                "materials", "metal_content", "pga", "battery", "measures", "preference_claim")
PreferenceClaim = Literal["USMCA"]
"""The trade preference programs a product may claim (the schedule's special rate indicators
``S`` and ``S+``, General Note 11)."""


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


def _no_separator(value: str | None) -> str | None:
    if value is not None and ";" in value:
        raise PydanticCustomError("invalid_format", "Must not contain ';' (it separates the "
                                  "values of a list in entry_lines.csv)")
    return value


ListedText = Annotated[str, OptionalText(100), AfterValidator(_no_separator)]
"""Text that ``entry_lines.csv`` prints in a ``;``-separated cell: the separator is refused."""
ListItem = Annotated[str, trimmed(100, 1), AfterValidator(_no_separator)]
_YEAR_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def _year_month(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_type", "Expected string, received {received}",
                                  {"received": json_type_name(value)})
    if not _YEAR_MONTH.match(value):
        raise PydanticCustomError("invalid_format", "Expected a month as YYYY-MM")
    return value


YearMonth = Annotated[str, BeforeValidator(_year_month), WithJsonSchema({
    "type": "string", "pattern": _YEAR_MONTH.pattern,
    "description": "A month, YYYY-MM (CPSC asks the month and year of manufacture)."})]
_SCIENTIFIC_NAME = re.compile(r"^[A-Za-z][A-Za-z .\-]*$")


def _scientific(value: str | None) -> str | None:
    if value is not None and not _SCIENTIFIC_NAME.match(value):
        raise PydanticCustomError("invalid_format", "Expected a scientific name in Latin "
                                  "letters (spaces, dots and hyphens allowed: 'spp.')")
    return value


ScientificName = Annotated[str, OptionalText(60), AfterValidator(_scientific)]


class TestingLab(RequestModel):
    """The third-party conformity assessment body a children's product was tested by."""

    name: Annotated[str, OptionalText(200)] | None = None
    lab_id: Annotated[str, OptionalText(20)] | None = Field(
        None, description="Its CPSC laboratory id (CPSC's list of accepted laboratories).")
    address1: Annotated[str, OptionalText(200)] | None = None
    city: Annotated[str, OptionalText(100)] | None = None
    region: Annotated[str, OptionalText(100)] | None = None
    postal_code: Annotated[str, OptionalText(20)] | None = None
    country: CountryInput | None = None
    phone: Annotated[str, OptionalText(40)] | None = None


class PlaceOfManufacture(RequestModel):
    city: Annotated[str, OptionalText(100)] | None = None
    region: Annotated[str, OptionalText(100)] | None = None
    country: CountryInput | None = None


class CpscCertificate(RequestModel):
    """A certificate of compliance (CPC for children's products, GCC otherwise) with the data
    CPSC's eFiling asks of it (16 CFR 1110.11). Every key is optional on input: what a
    children's product still lacks is a readiness finding (``PGA_CPSC_DATA_MISSING``)."""

    id: Annotated[str, OptionalText(100)] | None = Field(
        None, description="The certificate's identifier (as in CPSC's Product Registry).")
    regulations: Annotated[list[ListItem], Field(max_length=30)] | None = Field(
        None, description="Each CPSC rule, ban, standard or regulation the product is "
                          "certified to (`16 CFR 1303`, `ASTM F963-23`).")
    product_identifiers: Annotated[list[ListItem], Field(max_length=10)] | None = Field(
        None, description="What identifies the finished product: model, GTIN, SKU.")
    manufacture_date: YearMonth | None = None
    place_of_manufacture: PlaceOfManufacture | None = None
    testing_lab: TestingLab | None = None
    test_date: CalendarDate | None = None


class LaceyComponent(RequestModel):
    """One plant of a product, as a Lacey Act declaration (PPQ Form 505) lists it."""

    article: ListedText | None = Field(None, description="The part made of it (`frame`).")
    genus: ScientificName | None = None
    species: ScientificName | None = Field(None, description="`spp.` when it varies.")
    country_of_harvest: CountryInput | None = None
    quantity: Annotated[Decimal, ExactNumber(places=6, le="1000000")] | None = Field(
        None, description="Of the plant material, per unit of the product.")
    unit: Annotated[str, OptionalText(10), AfterValidator(_no_separator)] | None = Field(
        None, description="The unit of `quantity` (`kg`, `m3`).")
    pct_recycled: Percent | None = Field(
        None, description="Paper and paperboard: the average percent recycled content.")


class Lacey(RequestModel):
    declaration_required: bool | None = Field(
        None, description="The product needs a Lacey Act declaration although its HTS code is "
                          "not in EntryGo's copy of the APHIS schedule.")
    components: Annotated[list[LaceyComponent], Field(max_length=20)] | None = None


class Pga(RequestModel):
    fda_product_code: Annotated[str, OptionalText(20)] | None = None
    fda_facility_registration: Annotated[str, OptionalText(20)] | None = None
    cpsc_regulated: bool | None = None
    childrens_product: bool | None = None
    cpsc_certificate_ref: Annotated[str, OptionalText(100)] | None = None
    cpsc_certificate: CpscCertificate | None = None
    rf_device: bool | None = None
    fcc_id: Annotated[str, OptionalText(40)] | None = None
    lacey: Lacey | None = None


class Battery(RequestModel):
    present: bool = False
    chemistry: Annotated[str, OptionalText(50)] | None = None
    configuration: Annotated[str, OptionalText(50)] | None = None
    un_number: Annotated[str, OptionalText(10)] | None = None
    watt_hours: Annotated[Decimal, ExactNumber(places=3, le="100000")] | None = None


Measure = Annotated[Decimal, ExactNumber(places=6, ge="0", le="1000000")]


class Measures(RequestModel):
    """What one unit of the product measures, for the tariff schedule's units of quantity
    beside ``netWeightKg`` (``kg``) and the count itself (``No.``, ``doz.``)."""

    area_m2: Measure | None = Field(None, description="Area per unit in m² (for `m²`).")
    volume_liters: Measure | None = Field(
        None, description="Volume per unit in liters (for `liters`, `m³`).")
    length_m: Measure | None = Field(None, description="Length per unit in m (for `m`).")
    pairs_per_unit: Annotated[int, StrictInt(ge=1, le=100_000)] | None = Field(
        None, description="Pairs in one unit (for `prs.`, `doz. prs.`): 1 for a pair of "
        "socks, 3 for a pack of three pairs.")
    pieces_per_unit: Annotated[int, StrictInt(ge=1, le=100_000)] | None = Field(
        None, description="Pieces in one unit (for `pcs`, `Dz Pcs`).")


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
    measures: Measures | None = None
    preference_claim: PreferenceClaim | None = Field(
        None, description="A trade preference program the goods qualify for and the importer "
        "claims (`USMCA`: Canadian or Mexican originating goods).")
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



PATCH_GROUPS = ("manufacturer", "metalContent", "pga", "pga.cpscCertificate",
                "pga.cpscCertificate.placeOfManufacture", "pga.cpscCertificate.testingLab",
                "pga.lacey", "battery", "measures")
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
    title: Annotated[str, trimmed(500, 1)] | None = Field(None, json_schema_extra=not_null_schema)
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
    measures: Measures | None = None
    preference_claim: PreferenceClaim | None = None
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


class ScheduleLineOut(WireModel):
    """A statistical line of the tariff schedule, as a finding suggests it."""

    hts_code: str = Field(description="The 10-digit statistical reporting number, no dots.")
    description: str = Field(description="Its description path below what the lines listed "
                             "share (the heading, or the tariff line), steps joined with ` > `.")
    units: list[str] = Field(description="Its units of quantity (`No.`, `doz.`, `kg`, …).")


class FindingDetailsOut(WireModel):
    """What a finding lists beside its message (only some findings carry details)."""

    suggestions: Omittable[list[ScheduleLineOut]] = Field(
        None, description="HTS_NOT_IN_SCHEDULE: the nearest statistical lines under the same "
        "heading, closest first (empty when the schedule has no such heading).")
    statistical_lines: Omittable[list[ScheduleLineOut]] = Field(
        None, description="HTS_NOT_STATISTICAL: the statistical lines of the tariff line given, "
        "in schedule order.")


Details = Annotated[dict[str, Any], shaped_as(FindingDetailsOut)]
"""A finding's details as the engine made them (JSON, camelCase keys)."""


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
    details: Details | None = Field(None, description="The lines an HTS finding suggests "
                                    "(HTS_NOT_IN_SCHEDULE, HTS_NOT_STATISTICAL); null otherwise.")


class ClassificationOut(WireModel):
    """The statistical line the product's HTS code names, as the tariff schedule describes
    it: to read beside the product's own description."""

    hts_code: str
    path: list[str] = Field(description="The schedule's descriptions from the heading down to "
                            "the line, superior text rows (`Other:`) included.")
    units: list[str] = Field(description="Its units of quantity, in the order the entry "
                             "reports them (`[\"doz.\", \"kg\"]`); empty when it has none.")
    schedule_revision: str = Field(description="The revision of the schedule read "
                                   "(`2026 Rev. 11`).")


class ProductReadiness(WireModel):
    state: ReadinessState
    messages: list[ReadinessMessage]
    classification: ClassificationOut | None = Field(
        description="The schedule's line for the product's htsCode; null when the code is no "
        "statistical reporting number of the schedule (a message says why).")


class ProductOut(WireModel):
    id: str
    livemode: LiveMode
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
    measures: Annotated[dict[str, Any], shaped_as(Measures)] | None
    preference_claim: PreferenceClaim | None
    excise_category: ExciseCategory
    meta: dict[str, Any] | None = Field(alias="metadata")
    readiness: ProductReadiness
    created_at: Timestamp
    updated_at: Timestamp


class ProductSynced(ProductOut):
    sync_status: SyncStatus


def product_facts(record: dict[str, Any]) -> ProductFacts:
    return ProductFacts(**{name: record[name] for name in _FACT_FIELDS})


def classification_of(hts: str | None) -> ClassificationOut | None:
    """The schedule's statistical line for an HTS code, described (None when it is none)."""
    schedule = reference.load().schedule
    line = statistical_line(hts, schedule)
    if hts is None or line is None:
        return None
    return ClassificationOut(hts_code=hts, path=list(schedule.path(line)),
                             units=list(units_of(line.units)),
                             schedule_revision=schedule.revision)


def readiness_of(record: dict[str, Any]) -> ProductReadiness:
    """The product-level part of the rule catalogue, judged now from the stored data."""
    verdict = judge_product(product_facts(record), reference.load())
    return ProductReadiness(state=verdict.state, messages=[ReadinessMessage(
        code=f.code, severity=f.severity, message=f.message, scope=f.scope,
        product_id=f.product_id, field=f.field, reference=f.reference,
        details=None if f.details is None else dict(f.details))
        for f in verdict.findings], classification=classification_of(record["hts_code"]))


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
