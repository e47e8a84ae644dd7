from __future__ import annotations

from collections.abc import Hashable, Iterable

from drizzle_lsp.analysis.pg_types import classify_type_change, parse_type
from drizzle_lsp.rules._support.table_facts import migrated_state_key
from drizzle_lsp.rules._support.ts_builders import drop_option, rename_fix
from drizzle_lsp.rules._support.type_policy import (
    is_new_column, replace_type, reporting_facts, sql_findings, ts_column,
)
from drizzle_lsp.rules.framework import MigrationContext, ProjectContext, Rule, SchemaContext, Violation


def _limited(type_text: str) -> str | None:
    """``varchar`` when the type is ``varchar(n)``, ``char`` for any ``char``/``char(n)``; None otherwise."""
    parsed = parse_type(type_text)
    if parsed.base == "varchar" and parsed.args:
        return "varchar"
    if parsed.base == "char":
        return "char"
    return None


class PreferText(Rule):
    """A `varchar(n)` or `char(n)` column where `text` would do.

    ## What it does
    Flags `varchar` columns with a length and every `char` column, in the schema and in migrations that the
    TypeScript schema does not describe (SQL-only projects, hand-written migrations). The TypeScript schema is the
    source of truth: a column it declares is reported there, where the fix belongs, and not again in the SQL
    drizzle-kit generated from it. In SQL, a column is only reported while the migration history still leaves it
    limited. PostgreSQL only: on MySQL, `varchar(n)` is the right type.

    ## Why is this bad?
    In PostgreSQL `text`, `varchar` and `varchar(n)` are the same storage and the same speed; the length is only a
    check. It is usually an arbitrary number (`255` is a MySQL habit), and when real data is longer the insert
    fails at run time with `value too long for type character varying(255)` (22001). Raising the limit later is a
    migration; lowering it rewrites the table. `char(n)` is worse: values are padded with spaces to `n`, trailing
    spaces are ignored in comparisons and dropped when cast to `text`, and it is never faster. When a limit really
    matters, keep `text` and state it as a `CHECK (char_length(col) <= n)`, which can be changed without touching
    the column type.

    ## Example
    ```ts
    import { pgTable, bigint, varchar } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      email: varchar("email", { length: 255 }).notNull(),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, bigint, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      email: text("email").notNull(),
    });
    ```

    ## Fix safety
    In the schema the fix replaces `varchar(…)`/`char(…)` with `text(…)`, keeping the column name and the other
    options (`enum`), dropping `length`, and importing `text` from `drizzle-orm/pg-core`. It is unsafe: the database
    stops rejecting longer values (and `char`'s padding rules go away), which code may rely on. On an existing
    column the generated change from `varchar(n)` to `text` is binary-coercible (no rewrite, a brief ACCESS
    EXCLUSIVE lock); from `char(n)` it rewrites the table. In a migration the fix writes `text`; it is unsafe
    because editing a migration only changes the databases that have not applied it yet.
    """

    name = "prefer-text"
    group = "types"
    severity = "warning"
    has_fix = True
    dialects = ("postgresql",)
    target = "schema+migration"
    # The SQL side reads the TypeScript schema and the final replayed state (type_policy.sql_findings). The
    # TypeScript side reads its table, whether a migration already created the column (replay or snapshots) and,
    # for a column spread from a helper, the tables sharing it: memo_key.
    reads = "project"
    reads_on = {"schema": "unit"}

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        return migrated_state_key(ctx), reporting_facts(ctx)

    def check_column(self, ctx: SchemaContext) -> Iterable[Violation]:
        ts = ts_column(ctx)
        if ts is None:
            return
        kind = _limited(ts.column.type)
        if kind is None:
            return
        column = ts.column
        message = f"{ts.label} is `{column.type}`: {_why(kind)}"
        help = "Use `text()`; if the limit matters, add check('…', sql`char_length(…) <= n`) in the table's config."
        if not is_new_column(ctx.project, ts):
            change = classify_type_change(column.type, "text")
            help += (" On this existing column the change to text " + (
                "rewrites the table under an ACCESS EXCLUSIVE lock." if change.rewrites
                else "is binary-coercible: no rewrite, only a brief ACCESS EXCLUSIVE lock."))
        fix = rename_fix(ctx, column.type_range, "text", "Use `text()`", "unsafe",
                         lambda call: drop_option(call, "length"))
        yield self.violation(message, column.type_range or column.range, help=help, fix=fix)

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        for column, kind in sql_findings(ctx, _limited):
            replacement = "text" + "[]" * parse_type(column.type).array_dims
            yield self.violation(
                f"{column.label} is `{column.type}`: {_why(kind)}",
                column.type_range,
                help="Declare it `text`; if the limit matters, add `CHECK (char_length(col) <= n)`.",
                fix=replace_type(column.type_range, replacement),
            )


def _why(kind: str) -> str:
    if kind == "char":
        return "char pads values with spaces and ignores trailing spaces in comparisons; text is never slower"
    return "the length is only a check (same storage as text) and longer values fail at run time"
