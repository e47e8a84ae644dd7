from __future__ import annotations

from collections.abc import Hashable, Iterable

from drizzle_lsp.rules._support.table_facts import migrated_state_key
from drizzle_lsp.rules._support.ts_builders import append_modifier, rename_fix
from drizzle_lsp.rules._support.type_policy import (
    SERIAL_NAMES, is_new_column, quoted, replace_type, reporting_facts, serial_kind, sql_findings, ts_column,
)
from drizzle_lsp.rules.framework import MigrationContext, ProjectContext, Rule, SchemaContext, Violation


class PreferIdentity(Rule):
    """A `serial`, `bigserial` or `smallserial` column instead of an identity column.

    ## What it does
    Flags `serial()`, `bigserial()` and `smallserial()` columns in the schema, and `serial` types in migrations that
    the TypeScript schema does not describe (SQL-only projects, hand-written migrations). The TypeScript schema is
    the source of truth: a column it declares is reported there, where the fix belongs, and not again in the SQL
    drizzle-kit generated from it. In SQL, a column is only reported while the migration history still leaves it a
    serial.

    ## Why is this bad?
    `serial` is not a type but a shorthand for an `integer` column whose default calls `nextval()` on a separate
    sequence. The sequence needs its own grants, survives in dumps and `CREATE TABLE … LIKE` as a shared default,
    and anyone may insert an explicit id, after which the sequence hands out that id again and inserts fail with a
    duplicate key. Identity columns (`GENERATED ALWAYS AS IDENTITY`, SQL standard, PostgreSQL 10+) tie the
    sequence to the column and, with `ALWAYS`, reject explicit ids unless a statement says `OVERRIDING SYSTEM
    VALUE`. Drizzle leaves identity columns out of its insert types, so code that sets the id stops compiling
    instead of failing at run time (use `generatedByDefaultAsIdentity()` if you must insert ids).

    Converting an existing serial column needs care. For the changed schema drizzle-kit generates
    `ALTER COLUMN "id" SET DATA TYPE integer` and `ADD GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq"
    … START WITH 1 …)`, which fails on a database that has the serial's sequence (`relation "users_id_seq" already
    exists`, or `column "id" … already has a default value`); and once the old sequence is gone, `START WITH 1`
    makes the next insert collide with the existing ids. Replace the generated statements with:
    ```sql
    ALTER TABLE "users" ALTER COLUMN "id" DROP DEFAULT;
    DROP SEQUENCE "users_id_seq";
    ALTER TABLE "users" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY;
    SELECT setval(pg_get_serial_sequence('"users"', 'id'), coalesce(max("id"), 0) + 1, false) FROM "users";
    ```

    ## Example
    ```ts
    import { pgTable, serial, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: serial().primaryKey(),
      name: text().notNull(),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, integer, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: integer().generatedAlwaysAsIdentity().primaryKey(),
      name: text().notNull(),
    });
    ```
    (`prefer-bigint-primary-key` then suggests `bigint` for a key that may pass 2,147,483,647.)

    ## Fix safety
    In the schema the fix replaces `serial(…)` with `integer(…).generatedAlwaysAsIdentity()` (`smallserial` with
    `smallint`, `bigserial` with `bigint`, keeping the column name, the options and the rest of the chain) and
    imports the new builder from `drizzle-orm/pg-core` when needed (an import left unused is kept). It is
    safe for a column no migration has created yet. For an existing column it is only a suggestion: the migration
    drizzle-kit then generates fails as described above and must be replaced by hand. In a migration the fix
    writes `integer GENERATED ALWAYS AS IDENTITY`; it is unsafe because editing a migration only changes the
    databases that have not applied it yet.
    """

    name = "prefer-identity"
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
        kind = serial_kind(ts.column.type)
        if kind is None:
            return
        integer = SERIAL_NAMES[kind]
        new = is_new_column(ctx.project, ts)
        message = f"{ts.label} is `{kind}`: a default taken from a separate sequence, not an identity column"
        if new:
            help = (f"Use `{integer}().generatedAlwaysAsIdentity()`: the sequence belongs to the column and explicit "
                    f"ids are rejected (use generatedByDefaultAsIdentity() if you insert your own).")
        else:
            table = ts.table.name
            help = (
                f"Use `{integer}().generatedAlwaysAsIdentity()`, but on this existing column the migration drizzle-kit "
                f"generates fails (the serial's sequence and default still exist) and would restart ids at 1: replace "
                f"it with DROP DEFAULT, DROP SEQUENCE, ADD GENERATED ALWAYS AS IDENTITY and "
                f"setval(pg_get_serial_sequence('{quoted(table)}', '{ts.column.name}'), max + 1)."
            )
        fix = rename_fix(ctx, ts.column.type_range, integer, f"Use `{integer}().generatedAlwaysAsIdentity()`",
                         "safe" if new else "suggestion",
                         lambda call: [append_modifier(call, ".generatedAlwaysAsIdentity()")])
        yield self.violation(message, ts.column.type_range or ts.column.range, help=help, fix=fix)

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        for column, kind in sql_findings(ctx, serial_kind, lambda final, _t: serial_kind(final.type) is not None
                                         and final.identity is None):
            replacement = f"{SERIAL_NAMES[kind]} GENERATED ALWAYS AS IDENTITY"
            yield self.violation(
                f"{column.label} is `{kind}`: a default taken from a separate sequence, not an identity column",
                column.type_range,
                help=(f"Declare it `{replacement}`. If a database already has this column, convert it in a new "
                      f"migration: DROP DEFAULT, DROP SEQUENCE, ADD GENERATED ALWAYS AS IDENTITY, then setval() "
                      f"past the largest id."),
                fix=replace_type(column.type_range, replacement),
            )
