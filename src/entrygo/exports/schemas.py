"""Wire shapes of planning and inspection (docs/api/contract.md §5.4-5.6), in the guide's casing.

The plan is rendered once, as a JSON document, by ``plan_document``: that document is both the
response and what the batch stores, so inspect shows exactly what the client was told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from entrygo.api.fields import CountryCode, Id, IdempotencyKeyField, trimmed
from entrygo.api.validation import RequestModel
from entrygo.api.wire import (
    DateTime,
    LiveMode,
    Omittable,
    Page,
    WireModel,
    decimal_to_number,
    shaped_as,
)
from entrygo.events.service import EVENT_TYPES
from entrygo.exports.duty_estimate import DutyEstimateOut
from entrygo.exports.states import ExportState
from entrygo.kit.clock import iso
from entrygo.products.schemas import FindingDetailsOut
from entrygo.readiness.catalogue import CATALOGUE, FLAGS
from entrygo.readiness.consignee import Consignee
from entrygo.readiness.facts import FilingFacts
from entrygo.readiness.findings import Finding, ReadinessState
from entrygo.readiness.plan import Assessment, Exclusion
from entrygo.setup.schemas import Shipment

if TYPE_CHECKING:  # enums in the published schema, built from the one list of each
    MessageCode = str
    FlagName = str
    EventType = str
else:
    MessageCode = Literal[tuple(CATALOGUE)]
    FlagName = Literal[FLAGS]
    EventType = Literal[EVENT_TYPES]

NextAction = Literal["execute", "review_flags_then_execute", "fix_blocking_issues_then_replan"]
ExclusionReason = Literal["DESTINATION_MISMATCH", "ALREADY_EXPORTED", "BLOCKING_ISSUES"]


class PlanRequest(RequestModel):
    account_id: Id
    warehouse_id: Id
    broker_id: Id
    importer_id: Id | None = None
    shipment: Shipment | None = None
    order_ids: Annotated[list[Id], Field(min_length=1, max_length=10_000)]
    destination_country: CountryCode = "US"
    batch_id: Annotated[str, trimmed(64, 3)] | None = None
    dry_run: bool = False
    exclude_blocked_orders: bool = False
    idempotency_key: IdempotencyKeyField | None = None


class ExecuteRequest(RequestModel):
    account_id: Id
    batch_id: Id
    plan_hash: Annotated[str, Field(pattern=r"^planhash_[0-9a-f]{64}$")] | None = None
    acknowledged_codes: Annotated[list[MessageCode], Field(max_length=100)] | None = Field(
        None, description="The warning codes the reviewer accepts; recorded with the export. "
        "With the account's requireReviewAcknowledgement, a REVIEW_REQUIRED batch executes "
        "only when every warning code of its plan is here.")
    reviewed_by: Annotated[str, trimmed(200, 1)] | None = Field(
        None, description="Who reviewed the plan (an operator's name, an agent's id); "
        "recorded with the export and shown to the broker.")
    idempotency_key: IdempotencyKeyField | None = None


class AccountBody(RequestModel):
    """A write with nothing to say but whose account it is (cancel, retry)."""

    account_id: Id | None = None
    idempotency_key: IdempotencyKeyField | None = None


def message_document(f: Finding, unit_ids: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "code": f.code, "severity": f.severity, "message": f.message, "scope": f.scope,
        "orderId": f.order_id, "lineIndex": f.line_index, "productId": f.product_id,
        "field": f.field, "reference": f.reference,
    }
    if f.unit_index is not None:
        doc["exportUnitId"] = unit_ids[f.unit_index]
        doc["orderIds"] = list(f.order_ids or ())
    if f.details is not None:
        doc["details"] = dict(f.details)
    return doc


def exclusion_document(e: Exclusion) -> dict[str, Any]:
    doc: dict[str, Any] = {"orderId": e.order_id, "reason": e.reason}
    if e.codes:
        doc["codes"] = list(e.codes)
    return doc


def plan_document(*, batch_id: str | None, state: str | None, dry_run: bool, livemode: bool,
                  plan_hash: str,
                  assessment: Assessment, exclusions: list[Exclusion], unit_ids: list[str],
                  warehouse_id: str, broker_id: str, destination_country: str,
                  rules_version: str, reference_version: str, created_at: Any,
                  filing: FilingFacts | None = None,
                  duty_estimate: dict[str, Any] | None = None) -> dict[str, Any]:
    a = assessment
    totals = {k: decimal_to_number(v) if not isinstance(v, int) else v
              for k, v in a.totals.items()}
    ordered = sorted(exclusions, key=lambda e: e.order_id)
    return {
        "exportId": batch_id,
        "batch_id": batch_id,
        "state": state,
        "status": state,
        "dryRun": dry_run,
        "livemode": livemode,
        "planHash": plan_hash,
        "readinessState": a.readiness_state,
        "validationMessages": [message_document(f, unit_ids) for f in a.findings],
        "flags": [{"flag": flag, "orderIds": list(orders), "productIds": list(products)}
                  for flag, orders, products in a.flags],
        "missing_data": [{"entity": m.entity, "id": m.id, "field": m.field, "code": m.code}
                         for m in a.missing],
        "included_order_ids": list(a.included_order_ids),
        "excluded_order_ids": [e.order_id for e in ordered],
        "exclusions": [exclusion_document(e) for e in ordered],
        "strategy": {
            "consolidation": "per_consignee",
            "exportUnits": [{"id": unit_id, "orderIds": list(u.order_ids),
                             "valueUsd": decimal_to_number(u.value_usd),
                             "entryType": u.entry_type,
                             "consignee": consignee_document(u.consignee)}
                            for unit_id, u in zip(unit_ids, a.units, strict=True)],
        },
        "totals": totals,
        "dutyEstimate": duty_estimate,
        "warehouseId": warehouse_id,
        "brokerId": broker_id,
        "destinationCountry": destination_country,
        **filing_document(filing),
        "rulesVersion": rules_version,
        "referenceDataVersion": reference_version,
        "next_recommended_action": a.next_action,
        "createdAt": iso(created_at),
    }


def consignee_document(c: Consignee) -> dict[str, Any]:
    return {"name": c.name, "address1": c.address1, "address2": c.address2, "city": c.city,
            "region": c.region, "postalCode": c.postal_code}


def filing_document(filing: FilingFacts | None) -> dict[str, Any]:
    """Who files and how the goods arrive, as the plan judged them (null before there was
    filing data: plans stored before it keep their document as it was answered)."""
    if filing is None:
        return {"importer": None, "shipment": None, "readinessPolicy": None}
    importer = filing.importer
    return {"importer": None if importer is None else {
                "id": importer["id"], "name": importer["name"], "number": importer["number"]},
            "shipment": filing.shipment, "readinessPolicy": filing.policy}


def summary_document(batch: Any) -> dict[str, Any]:
    """A batch in a list: identity, state and totals (the full plan is at inspect)."""
    return {
        "exportId": batch.id, "batch_id": batch.id, "livemode": batch.livemode,
        "state": batch.state, "status": batch.state, "supersededBy": batch.superseded_by,
        "planHash": batch.plan_hash, "readinessState": batch.readiness_state,
        "warehouseId": batch.warehouse_id,
        "brokerId": batch.broker_id, "destinationCountry": batch.destination_country,
        "totals": batch.plan["totals"], "createdAt": iso(batch.created_at),
        "updatedAt": iso(batch.updated_at), "executedAt": iso(batch.executed_at),
    }


def package_document(p: Any) -> dict[str, Any]:
    return {"id": p.id, "packageNumber": p.package_number, "state": p.state}


def artifact_document(a: Any) -> dict[str, Any]:
    return {"id": a.id, "artifact_type": a.artifact_type, "filename": a.filename,
            "content_type": a.content_type, "size_bytes": a.size_bytes, "sha256": a.sha256,
            "generated_at": iso(a.generated_at)}


def submission_document(s: Any) -> dict[str, Any]:
    return {"id": s.id, "submission_type": s.submission_type, "status": s.status,
            "recipient_email": s.recipient_email, "subject": s.subject,
            "sent_at": iso(s.sent_at), "error_message": s.error_message,
            "attempts": s.attempts, "next_attempt_at": iso(s.next_attempt_at),
            "transport": s.transport, "message_id": s.message_id,
            "delivery": "live" if s.livemode else "test_outbox"}


def notification_document(n: Any) -> dict[str, Any]:
    return {"id": n.id, "type": n.type, "channel": n.channel, "recipient": n.recipient,
            "status": n.status, "sent_at": iso(n.sent_at), "error_message": n.error_message,
            "attempts": n.attempts, "delivery": "live" if n.livemode else "test_outbox"}


def event_document(event: Any) -> dict[str, Any]:
    return {"id": event.id, "type": event.type, "occurredAt": iso(event.occurred_at),
            "requestId": event.request_id, "data": event.data}


# --- response shapes, for the published contract (the documents above are what is sent; the
# --- contract tests check every response of the guide flow against these) ---------------------


class ValidationMessageOut(WireModel):
    code: MessageCode
    severity: Literal["blocking", "warning", "info"]
    message: str
    scope: Literal["batch", "order", "line", "product"]
    order_id: str | None
    line_index: int | None
    product_id: str | None
    field: str | None
    reference: str | None
    export_unit_id: Omittable[str] = Field(None, description="Only on export-unit findings.")
    order_ids: Omittable[list[str]] = Field(None, description="Only on export-unit findings.")
    details: Omittable[FindingDetailsOut] = Field(
        None, description="Only on findings that list more than their message can: the lines "
        "an HTS finding suggests (HTS_NOT_IN_SCHEDULE, HTS_NOT_STATISTICAL).")


class FlagOut(WireModel):
    flag: FlagName
    order_ids: list[str]
    product_ids: list[str]


class MissingDataOut(WireModel):
    entity: Literal["product", "order"]
    id: str
    field: str
    code: MessageCode


class ExclusionOut(WireModel):
    order_id: str
    reason: ExclusionReason
    codes: Omittable[list[MessageCode]] = Field(None, description="The blocking codes, for "
                                                                 "BLOCKING_ISSUES.")


class NormalizedConsigneeOut(WireModel):
    """The consignee an export unit's orders were grouped on, as the plan compared them: upper
    case without accents or punctuation, the street in USPS Publication 28 form where it
    parses, the USPS state code and the 5-digit ZIP. The first order's, where the orders
    differ in what grouping leaves out (second line, city, ZIP+4). Null where not given."""

    name: str | None
    address1: str | None
    address2: str | None
    city: str | None
    region: str | None
    postal_code: str | None


class ExportUnitOut(WireModel):
    id: str
    order_ids: list[str]
    value_usd: float
    entry_type: Literal["11", "01"]
    consignee: Omittable[NormalizedConsigneeOut] = Field(
        None, description="The unit's consignee, normalised (orders with the same name, "
        "street and 5-digit ZIP once normalised are one consignee: one entry, 19 CFR 141.51). "
        "Left out only on plans stored before it was shown.")


class StrategyOut(WireModel):
    consolidation: Literal["per_consignee"]
    export_units: list[ExportUnitOut]


class TotalsOut(WireModel):
    order_count: int
    line_count: int
    unit_count: int = Field(description="Export units (entries), one per consignee.")
    value_usd: float
    net_weight_kg: float


class ImporterRefOut(WireModel):
    """The importer of record a plan names (details at ``GET /api/importers/{id}``)."""

    id: str
    name: str
    number: str


class PlanFields(WireModel):
    """What every plan answer carries, dry run or not."""
    livemode: LiveMode

    plan_hash: str = Field(pattern=r"^planhash_[0-9a-f]{64}$")
    readiness_state: ReadinessState
    validation_messages: list[ValidationMessageOut]
    flags: list[FlagOut]
    missing_data: list[MissingDataOut] = Field(alias="missing_data")
    included_order_ids: list[str] = Field(alias="included_order_ids")
    excluded_order_ids: list[str] = Field(alias="excluded_order_ids")
    exclusions: list[ExclusionOut]
    strategy: StrategyOut
    totals: TotalsOut
    duty_estimate: DutyEstimateOut | None = Field(
        description="Duties and fees per export unit and order, and in total, and what each "
        "product's lines owe (the customs package prints every line's amounts): an "
        "estimate for planning, not a duty determination (/docs/duty-estimate). Derived from "
        "the plan, not part of planHash. Null only on plans stored before estimates.")
    warehouse_id: str
    broker_id: str
    destination_country: str
    importer: ImporterRefOut | None = Field(description="The importer of record the plan "
                                            "judged: the request's importerId, else the "
                                            "account's default; null when there is none.")
    shipment: Annotated[dict[str, Any], shaped_as(Shipment)] | None = Field(
        description="The shipment the plan judged: the request's fields, each missing one "
        "from the warehouse's defaultShipment. Null only on plans stored before shipments.")
    readiness_policy: Literal["standard", "strict"] | None = Field(
        description="The account's policy the plan was judged under (null only on plans "
        "stored before policies).")
    rules_version: str
    reference_data_version: str
    next_recommended_action: NextAction = Field(alias="next_recommended_action")
    created_at: DateTime


class PlanOut(PlanFields):
    """A persisted plan: a PLANNED batch (or, re-planned, the batch's new plan)."""

    export_id: str = Field(description="The batch id (the same as batch_id).")
    batch_id: str = Field(alias="batch_id")
    state: ExportState
    status: ExportState = Field(description="The same as state (the guide's name).")
    dry_run: Literal[False]


class DryRunPlanOut(PlanFields):
    """A dry run's answer: the same judgement, nothing stored, so no batch id or state."""

    export_id: None
    batch_id: None = Field(alias="batch_id")
    state: None
    status: None
    dry_run: Literal[True]


class PackageRefOut(WireModel):
    id: str
    package_number: str
    state: Literal["generated", "sent_to_broker", "delivery_failed"]


class ArtifactOut(WireModel):
    id: str
    artifact_type: Literal["manifest", "entry_summary", "commercial_invoice",
                           "commercial_invoice_data", "entry_lines", "packing_list",
                           "readiness_report", "metals_declaration",
                           "duty_estimate"] = Field(alias="artifact_type")
    filename: str
    content_type: str = Field(alias="content_type")
    size_bytes: int = Field(alias="size_bytes")
    sha256: str
    generated_at: DateTime = Field(alias="generated_at")


class BrokerSubmissionOut(WireModel):
    id: str
    submission_type: Literal["email"] = Field(alias="submission_type")
    status: Literal["queued", "sent", "retrying", "failed"]
    recipient_email: str = Field(alias="recipient_email")
    subject: str
    sent_at: DateTime | None = Field(alias="sent_at")
    error_message: str | None = Field(alias="error_message")
    attempts: int
    next_attempt_at: DateTime | None = Field(alias="next_attempt_at")
    transport: Literal["smtp", "outbox", "test_outbox"] | None = Field(
        description="How the last attempt went out; null before the first attempt.")
    message_id: str = Field(alias="message_id", description="Stable per submission.")
    delivery: Literal["live", "test_outbox"] = Field(
        description="Where the email goes: `live`, the configured SMTP server (or, with none, "
        "the server's outbox folder); `test_outbox` for a test-mode batch, whose email never "
        "leaves EntryGo (written to the test outbox folder only).")


class NotificationOut(WireModel):
    id: str
    type: Literal["WAREHOUSE_NOTIFIED"]
    channel: Literal["email"]
    recipient: str
    status: Literal["queued", "sent", "retrying", "failed"]
    sent_at: DateTime | None = Field(alias="sent_at")
    error_message: str | None = Field(alias="error_message")
    attempts: int
    delivery: Literal["live", "test_outbox"] = Field(
        description="As the broker submission's: `test_outbox` for a test-mode batch.")


class EventOut(WireModel):
    id: str
    type: EventType
    occurred_at: DateTime
    request_id: str | None
    data: dict[str, Any]


class ExecutionOut(WireModel):
    """A batch's execution, as inspect shows it: null until the batch is executed."""

    customs_package_id: str | None = Field(alias="customs_package_id")
    customs_package: PackageRefOut | None
    artifacts: list[ArtifactOut]
    broker_submission: BrokerSubmissionOut | None
    notifications: list[NotificationOut]
    executed_at: DateTime | None


class ExecuteOut(WireModel):
    """An executed batch: its package, artifacts and broker submission always exist."""
    livemode: LiveMode

    export_id: str
    batch_id: str = Field(alias="batch_id")
    status: ExportState
    state: ExportState
    plan_hash: str
    customs_package_id: str = Field(alias="customs_package_id")
    customs_package: PackageRefOut
    artifacts: list[ArtifactOut]
    broker_submission: BrokerSubmissionOut
    notifications: list[NotificationOut]
    executed_at: DateTime


SUPERSEDED_BY = ("The batch whose newer plan over some of the same orders superseded this one "
                 "(state SUPERSEDED); null otherwise.")


class InspectOut(PlanOut, ExecutionOut):
    superseded_by: str | None = Field(description=SUPERSEDED_BY)
    updated_at: DateTime
    events: list[EventOut]


class ExportSummaryOut(WireModel):
    livemode: LiveMode
    export_id: str
    batch_id: str = Field(alias="batch_id")
    state: ExportState
    status: ExportState
    superseded_by: str | None = Field(description=SUPERSEDED_BY)
    plan_hash: str
    readiness_state: ReadinessState
    warehouse_id: str
    broker_id: str
    destination_country: str
    totals: TotalsOut
    created_at: DateTime
    updated_at: DateTime
    executed_at: DateTime | None


class ExportListOut(Page[ExportSummaryOut]):
    """A page of export batches, newest first."""


class CustomsPackageOut(WireModel):
    id: str
    livemode: LiveMode
    export_batch_id: str
    package_number: str
    state: Literal["generated", "sent_to_broker", "delivery_failed"]
    created_at: DateTime
    artifacts: list[ArtifactOut]
    broker_submission: BrokerSubmissionOut | None
