from __future__ import annotations

import re
from collections.abc import Hashable, Iterable

from drizzle_lsp.analysis.pg_types import classify_type_change
from drizzle_lsp.rules._support.table_facts import migrated_state_key
from drizzle_lsp.rules._support.ts_builders import builder_call, set_option
from drizzle_lsp.rules._support.type_policy import (
    is_new_column, reporting_facts, sql_findings, sql_text, ts_column, type_base,
)
from drizzle_lsp.rules.framework import Fix, MigrationContext, ProjectContext, Rule, SchemaContext, TextEdit, Violation

# `timestamp`, `timestamp(3)`, `timestamp (3) without time zone`, with array brackets after it.
_SQL_TIMESTAMP = re.compile(
    r"^(?P<base>timestamp\s*(?:\(\s*\d+\s*\))?)(?P<without>\s+without\s+time\s+zone)?(?P<array>(?:\s*\[\s*\d*\s*\])*)$",
    re.I,
)


class PreferTimestamptz(Rule):
    """A `timestamp` column without a time zone.

    ## What it does
    Flags `timestamp()` columns in the schema that do not say `withTimezone: true`, and `timestamp` (without time
    zone) columns in migrations that the TypeScript schema does not describe (SQL-only projects, hand-written
    migrations). The TypeScript schema is the source of truth: a column it declares is reported there, where the fix
    belongs, and not again in the SQL drizzle-kit generated from it. In SQL, a column is only reported while the
    migration history still leaves it without a time zone.

    ## Why is this bad?
    `timestamp without time zone` stores a wall-clock reading, not an instant. The same row means a different moment
    to a session whose `TimeZone` differs, `now()` written into it depends on the server's setting, and comparisons
    with `timestamptz` values convert silently. `timestamptz` takes the same 8 bytes, stores the instant (in UTC)
    and shows it in each session's time zone; drizzle reads it back into the same JavaScript `Date`. PostgreSQL's own
    guidance is to use `timestamptz` for points in time.

    Changing an existing column is not free: drizzle-kit generates `ALTER COLUMN … SET DATA TYPE timestamp with
    time zone`, which holds an ACCESS EXCLUSIVE lock (no reads, no writes) while it rewrites the whole table, unless
    the session `TimeZone` is UTC (then only the column's indexes are rebuilt). The conversion also reads every
    stored value as a time in the session `TimeZone`: values drizzle wrote from a JavaScript `Date` are UTC, so with
    any other setting every existing timestamp shifts by the offset. Run that migration with
    `SET LOCAL TimeZone = 'UTC';` before the `ALTER`, or add `USING "col" AT TIME ZONE 'UTC'` (always a rewrite).

    ## Example
    ```ts
    import { pgTable, bigint, timestamp } from "drizzle-orm/pg-core";

    export const orders = pgTable("orders", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      createdAt: timestamp("created_at").defaultNow().notNull(),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, bigint, timestamp } from "drizzle-orm/pg-core";

    export const orders = pgTable("orders", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
    });
    ```

    ## Fix safety
    In the schema the fix adds `withTimezone: true` to the builder's options (creating the options object when
    there is none, turning `withTimezone: false` into `true`). It is safe for a column no migration has created
    yet: the next `drizzle-kit generate` creates it as `timestamp with time zone`. It is unsafe for a column that
    already exists, because the generated `ALTER` rewrites the table and converts the values as described above,
    and unsafe with `mode: 'string'`, where the strings drizzle returns gain a UTC offset (`+00`). In a migration the
    fix rewrites the type as `timestamp with time zone`; it is unsafe because editing a migration only changes the
    databases that have not applied it yet.
    """

    name = "prefer-timestamptz"
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
        if ts is None or type_base(ts.column.type) != "timestamp":
            return
        column = ts.column
        new = is_new_column(ctx.project, ts)
        message = f"{ts.label} is `timestamp` without time zone: it stores a wall-clock time, not an instant"
        if new:
            help = (
                "Use `timestamp({ withTimezone: true })` (timestamptz): PostgreSQL stores the instant and shows it in "
                "each session's time zone. No migration creates this column yet, so the next `drizzle-kit generate` "
                "creates it as timestamptz."
            )
        else:
            change = classify_type_change(column.type, "timestamptz")
            rewrite = (
                "rewrites the table under an ACCESS EXCLUSIVE lock unless the session TimeZone is UTC"
                if change.rewrites_unless_utc else "rewrites the table under an ACCESS EXCLUSIVE lock"
            )
            help = (
                f"Use `timestamp({{ withTimezone: true }})`, knowing that on this existing column the next "
                f"`drizzle-kit generate` emits `SET DATA TYPE timestamp with time zone`, which {rewrite} and reads the "
                f"stored values as times in the session TimeZone: add `SET LOCAL TimeZone = 'UTC';` before it (drizzle "
                f"writes JavaScript Dates as UTC)."
            )
        yield self.violation(message, column.type_range or column.range, help=help, fix=self._ts_fix(ctx, ts, new))

    def _ts_fix(self, ctx: SchemaContext, ts, new: bool) -> Fix | None:
        call = builder_call(ctx, ts.column.type_range)
        if call is None:
            return None
        edits = set_option(call, "withTimezone", "true")
        if not edits:
            return None
        safe = new and ts.column.options.get("mode") != "string"
        return Fix("Add `withTimezone: true` (timestamptz)", edits, "safe" if safe else "unsafe")

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        for column, _timestamp in sql_findings(ctx, lambda type_text: type_base(type_text) == "timestamp"):
            message = f"{column.label} is `timestamp` without time zone: it stores a wall-clock time, not an instant"
            help = (
                "Declare it `timestamp with time zone` (timestamptz): same size, stores the instant. If a database "
                "already has this column, change it in a new migration instead, with `SET LOCAL TimeZone = 'UTC';` "
                "before the ALTER (otherwise the table is rewritten and the values are read in the session TimeZone)."
            )
            yield self.violation(message, column.type_range, help=help, fix=_sql_fix(ctx, column.type_range))


def _sql_fix(ctx: MigrationContext, type_range) -> Fix | None:
    match = _SQL_TIMESTAMP.match(sql_text(ctx, type_range))
    if match is None:
        return None
    text = f"{match.group('base')} with time zone{match.group('array')}"
    return Fix("Use `timestamp with time zone`", [TextEdit.replace(type_range, text)], "unsafe")
