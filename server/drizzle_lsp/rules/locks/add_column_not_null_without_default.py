from __future__ import annotations

import re
from collections.abc import Iterable

from drizzle_lsp.model import Column, Operation, OpKind
from drizzle_lsp.rules._support.lock_rules import created_earlier_in_migration, op_table_label, quoted
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation

_REBUILD_PREFIX = "__new_"
_SELECT_LIST = re.compile(r"\bSELECT\b(.*?)\bFROM\b", re.IGNORECASE | re.DOTALL)
_QUOTED_NAME = re.compile(r'"((?:[^"]|"")+)"|`((?:[^`]|``)+)`')
_SERIAL_TYPES = {"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"}
# MySQL fills a NOT NULL column without a default with the type's implicit default; for these types that is a zero
# date, which the default sql_mode of MySQL 8 (strict, NO_ZERO_DATE) rejects.
_MYSQL_ZERO_DATE_TYPES = re.compile(r"^(date|datetime|timestamp)\b", re.IGNORECASE)


class AddColumnNotNullWithoutDefault(Rule):
    """`ADD COLUMN … NOT NULL` without a `DEFAULT` on an existing table: the migration fails on the first row.

    ## What it does
    Flags a column added with `NOT NULL` and no `DEFAULT` (nor a value source of its own: identity, `serial`,
    `AUTO_INCREMENT`, generated column) to a table created by an earlier migration. drizzle-kit emits exactly this
    when `.notNull()` is put on a new column without `.default(…)`; it passes on the empty development database
    and fails in production. On SQLite it also flags such a column added inside drizzle-kit's table rebuild
    (``CREATE TABLE `__new_t` ``, then a copy from the old table). A table created in the same migration is not
    flagged.

    ## Why is this bad?
    Existing rows have no value for the new column, so they would hold NULL:
    - PostgreSQL refuses the statement as soon as the table has a row: `column "tenant_id" of relation "orders"
      contains null values` (23502), and the transactional migrator rolls back every pending migration;
    - SQLite (and D1) refuses it on a table with rows: `Cannot add a NOT NULL column with default value NULL`.
      When the column arrives in a table rebuild instead, drizzle-kit's copy selects `"tenant_id"` from the old
      table, which has no such column: SQLite then reads the double-quoted name as a string and writes the text
      `'tenant_id'` into every existing row;
    - MySQL does not fail: it silently gives every existing row the type's implicit default (`0`, `''`, the first
      enum value), which is rarely a correct value (a `tenant_id` of 0). For `date`, `datetime` and `timestamp`
      the implicit default is a zero date, which MySQL 8's default strict `sql_mode` (`NO_ZERO_DATE`) rejects.

    There are two correct ways, and which one is right depends on the data, so drizzle-lsp does not pick a value:
    1. a constant default that is right for the existing rows (`.default(…)` in the schema): the column is filled
       at once, and on PostgreSQL 11+ without rewriting the table;
    2. add the column nullable, backfill the existing rows in batches, then enforce `NOT NULL` (on PostgreSQL
       through a validated `CHECK (column IS NOT NULL)`, see `set-not-null-scans-table`).

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "orders" ("id" integer PRIMARY KEY, "total" numeric(12, 2));
    -- 0001_orders_tenant.sql
    ALTER TABLE "orders" ADD COLUMN "tenant_id" integer NOT NULL;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "orders" ("id" integer PRIMARY KEY, "total" numeric(12, 2));
    -- 0001_orders_tenant.sql
    ALTER TABLE "orders" ADD COLUMN "tenant_id" integer DEFAULT 1 NOT NULL;
    ```
    That fits when one value is right for every existing row. When no single value fits, add the column nullable
    (`ADD COLUMN "tenant_id" integer`), backfill it in batches, then enforce `NOT NULL` the way
    `set-not-null-scans-table` shows.
    """

    name = "add-column-not-null-without-default"
    group = "locks"
    severity = "error"
    dialects = ("postgresql", "sqlite", "mysql")
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is not None and ctx.dialect == "sqlite" and op.kind is OpKind.CREATE_TABLE:
            yield from self._sqlite_rebuild(ctx, op)
            return
        if op is None or op.kind is not OpKind.ADD_COLUMN or op.column_def is None or not ctx.table_existed():
            return
        column = op.column_def
        if not column.not_null or _fills_itself(column) or _has_default(column):
            return
        table = op_table_label(op, ctx.dialect)
        added = f"ADD COLUMN {quoted(column.name, ctx.dialect)} {column.type} NOT NULL without a DEFAULT on existing table {table}"
        if ctx.dialect == "mysql":
            if _MYSQL_ZERO_DATE_TYPES.match(column.type):
                message = (f"{added} fails as soon as the table has a row under MySQL's default strict sql_mode "
                           f"(error 1292: every existing row would get the zero date)")
                severity = "error"
            else:
                message = (f"{added} silently gives every existing row the type's implicit default "
                           f"({_implicit_default(column.type)}), not a real value")
                severity = "warning"
        elif ctx.dialect == "sqlite":
            message = (f"{added} fails as soon as the table has a row: SQLite refuses it (Cannot add a NOT NULL "
                       f"column with default value NULL)")
            severity = "error"
        else:
            message = (f"{added} fails as soon as the table has a row (23502: column {quoted(column.name)} of "
                       f"relation {quoted(op.table or '')} contains null values)")
            severity = "error"
        yield self.violation(message, op.range, help=_help(ctx, table, column), severity=severity)

    def _sqlite_rebuild(self, ctx: MigrationContext, op: Operation) -> Iterable[Violation]:
        """drizzle-kit adds a column inside a SQLite table rebuild (``CREATE TABLE `__new_t``` + copy) when another
        change of the same table needs one; its copy then selects the new column from the old table."""
        if not (op.table or "").startswith(_REBUILD_PREFIX) or op.table_def is None or ctx.state_before is None:
            return
        old = ctx.state_before.table(op.table[len(_REBUILD_PREFIX):], op.schema)
        if old is None or created_earlier_in_migration(ctx, old):
            return
        selected = _copied_columns(ctx, op.table)
        table = quoted(old.name, ctx.dialect)
        for column in op.table_def.columns.values():
            if column.name in old.columns or not column.not_null or _fills_itself(column) or _has_default(column):
                continue
            added = (f"The rebuild of existing table {table} adds {quoted(column.name, ctx.dialect)} {column.type} "
                     f"NOT NULL without a DEFAULT")
            if selected.get(column.name) == '"':
                message = (
                    f"{added}, and its copy selects \"{column.name}\" from the old table, which has no such column: "
                    f"SQLite reads the double-quoted name as the string '{column.name}' and writes it into every "
                    f"existing row (where double-quoted strings are disabled, the copy fails with no such column)"
                )
            elif column.name in selected:
                message = f"{added}, and its copy selects it from the old table, which has no such column: it fails"
            else:
                message = (f"{added}: the copy into it fails as soon as the table has a row (NOT NULL constraint "
                           f"failed)")
            yield self.violation(message, column.range or op.range, help=_help(ctx, table, column), severity="error")


