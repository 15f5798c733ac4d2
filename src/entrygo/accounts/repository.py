"""Accounts: the one table above the account scope (the command line and the demo manage it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrygo.accounts.models import Account


def add(session: Session, account: Account) -> Account:
    session.add(account)
    session.flush()
    return account


def exists(session: Session, account_id: str) -> bool:
    return session.get(Account, account_id) is not None


def every(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.id)))


def first_named(session: Session, name: str) -> Account | None:
    """The oldest account of this name (the demo reuses its account)."""
    return session.scalars(select(Account).where(Account.name == name)
                           .order_by(Account.id).limit(1)).first()
