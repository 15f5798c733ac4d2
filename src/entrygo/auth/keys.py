"""API keys: ``shpbndl_<mode>_<40 base62>``, shown once, stored as HMAC-SHA256 under the server
secret (so a leaked table alone cannot be used to check guesses offline), looked up by hash."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from entrygo.accounts import repository as accounts
from entrygo.auth import repository as keys
from entrygo.auth.models import ApiKey
from entrygo.kit.clock import utcnow
from entrygo.kit.errors import ApiError
from entrygo.kit.ids import new_id
from entrygo.kit.modes import is_live

KEY_PREFIX = "shpbndl_"
MODES = ("live", "test")
_BASE62 = string.ascii_letters + string.digits
_KEY_SHAPE = re.compile(r"^shpbndl_(live|test)_[A-Za-z0-9]{32,128}$")


@dataclass(frozen=True)
class IssuedKey:
    row: ApiKey
    secret: str  # the only time the plaintext exists outside the client


def unauthorized(message: str) -> ApiError:
    """401 ``INVALID_API_KEY`` (every way a key can fail, told apart only by the message)."""
    return ApiError(401, "INVALID_API_KEY", message, headers={"WWW-Authenticate": "Bearer"})


def key_hash(server_secret: bytes, key: str) -> str:
    return hmac.new(server_secret, key.encode(), hashlib.sha256).hexdigest()


def looks_like_key(value: str) -> bool:
    return bool(_KEY_SHAPE.match(value))


def issue_key(session: Session, server_secret: bytes, *, account_id: str, mode: str = "live",
              warehouse_id: str | None = None, expires_at: datetime | None = None,
              name: str | None = None) -> IssuedKey:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    account = accounts.get(session, account_id)
    if account is None or not is_live(account_id):
        raise ValueError(f"no account {account_id}")
    if mode == "test":
        accounts.ensure_test_partition(session, account)
    plaintext = f"{KEY_PREFIX}{mode}_" + "".join(secrets.choice(_BASE62) for _ in range(40))
    row = ApiKey(
        id=new_id("key"), account_id=account_id, mode=mode,
        key_hash=key_hash(server_secret, plaintext),
        hint=f"{plaintext[:len(KEY_PREFIX) + len(mode) + 1]}…{plaintext[-4:]}",
        name=name, warehouse_id=warehouse_id, expires_at=expires_at, created_at=utcnow(),
    )
    return IssuedKey(keys.add(session, row), plaintext)


def find_active_key(session: Session, server_secret: bytes, presented: str) -> ApiKey:
    """The key row for a presented secret, or 401 ``INVALID_API_KEY`` saying why."""
    if not looks_like_key(presented):
        raise unauthorized("Invalid API key.")
    digest = key_hash(server_secret, presented)
    row = keys.by_hash(session, digest)
    if row is None or not hmac.compare_digest(row.key_hash, digest):
        raise unauthorized("Invalid API key.")
    if row.revoked_at is not None:
        raise unauthorized("This API key has been revoked.")
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise unauthorized("This API key has expired.")
    return row


def revoke_key(session: Session, key_id: str) -> ApiKey | None:
    row = keys.by_id(session, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def list_keys(session: Session, account_id: str | None = None) -> list[ApiKey]:
    return keys.every(session, account_id)
