"""customs packages, artifacts, deliveries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 13:52:59.393812
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customs_packages",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("package_number", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_customs_packages_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["export_batches.id"],
            name=op.f("fk_customs_packages_batch_id_export_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customs_packages")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_customs_packages_batch_id")),
        sa.UniqueConstraint("package_number", name=op.f("uq_customs_packages_package_number")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("transport", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_notifications_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["export_batches.id"],
            name=op.f("fk_notifications_batch_id_export_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            "ix_notifications_status_next", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "artifacts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("package_id", sa.String(length=40), nullable=False),
        sa.Column("artifact_type", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["customs_packages.id"],
            name=op.f("fk_artifacts_package_id_customs_packages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifacts")),
        sa.UniqueConstraint(
            "package_id", "filename", name=op.f("uq_artifacts_package_id_filename")
        ),
    )
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_artifacts_package_id"), ["package_id"], unique=False)

    op.create_table(
        "broker_submissions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("package_id", sa.String(length=40), nullable=False),
        sa.Column("submission_type", sa.String(length=16), nullable=False),
        sa.Column("recipient_email", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("transport", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_broker_submissions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["export_batches.id"],
            name=op.f("fk_broker_submissions_batch_id_export_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["customs_packages.id"],
            name=op.f("fk_broker_submissions_package_id_customs_packages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broker_submissions")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_broker_submissions_batch_id")),
    )
    with op.batch_alter_table("broker_submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_broker_submissions_status_next", ["status", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("broker_submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_broker_submissions_status_next")

    op.drop_table("broker_submissions")
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artifacts_package_id"))

    op.drop_table("artifacts")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_status_next")
        batch_op.drop_index(batch_op.f("ix_notifications_batch_id"))

    op.drop_table("notifications")
    op.drop_table("customs_packages")
