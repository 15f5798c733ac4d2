from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from entrygo.api.declare import LIST, READ_ONE, WRITE, errors, request_example
from entrygo.api.http import json_body, optional_json_body
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import respond
from entrygo.api.writes import run_write
from entrygo.auth.context import Caller, authenticated
from entrygo.kit.errors import account_scope, not_found
from entrygo.webhooks import service
from entrygo.webhooks.repository import EndpointRepository
from entrygo.webhooks.schemas import (
    AccountOnly,
    RotateSecret,
    WebhookDeliveryList,
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointDeleted,
    WebhookEndpointList,
    WebhookEndpointOut,
    WebhookEndpointPatch,
    WebhookEndpointWithSecret,
)

CREATE_EXAMPLE = {"accountId": "acc_123", "url": "https://wms.example.com/entrygo/webhooks",
                  "enabledEvents": ["EXPORT_EXECUTED", "BROKER_NOTIFIED",
                                    "BROKER_SUBMISSION_FAILED"],
                  "description": "WMS dispatch board"}
PATCH_EXAMPLE = {"accountId": "acc_123", "enabledEvents": ["*"]}

router = APIRouter(tags=["webhooks"])
ONE = "/api/webhook-endpoints/{endpoint_id}"


def _unrestricted(caller: Caller) -> None:
    """Webhook endpoints belong to the whole account: a warehouse-scoped key may not see or
    change them (their deliveries carry every warehouse's events)."""
    if caller.warehouse_id is not None:
        raise account_scope("A warehouse-scoped API key cannot manage webhook endpoints.")


def _endpoint(request: Request, caller: Caller, endpoint_id: str) -> Any:
    with request.app.state.db.read() as s:
        row = EndpointRepository(s, caller).get(endpoint_id)
    if row is None:
        raise not_found(EndpointRepository.what)
    return row


@router.post("/api/webhook-endpoints", status_code=201, summary="Register a webhook endpoint",
             response_model=WebhookEndpointWithSecret, responses=errors(*WRITE),
             openapi_extra=request_example(CREATE_EXAMPLE))
def create_webhook_endpoint(request: Request, caller: Caller = Depends(authenticated),
                            body: WebhookEndpointCreate = Depends(
                                json_body(WebhookEndpointCreate))) -> Response:
    """Registers a URL that receives the account's events of `enabledEvents` (or `["*"]`:
    all), each POSTed and signed per Standard Webhooks. The URL must be https and its host
    resolve to public addresses only (400 VALIDATION_ERROR on `url` otherwise). The answer
    carries the signing `secret` (`whsec_…`), shown this once. A warehouse-scoped API key
    cannot manage webhook endpoints (403 INVALID_ACCOUNT_SCOPE)."""
    caller.require_account(body.account_id)
    _unrestricted(caller)
    hooks = request.app.state.webhooks
    url = service.checked_url(body.url, hooks.rules.for_mode(caller.livemode), hooks.resolver)
    return run_write(request, caller, lambda s: service.create_endpoint(s, caller, body,
                                                                        url=url), status=201)


@router.get("/api/webhook-endpoints", summary="List webhook endpoints",
            response_model=WebhookEndpointList, responses=errors(*LIST, 403))
def list_webhook_endpoints(request: Request, caller: Caller = Depends(authenticated),
                           page: PageParams = Depends()) -> Response:
    """The account's webhook endpoints, newest first, a page at a time (secrets are never
    shown again)."""
    _unrestricted(caller)
    with request.app.state.db.read() as s:
        rows = EndpointRepository(s, caller).page(page)
    return respond(page_of([WebhookEndpointOut.of(r) for r in rows], page))


@router.get(ONE, summary="Get a webhook endpoint", response_model=WebhookEndpointOut,
            responses=errors(*READ_ONE, 403))
def get_webhook_endpoint(endpoint_id: str, request: Request,
                         caller: Caller = Depends(authenticated)) -> Response:
    """One webhook endpoint of the account (404 for any other id)."""
    _unrestricted(caller)
    return respond(WebhookEndpointOut.of(_endpoint(request, caller, endpoint_id)))


@router.patch(ONE, summary="Change a webhook endpoint", response_model=WebhookEndpointOut,
              responses=errors(*WRITE, 404), openapi_extra=request_example(PATCH_EXAMPLE))
