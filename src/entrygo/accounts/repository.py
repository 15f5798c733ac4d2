"""Accounts: the one table above the account scope (the command line and the demo manage it;
the API reads and changes the caller's own account only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrygo.accounts.models import Account
from entrygo.kit.modes import TEST_PREFIX, is_live, test_partition


def add(session: Session, account: Account) -> Account:
    session.add(account)
    session.flush()
    return account


def exists(session: Session, account_id: str) -> bool:
    return session.get(Account, account_id) is not None


def get(session: Session, account_id: str) -> Account | None:
    return session.get(Account, account_id)


def for_update(session: Session, account_id: str) -> Account | None:
    """The account, its row locked until the transaction ends (a patch reads, merges and
    writes it back; the default importer is switched under it). ``FOR NO KEY UPDATE`` on
    PostgreSQL, as planning's account lock (``exports.repository.lock_account_plans``): the
    foreign-key checks of the account's other writes pass through it."""
    return session.scalars(select(Account).where(Account.id == account_id)
                           .with_for_update(key_share=True)
                           .execution_options(populate_existing=True)).one_or_none()


def update(session: Session, account: Account, values: dict[str, Any]) -> None:
    """Write these column values (attribute names) of an account this transaction read."""
    for name, value in values.items():
        setattr(account, name, value)
    session.flush()


def every(session: Session) -> list[Account]:
    """Every account (their test partitions are not accounts of their own)."""
    return list(session.scalars(select(Account).where(~Account.id.startswith(TEST_PREFIX))
                                .order_by(Account.id)))


def first_named(session: Session, name: str) -> Account | None:
    """The oldest account of this name (the demo reuses its account)."""
    return session.scalars(select(Account).where(Account.name == name,
                                                 ~Account.id.startswith(TEST_PREFIX))
                           .order_by(Account.id).limit(1)).first()


COPIED_TO_TEST = ("name", "legal_name", "address", "require_review_acknowledgement",
                  "readiness_policy")
"""The settings a new test partition starts from (its importers are its own, so not the
default importer)."""


def ensure_test_partition(session: Session, account: Account) -> Account:
    """The account's test partition (``kit.modes``), made on first need with the account's
    seller and policies; from then on its settings are its own."""
    found = session.get(Account, test_partition(account.id))
    if found is not None:
        return found
    return add(session, Account(id=test_partition(account.id), created_at=account.created_at,
                                **{name: getattr(account, name) for name in COPIED_TO_TEST}))


def acting_partition(session: Session, account_id: str, mode: str) -> str | None:
    """Where work of ``mode`` for the (public) account acts: the account itself, or its test
    partition, made on first need. None when there is no such account."""
    live = get(session, account_id) if is_live(account_id) else None
    if live is None:
        return None
    return ensure_test_partition(session, live).id if mode == "test" else live.id
