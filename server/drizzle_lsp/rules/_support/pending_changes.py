"""What the next `drizzle-kit generate` will emit: the TypeScript schema compared with the latest snapshot.

Each change carries the place in the schema file it belongs to (the column, or the table for a dropped column,
index or constraint) and, for PostgreSQL, the lock facts of the statement drizzle-kit will write, so the editor can
say "removing this line drops column `email` of the existing table `users`" before anything is generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.model import DatabaseSchema, Operation, OpKind, SourceRange, Table
from drizzle_lsp.model.compare import _column, _index, _table, normalize_sql
from drizzle_lsp.model.migration import ConstraintType


@dataclass(slots=True)
class PendingChange:
    table: str  # the table's SQL name
    kind: str  # create_table, drop_table, add_column, drop_column, rename_candidate, alter_type, set_not_null, ...
    statement: str  # the SQL drizzle-kit will emit, in short
    range: SourceRange | None
    breaking: bool = False  # loses data or breaks code reading it, or fails on a non-empty table
    lock: str = ""  # what the statement locks on the existing table, PostgreSQL only


def latest_snapshot(project) -> DatabaseSchema | None:
    folder = project.migrations
    if folder is None:
        return None
    for migration in reversed(folder.migrations):
        if migration.tag in project.snapshots:
            return project.snapshots[migration.tag]
    return None


def pending_changes(project) -> list[PendingChange]:
    snapshot = latest_snapshot(project)
    if snapshot is None:
        return []
    schema = project.schema
    pg = schema.dialect == "postgresql" or project.config.sql_dialect == "postgresql"
    mysql = project.config.sql_dialect == "mysql"
    old_tables = {_key(t, pg): t for t in snapshot.tables.values()}
    new_tables = {_key(t, pg): t for t in schema.tables.values()}
    out: list[PendingChange] = []
    added = [k for k in new_tables if k not in old_tables]
    dropped = [k for k in old_tables if k not in new_tables]
    fallback = SourceRange(project.schema_files[0], 0, 0) if project.schema_files else None
    for key in added:
        table = new_tables[key]
        rename = f"; drizzle-kit will ask whether it was renamed from `{old_tables[dropped[0]].name}`" if dropped else ""
        where = table.name_range or table.range
        out.append(PendingChange(table.name, "create_table", f'CREATE TABLE "{table.name}"{rename}', where))
        # drizzle-kit writes a new table's foreign keys and indexes as statements of their own after CREATE TABLE
        for name in table.foreign_keys:
            out.append(PendingChange(table.name, "add_foreign_key", f'ALTER TABLE "{table.name}" ADD CONSTRAINT '
                                     f'"{name}" FOREIGN KEY', where))
        for name in table.indexes:
            out.append(PendingChange(table.name, "create_index", f'CREATE INDEX "{name}"', where))
    for key in dropped:
        table = old_tables[key]
        out.append(PendingChange(table.name, "drop_table", f'DROP TABLE "{table.name}" (the table is no longer in '
                                 "the schema: its rows are lost)", fallback, breaking=True,
                                 lock=_lock(OpKind.DROP_TABLE, table, snapshot, pg)))
    for key, table in new_tables.items():
        if key in old_tables:
            out.extend(_table_changes(old_tables[key], table, snapshot, pg, mysql))
    out.extend(_enum_changes(snapshot, schema, fallback))
    return out


def _key(table: Table, pg: bool) -> str:
    return f"{(table.schema or 'public') if pg else (table.schema or '')}.{table.name}"


def _lock(kind: OpKind, table: Table, state: DatabaseSchema, pg: bool, **fields) -> str:
    if not pg:
        return ""
    op = Operation(kind=kind, range=SourceRange("", 0, 0), schema=table.schema or "public", table=table.name, **fields)
    try:
        fact = lock_facts(op, state)
    except Exception:  # noqa: BLE001 - a missing lock fact must not hide the change itself
        return ""
    if fact is None or not fact.lock:
        return ""
    how = " and rewrites it" if fact.rewrites else (" while it scans the whole table" if fact.scans else "")
    return f"takes {fact.lock} on the existing table `{table.name}`{how}"


def _table_changes(old: Table, new: Table, state: DatabaseSchema, pg: bool, mysql: bool) -> list[PendingChange]:
    out: list[PendingChange] = []
    where = new.name_range or new.range
    old_form, new_form = _table(old, pg, mysql), _table(new, pg, mysql)
    added = [c for c in new.columns.values() if c.name not in old.columns]
    dropped = [c for c in old.columns.values() if c.name not in new.columns]
    for column in added:
        rename = ""
        same_type = [d.name for d in dropped if d.type == column.type]
        if same_type:
            rename = (f"; drizzle-kit will ask whether it was renamed from `{same_type[0]}` (answering 'create' "
                      f"emits ADD + DROP and loses the data of `{same_type[0]}`)")
        fails = column.not_null and column.default is None and not column.identity and not column.generated
        statement = f'ALTER TABLE "{new.name}" ADD COLUMN "{column.name}" {column.type}' + (
            " NOT NULL" if column.not_null else "") + (f" DEFAULT {column.default}" if column.default else "")
        if fails:
            statement += " (no default: fails on a non-empty table)"
        out.append(PendingChange(new.name, "rename_candidate" if rename else "add_column", statement + rename,
                                 column.range or where, breaking=fails,
                                 lock=_lock(OpKind.ADD_COLUMN, new, state, pg, column=column.name, column_def=column)))
    for column in dropped:
        out.append(PendingChange(
            new.name, "drop_column",
            f'ALTER TABLE "{new.name}" DROP COLUMN "{column.name}": removing this line drops column `{column.name}` '
            f"of the existing table `{new.name}` (its data is lost; code still reading it breaks)", where,
            breaking=True, lock=_lock(OpKind.DROP_COLUMN, new, state, pg, column=column.name)))
    for name, column in new.columns.items():
        if name not in old.columns:
            continue
        before, after = _column(old.columns[name]), _column(column)
        rng = column.range or where
        if before["type"] != after["type"]:
            out.append(PendingChange(new.name, "alter_type", f'ALTER TABLE "{new.name}" ALTER COLUMN "{name}" SET DATA '
                                     f"TYPE {column.type} (was {old.columns[name].type})", rng, breaking=True,
                                     lock=_lock(OpKind.ALTER_COLUMN_TYPE, new, state, pg, column=name,
                                                new_type=column.type)))
        if before["not_null"] != after["not_null"] and not (before["primary_key"] or after["primary_key"]):
            if after["not_null"]:
                out.append(PendingChange(new.name, "set_not_null", f'ALTER TABLE "{new.name}" ALTER COLUMN "{name}" '
                                         "SET NOT NULL (fails if a row holds NULL)", rng, breaking=True,
                                         lock=_lock(OpKind.SET_NOT_NULL, new, state, pg, column=name)))
            else:
                out.append(PendingChange(new.name, "drop_not_null",
                                         f'ALTER TABLE "{new.name}" ALTER COLUMN "{name}" DROP NOT NULL', rng))
        if before["default"] != after["default"]:
            statement = (f"SET DEFAULT {column.default}" if column.default is not None else "DROP DEFAULT")
            out.append(PendingChange(new.name, "set_default" if column.default is not None else "drop_default",
                                     f'ALTER TABLE "{new.name}" ALTER COLUMN "{name}" {statement}', rng))
    for name, index in new.indexes.items():
        if name not in old.indexes or _index(old.indexes[name]) != _index(index):
            verb = "CREATE UNIQUE INDEX" if index.unique else "CREATE INDEX"
            replace = name in old.indexes
            out.append(PendingChange(new.name, "create_index", f'{"DROP INDEX + " if replace else ""}{verb} "{name}"',
                                     getattr(index, "range", None) or where,
                                     lock=_lock(OpKind.CREATE_INDEX, new, state, pg, index=index, index_name=name)))
    for name in old.indexes:
        if name not in new.indexes:
            out.append(PendingChange(new.name, "drop_index", f'DROP INDEX "{name}"', where,
                                     lock=_lock(OpKind.DROP_INDEX, new, state, pg, index_name=name)))
    old_fks, new_fks = old_form["foreign_keys"], new_form["foreign_keys"]
    for name, fk in new_fks.items():
        if old_fks.get(name) != fk:
            source = new.foreign_keys.get(name)
            out.append(PendingChange(new.name, "add_foreign_key",
                                     f'ALTER TABLE "{new.name}" ADD CONSTRAINT "{name}" FOREIGN KEY '
                                     f'({", ".join(fk["columns_from"])}) REFERENCES "{fk["table_to"]}"',
                                     getattr(source, "range", None) or where,
                                     lock=_lock(OpKind.ADD_CONSTRAINT, new, state, pg,
                                                constraint_type=ConstraintType.FOREIGN_KEY, constraint_name=name,
                                                constraint=source)))
    for name in old_fks:
        if name not in new_fks:
            out.append(PendingChange(new.name, "drop_foreign_key",
                                     f'ALTER TABLE "{new.name}" DROP CONSTRAINT "{name}"', where))
    old_uq, new_uq = old_form["unique_constraints"], new_form["unique_constraints"]
    for name, unique in new_uq.items():
        if old_uq.get(name) != unique:
            out.append(PendingChange(new.name, "add_unique", f'ALTER TABLE "{new.name}" ADD CONSTRAINT "{name}" UNIQUE'
                                     f'({", ".join(unique["columns"])}) (fails if duplicates exist)', where,
                                     breaking=True,
                                     lock=_lock(OpKind.ADD_CONSTRAINT, new, state, pg,
                                                constraint_type=ConstraintType.UNIQUE, constraint_name=name)))
    for name in old_uq:
        if name not in new_uq:
            out.append(PendingChange(new.name, "drop_unique", f'ALTER TABLE "{new.name}" DROP CONSTRAINT "{name}"',
                                     where))
    return out


def _enum_changes(old: DatabaseSchema, new: DatabaseSchema, fallback) -> list[PendingChange]:
    out = []
    for key, enum in new.enums.items():
        before = old.enums.get(key)
        where = enum.range or fallback
        if before is None:
            out.append(PendingChange("", "create_enum", f'CREATE TYPE "{enum.name}" AS ENUM', where))
            continue
        for value in enum.values:
            if value not in before.values:
                out.append(PendingChange("", "add_enum_value", f"ALTER TYPE \"{enum.name}\" ADD VALUE '{value}'", where))
        removed = [v for v in before.values if v not in enum.values]
        if removed:
            out.append(PendingChange("", "enum_recreated", f"enum `{enum.name}` loses {', '.join(removed)}: drizzle-kit "
                                     "casts its columns to text, drops and recreates the type (fails if a row holds "
                                     "a removed value)", where, breaking=True))
    return out


__all__ = ["PendingChange", "latest_snapshot", "normalize_sql", "pending_changes"]