def update_webhook_endpoint(endpoint_id: str, request: Request,
                            caller: Caller = Depends(authenticated),
                            body: WebhookEndpointPatch = Depends(
                                json_body(WebhookEndpointPatch))) -> Response:
    """Changes the fields sent: `url` (checked as at registration), `enabledEvents`,
    `description`, and `disabled` (true stops deliveries, false resumes them and forgets the
    failures that disabled it)."""
    if body.account_id is not None:
        caller.require_account(body.account_id)
    _unrestricted(caller)
    url = None
    if body.url is not None:
        hooks = request.app.state.webhooks
        url = service.checked_url(body.url, hooks.rules.for_mode(caller.livemode), hooks.resolver)
    return run_write(request, caller, lambda s: WebhookEndpointOut.of(
        service.update_endpoint(s, caller, endpoint_id, body, url=url)))


@router.delete(ONE, summary="Delete a webhook endpoint", response_model=WebhookEndpointDeleted,
               responses=errors(*WRITE, 404))
def delete_webhook_endpoint(endpoint_id: str, request: Request,
                            caller: Caller = Depends(authenticated),
                            body: AccountOnly = Depends(optional_json_body(AccountOnly))
                            ) -> Response:
    """Deletes the endpoint: it receives nothing more (its pending deliveries fail) and its
    id is 404 from then on. The body may be left out."""
    if body.account_id is not None:
        caller.require_account(body.account_id)
    _unrestricted(caller)
    return run_write(request, caller, lambda s: WebhookEndpointDeleted(
        id=service.delete_endpoint(s, caller, endpoint_id), deleted=True))


@router.post(f"{ONE}/rotate-secret", summary="Rotate a webhook endpoint's signing secret",
             response_model=WebhookEndpointWithSecret, responses=errors(*WRITE, 404))
def rotate_webhook_secret(endpoint_id: str, request: Request,
                          caller: Caller = Depends(authenticated),
                          body: RotateSecret = Depends(optional_json_body(RotateSecret))
                          ) -> Response:
    """Makes a new signing secret (in the answer, shown this once). For `overlapSeconds`
    (default a day) the previous secret keeps signing too: every delivery carries a
    signature per secret in `webhook-signature`, so receivers verify with either while they
    switch. The body may be left out."""
    if body.account_id is not None:
        caller.require_account(body.account_id)
    _unrestricted(caller)
    overlap = request.app.state.settings.webhooks_secret_overlap_seconds
    return run_write(request, caller, lambda s: service.rotate_secret(
        s, caller, endpoint_id, body, default_overlap_seconds=overlap))


@router.get(f"{ONE}/deliveries", summary="List a webhook endpoint's deliveries",
            response_model=WebhookDeliveryList, responses=errors(*LIST, 403, 404))
def list_webhook_deliveries(endpoint_id: str, request: Request,
                            caller: Caller = Depends(authenticated),
                            page: PageParams = Depends()) -> Response:
    """The delivery log: one entry per event sent to the endpoint, newest first, with its
    status, attempts, the last response's status and duration, and the next retry."""
    _unrestricted(caller)
    with request.app.state.db.read() as s:
        endpoints = EndpointRepository(s, caller)
        if endpoints.get(endpoint_id) is None:
            raise not_found(EndpointRepository.what)
        rows = endpoints.deliveries(endpoint_id, page)
    return respond(page_of([WebhookDeliveryOut.of(r) for r in rows], page))


@router.post(f"{ONE}/deliveries/{{delivery_id}}/retry", summary="Retry a webhook delivery now",
             response_model=WebhookDeliveryOut, responses=errors(*WRITE, 404, conflicts=[
                 "INVALID_DELIVERY_STATE", "DELIVERY_IN_PROGRESS"]))
def retry_webhook_delivery(endpoint_id: str, delivery_id: str, request: Request,
                           caller: Caller = Depends(authenticated),
                           body: AccountOnly = Depends(optional_json_body(AccountOnly))
                           ) -> Response:
    """Attempts a delivery now, whatever its schedule (a failed one too), with the same
    `webhook-id`, and answers the delivery after the attempt. 409 INVALID_DELIVERY_STATE when
    it was already sent or the endpoint is disabled; 409 DELIVERY_IN_PROGRESS while another
    attempt holds it."""
    if body.account_id is not None:
        caller.require_account(body.account_id)
    _unrestricted(caller)
    state = request.app.state
    dead_holder: list[str | None] = [None]

    def check(s: Session) -> WebhookDeliveryOut:
        delivery, dead_holder[0] = service.delivery_to_retry(s, caller, endpoint_id,
                                                             delivery_id)
        return WebhookDeliveryOut.of(delivery)

    def deliver(checked: Any) -> WebhookDeliveryOut:
        state.webhooks.deliver_within(delivery_id, force=True, take_over=dead_holder[0])
        with state.db.read() as s:
            row = EndpointRepository(s, caller).delivery(endpoint_id, delivery_id)
        assert row is not None
        return WebhookDeliveryOut.of(row)

    return run_write(request, caller, check, after_commit=deliver,
                     after_commit_seconds=state.webhooks.policy.wait_seconds)
