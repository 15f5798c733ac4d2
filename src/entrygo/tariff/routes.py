from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from entrygo.api.declare import errors
from entrygo.api.pagination import (
    CURSOR_DESCRIPTION,
    CURSOR_PATTERN,
    cursor_scope,
    decode_position,
    encode_cursor,
)
from entrygo.api.wire import respond
from entrygo.auth.context import Caller, authenticated
from entrygo.tariff import service
from entrygo.tariff.schemas import HTS_PATTERN, TariffLineOut, TariffSearchPage, search_hit

router = APIRouter(tags=["tariff"])


@router.get("/api/tariff/lines", summary="Search the tariff schedule",
            response_model=TariffSearchPage, responses=errors(400))
def search_tariff_lines(
    request: Request, caller: Caller = Depends(authenticated),
    q: str = Query(min_length=1, max_length=200, description="Words describing the goods "
                   "(`vacuum bottle`), or an HTS number or its beginning (`9617`, "
                   "`6109.10`)."),
    limit: int = Query(20, ge=1, le=100, description="Page size, 1-100."),
    cursor: str | None = Query(None, max_length=200, pattern=CURSOR_PATTERN,
                               description=CURSOR_DESCRIPTION),
) -> Response:
    """Full-text search over the descriptions of the Harmonized Tariff Schedule: each line is
    matched on its whole description path (heading, superior text, its own text), with word
    forms (`bottles`, `bottle`) and a few everyday words the schedule does not use (`bottle`
    also finds `flask`, `laptop` finds `portable automatic data processing machines`). Best
    first: lines matching every word before the others, statistical lines (what an entry
    declares) slightly before the lines above them. Digits alone (`9617`, `6109.10`) list the
    lines whose number begins with them, in schedule order. The schedule is the same for every
    account; answers do not depend on the caller."""
    query = service.parse(q)
    tariff = service.schedule()
    route = request.scope.get("route")
    scope = cursor_scope(f"{getattr(route, 'path', request.url.path)}?{query.key}"
                         f"#{tariff.revision}", caller.account_id)
    start = decode_position(cursor, scope) if cursor else 0
    hits = service.search(query, start + limit + 1)
    page = hits[start:start + limit]
    has_more = len(hits) > start + limit
    return respond(TariffSearchPage(
        data=[search_hit(tariff, h.line, h.score) for h in page], has_more=has_more,
        next_cursor=encode_cursor(scope, str(start + limit)) if has_more else None))


@router.get("/api/tariff/lines/{hts}", summary="Look up a tariff line by its number",
            response_model=TariffLineOut,
            responses=errors(400, 404, codes={404: ["TARIFF_LINE_NOT_FOUND"]}))
def get_tariff_line(
    caller: Caller = Depends(authenticated),
    hts: str = Path(pattern=HTS_PATTERN, description="4, 6, 8 or 10 digits; dots or spaces "
                    "between the groups are allowed (`9617.00.10.00`, `9617001000`)."),
) -> Response:
    """One line of the Harmonized Tariff Schedule (a heading, subheading, tariff line or
    statistical line): its description and the path of descriptions above it, its units of
    quantity, its rates of duty (inherited from the tariff line where a statistical line
    prints none), its statistical lines, and the schedule's revision. A number that is not in
    the schedule is 404 TARIFF_LINE_NOT_FOUND with `details.suggestions`: the closest
    statistical lines under the same heading."""
    return respond(service.lookup(hts))
