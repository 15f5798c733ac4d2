"""Cursor pagination over time-sortable ids (docs/api/contract.md §2: ``data``, ``has_more``,
``next_cursor``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from typing import Any

from fastapi import Depends, Query, Request

from entrygo.api.wire import WireModel
from entrygo.auth.context import Caller, authenticated
from entrygo.kit.errors import ApiError, Issue, validation_error

_ID = re.compile(r"^[a-z]{1,8}_[0-9a-z]{26}$")
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
CURSOR_DESCRIPTION = ("Opaque: the `next_cursor` of the previous page of this same list, as "
                      "it was given. A cursor from another list or another account is 400 "
                      "VALIDATION_ERROR on `cursor`.")


class PageParams:
    """``limit`` (1-200, default 50) and the opaque ``cursor`` of a list endpoint.

    A cursor is bound to the list that issued it and to the caller's account: one taken from
    another list (``/api/products``' on ``/api/orders``), or from another account, is a 400
    ``VALIDATION_ERROR`` on ``cursor`` rather than a page of something else.
    """

    def __init__(
        self,
        request: Request,
        caller: Caller = Depends(authenticated),
        limit: int = Query(50, ge=1, le=200, description="Page size, 1-200."),
        cursor: str | None = Query(None, max_length=200, pattern=CURSOR_PATTERN,
                                   description=CURSOR_DESCRIPTION),
    ) -> None:
        self.limit = limit
        route = request.scope.get("route")
        self.scope = cursor_scope(getattr(route, "path", request.url.path), caller.account_id)
        self.after_id = decode_cursor(cursor, self.scope) if cursor else None


def cursor_scope(list_path: str, account_id: str) -> str:
    """What a cursor is bound to: the list's route and the account, as a short tag."""
    return hashlib.sha256(f"{list_path}\n{account_id}".encode()).hexdigest()[:12]


def encode_cursor(scope: str, last_id: str) -> str:
    return base64.urlsafe_b64encode(f"{scope}.{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str) -> str:
    last_id = _payload(cursor, scope)
    if not _ID.match(last_id):
        raise _invalid_cursor()
    return last_id


def decode_position(cursor: str, scope: str) -> int:
    """The position a ranked list's cursor (``encode_cursor(scope, str(position))``) carries:
    search results have no ids to page after, only ranks."""
    position = _payload(cursor, scope)
    if not (position.isascii() and position.isdigit() and len(position) <= 9):
        raise _invalid_cursor()
    return int(position)


def _payload(cursor: str, scope: str) -> str:
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = ""
    tag, _, payload = value.partition(".")
    if tag != scope:
        raise _invalid_cursor()
    return payload


def _invalid_cursor() -> ApiError:
    return validation_error([Issue("cursor", "Invalid cursor: pass the next_cursor of the "
                                   "previous page of this same list", "invalid_value")])


def page_of(items: Sequence[Any], page: PageParams,
            ids: Sequence[str] | None = None) -> dict[str, Any]:
    """Wrap the ``limit + 1`` items fetched by ``newest_first`` as a page. Items are wire
    models or documents; ``ids`` are their row ids (by default each item's ``id``)."""
    has_more = len(items) > page.limit
    kept = list(items[: page.limit])
    if ids is None:
        ids = [k["id"] if isinstance(k, dict) else k.id for k in kept]
    last_id = ids[len(kept) - 1] if kept else None
    return {"data": [k.model_dump(mode="json", by_alias=True) if isinstance(k, WireModel)
                     else k for k in kept],
            "has_more": has_more,
            "next_cursor": encode_cursor(page.scope, last_id) if has_more and last_id else None}
