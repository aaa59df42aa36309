"""Taking a command back: ``followup undo`` and ``followup history``.

Every command that writes is one journaled operation (``store.journal``): undo puts every
row it touched back as it was, in one transaction that is itself journaled. An operation
a later one builds on (the same row changed again, a call logged for a contact the import
created) is refused with the operation to undo first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup_cli.errors import Conflict, InvalidInput, NotFound
from followup_cli.store import journal
from followup_cli.store.journal import Operation

if TYPE_CHECKING:
    from followup_cli.store import Tx

# A journaled table as the owner would name one of its rows.
ROW_NAMES = {
    "contact": "contact",
    "interaction": "interaction",
    "followup": "follow-up",
    "followup_event": "follow-up",
    "call_log": "call",
    "call_answer": "call answer",
}


def history(tx: Tx, limit: int) -> list[Operation]:
    """The latest operations, newest first."""
    return journal.operations(tx, limit)


def target(tx: Tx, operation_id: int | None) -> Operation:
    """The operation ``undo`` would take back: the given one, or the newest not undone."""
    current = tx.journal.operation_id if tx.journal else None
    if operation_id is None:
        found = journal.last_undoable(tx, before=current)
        if found is None:
            raise NotFound(
                "Nothing to undo: no command has changed anything recently "
                "(`followup history` lists what can be taken back)."
            )
        return found
    found = journal.operation(tx, operation_id)
    if found is None or found.id == current:
        raise NotFound(
            f"No operation #{operation_id}; `followup history` lists them "
            "(older ones are dropped after journal_days, 30 by default)."
        )
    if found.undone_by_id is not None:
        raise Conflict(
            f"Operation #{found.id} ({found.command}) was already undone by #{found.undone_by_id}."
        )
    if found.undoes_id is not None:
        raise InvalidInput(
            f"Operation #{found.id} is an undo (of #{found.undoes_id}); "
            "to have that change again, run its command again."
        )
    return found


def _blocked(op: Operation, conflict: journal.Conflict) -> Conflict:
    row = f"{ROW_NAMES.get(conflict.table, conflict.table)} #{conflict.row_key.split(':')[0]}"
    if conflict.operation is None:
        return Conflict(
            f"Cannot undo #{op.id} ({op.command}): {row} was changed outside followup since."
        )
    later = conflict.operation
    return Conflict(
        f"Cannot undo #{op.id} ({op.command}): #{later.id} ({later.command}) changed {row} "
        f"afterwards; undo #{later.id} first."
    )


def undo(tx: Tx, operation_id: int | None) -> Operation:
    """Take back one operation as a unit; refuses (changing nothing) when a later one
    depends on it."""
    op = target(tx, operation_id)
    current = tx.journal.operation_id if tx.journal else None
    conflict = journal.later_conflict(tx, op.id, current)
    if conflict is None:
        conflict = journal.put_back(tx, op.id)
    if conflict is not None:
        raise _blocked(op, conflict)  # the transaction rolls back: nothing changed
    return op
