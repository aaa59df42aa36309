"""The store: connections, transactions, row types and the SQL that runs on them.

Domain code takes one handle, ``Tx``; ``Database`` opens it. Dialect differences (SQLite and
PostgreSQL) live in this package and nowhere else.
"""

from followup_cli.store.database import (
    BUSY_TIMEOUT_MS,
    KNOWN_REVISIONS,
    SCHEMA_REVISION,
    Database,
    UpgradeNotice,
    make_engine,
    restore_backup,
    translate_operational_error,
)
from followup_cli.store.tx import Tx

__all__ = [
    "BUSY_TIMEOUT_MS",
    "KNOWN_REVISIONS",
    "SCHEMA_REVISION",
    "Database",
    "Tx",
    "UpgradeNotice",
    "make_engine",
    "restore_backup",
    "translate_operational_error",
]
