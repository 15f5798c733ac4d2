"""export batches and events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 13:44:33.346373
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_batches",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("warehouse_id", sa.String(length=40), nullable=False),
        sa.Column("broker_id", sa.String(length=40), nullable=False),
        sa.Column("destination_country", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("plan_hash", sa.String(length=80), nullable=False),
        sa.Column("readiness_state", sa.String(length=20), nullable=False),
        sa.Column("exclude_blocked_orders", sa.Boolean(), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("reference_data_version", sa.String(length=40), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_export_batches_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["broker_id"], ["brokers.id"], name=op.f("fk_export_batches_broker_id_brokers")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_export_batches_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_batches")),
    )
    with op.batch_alter_table("export_batches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_export_batches_account_id_state", ["account_id", "state"], unique=False
        )

    op.create_table(
        "export_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_export_events_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["export_batches.id"],
            name=op.f("fk_export_events_batch_id_export_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_events")),
    )
    with op.batch_alter_table("export_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_events_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("export_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_events_batch_id"))

    op.drop_table("export_events")
    with op.batch_alter_table("export_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_export_batches_account_id_state")

    op.drop_table("export_batches")
