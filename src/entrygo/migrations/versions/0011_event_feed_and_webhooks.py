"""the account's event feed (positions in commit order, events without a batch) and webhook
endpoints with their deliveries

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 09:00:00

Events recorded before keep their ids; their positions follow id order per account, and the
warehouse of each batch event is copied from its batch. (Test mode keeps its events, endpoints
and deliveries in the account's test partition: 0012.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nothing refers to export_events yet: SQLite may copy the table to relax batch_id
    with op.batch_alter_table("export_events", schema=None) as batch_op:
        batch_op.alter_column("batch_id", existing_type=sa.String(length=40), nullable=True)
        batch_op.add_column(sa.Column("warehouse_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("position", sa.BigInteger(), nullable=True))
    op.execute("UPDATE export_events SET warehouse_id = (SELECT b.warehouse_id FROM "
               "export_batches b WHERE b.id = export_events.batch_id)")
    op.execute("UPDATE export_events SET position = ranked.n FROM (SELECT id, ROW_NUMBER() "
               "OVER (PARTITION BY account_id ORDER BY id) AS n FROM export_events) AS ranked "
               "WHERE export_events.id = ranked.id")
    with op.batch_alter_table("export_events", schema=None, recreate="never") as batch_op:
        batch_op.create_index("ix_export_events_account_position", ["account_id", "position"],
                              unique=True)

    op.create_table(
        "event_streams",
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_event_streams_account_id_accounts")),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_event_streams")),
    )
    op.execute("INSERT INTO event_streams (account_id, position) SELECT account_id, "
               "MAX(position) FROM export_events GROUP BY account_id")

    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("enabled_events", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("disabled_reason", sa.String(length=16), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_webhook_endpoints_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index("ix_webhook_endpoints_account_id_status", "webhook_endpoints",
                    ["account_id", "status"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("endpoint_id", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("transport", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_webhook_deliveries_account_id_accounts")),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"],
                                name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints")),
        sa.ForeignKeyConstraint(["event_id"], ["export_events.id"],
                                name=op.f("fk_webhook_deliveries_event_id_export_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index("ix_webhook_deliveries_status_next", "webhook_deliveries",
                    ["status", "next_attempt_at"], unique=False)
    op.create_index("ix_webhook_deliveries_endpoint_id_id", "webhook_deliveries",
                    ["endpoint_id", "id"], unique=False)
    op.create_index("ix_webhook_deliveries_event_id", "webhook_deliveries", ["event_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_table("event_streams")
    op.execute("DELETE FROM export_events WHERE batch_id IS NULL")
    with op.batch_alter_table("export_events", schema=None) as batch_op:
        batch_op.drop_index("ix_export_events_account_position")
        batch_op.drop_column("position")
        batch_op.drop_column("warehouse_id")
        batch_op.alter_column("batch_id", existing_type=sa.String(length=40), nullable=False)
