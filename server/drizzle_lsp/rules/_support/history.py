"""What happened earlier in the same migration, and how to name things in messages: shared by the breaking-change
rules (``rules/breaking``).

The replay's ``table_is_new`` says whether a table's *name* existed when the migration started, so a table renamed
earlier in the migration counts as new. The breaking rules need the stricter question "was this table (or column)
created in this migration, so that no data and no running code can depend on it?", which follows renames.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from drizzle_lsp.model import Column, DatabaseSchema, Enum, Migration, Operation, OpKind, Table, qualify
from drizzle_lsp.model.source import line_col
from drizzle_lsp.rules._support.identifiers import quoted, table_label
from drizzle_lsp.rules._support.statement_facts import per_statements


def flat_operations(migration: Migration) -> Iterator[Operation]:
    """Every operation of the migration in order, those inside a DO block right after the block."""
    for statement in migration.statements:
        for op in statement.operations:
            yield op
            yield from op.inner


def table_key(schema: str | None, name: str, dialect: str) -> str:
    """Names compared the way the replay keys tables (PostgreSQL: schema-qualified, ``public`` by default)."""
    if dialect == "postgresql":
        return qualify(schema or "public", name).lower()
    return name.lower()


class CreatedTables:
    """The tables created so far in a migration, fed one operation at a time (renames move a created table's name)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.created: set[str] = set()

    def feed(self, op: Operation) -> None:
        if not op.table:
            return
        key = table_key(op.schema, op.table, self.dialect)
        if op.kind is OpKind.CREATE_TABLE:
            self.created.add(key)
        elif op.kind is OpKind.DROP_TABLE:
            self.created.discard(key)
        elif op.kind is OpKind.RENAME_TABLE and op.new_name:
            renamed = table_key(op.schema, op.new_name, self.dialect)
            if key in self.created:
                self.created.discard(key)
                self.created.add(renamed)
            else:
                self.created.discard(renamed)

    def __contains__(self, schema_and_name: tuple[str | None, str]) -> bool:
        schema, name = schema_and_name
        return table_key(schema, name, self.dialect) in self.created


def created_in_migration(migration: Migration, before: Operation, schema: str | None, table: str,
                         dialect: str) -> bool:
    """True when ``table`` was created by an operation before ``before`` in ``migration`` (following renames), so it
    holds no data that existed before the migration and no deployed code reads it."""
    history = _history(migration, dialect)
    return history.created_before(history.position(before), table_key(schema, table, dialect))


def column_added_in_migration(migration: Migration, before: Operation, schema: str | None, table: str, column: str,
                              dialect: str) -> bool:
    """True when ``column`` of ``table`` was added (or its table created) earlier in the migration."""
    history = _history(migration, dialect)
    stop = history.position(before)
    wanted = table_key(schema, table, dialect)
    if history.created_before(stop, wanted):
        return True
    added: set[str] = set()
    for position, op in history.column_ops.get(wanted, ()):
        if position >= stop:
            break
        name = op.column.lower()
        if op.kind is OpKind.ADD_COLUMN:
            added.add(name)
        elif op.kind is OpKind.DROP_COLUMN:
            added.discard(name)
        elif op.kind is OpKind.RENAME_COLUMN and op.new_name:
            if name in added:
                added.discard(name)
                added.add(op.new_name.lower())
            else:
                added.discard(op.new_name.lower())
    return column.lower() in added


class _History:
    """One pass over a migration's operations, for the questions asked about each operation ("was this table created
    before it?", "this column added?"): asking by walking the migration from the start made a 200-statement migration
    quadratic, on every keystroke of the language server."""

    def __init__(self, migration: Migration, dialect: str) -> None:
        self.positions: dict[int, int] = {}  # id(operation) -> its position in flat_operations (the first one)
        # table key -> (positions, whether the table counts as created after the operation at that position)
        self.created: dict[str, tuple[list[int], list[bool]]] = {}
        self.column_ops: dict[str, list[tuple[int, Operation]]] = {}  # table key -> its operations naming a column
        tables = CreatedTables(dialect)
        count = 0
        for position, op in enumerate(flat_operations(migration)):
            count = position + 1
            self.positions.setdefault(id(op), position)
            if not op.table:
                continue
            key = table_key(op.schema, op.table, dialect)
            if op.column:
                self.column_ops.setdefault(key, []).append((position, op))
            if op.kind not in (OpKind.CREATE_TABLE, OpKind.DROP_TABLE, OpKind.RENAME_TABLE):
                continue  # feeding it changes nothing
            before = set(tables.created)
            tables.feed(op)
            for changed in before ^ tables.created:
                positions, states = self.created.setdefault(changed, ([], []))
                positions.append(position)
                states.append(changed in tables.created)
        self.end = count

    def position(self, op: Operation) -> int:
        """Where ``op`` is among the operations (the end when it is not one of them: a walk sees them all)."""
        return self.positions.get(id(op), self.end)

    def created_before(self, stop: int, key: str) -> bool:
        """The table ``key`` counts as created once the operations before position ``stop`` ran."""
        events = self.created.get(key)
        if events is None:
            return False
        index = bisect_left(events[0], stop) - 1
        return index >= 0 and events[1][index]


def _history(migration: Migration, dialect: str) -> _History:
    return per_statements(migration.statements, f"history ({dialect})", lambda: _History(migration, dialect))


def enum_created_in_migration(migration: Migration, before: Operation, schema: str | None, name: str) -> bool:
    """True when the enum ``name`` was created (and not dropped since) before ``before`` in ``migration``."""
    created = False
    for op in flat_operations(migration):
        if op is before:
            break
        if op.type_name == name and (op.schema or "public") == (schema or "public"):
            if op.kind is OpKind.CREATE_ENUM:
                created = True
            elif op.kind is OpKind.DROP_TYPE:
                created = False
    return created


def find_table(state: DatabaseSchema | None, schema: str | None, name: str | None) -> Table | None:
    if state is None or not name:
        return None
    found = state.table(name, schema or None)
    if found is None:
        lowered = name.lower()
        for table in state.tables.values():
            if table.name.lower() == lowered and (not schema or (table.schema or "") in (schema, "")):
                return table
    return found


def find_enum(state: DatabaseSchema | None, schema: str | None, name: str | None) -> Enum | None:
    if state is None or not name:
        return None
    found = state.enums.get(qualify(schema or "public", name))
    if found is None:
        for enum in state.enums.values():
            if enum.name == name and (enum.schema or "public") == (schema or "public"):
                return enum
    return found


def type_is_enum(type_text: str | None, type_schema: str | None, enum_schema: str | None, enum_name: str) -> bool:
    """``type_text`` (``status``, ``"public"."status"``, ``status[]``) names the enum."""
    if not type_text:
        return False
    base = type_text.strip()
    while base.endswith("[]"):
        base = base[:-2].rstrip()
    base = base.replace('"', "")
    schema = type_schema
    if "." in base:
        schema, base = base.split(".", 1)
    return base == enum_name and (schema or "public") == (enum_schema or "public")


def column_uses_enum(column: Column, enum_schema: str | None, enum_name: str) -> bool:
    """The column's type is the enum (or an array of it)."""
    return type_is_enum(column.type, column.type_schema, enum_schema, enum_name)


def enum_columns(state: DatabaseSchema | None, enum_schema: str | None, enum_name: str) -> list[tuple[Table, Column]]:
    if state is None:
        return []
    return [
        (table, column)
        for table in state.tables.values()
        for column in table.columns.values()
        if column_uses_enum(column, enum_schema, enum_name)
    ]


# --- naming in messages ----------------------------------------------------------------------------------------------


def column_label(schema: str | None, table: str, column: str) -> str:
    return f"{table_label(schema, table)}.{quoted(column)}"


def enum_label(schema: str | None, name: str) -> str:
    return f"{quoted(schema or 'public')}.{quoted(name)}"


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def where(migration: Migration, offset: int) -> str:
    """``0005_add_status.sql line 3``: how a message points at another statement."""
    line, _ = line_col(migration.text, offset)
    name = migration.sql_path.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{name} line {line + 1}"
