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

from drizzle_lsp.analysis.replay_apply import MUTATING, Applier, thaw
from drizzle_lsp.model import DatabaseSchema, Migration, Operation, OpKind, Problem, Statement, Table, qualify


@dataclass(slots=True)
class OpContext:
    migration: Migration
    statement: Statement
    op: Operation
    state_before: DatabaseSchema  # shared between consecutive operations that change nothing: do not mutate
    table_is_new: bool  # the table did not exist when the migration started
    parent: Operation | None = None  # the DO block holding this operation


@dataclass(frozen=True, slots=True)
class _Mark:
    """The replay just after one statement of a migration."""

    statement: Statement
    frozen: DatabaseSchema  # the state after it (frozen states are never mutated)
    contexts: int  # how many contexts of the migration precede the next statement
    problems: int  # how many problems of the migration the statements so far caused
    at_start: frozenset[str]  # the tables that existed when the migration started (a rename adds the new name)


@dataclass(slots=True)
class Replay:
    dialect: str
    initial: DatabaseSchema
    after: dict[str, DatabaseSchema] = field(default_factory=dict)  # migration tag -> schema after it
    contexts: list[OpContext] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problems_by_migration: dict[str, list[Problem]] = field(default_factory=dict)
    _by_op: dict[int, OpContext] = field(default_factory=dict)
    # What each replayed migration was, in order: (tag, its statements list, how many contexts it produced). A
    # later replay of the same history reuses the prefix whose statement lists are the very same objects (the
    # parse cache hands out the same list while a file's text is unchanged).
    _steps: list[tuple[str, list[Statement], int]] = field(default_factory=list)
    # Per replayed migration tag, where the replay stood after each of its statements: a later replay resumes inside
    # the first changed migration, after its leading statements that are the very same objects (the parse cache
    # reuses the statements of unchanged breakpoint chunks), instead of replaying the whole file.
    _marks: dict[str, list[_Mark]] = field(default_factory=dict)

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


def replay(migrations: list[Migration], dialect: str, initial: DatabaseSchema | None = None,
           previous: Replay | None = None) -> Replay:
    """Replay ``migrations`` in order. With ``previous`` (an earlier replay of the same history, without
    ``initial``), the leading migrations whose statements are unchanged are not replayed again: their states and
    contexts are taken over, and replay resumes at the first migration that differs (an edit in the last migration
    of 300 replays one file)."""
    dialect = {"turso": "sqlite", "singlestore": "mysql", "pg": "postgresql"}.get(dialect, dialect)
    kept = _reusable_prefix(previous, migrations, dialect) if initial is None else 0
    if kept:
        assert previous is not None
        result = _resume(previous, migrations[:kept])
        frozen = result.after[migrations[kept - 1].tag]
        state = thaw(frozen)
    else:
        # The very same empty start as ``previous``: a replay resuming inside the first migration (and the rules'
        # memo, keyed on the state before each migration) can then tell that nothing before it changed.
        reuse_start = initial is None and previous is not None and previous.dialect == dialect
        start = (previous.initial if reuse_start else  # type: ignore[union-attr]
                 copy.deepcopy(initial) if initial is not None else DatabaseSchema(dialect=dialect))
        result = Replay(dialect=dialect, initial=start)
        state = copy.deepcopy(start)
        frozen = copy.deepcopy(state)  # equal to ``state``; frozen states are never mutated, so one copy serves all
    for number, migration in enumerate(migrations[kept:]):
        before = len(result.contexts)
        at_start = {key for key in state.tables}
        applier = Applier(state, dialect)
        marks: list[_Mark] = []
        if number == 0 and previous is not None and initial is None:
            # The first changed migration: take over its unchanged leading statements.
            resumed = _resume_inside(previous, result, migration, marks, applier)
            if resumed is not None:
                frozen, at_start = resumed
        for statement in migration.statements[len(marks):]:
            for op in statement.operations:
                frozen = _visit(result, applier, migration, statement, op, None, frozen, at_start)
            marks.append(_Mark(statement, frozen, len(result.contexts) - before, len(applier.problems),
                               frozenset(at_start)))
        result._marks[migration.tag] = marks
        result.after[migration.tag] = frozen
        result.problems_by_migration[migration.tag] = applier.problems
        result.problems.extend(applier.problems)
        result._steps.append((migration.tag, migration.statements, len(result.contexts) - before))
        state = applier.state
    return result


