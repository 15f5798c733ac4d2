"""Managing webhook endpoints: register (the URL checked, the secret made), change, rotate the
secret, delete; and which delivery a forced retry may attempt."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from entrygo.auth.context import Caller
from entrygo.kit.clock import iso, utcnow
from entrygo.kit.errors import ApiError, Issue, not_found, validation_error
from entrygo.kit.ids import new_id
from entrygo.kit.process import lease_standing
from entrygo.webhooks import repository as repo
from entrygo.webhooks.models import WebhookDelivery, WebhookEndpoint
from entrygo.webhooks.repository import EndpointRepository
from entrygo.webhooks.schemas import (
    RotateSecret,
    WebhookEndpointCreate,
    WebhookEndpointOut,
    WebhookEndpointPatch,
    WebhookEndpointWithSecret,
)
from entrygo.webhooks.signing import new_secret
from entrygo.webhooks.urls import Resolver, UnsafeUrl, UrlRules, check


def checked_url(url: str, rules: UrlRules, resolver: Resolver) -> str:
    """The URL, if EntryGo may send to it (400 ``VALIDATION_ERROR`` on ``url`` otherwise)."""
    try:
        check(url, rules, resolver)
    except UnsafeUrl as exc:
        raise validation_error([Issue("url", f"Refused: {exc}", "invalid_value")]) from None
    return url


def create_endpoint(session: Session, caller: Caller, body: WebhookEndpointCreate, *,
                    url: str) -> WebhookEndpointWithSecret:
    now = utcnow()
    row = EndpointRepository(session, caller).add(WebhookEndpoint(
        id=new_id("whk"), account_id=caller.account_id, url=url, description=body.description,
        enabled_events=list(body.enabled_events), status=repo.ENABLED, secret=new_secret(),
        created_at=now, updated_at=now))
    return with_secret(row)


def with_secret(row: WebhookEndpoint) -> WebhookEndpointWithSecret:
    """The endpoint with its signing secret: the answer to a create and to a rotation only."""
    return WebhookEndpointWithSecret(**WebhookEndpointOut.of(row).model_dump(),
                                     secret=row.secret)


def _owned(session: Session, caller: Caller, endpoint_id: str) -> WebhookEndpoint:
    row = EndpointRepository(session, caller).for_update(endpoint_id)
    if row is None:
        raise not_found(EndpointRepository.what)
    return row


def update_endpoint(session: Session, caller: Caller, endpoint_id: str,
                    patch: WebhookEndpointPatch, *, url: str | None) -> WebhookEndpoint:
    """Apply the fields sent; re-enabling forgets the failures that disabled it."""
    row = _owned(session, caller, endpoint_id)
    changes = patch.changes()
    now = utcnow()
    changed = False
    if url is not None and url != row.url:
        row.url, changed = url, True
    if "enabled_events" in changes and changes["enabled_events"] != row.enabled_events:
        row.enabled_events, changed = list(changes["enabled_events"]), True
    if "description" in changes and changes["description"] != row.description:
        row.description, changed = changes["description"], True
    disabled = changes.get("disabled")
    if disabled is True and row.status == repo.ENABLED:
        row.status, row.disabled_reason, row.disabled_at = repo.DISABLED, "manual", now
        changed = True
    elif disabled is False and row.status == repo.DISABLED:
        row.status, row.disabled_reason, row.disabled_at = repo.ENABLED, None, None
        row.failing_since, changed = None, True
    if changed:
        row.updated_at = now
        session.flush()
    return row


def delete_endpoint(session: Session, caller: Caller, endpoint_id: str) -> str:
    """The endpoint is gone for the client (404 from now on) and receives nothing more."""
    row = _owned(session, caller, endpoint_id)
    now = utcnow()
    row.deleted_at = row.updated_at = now
    row.status = repo.DISABLED
    session.flush()
    repo.cancel_pending(session, row.id, "The endpoint was deleted.")
    return row.id


def rotate_secret(session: Session, caller: Caller, endpoint_id: str, body: RotateSecret, *,
                  default_overlap_seconds: int) -> WebhookEndpointWithSecret:
    """A new secret; the current one keeps signing beside it for the overlap (the secret it
    had replaced, if still in its own overlap, stops now)."""
    row = _owned(session, caller, endpoint_id)
    now = utcnow()
    overlap = (default_overlap_seconds if body.overlap_seconds is None
               else body.overlap_seconds)
    row.previous_secret = row.secret if overlap > 0 else None
    row.previous_secret_expires_at = now + timedelta(seconds=overlap) if overlap > 0 else None
    row.secret = new_secret()
    row.updated_at = now
    session.flush()
    return with_secret(row)


def delivery_to_retry(session: Session, caller: Caller, endpoint_id: str, delivery_id: str
                      ) -> tuple[WebhookDelivery, str | None]:
    """The delivery a forced retry attempts now, and the holder of its lease if that holder is
    gone (to be taken over). 409 ``INVALID_DELIVERY_STATE`` when it was delivered or its
    endpoint is disabled; 409 ``DELIVERY_IN_PROGRESS`` while a live sender holds it."""
    endpoints = EndpointRepository(session, caller)
    endpoint = endpoints.get(endpoint_id)
    delivery = None if endpoint is None else endpoints.delivery(endpoint_id, delivery_id)
    if endpoint is None or delivery is None:
        raise not_found("Webhook delivery")
    details = {"deliveryStatus": delivery.status, "endpointStatus": endpoint.status}
    if delivery.status == "sent":
        raise ApiError(409, "INVALID_DELIVERY_STATE", "The delivery was already sent; the "
                       "event is in GET /api/events.", details=details)
    if endpoint.status != repo.ENABLED:
        raise ApiError(409, "INVALID_DELIVERY_STATE", "The endpoint is disabled: enable it "
                       "(PATCH disabled: false) first.", details=details)
    stale, wait = lease_standing(delivery.lease_until, delivery.lease_owner, utcnow())
    if wait is None:
        return delivery, stale
    raise ApiError(409, "DELIVERY_IN_PROGRESS", "An attempt of this delivery is under way; its "
                   "outcome shows in the delivery log. Retry after it.",
                   headers={"Retry-After": str(wait)},
                   details={**details, "leaseUntil": iso(delivery.lease_until)})
