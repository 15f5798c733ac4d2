"""products: measures per unit (for the schedule's statistical units of quantity) and the
trade preference a product claims

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 02:30:00

Both columns are nullable: a product without them is judged as before, except where the tariff
schedule asks for a unit only a measure gives (a finding, not a schema error).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("measures", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("preference_claim", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # dropped in place (never a copy-and-drop on SQLite: other tables reference these rows)
    with op.batch_alter_table("products", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("preference_claim")
        batch_op.drop_column("measures")
