"""Alembic migrations, shipped inside the package so an installed wheel can upgrade a database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    import followup_cli.migrations as here  # looked up at call time so tests can point elsewhere

    config.set_main_option("script_location", str(here.MIGRATIONS_DIR))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending migration inside one transaction.

    On SQLite, foreign keys are switched off while migrating: a batch migration copies a
    table and drops the old one, and dropping ``contact`` with foreign keys on would delete
    every follow-up, sale and call through ON DELETE CASCADE. ``foreign_key_check`` then
    proves the copied tables still hold together, before the transaction commits.
    """
    from alembic import command

    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection if sqlite else None
        if raw is not None:  # outside any transaction: inside one this pragma does nothing
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration broke {len(broken)} references")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def revisions() -> list[str]:
    """Every revision, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
