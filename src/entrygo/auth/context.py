"""Who is calling: the authenticated key's account and restrictions, as a FastAPI dependency.

Verified keys are remembered per process for ``ENTRYGO_AUTH_CACHE_SECONDS`` (default 5), so
the hot path needs neither a database round trip nor a worker thread; a revocation therefore
takes effect within that many seconds (an expiry, exactly). Unknown keys are never cached.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from cachetools import TTLCache
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from entrygo.api.wire import request_livemode
from entrygo.auth.keys import find_active_key, key_hash, looks_like_key, unauthorized
from entrygo.kit.clock import utcnow
from entrygo.kit.errors import account_scope
from entrygo.kit.modes import is_live, partition, public_account_id


@dataclass(frozen=True)
class Caller:
    account_id: str
    """Where the key acts: its account, or the account's test partition for a test key
    (``kit.modes``). Every query is scoped to it."""
    key_id: str
    mode: str
    warehouse_id: str | None

    @property
    def public_account_id(self) -> str:
        """The account id the client knows (the same in both modes)."""
        return public_account_id(self.account_id)

    @property
    def livemode(self) -> bool:
        return is_live(self.account_id)

    def require_account(self, account_id: str) -> None:
        """A write body's ``accountId`` must be the key's own account (403 otherwise)."""
        if account_id != self.public_account_id:
            raise account_scope("accountId does not match the API key's account.",
                                field="accountId")

    def require_warehouse(self, warehouse_id: str, field: str = "warehouseId") -> None:
        """A warehouse-scoped key may only act through its own warehouse."""
        if self.warehouse_id is not None and warehouse_id != self.warehouse_id:
            raise account_scope("This API key is restricted to another warehouse.", field=field)


class KeyCache:
    """Verified keys by their keyed hash, each until ``ttl`` runs out or the key expires."""

    def __init__(self, ttl_seconds: float, size: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self._items: TTLCache[str, tuple[datetime | None, Caller]] | None = (
            TTLCache(maxsize=size, ttl=ttl_seconds) if ttl_seconds > 0 else None)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe by themselves

    def get(self, digest: str) -> Caller | None:
        if self._items is None:
            return None
        with self._lock:
            entry = self._items.get(digest)
            if entry is None:
                return None
            expires_at, caller = entry
            if expires_at is not None and expires_at <= utcnow():  # an expiry holds exactly
                self._items.pop(digest, None)
                return None
            return caller

    def put(self, digest: str, caller: Caller, expires_at: datetime | None) -> None:
        if self._items is None:
            return
        with self._lock:
            self._items[digest] = (expires_at, caller)


def _lookup(state: State, token: str) -> tuple[Caller, datetime | None]:
    with state.db.read() as session:
        key = find_active_key(session, state.settings.secret, token)
        return (Caller(partition(key.account_id, key.mode), key.id, key.mode, key.warehouse_id),
                key.expires_at)


async def authenticated(request: Request) -> Caller:
    header = request.headers.get("authorization")
    if header is None or not header.strip():
        raise unauthorized("Missing API key.")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise unauthorized("Send the API key as 'Authorization: Bearer <api-key>'.")
    token = token.strip()
    if not token:
        raise unauthorized("Missing API key.")
    state = request.app.state
    digest = key_hash(state.settings.secret, token) if looks_like_key(token) else None
    cached: Caller | None = state.key_cache.get(digest) if digest else None
    if cached is None:
        caller, expires_at = await run_in_threadpool(_lookup, state, token)
        if digest:
            state.key_cache.put(digest, caller, expires_at)
    else:
        caller = cached
    request.state.caller = caller
    request_livemode.set(caller.livemode)
    limiter = state.rate_limiter
    if limiter.shared:  # a network round trip: not on the event loop
        verdict = await run_in_threadpool(limiter.check, caller.key_id)
    else:
        verdict = limiter.check(caller.key_id)
    request.state.rate_limit_headers = verdict.headers()
    return caller
