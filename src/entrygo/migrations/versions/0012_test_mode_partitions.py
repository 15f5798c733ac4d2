"""test mode: a test partition for every account that already has test keys

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 12:00:00

Test keys existed before test mode did and acted on their account's (live) objects. From now on
a test key acts in its account's test partition (``kit.modes``): an accounts row of its own,
``acc_test_…``, made here with the account's seller and policies for every account that has a
test key (new ones are made when a test key is issued). What test keys made before stays live:
nothing tells it apart from live work, so nothing is moved.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = ("name", "created_at", "legal_name", "address", "require_review_acknowledgement",
           "readiness_policy")
"""What a partition copies from its account (``accounts.repository.COPIED_TO_TEST`` and the
creation time)."""


def upgrade() -> None:
    op.execute(
        f"INSERT INTO accounts (id, {', '.join(COLUMNS)}) "
        f"SELECT 'acc_test_' || substr(a.id, 5), {', '.join('a.' + c for c in COLUMNS)} "
        "FROM accounts a "
        "WHERE substr(a.id, 1, 9) <> 'acc_test_' "
        "AND EXISTS (SELECT 1 FROM api_keys k WHERE k.account_id = a.id AND k.mode = 'test') "
        "AND NOT EXISTS (SELECT 1 FROM accounts t WHERE t.id = 'acc_test_' || substr(a.id, 5))")


def downgrade() -> None:
    """The partitions go only while nothing lives in them (a foreign key refuses otherwise)."""
    op.execute("DELETE FROM accounts WHERE substr(id, 1, 9) = 'acc_test_'")
