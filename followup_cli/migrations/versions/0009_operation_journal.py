"""The operation journal: every command that writes can be taken back with ``followup undo``.

``journal_operation`` is one command; ``journal_change`` each row it inserted, updated or
deleted, with the row as it was before. Triggers write the updates and deletes in the same
transaction as the change (``store.journal``); ``journal_now`` tells SQLite's triggers which
operation is recording.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from followup_cli.store.journal import install_triggers

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journal_operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undoes_id", sa.Integer(), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_operation")),
    )
    op.create_index(
        op.f("ix_journal_operation_started_at"), "journal_operation", ["started_at"], unique=False
    )
    op.create_table(
        "journal_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(), nullable=False),
        sa.Column("row_key", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("old_row", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["journal_operation.id"],
            name=op.f("fk_journal_change_operation_id_journal_operation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_change")),
    )
    op.create_index(
        op.f("ix_journal_change_operation_id"), "journal_change", ["operation_id"], unique=False
    )
    op.create_index(
        "ix_journal_change_table_name_row_key",
        "journal_change",
        ["table_name", "row_key"],
        unique=False,
    )
    op.create_table(
        "journal_now",
        sa.Column("table_name", sa.String(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("mark", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_journal_now")),
    )
    install_triggers(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        names = bind.execute(
            sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'journal%'"
            )
        ).scalars()
        for name in list(names):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        # the tables journaled at this revision (later ones drop their own)
        for table in ("contact", "interaction", "followup", "followup_event", "call_log",
                      "call_answer"):  # fmt: skip
            op.execute(f"DROP TRIGGER IF EXISTS journal_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS journal_row()")
    op.drop_table("journal_now")
    op.drop_index("ix_journal_change_table_name_row_key", table_name="journal_change")
    op.drop_index(op.f("ix_journal_change_operation_id"), table_name="journal_change")
    op.drop_table("journal_change")
    op.drop_index(op.f("ix_journal_operation_started_at"), table_name="journal_operation")
    op.drop_table("journal_operation")
