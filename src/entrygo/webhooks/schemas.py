"""Wire shapes of webhook endpoints and their deliveries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from entrygo.api.fields import Id, IdempotencyKeyField, OptionalText, StrictInt, trimmed
from entrygo.api.validation import RequestModel, refuse_null
from entrygo.api.wire import LiveMode, Page, Timestamp, WireModel
from entrygo.events.service import ALL_EVENT_TYPES
from entrygo.webhooks.models import WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    EventChoice = str
else:
    EventChoice = Literal[(*ALL_EVENT_TYPES, "*")]

Url = Annotated[str, trimmed(2048, 1), Field(description=(
    "Where events are POSTed: https, on a host that resolves to public addresses only "
    "(/docs/api/events#endpoint-urls)."))]
EnabledEvents = Annotated[list[EventChoice], Field(min_length=1, max_length=32, description=(
    "The event types to send, or [\"*\"] for every type (new types included)."))]
Description = Annotated[str, OptionalText(500)]
MAX_OVERLAP_SECONDS = 7 * 24 * 3600


def _events_check(value: list[str]) -> list[str]:
    if "*" in value and len(value) > 1:
        raise PydanticCustomError("invalid_value", '"*" stands alone: it means every type')
    if len(set(value)) != len(value):
        raise PydanticCustomError("duplicate", "An event type is listed twice")
    return value


class WebhookEndpointCreate(RequestModel):
    account_id: Id
    idempotency_key: IdempotencyKeyField | None = None
    url: Url
    enabled_events: EnabledEvents
    description: Description | None = None

    _events = field_validator("enabled_events")(_events_check)


class WebhookEndpointPatch(RequestModel):
    """Changes only the fields sent; ``disabled`` turns deliveries off (true) or on again
    (false)."""

    account_id: Id | None = None
    idempotency_key: IdempotencyKeyField | None = None
    url: Url | None = None
    enabled_events: EnabledEvents | None = None
    description: Description | None = None
    disabled: bool | None = None

    _events = field_validator("enabled_events")(_events_check)

    _cannot_be_cleared = field_validator("url", "enabled_events", "disabled",
                                         mode="before")(refuse_null)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"account_id", "idempotency_key"})


class AccountOnly(RequestModel):
    """A write with nothing to say but whose account it is (delete, retry)."""

    account_id: Id | None = None
    idempotency_key: IdempotencyKeyField | None = None


class RotateSecret(RequestModel):
    account_id: Id | None = None
    idempotency_key: IdempotencyKeyField | None = None
    overlap_seconds: Annotated[int, StrictInt(ge=0, le=MAX_OVERLAP_SECONDS)] | None = Field(
        None, description="How long the previous secret keeps signing deliveries beside the "
        "new one, in seconds (0-604800; default 86400, a day). 0 retires it at once.")


class WebhookEndpointOut(WireModel):
    id: str
    livemode: LiveMode
    url: str
    description: str | None
    enabled_events: list[str]
    status: Literal["enabled", "disabled"]
    disabled_reason: Literal["manual", "failing"] | None = Field(
        description="manual: disabled with PATCH; failing: EntryGo disabled it after its "
        "deliveries had failed for days (event WEBHOOK_ENDPOINT_DISABLED).")
    disabled_at: Timestamp | None
    failing_since: Timestamp | None = Field(
        description="When its current run of failed deliveries began; null while it works.")
    previous_secret_expires_at: Timestamp | None = Field(
        description="After a rotation: until when the previous secret also signs deliveries.")
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, row: WebhookEndpoint) -> WebhookEndpointOut:
        return cls(id=row.id, livemode=row.livemode, url=row.url, description=row.description,
                   enabled_events=list(row.enabled_events), status=row.status,  # type: ignore[arg-type]
                   disabled_reason=row.disabled_reason,  # type: ignore[arg-type]
                   disabled_at=row.disabled_at, failing_since=row.failing_since,
                   previous_secret_expires_at=row.previous_secret_expires_at,
                   created_at=row.created_at, updated_at=row.updated_at)


class WebhookEndpointWithSecret(WebhookEndpointOut):
    secret: str = Field(description="whsec_…: the signing secret, shown in this answer only. "
                        "Give it to your Standard Webhooks library.")


class WebhookEndpointList(Page[WebhookEndpointOut]):
    """A page of webhook endpoints, newest first."""


class WebhookEndpointDeleted(WireModel):
    id: str
    deleted: Literal[True]


class WebhookDeliveryOut(WireModel):
    id: str
    livemode: LiveMode
    endpoint_id: str
    event_id: str = Field(description="Also the webhook-id header of every attempt.")
    event_type: str
    status: Literal["queued", "retrying", "sent", "failed"]
    attempts: int
    response_status: int | None = Field(description="The HTTP status of the last attempt; "
                                        "null when none came (refused, timed out).")
    duration_ms: int | None = Field(description="How long the last attempt took.")
    error: str | None = Field(description="What went wrong in the last attempt.")
    last_attempt_at: Timestamp | None
    next_attempt_at: Timestamp | None = Field(description="When it is retried (retrying).")
    sent_at: Timestamp | None
    created_at: Timestamp

    @classmethod
    def of(cls, row: WebhookDelivery) -> WebhookDeliveryOut:
        return cls(id=row.id, livemode=row.livemode, endpoint_id=row.endpoint_id,
                   event_id=row.event_id,
                   event_type=row.event_type, status=row.status,  # type: ignore[arg-type]
                   attempts=row.attempts, response_status=row.response_status,
                   duration_ms=row.duration_ms, error=row.error_message,
                   last_attempt_at=row.last_attempt_at, next_attempt_at=row.next_attempt_at,
                   sent_at=row.sent_at, created_at=row.created_at)


class WebhookDeliveryList(Page[WebhookDeliveryOut]):
    """A page of an endpoint's deliveries, newest first."""
