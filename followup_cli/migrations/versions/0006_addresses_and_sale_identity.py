"""Postal addresses, follow-ups that cover several events, and a stable import source.

- ``contact.address``: where a handwritten note goes.
- ``followup_event``: the later sales a pending follow-up also covers (a rule's
  ``once_per``), so a regular customer gets one thank-you for three sales.
- Imports without ``--source`` or a preset were filed under the file's header signature
  (``csv-`` and 8 hex digits), so a till export that gained a column became a new source.
  They are now filed under ``import``; an order that would collide there keeps its old
  source, and the import still finds it by order id, date and amount.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_SOURCE = "import"


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(), nullable=True))
    op.create_table(
        "followup_event",
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followup.id"],
            name="fk_followup_event_followup_id_followup",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interaction.id"],
            name="fk_followup_event_interaction_id_interaction",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("followup_id", "interaction_id", name="pk_followup_event"),
    )
    sqlite = op.get_context().dialect.name == "sqlite"

    def signature(column: str) -> str:
        if sqlite:
            return f"{column} GLOB 'csv-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'"
        return f"{column} ~ '^csv-[0-9a-f]{{8}}$'"

    # One row per order id: the oldest, so when two signatures share an order id the first
    # import's sale moves and the other keeps its source.
    op.execute(
        sa.text(
            f"UPDATE interaction SET source = :default WHERE {signature('source')}"
            " AND id = (SELECT MIN(s.id) FROM interaction s"
            f" WHERE s.external_id = interaction.external_id AND {signature('s.source')})"
            " AND NOT EXISTS (SELECT 1 FROM interaction o WHERE o.source = :default"
            " AND o.external_id = interaction.external_id)"
        ).bindparams(default=DEFAULT_SOURCE)
    )


def downgrade() -> None:
    op.drop_table("followup_event")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("address")
