"""Navigation between the schema file and the migrations: definitions, references and the pending-changes lens.

Everything here answers with ``SourceRange``s and plain strings; the language server only turns them into LSP
locations and lenses, so the same answers can be checked without an editor.

Names are followed through renames: a table named ``customers`` in 0003 and renamed ``clients`` in 0007 is the
schema's ``clients``, so a definition from 0003 lands on ``clients`` and the references of ``clients`` include 0003.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from drizzle_lsp.analysis.describe import find_column, find_operation
from drizzle_lsp.model import Operation, OpKind, SourceRange
from drizzle_lsp.model.schema import Column, Table
from drizzle_lsp.rules._support.pending_changes import PendingChange, pending_changes

# A lens title stays on one line of the editor: past this many changes the rest are counted, not listed.
MAX_LISTED = 4


@dataclass(slots=True)
class TableLens:
    range: SourceRange  # the table definition in the schema file
    table: str
    title: str
    statements: list[str]  # what drizzle-kit will emit, in full, for a command that shows them


# --- pending changes lens -----------------------------------------------------------------------------------------

_SUBJECT = re.compile(r'\b(?:COLUMN|INDEX|CONSTRAINT|TYPE)\s+"([^"]+)"')
_TABLE = re.compile(r'\bTABLE\s+"([^"]+)"')

_LABELS = {
    "create_table": "create table",
    "drop_table": "drop table",
    "add_column": "add column",
    "rename_candidate": "add column (or rename)",
    "drop_column": "drop column",
    "alter_type": "change type of",
    "set_not_null": "set not null on",
    "drop_not_null": "drop not null on",
    "set_default": "set default of",
    "drop_default": "drop default of",
    "create_index": "create index",
    "drop_index": "drop index",
    "add_foreign_key": "add foreign key",
    "drop_foreign_key": "drop foreign key",
    "add_unique": "add unique",
    "drop_unique": "drop unique",
}


def change_label(change: PendingChange) -> str:
    """A few words for one change, e.g. "drop column `email` (breaking)"."""
    # PendingChange keeps the emitted statement rather than the object it names; the name is its quoted subject.
    found = _SUBJECT.search(change.statement) or _TABLE.search(change.statement)
    label = _LABELS.get(change.kind, change.kind.replace("_", " "))
    text = f"{label} `{found.group(1)}`" if found else label
    # Only breaking changes are marked: nearly every ALTER TABLE takes a lock, and the diagnostics already say which.
    if change.breaking:
        text += " (breaking)"
    return text


def lens_title(changes: list[PendingChange]) -> str:
    labels = [change_label(c) for c in changes]
    shown = ", ".join(labels[:MAX_LISTED])
    if len(labels) > MAX_LISTED:
        shown += f" and {len(labels) - MAX_LISTED} more"
    noun = "change" if len(labels) == 1 else "changes"
    return f"{len(labels)} pending {noun}: {shown}"


def _within(inner: SourceRange | None, outer: SourceRange | None) -> bool:
    if inner is None or outer is None:
        return True
    return _same_path(inner.path, outer.path) and outer.start <= inner.start <= outer.end


def _same_path(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def table_lenses(analyzed: Any, path: str) -> list[TableLens]:
    """One lens per table defined in ``path`` that the next ``drizzle-kit generate`` would change."""
    project = analyzed.project
    tables = [t for t in project.schema.tables.values() if t.range is not None and _same_path(t.range.path, path)]
    if not tables:
        return []
    changes = pending_changes(project)
    out = []
    for table in sorted(tables, key=lambda t: t.range.start):
        own = [c for c in changes if c.table == table.name and _within(c.range, table.range)]
        if own:
            out.append(TableLens(table.range, table.name, lens_title(own), [c.statement for c in own]))
    return out


# --- definition ---------------------------------------------------------------------------------------------------


def _ops_in_order(analyzed: Any) -> list[Operation]:
    """Every operation of every migration in apply order, with a DO block's statements in place of the block."""
    folder = analyzed.project.migrations
    if folder is None:
        return []
    out: list[Operation] = []
    for migration in folder.migrations:
        for op in migration.operations:
            out.append(op)
            out.extend(op.inner)
    return out


def _default_schema(analyzed: Any) -> str:
    return "public" if analyzed.dialect == "postgresql" else ""


def _same_schema(analyzed: Any, op_schema: str | None, table: Table) -> bool:
    default = _default_schema(analyzed)
    return (op_schema or default) == (table.schema or default)


def _schema_table(analyzed: Any, name: str, schema: str | None) -> Table | None:
    candidates = [t for t in analyzed.project.schema.tables.values() if t.name == name]
    for table in candidates:
        if _same_schema(analyzed, schema, table):
            return table
    return candidates[0] if candidates else None


def _column_named(table: Table, name: str) -> Column | None:
    return table.columns.get(name)


def _name_at(op: Operation, offset: int) -> tuple[str | None, str | None]:
    """The table and column named under the cursor in ``op`` (column None when the cursor is on the table)."""
    if op.table_range and op.table_range.start <= offset <= op.table_range.end:
        return op.table, None
    if op.column_range and op.column_range.start <= offset <= op.column_range.end:
        return op.table, op.column
    for column in ([*op.table_def.columns.values()] if op.table_def is not None else []) + (
            [op.column_def] if op.column_def is not None else []):
        where = column.name_range or column.range
        if where and where.start <= offset <= where.end:
            return op.table, column.name
    return None, None


_IDENTIFIER = re.compile(r'"((?:[^"]|"")+)"|`([^`]+)`|([A-Za-z_][A-Za-z0-9_$]*)')


