"""What the lock rules need to know about statements other than the one being checked.

The engine hands a rule the replayed context of its own operation only. Rules that reason about a whole transaction
(a lock still held by an earlier statement, a ``SET lock_timeout`` before it, a backfill next to DDL) need the same
facts for every statement of that transaction, possibly in another migration file: the schema just before each
operation, whether its table existed when that migration started, and the lock it takes (``analysis.locks``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from drizzle_lsp.analysis.locks import ACCESS_EXCLUSIVE, EXCLUSIVE, LockFact, lock_facts
from drizzle_lsp.model import DatabaseSchema, Migration, Operation, OpKind, SourceRange, Statement, line_col
from drizzle_lsp.rules._support.identifiers import quoted, table_label
from drizzle_lsp.rules._support.lock_rules import index_owner
from drizzle_lsp.rules._support.statement_edits import uses_breakpoints
from drizzle_lsp.rules._support.statement_facts import per_statements, position_of
from drizzle_lsp.rules._support.transactions import StatementRef

# Statement kinds whose lock matters only for what it makes wait; DML row locks are handled by the backfill rule.
DATA_CHANGES = (OpKind.UPDATE, OpKind.DELETE, OpKind.INSERT)
EXCLUSIVE_MODES = (ACCESS_EXCLUSIVE, EXCLUSIVE)


@dataclass(frozen=True, slots=True)
class TableLock:
    table: str
    schema: str | None
    mode: str
    referenced: bool = False  # locked because the statement references it (a foreign key), not because it alters it

    @property
    def label(self) -> str:
        return table_label(self.schema, self.table)

    @property
    def key(self) -> str:
        return f"{self.schema or 'public'}.{self.table}".lower()

    @property
    def blocks_reads(self) -> bool:
        return self.mode == ACCESS_EXCLUSIVE

    @property
    def blocked(self) -> str:
        """What the lock keeps waiting, as the object of "blocks ..."."""
        return "reads and writes" if self.blocks_reads else "writes"


@dataclass(slots=True)
class OpInfo:
    """One operation with the facts of its place in the replay."""

    migration: Migration
    statement: Statement
    op: Operation
    state_before: DatabaseSchema | None
    table_is_new: bool
    fact: LockFact | None
    locks: list[TableLock]  # locks that block reads or writes on tables that existed before this migration

    @property
    def slow(self) -> bool:
        """Reads every row of an existing table (scan, rewrite, index build, backfill) while holding its locks."""
        if self.fact is None or not (self.fact.rewrites or self.fact.scans) or self.table_is_new:
            return False
        if self.op.table:
            return True
        # REINDEX INDEX: slow when the index belongs to an existing table; VACUUM FULL or REINDEX SCHEMA: always
        return bool(self.locks) or (self.op.kind is OpKind.TABLE_REWRITE and not self.op.index_name)


def op_infos(project, ref_or_migration, statement: Statement | None = None) -> list[OpInfo]:
    """Facts for every operation of a statement (a ``StatementRef``, or a migration and one of its statements), the
    operations found inside a DO block included."""
    if isinstance(ref_or_migration, StatementRef):
        migration, statement = ref_or_migration.migration, ref_or_migration.statement
    else:
        migration = ref_or_migration
    assert statement is not None
    replay = getattr(project, "replay", None)
    # Rules ask for the same statement's facts once per operation of every statement in its transaction window;
    # computing them once per replay keeps a 200-statement migration linear.
    memo = _generation(project, replay)
    cached = memo.infos.get(id(statement))
    if cached is not None and cached.statement is statement:
        return cached.infos
    known = _taken_over(memo, project, replay, migration, statement)
    if known is None:
        infos, replayed = _compute_op_infos(project, replay, migration, statement)
        # Facts read from the statements before it instead (no replay context, or not one of the project's
        # migrations) are never taken over: those statements may have changed.
        start = memo.start(project, migration) if replayed and hasattr(replay, "after") else None
        known = _Known(statement, infos, start is not None, start, getattr(project, "postgres_version", 16))
    memo.infos[id(statement)] = known
    return known.infos


@dataclass(slots=True)
class _Known:
    """A statement's facts, with what they were derived from besides the statement itself."""

    statement: Statement  # held, so that the id the facts are filed under stays unique
    infos: list[OpInfo]
    replayed: bool  # derived from the replay alone: the context of each operation and the schema at ``start``
    start: DatabaseSchema | None  # the replayed schema when the statement's migration starts
    version: int