def _resume_inside(previous: Replay, result: Replay, migration: Migration, marks: list[_Mark],
                   applier: Applier) -> tuple[DatabaseSchema, set[str]] | None:
    """Take over from ``previous`` the replay of ``migration``'s leading statements that are the very same objects
    (filling ``marks``, ``result``'s contexts and ``applier``'s problems and state), when the migration started from
    the very same state. Returns (the frozen state after them, the tables at start) or None to replay it whole."""
    old_marks = previous._marks.get(migration.tag)
    start = next((i for i, step in enumerate(previous._steps) if step[0] == migration.tag), None)
    if not old_marks or start is None:
        return None
    before_old = previous.after[previous._steps[start - 1][0]] if start > 0 else previous.initial
    before_new = list(result.after.values())[-1] if result.after else result.initial
    if before_old is not before_new:
        return None
    same = 0
    for mark, statement in zip(old_marks, migration.statements):
        if mark.statement is not statement:
            break
        same += 1
    if same == 0:
        return None
    last = old_marks[same - 1]
    first_context = sum(step[2] for step in previous._steps[:start])
    for ctx in previous.contexts[first_context:first_context + last.contexts]:
        ctx.migration = migration
        result.contexts.append(ctx)
        result._by_op[id(ctx.op)] = ctx
    applier.problems.extend(previous.problems_by_migration.get(migration.tag, [])[:last.problems])
    applier.state = thaw(last.frozen)
    marks.extend(old_marks[:same])
    return last.frozen, set(last.at_start)


def _reusable_prefix(previous: Replay | None, migrations: list[Migration], dialect: str) -> int:
    if previous is None or previous.dialect != dialect:
        return 0
    kept = 0
    for (tag, statements, _), migration in zip(previous._steps, migrations):
        if tag != migration.tag or statements is not migration.statements:
            break
        kept += 1
    return kept


def _resume(previous: Replay, migrations: list[Migration]) -> Replay:
    """A new replay holding ``previous``'s results for ``migrations`` (its unchanged prefix). The contexts are
    shared, with their ``migration`` pointed at the newly loaded ``Migration`` objects (same text, same statements);
    ``previous`` is discarded by its caller."""
    result = Replay(dialect=previous.dialect, initial=previous.initial)
    count = 0
    for step, migration in zip(previous._steps, migrations):
        count += step[2]
        result._steps.append(step)
        result._marks[migration.tag] = previous._marks.get(migration.tag, [])
        result.after[migration.tag] = previous.after[migration.tag]
        problems = previous.problems_by_migration.get(migration.tag, [])
        result.problems_by_migration[migration.tag] = problems
        result.problems.extend(problems)
    by_tag = {m.tag: m for m in migrations}
    result.contexts = previous.contexts[:count]
    for ctx in result.contexts:
        ctx.migration = by_tag.get(ctx.migration.tag, ctx.migration)
        result._by_op[id(ctx.op)] = ctx
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
                    tables[key] = _freeze_table(state.tables[key], previous.tables.get(key))
                else:
                    tables.pop(key, None)
            if tables.keys() == state.tables.keys():
                return dataclasses.replace(previous, tables=tables)
    if op.kind in _ENUM_LOCAL and state.tables.keys() == previous.tables.keys():
        return dataclasses.replace(previous, enums=thaw(state.enums))
    return DatabaseSchema(
        dialect=state.dialect,
        tables={key: _freeze_table(table, previous.tables.get(key)) for key, table in state.tables.items()},
        enums=thaw(state.enums), schemas=set(state.schemas), sequences=thaw(state.sequences),
    )


# The parts of a table that hold model objects by name: a frozen copy shares every entry equal to the previous
# frozen copy's and copies only the changed ones. Deep-copying whole tables after each ADD COLUMN was most of the
# replay's time (tables that grow to 50 columns, copied after every statement).
_TABLE_PARTS = ("columns", "indexes", "foreign_keys", "primary_keys", "unique_constraints", "checks", "policies")


def _freeze_table(live: Table, previous: Table | None) -> Table:
    frozen = object.__new__(Table)
    for name in _TABLE_SLOTS:
        value = getattr(live, name)
        if name in _TABLE_PARTS:
            before = getattr(previous, name) if previous is not None else {}
            part = {}
            for key, entry in value.items():
                old = before.get(key)
                part[key] = old if old is not None and old == entry else thaw(entry)
            value = part
        object.__setattr__(frozen, name, value)
    return frozen


_TABLE_SLOTS = tuple(f.name for f in dataclasses.fields(Table))


def _table_key(op: Operation, dialect: str) -> str | None:
    if not op.table:
        return None
    schema = (op.schema or "public") if dialect == "postgresql" else ""
    return qualify(schema, op.table)
