"""Answers whose hand-set label teaches the suggestions, until the owner forgets it.

Every label the owner sets by hand is stored with the suggestion it overrode; those
corrections now teach the classifier (``followup sentiment words``). ``learn`` lets the owner
stop one teaching (``followup sentiment forget``) without changing the call it belongs to.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call_answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("learn", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("call_answer", schema=None) as batch_op:
        batch_op.drop_column("learn")
