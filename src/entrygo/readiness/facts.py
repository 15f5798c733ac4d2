"""What the readiness engine judges: frozen snapshots of products and orders (no ORM, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ProductFacts:
    """A product's customs data; nested groups as their wire JSON (camelCase keys)."""

    id: str
    title: str
    customs_description: str | None = None
    hts_code: str | None = None
    country_of_origin: str | None = None
    mid: str | None = None
    net_weight_kg: Decimal | None = None
    reference_value_usd: Decimal | None = None
    excise_category: str = "none"
    manufacturer: dict[str, Any] | None = field(default=None, hash=False)
    materials: list[dict[str, Any]] | None = field(default=None, hash=False)
    metal_content: dict[str, Any] | None = field(default=None, hash=False)
    pga: dict[str, Any] | None = field(default=None, hash=False)
    battery: dict[str, Any] | None = field(default=None, hash=False)
    measures: dict[str, Any] | None = field(default=None, hash=False)
    """Per-unit measures for the schedule's units of quantity (``areaM2``, ``volumeLiters``,
    ``lengthM``, ``pairsPerUnit``, ``piecesPerUnit``), as their wire JSON."""
    preference_claim: str | None = None
    """The trade preference program the product claims (``USMCA``), or None."""
    external_id: str | None = None
    """The merchant's SKU, printed beside EntryGo's id in the artifacts (not a customs fact:
    it never changes and takes no part in readiness or planHash)."""


@dataclass(frozen=True)
class LineFacts:
    product_id: str
    quantity: int
    unit_value_usd: Decimal
    line_value_usd: Decimal


@dataclass(frozen=True)
class OrderFacts:
    id: str
    external_id: str
    destination_country: str
    destination_region: str | None
    destination_postal_code: str | None
    consignee: dict[str, Any] | None = field(hash=False)
    lines: tuple[LineFacts, ...]
    total_value_usd: Decimal
    ordered_at: str | None = None
    """The date of sale (RFC 3339), as synced."""
    currency: str | None = None
    incoterm: str | None = None
    usd_exchange_rate: dict[str, Any] | None = field(default=None, hash=False)
    parcels: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    charges: dict[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class PlanFacts:
    """Everything a plan depends on. ``orders`` sorted by id; ``products`` by id."""

    account_id: str
    warehouse_id: str
    warehouse_country: str
    broker_id: str
    destination_country: str
    exclude_blocked_orders: bool
    orders: tuple[OrderFacts, ...]
    products: dict[str, ProductFacts] = field(hash=False)
    filing: FilingFacts | None = None
    """The parties and transport of the entries; None only for callers that judge goods alone
    (a product's own readiness)."""
    same_conveyance: tuple[ConsigneeElsewhere, ...] = ()
    """The goods per consignee of the account's other batches on this plan's conveyance, read
    by the plan service: the rules judge them without any I/O of their own."""


@dataclass(frozen=True)
class ConsigneeElsewhere:
    """Goods for one consignee in another batch of the account on the same conveyance (the
    same ``conveyanceReference``, port of entry and, when both say, arrival date), planned or
    executed: an entry this plan would split (19 CFR 141.51)."""

    batch_id: str
    consignee_key: str
    """``readiness.consignee.consignee_key`` of the batch's included orders."""
    value_usd: Decimal
    """The batch's included orders for this consignee, summed."""


@dataclass(frozen=True)
class FilingFacts:
    """Who files and how the goods arrive: what a plan decides beside the goods themselves.

    ``importer`` and ``seller`` are wire documents (camelCase keys); ``shipment`` is the plan
    request's shipment with the warehouse's default filled in, field by field."""

    importer: dict[str, Any] | None = field(hash=False)
    seller: dict[str, Any] = field(hash=False)
    shipment: dict[str, Any] = field(hash=False)
    policy: str = "standard"
