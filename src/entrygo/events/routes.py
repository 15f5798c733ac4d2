from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from entrygo.api.declare import LIST, READ_ONE, WRITE, errors, request_example
from entrygo.api.fields import TimestampInput
from entrygo.api.http import json_body, request_id_of
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import respond
from entrygo.api.writes import run_write
from entrygo.auth.context import Caller, authenticated
from entrygo.events.repository import EventRepository
from entrygo.events.schemas import (
    AgentCallRefusedEvent,
    AgentEventCreate,
    EventList,
    EventOut,
    event_document,
)
from entrygo.events.service import ALL_EVENT_TYPES, record_agent_event
from entrygo.kit.errors import not_found

if TYPE_CHECKING:
    EventType = str
else:
    EventType = Literal[ALL_EVENT_TYPES]

router = APIRouter(tags=["events"])

AGENT_EVENT_EXAMPLE = {
    "accountId": "acc_123", "type": "AGENT_CALL_REFUSED",
    "agent": {"id": "wms-night-agent", "clientName": "claude-ai", "clientVersion": "0.1.0"},
    "tool": "execute_export", "code": "VALUE_CEILING_EXCEEDED",
    "reason": "The batch is worth 3120.50 USD; this agent may execute at most 2500 USD.",
    "exportId": "batch_123", "details": {"valueUsd": 3120.5, "maxBatchValueUsd": 2500}}


@router.get("/api/events", summary="List the account's events (the feed)",
            response_model=EventList, responses=errors(*LIST))
def list_events(request: Request, caller: Caller = Depends(authenticated),
                page: PageParams = Depends(),
                types: list[EventType] = Query([], alias="type", max_length=20,
                                               description="Only these types (repeat the "
                                               "parameter for several)."),
                export_id: str | None = Query(None, alias="exportId", max_length=64,
                                              description="Only the events of this batch."),
                created_after: TimestampInput | None = Query(
                    None, alias="createdAfter",
                    description="Only events created after this time (RFC 3339 with an "
                    "offset). A time filter, not a cursor: page with `cursor`.")) -> Response:
    """Everything EntryGo records for the account, newest first, in commit order: the export
    timelines (plan, execute, package, artifacts, broker and warehouse delivery, cancel,
    failure), product and order sync summaries, webhook endpoints disabled, and agent calls
    an automation client's policy refused. Each event has one documented shape per `type`.
    Paging with `cursor` shows each event once, also while new ones are written (they appear
    at the top). A warehouse-scoped key sees its warehouse's batches, the sync summaries and
    the refusals it reported itself."""
    with request.app.state.db.read() as s:
        rows = EventRepository(s, caller).feed(page, types=list(types), batch_id=export_id,
                                               created_after=created_after)
    return respond(page_of([event_document(r) for r in rows], page))


@router.post("/api/agent-events", status_code=201, summary="Record a refused agent call",
             response_model=AgentCallRefusedEvent, responses=errors(*WRITE),
             openapi_extra=request_example(AGENT_EVENT_EXAMPLE))
def record_agent_refusal(request: Request, caller: Caller = Depends(authenticated),
                         body: AgentEventCreate = Depends(json_body(AgentEventCreate))
                         ) -> Response:
    """An automation client (such as `entrygo mcp`) reports a call its operator's policy
    refused to one of its agents, with the agent's identity, the refusal's code and reason,
    and what it was measured on. The answer is the `AGENT_CALL_REFUSED` event as the feed
    lists it and webhooks deliver it. Send an Idempotency-Key: a retry then replays the
    first answer instead of recording the refusal twice. The report is the client's own:
    EntryGo checks its shape, not its claims."""
    caller.require_account(body.account_id)
    return run_write(request, caller, lambda s: record_agent_event(
        s, caller, body, request_id_of(request)), status=201)


@router.get("/api/events/{event_id}", summary="Get one event", response_model=EventOut,
            responses=errors(*READ_ONE))
def get_event(event_id: str, request: Request, caller: Caller = Depends(authenticated)
              ) -> Response:
    """One event of the feed by its id (a webhook delivery's `webhook-id`): what a receiver
    fetches to check that a delivery it got is genuine and current. 404 for another
    account's or the other mode's event, and for one not yet committed to the feed."""
    with request.app.state.db.read() as s:
        row = EventRepository(s, caller).get(event_id)
        if row is None:
            raise not_found(EventRepository.what)
        return respond(event_document(row))
