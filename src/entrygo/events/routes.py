from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from entrygo.api.declare import LIST, READ_ONE, errors
from entrygo.api.fields import TimestampInput
from entrygo.api.pagination import PageParams, page_of
from entrygo.api.wire import respond
from entrygo.auth.context import Caller, authenticated
from entrygo.events.repository import EventRepository
from entrygo.events.schemas import EventList, EventOut, event_document
from entrygo.events.service import ALL_EVENT_TYPES
from entrygo.kit.errors import not_found

if TYPE_CHECKING:
    EventType = str
else:
    EventType = Literal[ALL_EVENT_TYPES]

router = APIRouter(tags=["events"])


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
    failure), product and order sync summaries, and webhook endpoints disabled. Each event has
    one documented shape per `type`. Paging with `cursor` shows each event once, also while
    new ones are written (they appear at the top). A warehouse-scoped key sees its
    warehouse's batches and the sync summaries."""
    with request.app.state.db.read() as s:
        rows = EventRepository(s, caller).feed(page, types=list(types), batch_id=export_id,
                                               created_after=created_after)
    return respond(page_of([event_document(r) for r in rows], page))



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
