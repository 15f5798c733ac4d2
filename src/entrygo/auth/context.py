"""Who is calling: the authenticated key's account and restrictions, as a FastAPI dependency."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from entrygo.auth.keys import find_active_key
from entrygo.kit.errors import ApiError, account_scope


@dataclass(frozen=True)
class Caller:
    account_id: str
    key_id: str
    mode: str
    warehouse_id: str | None

    def require_account(self, account_id: str) -> None:
        """A write body's ``accountId`` must be the key's own account (403 otherwise)."""
        if account_id != self.account_id:
            raise account_scope("accountId does not match the API key's account.",
                                field="accountId")

    def require_warehouse(self, warehouse_id: str, field: str = "warehouseId") -> None:
        """A warehouse-scoped key may only act through its own warehouse."""
        if self.warehouse_id is not None and warehouse_id != self.warehouse_id:
            raise account_scope("This API key is restricted to another warehouse.", field=field)


def _missing() -> ApiError:
    return ApiError(401, "INVALID_API_KEY", "Missing API key.",
                    headers={"WWW-Authenticate": "Bearer"})


def authenticated(request: Request) -> Caller:
    header = request.headers.get("authorization")
    if header is None or not header.strip():
        raise _missing()
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise ApiError(401, "INVALID_API_KEY",
                       "Send the API key as 'Authorization: Bearer <api-key>'.",
                       headers={"WWW-Authenticate": "Bearer"})
    token = token.strip()
    if not token:
        raise _missing()
    state = request.app.state
    with state.db.read() as session:
        key = find_active_key(session, state.settings.secret, token)
        caller = Caller(key.account_id, key.id, key.mode, key.warehouse_id)
    request.state.caller = caller
    verdict = state.rate_limiter.check(key_id=caller.key_id)
    request.state.rate_limit_headers = verdict.headers()
    return caller
