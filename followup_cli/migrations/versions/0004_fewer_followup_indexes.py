"""Drop two follow-up indexes that no query needs; every import paid for them.

``ix_followup_completed_on`` served no query, and ``ix_followup_due_on`` only the follow-ups
export's date filter, which now walks ``ix_followup_status_due_on`` (``status IN (...)``).
Each cost about 0.4 s of a 100k-sale import (two follow-ups per sale, into a 1M-row table).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_index("ix_followup_completed_on")
        batch_op.drop_index("ix_followup_due_on")


def downgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.create_index("ix_followup_due_on", ["due_on"], unique=False)
        batch_op.create_index("ix_followup_completed_on", ["completed_on"], unique=False)
