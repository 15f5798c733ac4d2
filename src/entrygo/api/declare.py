"""What a route declares about itself for the published contract, beside its FastAPI decorator.

A route states its summary, response model and status in FastAPI's own terms, and here the
error statuses it can answer (``errors``), the extra 409 codes it raises, and a request example
(``request_example``). ``contract.openapi`` reads all of it off the application's routes: there
is no second table of operations to keep in step.

    @router.post("/api/exports/execute", summary="Execute a planned batch, exactly once",
                 response_model=ExecuteOut, responses=errors(*WRITE, 404, conflicts=(...)),
                 openapi_extra=request_example({...}))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ERROR_MARK = "x-entrygo-error"
CONFLICTS = "x-entrygo-conflicts"
CODES = "x-entrygo-codes"
REQUEST_EXAMPLE = "x-entrygo-request-example"

WRITE = (400, 403, 409, 413, 415)
"""What every write can answer (besides 401, 429, 500, 503, which every route with auth can)."""
READ_ONE = (404,)
LIST = (400,)


def errors(*statuses: int, conflicts: Sequence[str] = (),
           codes: Mapping[int, Sequence[str]] | None = None) -> dict[int | str, dict[str, Any]]:
    """FastAPI ``responses=`` entries for the error statuses a route answers. A write's 409
    always includes the idempotency codes; ``conflicts`` are the route's own 409 codes.
    ``codes`` replaces the codes a status answers by default with the route's own (the tariff
    lookup's 404 is TARIFF_LINE_NOT_FOUND, not NOT_FOUND)."""
    out: dict[int | str, dict[str, Any]] = {status: {ERROR_MARK: True} for status in statuses}
    if conflicts:
        out[409] = {ERROR_MARK: True, CONFLICTS: list(conflicts)}
    for status, own in (codes or {}).items():
        out[status] = {**out.get(status, {}), ERROR_MARK: True, CODES: list(own)}
    return out


def request_example(example: dict[str, Any]) -> dict[str, Any]:
    """FastAPI ``openapi_extra=`` carrying the request body's example."""
    return {REQUEST_EXAMPLE: example}
