"""The feed's events as clients see them, one shape per type (the published contract documents
each: ``GET /api/events`` and every webhook delivery's body).

Every event is ``{"id", "type", "livemode", "createdAt", "exportId", "data", "requestId"}``;
``data`` is the type's own object below. Fields marked optional appear only when they have a
value (events recorded before a field existed never carry it).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from entrygo.api.fields import Id, IdempotencyKeyField, Metadata, OptionalText, trimmed
from entrygo.api.validation import RequestModel
from entrygo.api.wire import DateTime, Omittable, Page, WireModel
from entrygo.events.models import ExportEvent
from entrygo.kit.clock import iso

Readiness = Literal["READY", "REVIEW_REQUIRED", "BLOCKED"]


def event_document(event: ExportEvent) -> dict[str, Any]:
    """An event as the feed lists it and a webhook delivers it."""
    return {"id": event.id, "type": event.type, "livemode": event.livemode,
            "createdAt": iso(event.occurred_at),
            "exportId": event.batch_id, "data": event.data, "requestId": event.request_id}


# --- each type's data -------------------------------------------------------------------------

class ExportBatchCreatedData(WireModel):
    warehouse_id: str
    broker_id: str


class ExportPlannedData(WireModel):
    plan_hash: str
    readiness_state: Readiness
    order_count: int = Field(description="Orders included in the plan.")
    supersedes: Omittable[list[str]] = Field(None, description="The PLANNED batches this plan "
                                             "moved to SUPERSEDED.")


class ExportReplannedData(ExportPlannedData):
    previous_plan_hash: str


class ExportSupersededData(WireModel):
    superseded_by: str
    order_ids: list[str] = Field(description="The orders the newer plan shares with this one.")


class ExportCancelledData(WireModel):
    pass


class ExportFailedData(WireModel):
    error: str


class CustomsPackageCreatedData(WireModel):
    customs_package_id: str
    package_number: str


class CustomsArtifactGeneratedData(WireModel):
    artifact_id: str
    filename: str
    sha256: str


class ExportExecutedData(WireModel):
    customs_package_id: str
    order_count: int
    reviewed_by: Omittable[str] = None
    acknowledged_codes: Omittable[list[str]] = None


class BrokerNotifiedData(WireModel):
    submission_id: str
    recipient: str
    message_id: str
    attempt: int
    transport: str


class BrokerSubmissionFailedData(WireModel):
    submission_id: str
    attempt: int
    error: str
    status: Literal["retrying", "failed"]
    next_attempt_at: DateTime | None


class WarehouseNotifiedData(WireModel):
    notification_id: str
    recipient: str
    message_id: str
    attempt: int


class SyncedOrder(WireModel):
    id: str
    external_id: str
    sync_status: Literal["created", "updated"]


class SyncedProduct(SyncedOrder):
    readiness_state: Readiness


class ProductsSyncedData(WireModel):
    source: Literal["sync", "import", "patch"] = Field(
        description="POST /api/products/sync, `entrygo products import`, or PATCH "
        "/api/products/{id}.")
    created: int
    updated: int
    unchanged: int
    products: list[SyncedProduct] = Field(description="The products created or updated.")


class OrdersSyncedData(WireModel):
    source: Literal["sync"]
    created: int
    updated: int
    unchanged: int
    orders: list[SyncedOrder] = Field(description="The orders created or updated.")


class WebhookEndpointDisabledData(WireModel):
    endpoint_id: str
    url: str
    reason: Literal["failing"]
    failing_since: DateTime
    last_error: str | None


class AgentOut(WireModel):
    id: Omittable[str] = Field(None, description="The id the operator gave the agent.")
    client_name: Omittable[str] = Field(None, description="The name the agent's client "
                                        "announced (an MCP client's clientInfo.name).")
    client_version: Omittable[str] = Field(None, description="Its version.")


class AgentCallRefusedData(WireModel):
    tool: str = Field(description="What the agent tried to call (`execute_export`).")
    code: str = Field(description="Why it was refused, as a code (`VALUE_CEILING_EXCEEDED`).")
    reason: str = Field(description="The same for people.")
    agent: AgentOut
    export_id: Omittable[str] = Field(None, description="The batch the call was about, as "
                                      "the agent named it.")
    details: Omittable[dict[str, Any]] = Field(None, description="What the refusal was "
                                               "measured on (the values and the limit).")


# --- what an automation client reports --------------------------------------------------------

ToolName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                            pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")]
RefusalCode = Annotated[str, StringConstraints(min_length=2, max_length=64,
                                               pattern=r"^[A-Z][A-Z0-9_]*$")]


class AgentIn(RequestModel):
    """Who was refused: the operator's id for the agent and what its client announced."""

    id: Annotated[str, OptionalText(200)] | None = None
    client_name: Annotated[str, OptionalText(200)] | None = None
    client_version: Annotated[str, OptionalText(100)] | None = None


