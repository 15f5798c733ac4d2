"""What the artifact renderers are given: an immutable picture of an executed plan.

Built once by execution from the batch's stored plan and the facts its planHash was checked
against; the renderers are pure functions of it (same snapshot, same bytes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from entrygo.readiness.catalogue import CATALOGUE
from entrygo.readiness.facts import FilingFacts, OrderFacts, ProductFacts


@dataclass(frozen=True)
class Party:
    name: str
    country: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    email: str | None = None
    code: str | None = None  # broker filer code


@dataclass(frozen=True)
class Unit:
    """An export unit: one consignee, one entry (``11`` informal or ``01`` formal)."""

    id: str
    entry_type: str
    value_usd: Decimal
    order_ids: tuple[str, ...]


@dataclass(frozen=True)
class PackageSnapshot:
    package_number: str
    executed_at: datetime
    batch_id: str
    plan_hash: str
    readiness_state: str
    rules_version: str
    reference_data_version: str
    seller: Party  # the merchant account shipping from the warehouse
    warehouse: Party
    broker: Party
    destination_country: str
    units: tuple[Unit, ...]
    orders: dict[str, OrderFacts]  # by id
    products: dict[str, ProductFacts]  # by id
    mids: dict[str, tuple[str, bool]]  # product id -> (MID, derived?)
    flags: tuple[dict[str, Any], ...]  # the plan's flags, as planned
    product_flags: dict[str, tuple[str, ...]]  # product id -> treatment flags
    validation_messages: tuple[dict[str, Any], ...]  # the plan's messages, as planned
    missing_data: tuple[dict[str, Any], ...]
    totals: dict[str, Any]
    port_of_entry: str | None = None
    filing: FilingFacts | None = None
    """The importer of record, the seller and the shipment (after the warehouse's defaults)
    the plan judged: what the broker files the entries from."""
    review: dict[str, Any] = field(default_factory=dict)
    """``reviewedBy`` and ``acknowledgedCodes`` when execute was given them (else empty)."""
    duty_estimate: Mapping[str, Any] | None = None
    """The plan's ``dutyEstimate`` wire document as planned (None on plans stored before
    estimates): the artifacts print what the client was told."""
    signer_checks: dict[tuple[str, int], tuple[str, ...]] = field(
        init=False, repr=False, compare=False)
    """(order id, line index) -> the codes of the plan's messages on that line that the signer
    of the invoice must see (``Rule.signer_checks``), in message order; derived once from
    ``validation_messages`` so every artifact marks the same lines."""

    def __post_init__(self) -> None:
        checks: dict[tuple[str, int], list[str]] = {}
        for m in self.validation_messages:
            rule = CATALOGUE.get(m.get("code", ""))
            if rule is not None and rule.signer_checks and m.get("lineIndex") is not None:
                codes = checks.setdefault((m["orderId"], m["lineIndex"]), [])
                if m["code"] not in codes:
                    codes.append(m["code"])
        object.__setattr__(self, "signer_checks", {k: tuple(v) for k, v in checks.items()})