class _Generation:
    """What one analysis (one replay of one project) worked out, and what the analysis before it did."""

    def __init__(self, project, replay, previous: dict[int, _Known]) -> None:
        self.project, self.replay, self.previous = project, replay, previous
        self.infos: dict[int, _Known] = {}
        self.starts: dict[int, tuple[Migration, DatabaseSchema | None]] = {}
        self.derived: dict = {}  # what rules derive from the facts of many statements (``analysis_memo``)

    def start(self, project, migration: Migration) -> DatabaseSchema | None:
        """``state_at_start`` of this generation's replay, once per migration."""
        found = self.starts.get(id(migration))
        if found is None or found[0] is not migration:
            found = self.starts[id(migration)] = (migration, state_at_start(project, self.replay, migration))
        return found[1]


def _generation(project, replay) -> _Generation:
    global _memo
    memo = _memo
    if memo.replay is not replay or memo.project is not project:
        memo = _memo = _Generation(project, replay, memo.infos)
    return memo


def _taken_over(memo: _Generation, project, replay, migration: Migration, statement: Statement) -> _Known | None:
    """The facts the previous analysis found for ``statement``, when they still hold: each fact is derived from the
    operation (the same statement object holds the same operations), the replayed schema just before it, whether its
    table is new, the PostgreSQL version and the schema at the migration's start. A replay that resumes after an
    unchanged migration hands on the very same (never mutated) schema objects, so identity proves them unchanged: a
    keystroke in the last migration leaves the facts of the migrations before it as they were."""
    known = memo.previous.get(id(statement))
    if known is None or known.statement is not statement or not known.replayed:
        return None
    if known.version != getattr(project, "postgres_version", 16):
        return None
    if replay is None or not hasattr(replay, "context") or not hasattr(replay, "after"):
        return None
    for info in known.infos:  # one per operation, in order
        context = replay.context(info.op)
        if context is None or context.state_before is not info.state_before or \
                bool(context.table_is_new) != info.table_is_new:
            return None
    if memo.start(project, migration) is not known.start:
        return None
    for info in known.infos:
        info.migration = migration  # the newly loaded Migration of the same file (same text, same statements)
    return known


def analysis_memo(project) -> dict:
    """A dict that lives as long as the facts ``op_infos`` gives for ``project``'s current replay: for what a rule
    derives from them once per analysis (an index by table). Keys should hold what their ids name."""
    return _generation(project, getattr(project, "replay", None)).derived


# The last analysis's facts (one replay of one project), by statement, and the one's before it. A new load (a new
# replay object) starts a new generation; the strong references held keep the ids it is keyed by valid.
_memo = _Generation(None, None, {})


def _compute_op_infos(project, replay, migration, statement: Statement) -> tuple[list[OpInfo], bool]:
    """The facts, and whether the replay gave the context of every operation."""
    version = getattr(project, "postgres_version", 16)
    out = []
    replayed = True
    for op in _operations(statement):
        context = replay.context(op) if replay is not None and hasattr(replay, "context") else None
        if context is not None:
            state, is_new = context.state_before, bool(context.table_is_new)
        else:
            replayed = False
            state, is_new = None, _created_earlier_in(migration, statement, op.table, op.schema)
        fact = lock_facts(op, state, version) if op.kind is not OpKind.DO_BLOCK else None
        info = OpInfo(migration, statement, op, state, is_new, fact, [])
        info.locks = _existing_locks(project, info)
        out.append(info)
    return out, replayed


def _operations(statement: Statement) -> Iterator[Operation]:
    for op in statement.operations:
        yield op
        yield from op.inner


