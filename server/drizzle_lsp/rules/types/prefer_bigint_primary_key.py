from __future__ import annotations

from collections.abc import Hashable, Iterable

from drizzle_lsp.analysis.pg_types import parse_type
from drizzle_lsp.model import Column, DatabaseSchema, ForeignKey, Table
from drizzle_lsp.rules._support.table_facts import migrated_state_key, per_table, quote_facts, table_facts
from drizzle_lsp.rules._support.ts_builders import BuilderCall, rename_fix, replace_arguments
from drizzle_lsp.rules._support.type_policy import (
    declared_in_typescript, is_new_column, is_primary_key, quoted, replace_type, reporting_facts, serial_kind,
    sql_columns, ts_column,
)
from drizzle_lsp.rules.framework import Fix, MigrationContext, ProjectContext, Rule, SchemaContext, TextEdit, Violation

_LIMITS = {"integer": "2,147,483,647", "smallint": "32,767"}
# MySQL's narrow integer types, signed and unsigned (drizzle's mysql serial() is bigint unsigned: not narrow)
_MYSQL_LIMITS = {
    ("int", False): "2,147,483,647", ("int", True): "4,294,967,295",
    ("mediumint", False): "8,388,607", ("mediumint", True): "16,777,215",
    ("smallint", False): "32,767", ("smallint", True): "65,535",
    ("tinyint", False): "127", ("tinyint", True): "255",
}


def _mysql_narrow(type_text: str) -> tuple[str, bool] | None:
    words = type_text.lower().replace("`", "").replace("(", " (").split()
    base = {"integer": "int"}.get(words[0], words[0]) if words else ""
    key = (base, "unsigned" in words)
    return key if key in _MYSQL_LIMITS else None


def _narrow(column: Column, dialect: str = "postgresql") -> str | None:
    """``integer`` or ``smallint`` when the column holds a 32- or 16-bit integer (serials included); on MySQL the
    type's own name (``int``, ``int unsigned``, ``mediumint`` ...)."""
    if dialect == "mysql":
        found = _mysql_narrow(column.type)
        return (found[0] + (" unsigned" if found[1] else "")) if found else None
    parsed = parse_type(column.type)
    return parsed.base if parsed.base in _LIMITS and not parsed.array_dims else None


def _limit(narrow: str | None, dialect: str) -> str:
    if dialect == "mysql" and narrow:
        found = _mysql_narrow(narrow)
        if found:
            return _MYSQL_LIMITS[found]
    return _LIMITS.get(narrow or "integer", _LIMITS["integer"])


def _role(schema: DatabaseSchema, table: Table, column: Column) -> tuple[str, str] | None:
    """("primary key", "") or ("reference", '"users"."id"') when ``column`` is a narrow key or points at one."""
    dialect = schema.dialect
    if _narrow(column, dialect) is None:
        return None
    if is_primary_key(table, column):
        return "primary key", ""
    for fk in _references_from(table, column.name):
        key = _narrow_key(schema.table(fk.table_to, fk.schema_to), fk.columns_to[0], dialect)
        if key is not None:
            return "reference", key
    return None


def _references_from(table: Table, column_name: str) -> list[ForeignKey]:
    """The single-column foreign keys leading from the column, in declaration order."""
    return [fk for fk in table.foreign_keys.values() if fk.columns_from == [column_name] and len(fk.columns_to) == 1]


def _narrow_key(target_table: Table | None, name: str, dialect: str) -> str | None:
    """``"users"."id"`` when that column of ``target_table`` is a narrow primary key."""
    target = target_table.columns.get(name) if target_table is not None else None
    if target is not None and _narrow(target, dialect) is not None and is_primary_key(target_table, target):
        return quoted(target_table.name, target.name)
    return None


