"""The message template a follow-up was sent with (``followup draft ID --sent``).

``followup.template`` holds ``PURPOSE.CHANNEL#VARIANT`` (``thank-you.email#2``) once a
drafted message was sent; NULL otherwise. It is what rotates the variants: a contact's next
draft of the same kind takes the variant after the one they got last. A column of the
follow-up rather than a new table: it is one fact about one done follow-up, read by contact
through a partial index of the rows that have one (an import sets none, so it never writes
to it; without it a 33k-item ``today --json`` read every follow-up of each contact). The
table is journaled, so the triggers are installed again to copy the new column.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from followup_cli.store.journal import install_triggers

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(), nullable=True))
    only_sent = sa.text("template IS NOT NULL")
    op.create_index(
        "ix_followup_contact_id_template",
        "followup",
        ["contact_id", "template"],
        sqlite_where=only_sent,
        postgresql_where=only_sent,
    )
    install_triggers(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_followup_contact_id_template", table_name="followup")
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_column("template")
    install_triggers(op.get_bind())