def _existing_locks(project, info: OpInfo) -> list[TableLock]:
    fact = info.fact
    if fact is None or not fact.lock:
        return []
    locks: list[TableLock] = []
    if fact.blocks_reads or fact.blocks_writes:
        if info.op.table and not info.table_is_new:
            locks.append(TableLock(info.op.table, info.op.schema or "public", fact.lock))
        elif not info.op.table and info.op.index_name:
            # DROP INDEX and REINDEX INDEX name the index: the lock falls on the table that holds it
            owner = index_owner(info.state_before, info.op.index_name, info.op.schema)
            table = owner.table if owner is not None else None
            if table is not None and table_existed_at_start(project, info.migration, info.statement, table.name,
                                                            table.schema):
                locks.append(TableLock(table.name, table.schema or "public", fact.lock))
    for table, mode in fact.other_locks.items():
        if mode not in (ACCESS_EXCLUSIVE, EXCLUSIVE, "SHARE ROW EXCLUSIVE", "SHARE"):
            continue
        schema = _referenced_schema(info.op, table)
        if table_existed_at_start(project, info.migration, info.statement, table, schema):
            locks.append(TableLock(table, schema, mode, referenced=True))
    return locks


def _referenced_schema(op: Operation, table: str) -> str:
    constraint = op.constraint
    schema = getattr(constraint, "schema_to", None) if getattr(constraint, "table_to", None) == table else None
    if op.table_def is not None:
        for fk in op.table_def.foreign_keys.values():
            if fk.table_to == table and fk.schema_to:
                schema = fk.schema_to
    return schema or "public"


def table_existed_at_start(project, migration: Migration, statement: Statement, table: str,
                           schema: str | None) -> bool:
    """``table`` existed before ``migration`` started (so assume it is large and live)."""
    replay = getattr(project, "replay", None)
    if replay is not None and hasattr(replay, "after"):
        state = _generation(project, replay).start(project, migration)
        if state is not None:
            return state.table(table, schema) is not None
    return not _created_earlier_in(migration, statement, table, schema)


def state_at_start(project, replay, migration: Migration) -> DatabaseSchema | None:
    """The replayed schema just before ``migration`` runs (None when it is not one of the project's migrations)."""
    folder = getattr(getattr(project, "project", None), "migrations", None)
    migrations = [m for m in folder.migrations if not m.missing] if folder is not None else []
    for index, candidate in enumerate(migrations):
        if candidate is migration:
            return replay.after.get(migrations[index - 1].tag) if index else replay.initial
    return None


def _created_earlier_in(migration: Migration, statement: Statement, table: str | None, schema: str | None) -> bool:
    if not table:
        return False
    for earlier in migration.statements:
        if earlier is statement:
            return False
        for op in earlier.operations:
            if op.kind is OpKind.CREATE_TABLE and op.table == table and (op.schema or "public") == (schema or "public"):
                return True
    return False


def where(migration: Migration, statement: Statement | SourceRange, relative_to: Migration | None = None) -> str:
    """``line 4`` in the same file, ``line 4 of 0041_add_column.sql`` in another one."""
    offset = statement.start if isinstance(statement, SourceRange) else statement.range.start
    line = line_col(migration.text, offset)[0] + 1
    if relative_to is not None and relative_to is migration:
        return f"line {line}"
    return f"line {line} of {migration.tag}.sql"


def op_label(op: Operation) -> str:
    """A short name for what the operation does, as it is written in SQL."""
    kind = op.kind
    label = _LABELS.get(kind)
    if label is not None:
        return label(op)
    if kind is OpKind.ADD_CONSTRAINT:
        what = (op.constraint_type.value.replace("_", " ").upper() if op.constraint_type else "CONSTRAINT")
        name = f" {quoted(op.constraint_name)}" if op.constraint_name else ""
        return f"ADD CONSTRAINT{name} {what}"
    if kind is OpKind.CREATE_INDEX:
        unique = "UNIQUE " if op.index is not None and op.index.unique else ""
        name = f" {quoted(op.index_name)}" if op.index_name else ""
        return f"CREATE {unique}INDEX{name}"
    if kind is OpKind.DROP_INDEX:
        return f"DROP INDEX {quoted(op.index_name or '')}"
    if kind is OpKind.TABLE_REWRITE and op.rewrite == "reindex" and op.raw:
        return " ".join(op.raw.split()).rstrip(";")  # REINDEX names its target several ways: keep it as written
    if kind is OpKind.TABLE_REWRITE:
        return {"set_logged": "SET LOGGED", "set_unlogged": "SET UNLOGGED", "vacuum_full": "VACUUM FULL",
                "cluster": "CLUSTER", "reindex": "REINDEX"}.get(op.rewrite or "", "rewrite")
    words = " ".join(op.raw.split())
    return words if len(words) <= 60 else words[:57] + "..."


