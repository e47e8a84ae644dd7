from __future__ import annotations

import re
from collections.abc import Iterable

from drizzle_lsp.analysis.pg_types import STRING_TYPES, PgType, classify_type_change, parse_type
from drizzle_lsp.model import Column, OpKind
from drizzle_lsp.rules._support.lock_context import quoted, table_label, written_type
from drizzle_lsp.rules.framework import Fix, MigrationContext, Rule, TextEdit, Violation

# Explicit-only casts (pg_cast.castcontext = 'e') between the types drizzle projects use, on every supported
# PostgreSQL: with one of these, ``USING "col"::new`` works; without one (and with no string type involved), no cast
# exists at all and ``"col"::new`` fails too (42846: cannot cast type integer to uuid).
_EXPLICIT_CASTS = {
    ("boolean", "integer"), ("integer", "boolean"),
    ("bit", "integer"), ("bit", "bigint"), ("integer", "bit"), ("bigint", "bit"),
    *{("jsonb", target) for target in ("smallint", "integer", "bigint", "numeric", "real", "double precision",
                                       "boolean")},
}
_TRAILING_CAST = re.compile(r"::\s*((?:\"[^\"]+\"|[\w ]+)(?:\.\"[^\"]+\"|\.\w+)?(?:\s*\([\d ,]+\))?(?:\[\])*)\s*\)?$")
_NAME = r'(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)'
_COLLATE_AFTER = re.compile(rf"\s+COLLATE\s+{_NAME}(?:\s*\.\s*{_NAME})?", re.IGNORECASE)


class AlterColumnTypeWithoutUsing(Rule):
    """A column type change PostgreSQL cannot do without a `USING` clause: the migration fails.

    ## What it does
    Flags `ALTER COLUMN … SET DATA TYPE` between types that have no implicit or assignment cast (text to integer,
    text to timestamp, text to uuid, varchar to boolean, an enum to another enum …) when no `USING` clause says how
    to convert the values. The old type comes from replaying the earlier migrations. It also flags a type change
    (with or without `USING`) on a column whose default PostgreSQL cannot convert the same way: `USING` converts the
    rows, not the default.

    ## Why is this bad?
    PostgreSQL refuses the statement whatever the table holds, even when it is empty: `ERROR: column "priority"
    cannot be cast automatically to type integer` (SQLSTATE 42804). drizzle-kit 0.x writes exactly this statement
    when a schema column changes from `text()` to `integer()`, so the migration is generated without warning and fails
    at deploy. With drizzle's migrator every pending migration runs in one transaction, so the whole batch rolls back.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "projects" ("id" bigint PRIMARY KEY NOT NULL, "priority" text DEFAULT '3');
    -- 0001_priority_integer.sql
    ALTER TABLE "projects" ALTER COLUMN "priority" SET DATA TYPE integer;--> statement-breakpoint
    ALTER TABLE "projects" ALTER COLUMN "priority" SET DEFAULT 3;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "projects" ("id" bigint PRIMARY KEY NOT NULL, "priority" text DEFAULT '3');
    -- 0001_priority_integer.sql
    ALTER TABLE "projects" ALTER COLUMN "priority" SET DATA TYPE integer USING "priority"::integer, ALTER COLUMN "priority" DROP DEFAULT;--> statement-breakpoint
    ALTER TABLE "projects" ALTER COLUMN "priority" SET DEFAULT 3;
    ```
    The default goes too: `USING` converts the rows, and the old default `'3'` (a text value) would fail the same
    way (`default for column "priority" cannot be cast automatically`); the next statement sets the new one. The cast
    still fails if a row holds a value that does not convert (`'high'` is not an integer): check the data
    first, or write a `USING` expression that converts every value. Changing the type of a column of an existing
    table also rewrites it (see `alter-column-type-rewrites-table`).

    ## Fix safety
    The fix appends `USING "column"::new_type` (through `text` between two enums), and `, ALTER COLUMN "column" DROP
    DEFAULT` when the column has a default that cannot be converted (drizzle-kit's next statement usually sets the
    new default; otherwise set it yourself). It is unsafe: the statement now runs, and it fails at deploy if any
    existing value cannot be converted. No fix is offered when no cast exists between the two types (integer to
    uuid): only an expression you write can say how to convert those values.
    """

    name = "alter-column-type-without-using"
    group = "locks"
    severity = "error"
    has_fix = True
    dialects = ("postgresql",)
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.ALTER_COLUMN_TYPE or not op.new_type:
            return
        column = _old_column(ctx)
        if column is None:
            return  # the column is unknown at this point: reference-to-missing-object reports it
        old_type = column.type
        needs_using = op.using is None and classify_type_change(old_type, op.new_type).needs_using
        default = _failing_default(ctx, column)
        if not needs_using and default is None:
            return
        name = op.column or ""
        table = table_label(op.schema, op.table or "")
        new_type = written_type(ctx.text, op)
        consequence = (
            "and every pending migration rolls back with it" if ctx.migrator == "transaction"
            else "and the migration rolls back" if ctx.runs_in_transaction
            else "leaving the statements before it applied (no transaction)"
        )
        if needs_using:
            also = f" (nor for its default {default})" if default is not None else ""
            message = (f"ALTER COLUMN {quoted(name)} SET DATA TYPE {new_type} on {table} has no USING clause: "
                       f"PostgreSQL has no automatic cast from {old_type} to {op.new_type}{also}, so the migration "
                       f"fails with 42804 (column {quoted(name)} cannot be cast automatically to type {op.new_type}) "
                       f"{consequence}")
        else:
            message = (f"ALTER COLUMN {quoted(name)} SET DATA TYPE {new_type} on {table} keeps the column's default "
                       f"{default}, which PostgreSQL cannot cast automatically to {op.new_type}: the migration fails "
                       f"with 42804 (default for column {quoted(name)} cannot be cast automatically to type "
                       f"{op.new_type}) {consequence}")
        cast = cast_expression(name, parse_type(old_type), parse_type(op.new_type), new_type) if needs_using else None
        if needs_using and cast is None:
            yield self.violation(
                message, op.range,
                help=(f"PostgreSQL cannot cast {old_type} to {op.new_type} at all: write a USING expression that "
                      f"computes the new value from the old one, or add a new {op.new_type} column, backfill it and "
                      "swap it in (expand/contract)."),
            )
            return
        added, steps = "", []
        if cast is not None:
            added += f" USING {cast}"
            steps.append(f"add `USING {cast}`: it fails at deploy if any row holds a value that does not convert to "
                         f"{op.new_type}, so check the data first or write a USING expression that converts every "
                         "value")
        if default is not None:
            added += f", ALTER COLUMN {quoted(name)} DROP DEFAULT"
            again = ("the SET DEFAULT that follows sets the new one" if _default_set_later(ctx)
                     else f"then set a default of type {op.new_type} again")
            steps.append(f"drop the default {default} in the same statement ({again})")
        at = _insert_at(ctx) if op.using is None else _end_of_subcommand(ctx)
        title = "Add" + added.replace(", ALTER COLUMN", " and ALTER COLUMN", 1)
        help_text = "; ".join(steps) + "."
        yield self.violation(
            message, op.range, help=help_text[0].upper() + help_text[1:],
            fix=Fix(title, [TextEdit.insert(ctx.path, at, added)], "unsafe"),
        )