def _references(schema: DatabaseSchema, table: Table) -> tuple:
    """What ``_role`` reads beyond ``table``: for each narrow column that a foreign key leads from, the referenced
    narrow key it is reported with. Values, not the referenced tables: a table that references an edited one is
    read again by the extractor (a new object) even though its key did not change. What a table's own declaration
    gives is worked out once per table object."""
    dialect = schema.dialect

    def sources() -> list[tuple[str, list[tuple[str, str | None, str]]]]:
        found = []
        for column in table.columns.values():
            if _narrow(column, dialect) is not None and not is_primary_key(table, column):
                fks = _references_from(table, column.name)
                if fks:
                    found.append((column.name, [(fk.table_to, fk.schema_to, fk.columns_to[0]) for fk in fks]))
        return found

    facts = []
    for name, targets in per_table(table, "prefer-bigint-primary-key.sources:" + dialect, sources):
        key = None
        for table_to, schema_to, column_to in targets:
            target_table = schema.table(table_to, schema_to)
            if target_table is not None:
                keys = per_table(target_table, "prefer-bigint-primary-key.keys:" + dialect, dict)
                if column_to not in keys:
                    keys[column_to] = _narrow_key(target_table, column_to, dialect)
                key = keys[column_to]
                if key is not None:
                    break
        facts.append((name, key))
    return tuple(facts)


class PreferBigintPrimaryKey(Rule):
    """A 32-bit (or 16-bit) integer primary key, or a column referencing one.

    ## What it does
    Flags primary keys declared as `integer`, `serial`, `smallint` or `smallserial` (identity or not), and the
    foreign-key columns that point at them, in the schema and in migrations that the TypeScript schema does not
    describe (SQL-only projects, hand-written migrations). The TypeScript schema is the source of truth: a column it
    declares is reported there, where the fix belongs, and not again in the SQL drizzle-kit generated from it. In
    SQL, a column is only reported while the migration history still leaves it narrow.

    ## Why is this bad?
    An `integer` key runs out at 2,147,483,647 (`smallint` at 32,767); the next insert then fails with
    `integer out of range` (or `nextval: reached maximum value of sequence`). Ids are consumed by rolled-back
    inserts and `ON CONFLICT` attempts too, so busy tables (events, logs, join tables) get there sooner than their
    row count suggests. Widening later means `ALTER COLUMN … SET DATA TYPE bigint` on the key and on every column
    that references it: each rewrites its table and indexes under an ACCESS EXCLUSIVE lock (no reads, no writes).
    `bigint` costs 4 more bytes per row and is the safe default; with `mode: 'number'` drizzle still returns a
    JavaScript number (exact up to 2^53).

    On MySQL the same holds for `int` (`int unsigned` stops at 4,294,967,295), `mediumint`, `smallint` and
    `tinyint` keys: once `AUTO_INCREMENT` reaches the type's maximum every insert fails with a duplicate-key error
    (1062), and widening copies the table. drizzle's MySQL `serial()` is already `bigint unsigned`. SQLite is not
    checked: its `integer` keys are 64-bit.

    ## Example
    ```ts
    import { pgTable, integer, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      name: text().notNull(),
    });

    export const posts = pgTable("posts", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      authorId: integer("author_id").notNull().references(() => users.id),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, bigint, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      name: text().notNull(),
    });

    export const posts = pgTable("posts", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      authorId: bigint("author_id", { mode: "number" }).notNull().references(() => users.id),
    });
    ```

    ## Fix safety
    The fix is a suggestion: it replaces the builder with `bigint(…, { mode: 'number' })` (`serial` and
    `smallserial` with `bigserial(…, { mode: 'number' })`), keeping the column name and the rest of the chain, and
    imports it. The key and its referencing columns must change together, and on an existing table the generated
    type change rewrites the table, so it is never applied automatically. In a migration it writes `bigint`
    (`bigserial`).
    """

    name = "prefer-bigint-primary-key"
    group = "types"
    severity = "warning"
    has_fix = True
    dialects = ("postgresql", "mysql")  # SQLite's integer is already 64-bit
    target = "schema+migration"
    # The SQL side reads the TypeScript schema and the final replayed state. The TypeScript side reads its table,
    # whether a migration already created the column (replay or snapshots), the tables sharing a spread column, the
    # tables its foreign keys reference (their keys) and the file's quote (the fix's options): memo_key.
    reads = "project"
    reads_on = {"schema": "unit"}

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        return migrated_state_key(ctx), reporting_facts(ctx), table_facts(ctx, self.name, _references), quote_facts(ctx)

    def check_column(self, ctx: SchemaContext) -> Iterable[Violation]:
        ts = ts_column(ctx)
        if ts is None:
            return
        role = _role(ctx.schema, ts.table, ts.column)
        if role is None:
            return
        narrow = _narrow(ts.column, ctx.dialect)
        message, help = _describe(ts.label, ts.column, narrow, role, ctx.dialect)
        if not is_new_column(ctx.project, ts):
            lock = ("copies the table, blocking its writes" if ctx.dialect == "mysql" else
                    "rewrites the table and its indexes under an ACCESS EXCLUSIVE lock")
            help += (f" On this existing table the type change {lock}: do it while the table is small, or plan an "
                     "expand/contract migration.")
        yield self.violation(message, ts.column.type_range or ts.column.range, help=help, fix=_ts_fix(ctx, ts.column))

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        if ctx.op is None:
            return
        replay = getattr(ctx.project, "replay", None)
        for column in sql_columns(ctx.op):
            narrow = _narrow(Column(column.name, column.type), ctx.dialect)
            if narrow is None:
                continue
            if declared_in_typescript(ctx.project, column.table, column.schema, column.name):
                continue
            if replay is not None:  # keys and references are added after CREATE TABLE: judge the final state
                final_table = replay.final.table(column.table, column.schema)
                final = final_table.columns.get(column.name) if final_table is not None else None
                role = _role(replay.final, final_table, final) if final is not None else None
            else:
                own = column.table_def or Table(column.table)
                role = _role(DatabaseSchema(), own, column.column) if column.column is not None else None
            if role is None:
                continue
            message, help = _describe(column.label, Column(column.name, column.type), narrow, role, ctx.dialect)
            written = serial_kind(column.type) if ctx.dialect == "postgresql" else None
            replacement = "bigserial" if written else "bigint"
            if ctx.dialect == "mysql" and column.type_range is not None and "unsigned" in ctx.migration.text[
                    column.type_range.start:column.type_range.end].lower():
                replacement = "bigint unsigned"
            yield self.violation(message, column.type_range, help=help,
                                 fix=replace_type(column.type_range, replacement, "suggestion"))