def _column(op: Operation) -> str:
    return f" {quoted(op.column)}" if op.column else ""


def _table(op: Operation) -> str:
    return table_label(op.schema, op.table or "")


# Only the asked kind's label is written: related-statement lists label hundreds of operations per check.
_LABELS = {
    OpKind.ADD_COLUMN: lambda op: f"ADD COLUMN{_column(op)}",
    OpKind.DROP_COLUMN: lambda op: f"DROP COLUMN{_column(op)}",
    OpKind.ALTER_COLUMN_TYPE: lambda op: f"ALTER COLUMN{_column(op)} SET DATA TYPE {op.new_type or ''}".rstrip(),
    OpKind.SET_NOT_NULL: lambda op: f"ALTER COLUMN{_column(op)} SET NOT NULL",
    OpKind.DROP_NOT_NULL: lambda op: f"ALTER COLUMN{_column(op)} DROP NOT NULL",
    OpKind.SET_DEFAULT: lambda op: f"ALTER COLUMN{_column(op)} SET DEFAULT",
    OpKind.DROP_DEFAULT: lambda op: f"ALTER COLUMN{_column(op)} DROP DEFAULT",
    OpKind.RENAME_COLUMN: lambda op: f"RENAME COLUMN{_column(op)}",
    OpKind.RENAME_TABLE: lambda op: "RENAME TO",
    OpKind.CREATE_TABLE: lambda op: f"CREATE TABLE {_table(op)}",
    OpKind.DROP_TABLE: lambda op: f"DROP TABLE {_table(op)}",
    OpKind.TRUNCATE: lambda op: f"TRUNCATE {_table(op)}",
    OpKind.VALIDATE_CONSTRAINT: lambda op: f"VALIDATE CONSTRAINT {quoted(op.constraint_name or '')}",
    OpKind.DROP_CONSTRAINT: lambda op: f"DROP CONSTRAINT {quoted(op.constraint_name or '')}",
    OpKind.UPDATE: lambda op: f"UPDATE {_table(op)}",
    OpKind.DELETE: lambda op: f"DELETE FROM {_table(op)}",
    OpKind.INSERT: lambda op: f"INSERT INTO {_table(op)}",
}


_COLLATE = re.compile(r"\s+COLLATE\s+.+$", re.IGNORECASE | re.DOTALL)


def written_type(text: str, op: Operation) -> str:
    """The new type of ``ALTER COLUMN … SET DATA TYPE`` exactly as the migration spells it (``"public"."mood"``,
    ``timestamp (3) with time zone``), without a COLLATE clause."""
    if op.type_range is None:
        return op.new_type or ""
    return _COLLATE.sub("", text[op.type_range.start:op.type_range.end]).strip()


def statement_label(op: Operation) -> str:
    """``ALTER TABLE "orders" ADD COLUMN "note"``: the operation with the table it applies to."""
    label = op_label(op)
    if op.kind in (OpKind.ADD_COLUMN, OpKind.DROP_COLUMN, OpKind.ALTER_COLUMN_TYPE, OpKind.SET_NOT_NULL,
                   OpKind.DROP_NOT_NULL, OpKind.SET_DEFAULT, OpKind.DROP_DEFAULT, OpKind.RENAME_COLUMN,
                   OpKind.RENAME_TABLE, OpKind.VALIDATE_CONSTRAINT, OpKind.DROP_CONSTRAINT, OpKind.ADD_CONSTRAINT,
                   OpKind.ADD_IDENTITY, OpKind.DROP_IDENTITY, OpKind.ENABLE_RLS, OpKind.DISABLE_RLS):
        return f"ALTER TABLE {table_label(op.schema, op.table or '')} {label}"
    if op.kind is OpKind.CREATE_INDEX:
        return f"{label} on {table_label(op.schema, op.table or '')}"
    if op.kind is OpKind.TABLE_REWRITE and op.table and op.rewrite in ("set_logged", "set_unlogged"):
        return f"ALTER TABLE {table_label(op.schema, op.table)} {label}"
    return label