def _old_column(ctx: MigrationContext) -> Column | None:
    op = ctx.op
    if ctx.state_before is None or op is None or not op.table:
        return None
    table = ctx.state_before.table(op.table, op.schema)
    return table.columns.get(op.column or "") if table is not None else None


def _failing_default(ctx: MigrationContext, column: Column) -> str | None:
    """The column's default when PostgreSQL cannot convert it to the new type on its own (42804 "default for column
    cannot be cast automatically"), else None.

    PostgreSQL first strips the implicit casts around the stored default, so a default written with a cast to the new
    type (drizzle-kit's ``'draft'::"public"."stage"`` before turning a text column into that enum) converts fine."""
    op = ctx.op
    default = (column.default or "").strip()
    if op is None or not default or default.upper() == "NULL" or not op.new_type:
        return None
    if ctx.statement is not None and any(
        sibling.kind is OpKind.DROP_DEFAULT and sibling.column == op.column for sibling in ctx.statement.operations
    ):
        return None
    cast = _TRAILING_CAST.search(default)
    default_type = cast.group(1) if cast else column.type
    if not classify_type_change(default_type, op.new_type).needs_using:
        return None
    return default


def _default_set_later(ctx: MigrationContext) -> bool:
    """drizzle-kit follows a type change with ``SET DEFAULT`` when the schema keeps a default."""
    seen = False
    for statement in ctx.migration.statements:
        if statement is ctx.statement:
            seen = True
            continue
        if seen and any(op.kind in (OpKind.SET_DEFAULT, OpKind.DROP_DEFAULT) and op.column == ctx.op.column
                        and op.table == ctx.op.table for op in statement.operations):
            return True
    return False


def _end_of_subcommand(ctx: MigrationContext) -> int:
    """After the sub-command's USING expression (before its comma or the statement's semicolon)."""
    op = ctx.op
    end = op.range.end
    while end > op.range.start and ctx.text[end - 1] in " \t\r\n;":
        end -= 1
    return end


def _insert_at(ctx: MigrationContext) -> int:
    """Right after the type, or after its COLLATE clause: USING comes last in the sub-command."""
    op = ctx.op
    assert op is not None and op.type_range is not None
    end = op.type_range.end
    if re.search(r"\sCOLLATE\s", ctx.text[op.type_range.start:end], re.IGNORECASE):
        return end
    after = _COLLATE_AFTER.match(ctx.text, end)
    return after.end() if after else end


def cast_expression(column: str, old: PgType, new: PgType, written_new: str) -> str | None:
    """``"col"::new`` when PostgreSQL has an explicit cast between the types, through ``text`` between two types it
    only knows by name (enums), None when no cast exists."""
    ref = quoted(column)
    if old.array_dims != new.array_dims:
        return None
    if old.base in STRING_TYPES or new.base in STRING_TYPES:
        return f"{ref}::{written_new}"  # every type reads from and writes to text (I/O conversion casts)
    if not old.known and not new.known:
        return f"{ref}::text::{written_new}"  # enum to enum: by label
    if not old.known or not new.known:
        return None
    if (old.base, new.base) in _EXPLICIT_CASTS:
        return f"{ref}::{written_new}"
    return None
