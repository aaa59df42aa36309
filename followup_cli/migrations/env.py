"""Alembic environment: migrate the connection followup hands us, or FOLLOWUP_DB from a shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import context

from followup_cli.models import metadata

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode recreates tables
        transactional_ddl=True,  # a failed migration rolls back and leaves the old schema
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:  # `alembic revision --autogenerate` from a developer's shell
    from followup_cli.config import database_url
    from followup_cli.store import make_engine

    with make_engine(database_url()).begin() as conn:
        run(conn)
