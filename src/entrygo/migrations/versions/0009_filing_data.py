"""filing data: importers of record, the seller and policies on the account, the warehouse's
default shipment, parcels, charges and exchange rates on orders, and what a plan was asked for

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 00:10:00

Every new column is nullable or has a default, so existing rows stay valid: an account
without a legal name prints its name, a plan stored before this revision has no importer or
shipment request (the account's default importer and the warehouse's default shipment apply).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "importers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("bond", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_importers_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_importers")),
    )
    with op.batch_alter_table("importers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_importers_account_id"), ["account_id"],
                              unique=False)
    with op.batch_alter_table("accounts", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("legal_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("address", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("default_importer_id", sa.String(length=40),
                                      nullable=True))
        batch_op.add_column(sa.Column("require_review_acknowledgement", sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("readiness_policy", sa.String(length=16),
                                      server_default="standard", nullable=False))
    with op.batch_alter_table("warehouses", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("default_shipment", sa.JSON(), nullable=True))
    with op.batch_alter_table("orders", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("usd_exchange_rate", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("parcels", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("charges", sa.JSON(), nullable=True))
    with op.batch_alter_table("export_batches", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("importer_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("shipment", sa.JSON(), nullable=True))


def downgrade() -> None:
    # dropped in place (never a copy-and-drop on SQLite: other tables reference these rows)
    with op.batch_alter_table("export_batches", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("shipment")
        batch_op.drop_column("importer_id")
    with op.batch_alter_table("orders", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("charges")
        batch_op.drop_column("parcels")
        batch_op.drop_column("usd_exchange_rate")
    with op.batch_alter_table("warehouses", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("default_shipment")
    with op.batch_alter_table("accounts", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("readiness_policy")
        batch_op.drop_column("require_review_acknowledgement")
        batch_op.drop_column("default_importer_id")
        batch_op.drop_column("address")
        batch_op.drop_column("legal_name")
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("importers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_importers_account_id"))
    op.drop_table("importers")
