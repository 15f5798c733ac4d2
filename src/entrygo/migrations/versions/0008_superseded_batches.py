"""superseded batches: the orders of each batch, by order, and who superseded a batch

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 23:30:00

``export_batch_orders`` is backfilled from the stored plans of the PLANNED batches (the only
ones a new plan ever looks for): every order the plan judged, included or excluded. Batches
that already share orders stay PLANNED; the next persisted plan over any of those orders
supersedes them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PAGE = 1_000
"""Batches read, and membership rows inserted, per statement while backfilling."""

# the tables as this migration knows them (never the application's models, which move on)
batches = sa.table("export_batches", sa.column("id", sa.String()),
                   sa.column("account_id", sa.String()), sa.column("state", sa.String()),
                   sa.column("plan", sa.JSON()))
orders = sa.table("orders", sa.column("id", sa.String()), sa.column("account_id", sa.String()))
memberships = sa.table("export_batch_orders", sa.column("batch_id", sa.String()),
                       sa.column("order_id", sa.String()), sa.column("account_id", sa.String()))


def upgrade() -> None:
    op.create_table(
        "export_batch_orders",
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"],
            name=op.f("fk_export_batch_orders_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["export_batches.id"],
            name=op.f("fk_export_batch_orders_batch_id_export_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_export_batch_orders_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("batch_id", "order_id", name=op.f("pk_export_batch_orders")),
    )
    with op.batch_alter_table("export_batch_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_export_batch_orders_order_id"), ["order_id"], unique=False
        )
    with op.batch_alter_table("export_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_by", sa.String(length=40), nullable=True))
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """One membership row per order of each PLANNED batch's stored plan (orders of the batch's
    own account that still exist: a stored plan only ever names those)."""
    after = ""
    while True:
        page = conn.execute(
            sa.select(batches.c.id, batches.c.account_id, batches.c.plan)
            .where(batches.c.state == "PLANNED", batches.c.id > after)
            .order_by(batches.c.id).limit(PAGE)).all()
        if not page:
            return
        rows: list[dict[str, Any]] = []
        for batch in page:
            plan = batch.plan or {}
            wanted = sorted(set(plan.get("included_order_ids") or [])
                            | set(plan.get("excluded_order_ids") or []))
            if not wanted:
                continue
            known = set(conn.scalars(sa.select(orders.c.id).where(
                orders.c.account_id == batch.account_id, orders.c.id.in_(wanted))))
            rows += [{"batch_id": batch.id, "order_id": order_id,
                      "account_id": batch.account_id}
                     for order_id in wanted if order_id in known]
        for start in range(0, len(rows), PAGE):
            conn.execute(sa.insert(memberships), rows[start:start + PAGE])
        after = page[-1].id


def downgrade() -> None:
    # never recreated on SQLite (it drops columns itself): export_batches has rows pointing
    # at it, which a copy-and-drop of the table would trip over
    with op.batch_alter_table("export_batches", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("superseded_by")
    with op.batch_alter_table("export_batch_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_batch_orders_order_id"))

    op.drop_table("export_batch_orders")