def _describe(label: str, column: Column, narrow: str | None, role: tuple[str, str],
              dialect: str = "postgresql") -> tuple[str, str]:
    limit = _limit(narrow, dialect)
    written = (serial_kind(column.type) if dialect == "postgresql" else None) or narrow
    if role[0] == "primary key":
        message = f"primary key {label} is `{written}`: inserts fail once ids pass {limit}"
        help = ("Use `bigint({ mode: 'number' })` (64-bit; drizzle still returns a number) for the key and for every "
                "column that references it.")
    else:
        message = f"{label} is `{written}` and references the {narrow} primary key {role[1]}: both overflow at {limit}"
        help = f"Widen it to `bigint({{ mode: 'number' }})` together with {role[1]}."
    return message, help


def _ts_fix(ctx: SchemaContext, column: Column) -> Fix | None:
    builder = "bigserial" if serial_kind(column.type) is not None else "bigint"
    return rename_fix(ctx, column.type_range, builder, f"Use `{builder}({{ mode: 'number' }})`", "suggestion",
                      _number_mode)


def _number_mode(call: BuilderCall) -> list[TextEdit]:
    quote = call.quote()
    options = call.source.node_text(call.options) if call.options is not None else ""
    # MySQL's int({ unsigned: true }) keeps its sign: bigint takes the same option
    unsigned = ", unsigned: true" if "unsigned" in options and "true" in options else ""
    mode = f"{{ mode: {quote}number{quote}{unsigned} }}"
    name = call.source.node_text(call.column_name) + ", " if call.column_name is not None else ""
    return [replace_arguments(call, f"({name}{mode})")]
