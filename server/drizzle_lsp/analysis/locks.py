"""What each migration operation does to PostgreSQL: which lock, on which tables, whether it rewrites or scans.

The facts are those of ``domain/postgres.md`` (measured on PostgreSQL 12 to 17), and the test suite re-measures the
lock modes on a real PostgreSQL by reading ``pg_locks`` inside ``BEGIN … ROLLBACK``. Rules and hovers both read
this one table, so what a hover says and what a rule flags cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drizzle_lsp.analysis.pg_types import classify_type_change
from drizzle_lsp.model import ConstraintType, DatabaseSchema, Operation, OpKind

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
EXCLUSIVE = "EXCLUSIVE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE = "SHARE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
ROW_EXCLUSIVE = "ROW EXCLUSIVE"

_BLOCKS_READS = {ACCESS_EXCLUSIVE}
_BLOCKS_WRITES = {ACCESS_EXCLUSIVE, EXCLUSIVE, SHARE_ROW_EXCLUSIVE, SHARE}

_VOLATILE_FUNCTIONS = re.compile(
    r"\b(random|clock_timestamp|gen_random_uuid|uuid_generate_v[1-5]|uuidv[47]|nextval|timeofday|txid_current|setseed)\s*\(",
    re.IGNORECASE,
)


def is_volatile_default(expression: str | None) -> bool:
    """A default evaluated per row (so ``ADD COLUMN`` must rewrite the table). ``now()`` and constants are not."""
    return bool(expression and _VOLATILE_FUNCTIONS.search(expression))


@dataclass(frozen=True, slots=True)
class LockFact:
    lock: str | None  # the strongest lock mode on ``tables[0]``, None when no table lock is taken
    tables: list[str] = field(default_factory=list)  # the table the statement alters first, then referenced ones
    rewrites: bool = False  # the table (and its indexes) are rewritten
    scans: bool = False  # the whole table is read while the lock is held
    other_locks: dict[str, str] = field(default_factory=dict)  # referenced table -> its lock
    note: str = ""

    @property
    def blocks_reads(self) -> bool:
        return self.lock in _BLOCKS_READS

    @property
    def blocks_writes(self) -> bool:
        return self.lock in _BLOCKS_WRITES

    def describe(self) -> str:
        if not self.lock:
            return self.note or "takes no table lock"
        blocked = "reads and writes" if self.blocks_reads else "writes" if self.blocks_writes else "other DDL and VACUUM"
        parts = [f"{self.lock} lock on {', '.join(self.tables[:1]) or 'the table'} (blocks {blocked})"]
        for table, mode in self.other_locks.items():
            parts.append(f"{mode} on {table}")
        if self.rewrites:
            parts.append("rewrites the table and its indexes")
        elif self.scans:
            parts.append("scans the whole table while locked")
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


def lock_facts(op: Operation, state: DatabaseSchema | None = None, pg_version: int = 16) -> LockFact | None:
    """The lock ``op`` takes, given the schema state just before it. None for operations that lock no table."""
    table = op.table or ""
    kind = op.kind
    if kind == OpKind.CREATE_INDEX:
        if op.concurrently:
            return LockFact(SHARE_UPDATE_EXCLUSIVE, [table], scans=True, note="builds concurrently: two scans, waits for older transactions")
        return LockFact(SHARE, [table], scans=True, note="the index is built while writes wait")
    if kind == OpKind.DROP_INDEX:
        if op.concurrently:
            return LockFact(SHARE_UPDATE_EXCLUSIVE, [table])
        return LockFact(ACCESS_EXCLUSIVE, [table] if table else [], note="on the index's table")
    if kind == OpKind.ADD_COLUMN:
        column = op.column_def
        default = column.default if column else None
        rewrites = bool(
            column
            and (
                is_volatile_default(default)
                or column.identity is not None
                or column.generated is not None
                or column.type.lower() in ("serial", "bigserial", "smallserial", "serial4", "serial8", "serial2")
            )
        )
        return LockFact(ACCESS_EXCLUSIVE, [table], rewrites=rewrites, scans=rewrites)
    if kind == OpKind.ALTER_COLUMN_TYPE:
        old_type = _column_type(state, op)
        change = classify_type_change(old_type, op.new_type or "") if old_type and op.new_type else None
        rewrites = change.rewrites if change else True
        return LockFact(ACCESS_EXCLUSIVE, [table], rewrites=rewrites, scans=rewrites, note=change.reason if change else "")
    if kind == OpKind.SET_NOT_NULL:
        if op.not_valid:
            return LockFact(ACCESS_EXCLUSIVE, [table], note="NOT VALID: existing rows are checked later, by VALIDATE "
                                                            "CONSTRAINT under SHARE UPDATE EXCLUSIVE")
        if pg_version >= 12 and _has_validated_not_null_check(state, op):
            return LockFact(ACCESS_EXCLUSIVE, [table], note="a validated CHECK (column IS NOT NULL) makes the scan unnecessary")
        return LockFact(ACCESS_EXCLUSIVE, [table], scans=True)
    if kind == OpKind.ADD_CONSTRAINT:
        return _constraint_lock(op)
    if kind == OpKind.VALIDATE_CONSTRAINT:
        return LockFact(SHARE_UPDATE_EXCLUSIVE, [table], scans=True)
    if kind in (OpKind.DROP_COLUMN, OpKind.RENAME_COLUMN, OpKind.RENAME_TABLE, OpKind.DROP_NOT_NULL,
                OpKind.SET_DEFAULT, OpKind.DROP_DEFAULT, OpKind.DROP_TABLE, OpKind.TRUNCATE, OpKind.DROP_CONSTRAINT,
                OpKind.RENAME_CONSTRAINT, OpKind.ENABLE_RLS, OpKind.DISABLE_RLS, OpKind.DROP_IDENTITY,
                OpKind.SET_TABLE_SCHEMA, OpKind.ALTER_IDENTITY):
        return LockFact(ACCESS_EXCLUSIVE, [table])
    if kind == OpKind.ADD_IDENTITY:
        return LockFact(ACCESS_EXCLUSIVE, [table])
    if kind == OpKind.CREATE_TABLE:
        referenced = sorted({fk.table_to for fk in (op.table_def.foreign_keys.values() if op.table_def else [])} - {table})
        return LockFact(ACCESS_EXCLUSIVE, [table], other_locks={r: SHARE_ROW_EXCLUSIVE for r in referenced},
                        note="the new table is empty, so this is brief")
    if kind == OpKind.TABLE_REWRITE:
        if op.rewrite == "reindex" and op.concurrently:
            return LockFact(SHARE_UPDATE_EXCLUSIVE, [table], scans=True)
        if op.rewrite == "reindex":
            return LockFact(SHARE, [table], rewrites=True, scans=True, note="ACCESS EXCLUSIVE on the index being rebuilt")
        return LockFact(ACCESS_EXCLUSIVE, [table], rewrites=True, scans=True)
    if kind in (OpKind.UPDATE, OpKind.DELETE, OpKind.INSERT):
        return LockFact(ROW_EXCLUSIVE, [table], scans=kind != OpKind.INSERT or op.from_select,
                        note="row locks on every row it changes, held until the transaction ends")
    if kind in (OpKind.CREATE_POLICY, OpKind.ALTER_POLICY, OpKind.DROP_POLICY):
        return LockFact(ACCESS_EXCLUSIVE, [table])
    return None


def _constraint_lock(op: Operation) -> LockFact:
    table = op.table or ""
    kind = op.constraint_type
    if kind == ConstraintType.FOREIGN_KEY:
        referenced = getattr(op.constraint, "table_to", "") or ""
        others = {referenced: SHARE_ROW_EXCLUSIVE} if referenced and referenced != table else {}
        if op.not_valid:
            return LockFact(SHARE_ROW_EXCLUSIVE, [table], other_locks=others, note="NOT VALID: existing rows are not checked")
        return LockFact(SHARE_ROW_EXCLUSIVE, [table], scans=True, other_locks=others,
                        note="every existing row is checked against the referenced table")
    if kind == ConstraintType.CHECK:
        if op.not_valid:
            return LockFact(ACCESS_EXCLUSIVE, [table], note="NOT VALID: existing rows are not checked, so the lock is brief")
        return LockFact(ACCESS_EXCLUSIVE, [table], scans=True)
    if kind in (ConstraintType.UNIQUE, ConstraintType.PRIMARY_KEY):
        if op.using_index:
            return LockFact(ACCESS_EXCLUSIVE, [table], note="USING INDEX: the index already exists, so the lock is brief")
        return LockFact(ACCESS_EXCLUSIVE, [table], scans=True, note="builds a unique index while reads and writes wait")
    if kind == ConstraintType.EXCLUDE:
        return LockFact(ACCESS_EXCLUSIVE, [table], scans=True, note="builds an exclusion index; no concurrent form exists")
    return LockFact(ACCESS_EXCLUSIVE, [table])


def _column_type(state: DatabaseSchema | None, op: Operation) -> str | None:
    if state is None or not op.table:
        return None
    table = state.table(op.table, op.schema)
    column = table.columns.get(op.column or "") if table else None
    return column.type if column else None


def _has_validated_not_null_check(state: DatabaseSchema | None, op: Operation) -> bool:
    if state is None or not op.table or not op.column:
        return False
    table = state.table(op.table, op.schema)
    if not table:
        return False
    pattern = re.compile(rf'^\(?\s*"?{re.escape(op.column)}"?\s+IS\s+NOT\s+NULL\s*\)?$', re.IGNORECASE)
    return any(not check.not_valid and pattern.match(check.value.strip()) for check in table.checks.values())