class AgentEventCreate(RequestModel):
    """An automation client's report of a call its operator's policy refused."""

    account_id: Id
    idempotency_key: IdempotencyKeyField | None = None
    type: Literal["AGENT_CALL_REFUSED"]
    agent: AgentIn
    tool: ToolName
    code: RefusalCode
    reason: Annotated[str, trimmed(1000, 1)]
    export_id: Id | None = Field(None, description="The batch the refused call was about "
                                 "(kept as sent: a report, not a reference EntryGo checks).")
    details: Metadata | None = None

    def event_data(self) -> dict[str, Any]:
        """The event's ``data``: fields without a value are left out."""
        agent = {k: v for k, v in (("id", self.agent.id), ("clientName", self.agent.client_name),
                                   ("clientVersion", self.agent.client_version)) if v}
        data: dict[str, Any] = {"tool": self.tool, "code": self.code, "reason": self.reason,
                                "agent": agent}
        if self.export_id is not None:
            data["exportId"] = self.export_id
        if self.details is not None:
            data["details"] = self.details
        return data


# --- the events -------------------------------------------------------------------------------

class _Event(WireModel):
    id: str = Field(description="evt_…: also the webhook-id of its deliveries.")
    livemode: bool = Field(description="False for the events of test-mode objects (a test "
                           "key's feed, a test-mode endpoint's deliveries).")
    created_at: DateTime
    export_id: str | None = Field(description="The export batch the event is about; null for "
                                  "the account's own events.")
    request_id: str | None = Field(description="The X-Request-Id of the request that caused "
                                   "it; null for background work.")


class ExportBatchCreatedEvent(_Event):
    """A persisted plan made a new batch."""

    type: Literal["EXPORT_BATCH_CREATED"]
    data: ExportBatchCreatedData


class ExportPlannedEvent(_Event):
    """A new batch was planned."""

    type: Literal["EXPORT_PLANNED"]
    data: ExportPlannedData


class ExportReplannedEvent(_Event):
    """A PLANNED batch was planned again (same id, new planHash)."""

    type: Literal["EXPORT_REPLANNED"]
    data: ExportReplannedData


class ExportSupersededEvent(_Event):
    """A newer plan over some of its orders superseded the batch."""

    type: Literal["EXPORT_SUPERSEDED"]
    data: ExportSupersededData


class ExportCancelledEvent(_Event):
    """The batch was cancelled."""

    type: Literal["EXPORT_CANCELLED"]
    data: ExportCancelledData


class ExportFailedEvent(_Event):
    """Generating the customs package failed; nothing was sent."""

    type: Literal["EXPORT_FAILED"]
    data: ExportFailedData


class CustomsPackageCreatedEvent(_Event):
    """Execute created the batch's customs package."""

    type: Literal["CUSTOMS_PACKAGE_CREATED"]
    data: CustomsPackageCreatedData


class CustomsArtifactGeneratedEvent(_Event):
    """One artifact of the package was generated (one event per file)."""

    type: Literal["CUSTOMS_ARTIFACT_GENERATED"]
    data: CustomsArtifactGeneratedData


class ExportExecutedEvent(_Event):
    """The batch was executed (COMPLETED), with the review execute was given."""

    type: Literal["EXPORT_EXECUTED"]
    data: ExportExecutedData


class BrokerNotifiedEvent(_Event):
    """The customs package was delivered to the broker."""

    type: Literal["BROKER_NOTIFIED"]
    data: BrokerNotifiedData


class BrokerSubmissionFailedEvent(_Event):
    """An attempt to deliver the package to the broker failed (retried unless failed)."""

    type: Literal["BROKER_SUBMISSION_FAILED"]
    data: BrokerSubmissionFailedData


class WarehouseNotifiedEvent(_Event):
    """The warehouse was notified."""

    type: Literal["WAREHOUSE_NOTIFIED"]
    data: WarehouseNotifiedData


class ProductsSyncedEvent(_Event):
    """A product sync, import or patch created or changed products (one that changed
    nothing records nothing)."""

    type: Literal["PRODUCTS_SYNCED"]
    data: ProductsSyncedData


class OrdersSyncedEvent(_Event):
    """An order sync created or changed orders (one that changed nothing records
    nothing)."""

    type: Literal["ORDERS_SYNCED"]
    data: OrdersSyncedData


class WebhookEndpointDisabledEvent(_Event):
    """EntryGo disabled a webhook endpoint whose deliveries had all failed for days."""

    type: Literal["WEBHOOK_ENDPOINT_DISABLED"]
    data: WebhookEndpointDisabledData


class AgentCallRefusedEvent(_Event):
    """An automation client's policy refused one of its agent's calls (reported by the client,
    POST /api/agent-events)."""

    type: Literal["AGENT_CALL_REFUSED"]
    data: AgentCallRefusedData


EventOut = Annotated[
    ExportBatchCreatedEvent | ExportPlannedEvent | ExportReplannedEvent | ExportSupersededEvent
    | ExportCancelledEvent | ExportFailedEvent | CustomsPackageCreatedEvent
    | CustomsArtifactGeneratedEvent | ExportExecutedEvent | BrokerNotifiedEvent
    | BrokerSubmissionFailedEvent | WarehouseNotifiedEvent | ProductsSyncedEvent
    | OrdersSyncedEvent | WebhookEndpointDisabledEvent | AgentCallRefusedEvent,
    Field(discriminator="type")]
"""One event: its ``type`` says which shape ``data`` has."""


class EventList(Page[EventOut]):
    """A page of the account's events, newest first (in commit order)."""