def _copied_columns(ctx: MigrationContext, new_table: str) -> dict[str, str]:
    """The names the rebuild's ``INSERT INTO `__new_t`(…) SELECT … FROM `t``` selects from the old table, each with
    the quote it is written with (SQLite reads an unknown double-quoted name as a string, an unknown backquoted one
    as an error)."""
    for statement in ctx.migration.statements:
        for later in statement.operations:
            if later.kind is OpKind.INSERT and later.table == new_table:
                select = _SELECT_LIST.search(later.raw or statement.text)
                if select is None:
                    return {}
                return {double or back: '"' if double else "`" for double, back in _QUOTED_NAME.findall(select.group(1))}
    return {}


def _fills_itself(column: Column) -> bool:
    """Identity, serial, AUTO_INCREMENT and generated columns get a value for every existing row."""
    return bool(
        column.identity is not None
        or column.generated is not None
        or column.auto_increment
        or column.type.lower() in _SERIAL_TYPES
    )


def _has_default(column: Column) -> bool:
    return column.default is not None and column.default.strip().lower() not in ("null", "(null)")


def _implicit_default(type_: str) -> str:
    lowered = type_.lower()
    if lowered.startswith("enum"):
        return "the first enum value"
    if re.match(r"^(tiny|small|medium|big)?int|^integer|^decimal|^numeric|^float|^double|^real|^bit|^bool|^year",
                lowered):
        return "0"
    if lowered.startswith("json"):
        return "an empty value"
    return "''"


def _help(ctx: MigrationContext, table: str, column: Column) -> str:
    name = quoted(column.name, ctx.dialect)
    if ctx.dialect == "postgresql":
        enforce = (f"then enforce it without a long lock: `CHECK ({name} IS NOT NULL) NOT VALID`, VALIDATE CONSTRAINT "
                   f"in a later step, then SET NOT NULL")
    elif ctx.dialect == "sqlite":
        enforce = "then make it NOT NULL (on SQLite that rebuilds the table, which drizzle-kit generates)"
    else:
        enforce = "then make it NOT NULL"
    return (
        f"Give it a constant default that is right for the existing rows (`.default(…)` in the schema, then "
        f"regenerate), or add it nullable, backfill {table}.{name} in batches, {enforce}. Which one is right depends "
        f"on your data, so no edit is applied by itself"
        + (" (on PostgreSQL the split of the migration writes the batched steps, with the value left for you to "
           "fill in)." if ctx.dialect == "postgresql" else ".")
    )
