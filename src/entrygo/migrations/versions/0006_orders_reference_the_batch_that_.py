"""orders reference the batch that exported them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 14:46:40.336987
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_orders_exported_batch_id_export_batches"),
            "export_batches",
            ["exported_batch_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_orders_exported_batch_id_export_batches"), type_="foreignkey"
        )