def _identifier_at(text: str, offset: int) -> str | None:
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    for match in _IDENTIFIER.finditer(text, line_start, line_end):
        if match.start() <= offset <= match.end():
            quoted, backticked, bare = match.groups()
            return quoted.replace('""', '"') if quoted is not None else backticked or bare
    return None


def _was_column(analyzed: Any, op: Operation, name: str) -> bool:
    """Whether ``name`` is a column of ``op``'s table at some point of the migrations (it may be renamed later)."""
    for other in _ops_in_order(analyzed):
        if other.table != op.table:
            continue
        if other.column == name or (other.column_def is not None and other.column_def.name == name):
            return True
        if other.table_def is not None and name in other.table_def.columns:
            return True
    return False


def definition(analyzed: Any, path: str, offset: int) -> SourceRange | None:
    """From a table or column name in a migration to where the schema file defines it."""
    if not path.endswith(".sql"):
        return None
    found = find_operation(analyzed, path, offset)
    if found is None:
        return None
    migration, op = found
    table_name, column_name = _name_at(op, offset)
    if table_name is None and op.table:
        # Index columns, constraint columns and the like carry no range of their own: an identifier under the
        # cursor that names a column of the statement's table is taken as that column.
        word = _identifier_at(migration.text, offset)
        columns = op.table_def.columns if op.table_def is not None else {}
        table_now = _schema_table(analyzed, op.table, op.schema)
        if word and (word in columns or (table_now is not None and word in table_now.columns)
                     or _was_column(analyzed, op, word)):
            table_name, column_name = op.table, word
    if table_name is None:
        return None
    # Follow later renames forward: the name in an old migration is the schema's name only after them.
    ops = _ops_in_order(analyzed)
    position = next((i for i, o in enumerate(ops) if o is op), len(ops))
    for later in ops[position + 1:]:
        if later.table != table_name:
            continue
        if later.kind is OpKind.RENAME_TABLE and later.new_name:
            table_name = later.new_name
        elif column_name and later.kind is OpKind.RENAME_COLUMN and later.column == column_name and later.new_name:
            column_name = later.new_name
    table = _schema_table(analyzed, table_name, op.schema)
    if table is None:
        return None
    if column_name is not None:
        column = _column_named(table, column_name)
        if column is None:
            return None
        return column.range or column.name_range
    return table.name_range or table.range


# --- references ---------------------------------------------------------------------------------------------------


def _constraint_columns(constraint: object) -> tuple[list[str], str | None, list[str]]:
    """(columns on the constrained table, referenced table, referenced columns) of any constraint object."""
    own = list(getattr(constraint, "columns_from", None) or getattr(constraint, "columns", None) or [])
    return own, getattr(constraint, "table_to", None), list(getattr(constraint, "columns_to", None) or [])


def _touches_table(op: Operation, name: str) -> bool:
    if op.table == name:
        return True
    # A foreign key to the table locks it and breaks when it goes: it touches it too.
    _, table_to, _ = _constraint_columns(op.constraint)
    if table_to == name:
        return True
    if op.table_def is not None:
        return any(fk.table_to == name for fk in op.table_def.foreign_keys.values())
    return False


def _touches_column(op: Operation, table: str, column: str) -> bool:
    if op.table == table:
        if op.column == column or (op.kind is OpKind.RENAME_COLUMN and op.new_name == column):
            return True
        if op.column_def is not None and op.column_def.name == column:
            return True
        if op.table_def is not None and column in op.table_def.columns:
            return True
        if op.index is not None and column in op.index.column_names:
            return True
        own, _, _ = _constraint_columns(op.constraint)
        if column in own:
            return True
    _, table_to, columns_to = _constraint_columns(op.constraint)
    if table_to == table and column in columns_to:
        return True
    if op.table_def is not None and op.table != table:
        return any(fk.table_to == table and column in fk.columns_to for fk in op.table_def.foreign_keys.values())
    return False


def references(analyzed: Any, path: str, offset: int, include_declaration: bool = False) -> list[SourceRange]:
    """From a table (or one of its columns) in the schema file to every migration statement that touches it."""
    found = find_column(analyzed, path, offset)
    if found is None:
        return []
    table, column = found
    # Walk the history backwards so that a rename hands the search over to the name the object had before it.
    table_name = table.name
    column_name = column.name if column is not None else None
    hits: list[SourceRange] = []
    for op in reversed(_ops_in_order(analyzed)):
        if op.kind is OpKind.RENAME_TABLE and op.new_name == table_name and _same_schema(analyzed, op.schema, table):
            if column_name is None:
                hits.append(op.range)
            table_name = op.table or table_name
            continue
        if column_name is None:
            if _touches_table(op, table_name):
                hits.append(op.range)
            continue
        if _touches_column(op, table_name, column_name):
            hits.append(op.range)
            if op.kind is OpKind.RENAME_COLUMN and op.table == table_name and op.new_name == column_name and op.column:
                column_name = op.column
    out: list[SourceRange] = []
    if include_declaration:
        declared = (column.range if column is not None else table.name_range or table.range)
        if declared is not None:
            out.append(declared)
    seen: set[tuple[str, int, int]] = set()
    # Subcommands of one ALTER TABLE share the statement: it is listed once, in apply order.
    for where in reversed(hits):
        key = (where.path, where.start, where.end)
        if key not in seen:
            seen.add(key)
            out.append(where)
    return out


__all__ = ["TableLens", "change_label", "definition", "lens_title", "references", "table_lenses"]