# --- settings a migration makes for itself (lock_timeout, TimeZone) ---------------------------------------------------

BREAKPOINT = "--> statement-breakpoint"
_DISABLED = {"0", "0ms", "0s", "0min", "0h", "0d", "default"}


def setting_before(tmap, migration: Migration, statement: Statement, parameter: str) -> Operation | None:
    """The ``SET`` of ``parameter`` in effect when ``statement`` runs, or None (never set, reset, or set to 0).

    Only this migration counts: an earlier migration may have been applied by an earlier run, in another session.
    ``SET LOCAL`` lasts until its transaction ends; a plain ``SET`` lasts for the session. With ``no-transaction``
    (neon-http) every statement is its own HTTP request, so no setting survives to the next statement."""
    if tmap.migrator == "no-transaction":
        return None
    own = tmap.ref(statement)
    found: Operation | None = None
    statements = migration.statements
    stop = position_of(statements, statement)
    for index, earlier, op in _settings_of(statements, parameter.lower()):
        if index >= stop:
            break
        if op.local:
            ref = tmap.ref(earlier)
            if own is None or ref is None or not ref.in_block or ref.transaction != own.transaction:
                continue  # its transaction ended before ``statement`` runs
        found = op
    if found is None or (found.value or "").strip().strip("'").replace(" ", "").lower() in _DISABLED:
        return None
    return found


def _settings_of(statements: list[Statement], parameter: str) -> list[tuple[int, Statement, Operation]]:
    """Every ``SET`` of ``parameter`` (lower case) in a migration, in order, with its statement and position: asked
    for each statement, walking the whole migration each time was quadratic."""
    def compute() -> list[tuple[int, Statement, Operation]]:
        return [(index, statement, op) for index, statement in enumerate(statements) for op in statement.operations
                if op.kind is OpKind.SET_PARAMETER and (op.parameter or "").lower() == parameter]
    return per_statements(statements, f"settings of {parameter}", compute)


def comment_block_start(text: str, line_start: int) -> int:
    """Where the ``--`` comment lines right above the line starting at ``line_start`` begin (``line_start`` itself
    when there are none). Breakpoint lines are not comments."""
    offset = line_start
    while offset > 0:
        previous = text.rfind("\n", 0, offset - 1) + 1
        line = text[previous:offset].strip()
        if not line.startswith("--") or line.startswith("-->"):
            break
        offset = previous
    return offset


def insertion_before(migration: Migration, statement: Statement) -> tuple[int, bool]:
    """Where a new statement goes so that it runs right before ``statement``: (offset, True when it needs its own
    ``--> statement-breakpoint`` line, False when it must join the statement's chunk).

    Comment lines right above the statement stay attached to it (a suppression comment names the next statement)."""
    text = migration.text
    start = statement.range.start
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        # Something else precedes it on its line: insert right before it.
        return start, text[line_start:start].rstrip().endswith(BREAKPOINT)
    offset = comment_block_start(text, line_start)
    marker = text.rfind(BREAKPOINT, 0, start)
    chunk_start = 0 if marker < 0 else marker + len(BREAKPOINT)
    first_in_chunk = not _has_code(text[chunk_start:offset])
    return offset, first_in_chunk and uses_breakpoints(migration)


def _has_code(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in text.splitlines())


def statement_text(new_statement: str, with_breakpoint: bool) -> str:
    """``new_statement`` as inserted by ``insertion_before``: on its own line and chunk, or joined to the next one."""
    return f"{new_statement}{BREAKPOINT}\n" if with_breakpoint else f"{new_statement}\n"
