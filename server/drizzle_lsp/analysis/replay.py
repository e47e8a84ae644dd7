"""Replaying migrations in order: the schema after each migration and the context of every operation.

Rules need to know, for each operation, what the database looked like just before it and whether its table existed
before the migration started (a table created in the same migration is empty, so locks and scans on it are free).
Replay never raises: an operation that refers to something missing, or creates something that already exists, leaves
a problem and replay carries on with the best state it can.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field

from drizzle_lsp.analysis.replay_apply import MUTATING, Applier
from drizzle_lsp.model import DatabaseSchema, Migration, Operation, OpKind, Problem, Statement, qualify


@dataclass(slots=True)
class OpContext:
    migration: Migration
    statement: Statement
    op: Operation
    state_before: DatabaseSchema  # shared between consecutive operations that change nothing: do not mutate
    table_is_new: bool  # the table did not exist when the migration started
    parent: Operation | None = None  # the DO block holding this operation


@dataclass(slots=True)
class Replay:
    dialect: str
    initial: DatabaseSchema
    after: dict[str, DatabaseSchema] = field(default_factory=dict)  # migration tag -> schema after it
    contexts: list[OpContext] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problems_by_migration: dict[str, list[Problem]] = field(default_factory=dict)
    _by_op: dict[int, OpContext] = field(default_factory=dict)

    @property
    def final(self) -> DatabaseSchema:
        return list(self.after.values())[-1] if self.after else self.initial

    def context(self, op: Operation) -> OpContext | None:
        return self._by_op.get(id(op))

    def table_existed_before(self, op: Operation) -> bool:
        ctx = self._by_op.get(id(op))
        return ctx is not None and not ctx.table_is_new

    def state_before(self, op: Operation) -> DatabaseSchema | None:
        ctx = self._by_op.get(id(op))
        return ctx.state_before if ctx else None


def replay(migrations: list[Migration], dialect: str, initial: DatabaseSchema | None = None) -> Replay:
    dialect = {"turso": "sqlite", "singlestore": "mysql", "pg": "postgresql"}.get(dialect, dialect)
    start = copy.deepcopy(initial) if initial is not None else DatabaseSchema(dialect=dialect)
    result = Replay(dialect=dialect, initial=start)
    state = copy.deepcopy(start)
    frozen = copy.deepcopy(state)  # equal to ``state``; frozen states are never mutated, so one copy serves them all
    for migration in migrations:
        at_start = {key for key in state.tables}
        applier = Applier(state, dialect)
        for statement in migration.statements:
            for op in statement.operations:
                frozen = _visit(result, applier, migration, statement, op, None, frozen, at_start)
        result.after[migration.tag] = frozen
        result.problems_by_migration[migration.tag] = applier.problems
        result.problems.extend(applier.problems)
    return result


def _visit(result: Replay, applier: Applier, migration: Migration, statement: Statement, op: Operation,
           parent: Operation | None, frozen: DatabaseSchema, at_start: set[str]) -> DatabaseSchema:
    key = _table_key(op, result.dialect)
    ctx = OpContext(migration, statement, op, frozen, table_is_new=key is not None and key not in at_start,
                    parent=parent)
    result.contexts.append(ctx)
    result._by_op[id(op)] = ctx
    if op.kind is OpKind.DO_BLOCK:
        for inner in op.inner:
            applier.inside_block = True
            frozen = _visit(result, applier, migration, statement, inner, op, frozen, at_start)
        applier.inside_block = False
        return frozen
    try:
        applier.apply(op)
    except Exception as exc:  # noqa: BLE001 - replay must survive any operation it does not foresee
        applier.problems.append(Problem("replay-failed", f"could not replay {op.kind.value}: {exc}", op.range, "info"))
    if op.kind is OpKind.RENAME_TABLE and key in at_start and op.new_name:
        # A renamed table keeps its rows: under its new name it is still an existing (large, live) table, and the
        # indexes and constraints drizzle-kit re-creates after ``RENAME TO`` lock it like any other.
        at_start.add(qualify((op.schema or "public") if result.dialect == "postgresql" else "", op.new_name))
    if op.kind in MUTATING:
        return _next_state(frozen, applier.state, op, result.dialect)
    return frozen


# Operations whose effect stays inside the table they name (a column rename also reaches the foreign keys that point
# at it; a DROP INDEX, the index's table): the next frozen state shares every other table with the previous one and
# copies only those. Copying the whole schema after every statement made replay quadratic (300 migrations took
# minutes); anything not listed here, or run with CASCADE, still gets a full copy.
_TABLE_LOCAL = {
    OpKind.CREATE_TABLE, OpKind.ADD_COLUMN, OpKind.DROP_COLUMN, OpKind.ALTER_COLUMN_TYPE, OpKind.SET_NOT_NULL,
    OpKind.DROP_NOT_NULL, OpKind.SET_DEFAULT, OpKind.DROP_DEFAULT, OpKind.ADD_IDENTITY, OpKind.DROP_IDENTITY,
    OpKind.ALTER_IDENTITY, OpKind.ADD_CONSTRAINT, OpKind.VALIDATE_CONSTRAINT, OpKind.DROP_CONSTRAINT,
    OpKind.RENAME_CONSTRAINT, OpKind.CREATE_INDEX, OpKind.DROP_INDEX, OpKind.RENAME_INDEX, OpKind.RENAME_COLUMN,
    OpKind.ENABLE_RLS, OpKind.DISABLE_RLS, OpKind.CREATE_POLICY, OpKind.ALTER_POLICY, OpKind.DROP_POLICY,
}
_ENUM_LOCAL = {OpKind.CREATE_ENUM, OpKind.ADD_ENUM_VALUE}


def _touched_tables(previous: DatabaseSchema, op: Operation, dialect: str) -> set[str] | None:
    """The keys of the tables ``op`` may change, or None when that cannot be told cheaply."""
    key = _table_key(op, dialect)
    if op.kind in (OpKind.DROP_INDEX, OpKind.RENAME_INDEX) and key is None:
        owners = {k for k, table in previous.tables.items() if op.index_name in table.indexes}
        return owners if len(owners) <= 1 else None
    if key is None:
        return None
    if op.kind is OpKind.RENAME_COLUMN:
        referencing = {k for k, table in previous.tables.items()
                       if any(fk.table_to == op.table for fk in table.foreign_keys.values())}
        return {key} | referencing
    return {key}


def _next_state(previous: DatabaseSchema, state: DatabaseSchema, op: Operation, dialect: str) -> DatabaseSchema:
    """The frozen state after ``op``: ``previous`` plus what ``op`` changed in the applier's live ``state``.

    Frozen states never share an object with the live state (the applier mutates it in place), only with each other,
    and they are never mutated.
    """
    if not op.cascade and op.kind in _TABLE_LOCAL:
        touched = _touched_tables(previous, op, dialect)
        if touched is not None:
            tables = dict(previous.tables)
            for key in touched:
                if key in state.tables:
                    tables[key] = copy.deepcopy(state.tables[key])
                else:
                    tables.pop(key, None)
            if tables.keys() == state.tables.keys():
                return dataclasses.replace(previous, tables=tables)
    if op.kind in _ENUM_LOCAL and state.tables.keys() == previous.tables.keys():
        return dataclasses.replace(previous, enums=copy.deepcopy(state.enums))
    return copy.deepcopy(state)


def _table_key(op: Operation, dialect: str) -> str | None:
    if not op.table:
        return None
    schema = (op.schema or "public") if dialect == "postgresql" else ""
    return qualify(schema, op.table)
