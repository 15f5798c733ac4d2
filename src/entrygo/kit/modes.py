"""Live and test mode: each account keeps its test-mode objects in a partition of its own.

A test key (``shpbndl_test_…``) acts in its account's test partition, an account row whose id
is the live account's id with ``acc_test_`` in place of ``acc_`` (``acc_01jd…`` ->
``acc_test_01jd…``). Every stored object carries its partition's id in ``account_id``, so the
mode is written in every row, and the account scope every query already has (the repository
base, ``db.repository``) is what keeps the modes apart: a test key cannot read or change a live
object, nor a live key a test one, because to each the other's ids are another account's.

The partition id never reaches the wire: requests and responses name the account by its public
id (``accountId`` is the same in both modes, as a Stripe account's is), and each object says
which mode it belongs to with ``livemode``.
"""

from __future__ import annotations

LIVE_PREFIX = "acc_"
TEST_PREFIX = "acc_test_"


def test_partition(account_id: str) -> str:
    """The id of the test partition of a (live) account."""
    if account_id.startswith(TEST_PREFIX):
        return account_id
    return TEST_PREFIX + account_id.removeprefix(LIVE_PREFIX)


def partition(account_id: str, mode: str) -> str:
    """Where a key of ``mode`` (``live`` or ``test``) of the account acts."""
    return test_partition(account_id) if mode == "test" else account_id


def is_live(account_id: str) -> bool:
    """Whether the rows of this (stored) account id are live-mode objects."""
    return not account_id.startswith(TEST_PREFIX)


def public_account_id(account_id: str) -> str:
    """The account id a client knows, for a stored one of either mode."""
    if account_id.startswith(TEST_PREFIX):
        return LIVE_PREFIX + account_id.removeprefix(TEST_PREFIX)
    return account_id
