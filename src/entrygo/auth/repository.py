"""API keys as stored: looked up by their keyed hash, never by the secret itself."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrygo.auth.models import ApiKey


def add(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key


def by_hash(session: Session, digest: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).one_or_none()


def by_id(session: Session, key_id: str) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def every(session: Session, account_id: str | None = None) -> list[ApiKey]:
    """Every key, or an account's (the command line's administration, not the API's)."""
    stmt = select(ApiKey).order_by(ApiKey.id)
    if account_id:
        stmt = stmt.where(ApiKey.account_id == account_id)
    return list(session.scalars(stmt))
