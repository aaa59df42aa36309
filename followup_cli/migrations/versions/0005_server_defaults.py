"""Column defaults in the schema, so every INSERT names only the columns it sets.

The defaults were Python-side only (SQLModel field defaults), so each raw INSERT (the
everyday commands and the import's INSERT ... SELECT) had to repeat them. On SQLite, batch
mode copies each table once to add them; PostgreSQL alters the columns in place.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (column, type, default)
Default = sa.TextClause | sa.ColumnElement[Any]
DEFAULTS: dict[str, list[tuple[str, sa.types.TypeEngine[Any], Default]]] = {
    "contact": [
        ("prefers", sa.String(), sa.text("'phone'")),
        ("tags", sa.String(), sa.text("''")),
        ("phone_invalid", sa.Boolean(), sa.false()),
        ("do_not_contact", sa.Boolean(), sa.false()),
        ("opted_out_channels", sa.String(), sa.text("''")),
    ],
    "followup": [
        ("priority", sa.Integer(), sa.text("0")),
        ("status", sa.String(), sa.text("'pending'")),
        ("attempts", sa.Integer(), sa.text("0")),
        ("until_sale", sa.Boolean(), sa.false()),
    ],
    "call_log": [
        ("status", sa.String(), sa.text("'in-progress'")),
        ("referrals", sa.Integer(), sa.text("0")),
        ("script", sa.String(), sa.text("'default'")),
    ],
    "call_answer": [("overridden", sa.Boolean(), sa.false())],
}


def upgrade() -> None:
    for table, columns in DEFAULTS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_, default in columns:
                batch_op.alter_column(
                    name, existing_type=type_, existing_nullable=False, server_default=default
                )


def downgrade() -> None:
    for table, columns in DEFAULTS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_, _ in columns:
                batch_op.alter_column(
                    name, existing_type=type_, existing_nullable=False, server_default=None
                )
