"""Wire shapes of warehouses and brokers, and of a shipment (how parcels cross into the
United States: a warehouse's default, a plan's own)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator

from entrygo.api.fields import (
    CalendarDate,
    CountryCode,
    Email,
    Id,
    IdempotencyKeyField,
    OptionalText,
    trimmed,
)
from entrygo.api.validation import RequestModel, not_null_schema, refuse_null
from entrygo.api.wire import (
    LiveMode,
    Page,
    PublicAccountId,
    Timestamp,
    WireModel,
    shaped_as,
)

ModeOfTransport = Literal["truck", "air", "ocean", "rail", "courier", "postal"]


PortCode = Annotated[str, Field(pattern=r"^[0-9]{4}$", description=(
    "The U.S. port of entry's 4-digit Schedule D code (3004 is Blaine, WA). Only the format is "
    "checked here; whether the code is a port is a readiness finding."))]

# The carrier codes' formats, and only their formats (no list of carriers is kept):
# - SCAC, the Standard Carrier Alpha Code that the National Motor Freight Traffic Association
#   (NMFTA) assigns to truck, rail and ocean carriers: two to four letters (NMFTA via
#   https://en.wikipedia.org/wiki/Standard_Carrier_Alpha_Code; the ASC X12 element 140
#   "Standard Carrier Alpha Code" is an identifier of 2 to 4 characters, e.g.
#   https://stedi.com/edi/x12-004010/segment/BLR). Written in capitals (upper-cased on input,
#   as country codes and filer codes are). The Census Bureau
#   ("Trade Term: SCAC & IATA", http://globalreach.blogs.census.gov/page/6/): SCAC identifies
#   vessel, rail and truck carriers, IATA codes air carriers.
# - IATA airline designator: two characters, letters or digits (IATA Resolution 762, the
#   Airline Coding Directory; e.g. AC, 5X), as described in
#   https://en.wikipedia.org/wiki/Airline_codes#IATA_airline_designator and, for the allowed
#   characters "any combination of uppercase letters ('A' - 'Z') and numbers",
#   https://xwiki.avinor.no/display/ACIDD/AirlineIataCode. The optional third character of
#   the standard has never been assigned.
ScacCode = Annotated[str, Field(pattern=r"^[A-Za-z]{2,4}$", description=(
    "Standard Carrier Alpha Code (NMFTA): 2-4 letters, upper-cased on input. For truck, rail "
    "and ocean carriers.")), AfterValidator(str.upper)]
IataAirlineCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{2}$", description=(
    "IATA airline designator: 2 letters or digits (AC, 5X), upper-cased on input. For air "
    "carriers.")), AfterValidator(str.upper)]


class Carrier(RequestModel):
    """Who brings the goods into the United States (CBP Form 7501 block 8, importing
    carrier): a SCAC for truck, rail and ocean, an IATA designator for air."""

    scac: ScacCode | None = None
    iata_code: IataAirlineCode | None = None
    name: Annotated[str, OptionalText(200)] | None = None


class Shipment(RequestModel):
    """How a batch's parcels cross into the United States, as a customs broker files it
    (/docs/api/orders, "Warehouses"). Every field is optional: a warehouse's default and a
    plan's own are merged field by field."""

    mode_of_transport: ModeOfTransport | None = Field(
        None, description="CBP Form 7501 block 9, mode of transport.")
    port_of_entry: PortCode | None = None
    carrier: Carrier | None = None
    conveyance_reference: Annotated[str, OptionalText(64)] | None = Field(
        None, description="The trip, flight or voyage number of the arriving conveyance.")
    master_bill: Annotated[str, OptionalText(50)] | None = Field(
        None, description="The master bill of lading or air waybill number.")
    estimated_arrival: CalendarDate | None = Field(
        None, description="When the goods are expected to arrive (CBP Form 7501 block 11, "
        "import date), YYYY-MM-DD.")


def shipment_json(shipment: Shipment | None) -> dict[str, Any] | None:
    """A shipment as stored and answered: its JSON, every key present (null when unset)."""
    return None if shipment is None else shipment.model_dump(mode="json", by_alias=True)


ShipmentOut = Annotated[dict[str, Any], shaped_as(Shipment)]
"""A stored shipment in a response: the JSON ``shipment_json`` stored, published as
``Shipment``."""


class WarehouseCreate(RequestModel):
    account_id: Id
    name: Annotated[str, trimmed(200, 1)]
    country: CountryCode
    address1: Annotated[str, OptionalText(200)] | None = None
    address2: Annotated[str, OptionalText(200)] | None = None
    city: Annotated[str, OptionalText(100)] | None = None
    region: Annotated[str, OptionalText(100)] | None = None
    postal_code: Annotated[str, OptionalText(20)] | None = None
    notify_email: Email | None = None
    default_shipment: Shipment | None = Field(None, description=(
        "What a plan's `shipment` falls back to, field by field, for batches shipped from "
        "this warehouse."))
    idempotency_key: IdempotencyKeyField | None = None



class WarehousePatch(RequestModel):
    """A partial update of one warehouse (docs/api/contract.md §5.2), a JSON merge patch: a
    field left out stays as stored, ``null`` clears it, ``defaultShipment`` and its
    ``carrier`` merge key by key. The merged warehouse is validated as a
    ``WarehouseCreate`` (``setup.service.update_warehouse``)."""

    account_id: Id | None = None
    idempotency_key: IdempotencyKeyField | None = None
    name: Annotated[str, trimmed(200, 1)] | None = Field(None, json_schema_extra=not_null_schema)
    country: CountryCode | None = Field(None, json_schema_extra=not_null_schema)
    address1: Annotated[str, OptionalText(200)] | None = None
    address2: Annotated[str, OptionalText(200)] | None = None
    city: Annotated[str, OptionalText(100)] | None = None
    region: Annotated[str, OptionalText(100)] | None = None
    postal_code: Annotated[str, OptionalText(20)] | None = None
    notify_email: Email | None = None
    default_shipment: Shipment | None = Field(None, description=(
        "Merged into the stored default key by key (`carrier` too); a key sent as null clears "
        "it, and `defaultShipment: null` clears the whole default."))

    _cannot_be_cleared = field_validator("name", "country", mode="before")(refuse_null)

    def changes(self) -> dict[str, Any]:
        """The warehouse fields this patch sends, as the JSON of their validated values (a
        null kept as ``None``, ``defaultShipment`` and ``carrier`` with only the keys sent)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True,
                               exclude={"account_id", "idempotency_key"})


class WarehouseOut(WireModel):
    id: str
    livemode: LiveMode
    account_id: PublicAccountId
    name: str
    country: str
    address1: str | None
    address2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    notify_email: str | None
    default_shipment: ShipmentOut | None
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
    livemode: LiveMode
    account_id: PublicAccountId
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
