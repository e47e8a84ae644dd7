from __future__ import annotations

from collections.abc import Hashable, Iterable

from drizzle_lsp.analysis.pg_types import classify_type_change, parse_type
from drizzle_lsp.rules._support.table_facts import migrated_state_key
from drizzle_lsp.rules._support.ts_builders import rename_fix
from drizzle_lsp.rules._support.type_policy import (
    is_new_column, replace_type, reporting_facts, sql_findings, ts_column, type_base,
)
from drizzle_lsp.rules.framework import MigrationContext, ProjectContext, Rule, SchemaContext, Violation

_WHY = "stored as text and parsed on every access, with no equality operator and no GIN indexing"


class PreferJsonb(Rule):
    """A `json` column where `jsonb` would do.

    ## What it does
    Flags `json()` columns in the schema, and `json` columns in migrations that the TypeScript schema does not
    describe (SQL-only projects, hand-written migrations). The TypeScript schema is the source of truth: a column it
    declares is reported there, where the fix belongs, and not again in the SQL drizzle-kit generated from it. In
    SQL, a column is only reported while the migration history still leaves it `json`.

    ## Why is this bad?
    `json` keeps the input text as written and parses it again for every operator call. It has no equality
    operator, so a `json` column cannot be used in `DISTINCT`, `GROUP BY`, `UNION` or a unique index ("could not
    identify an equality operator for type json"), and it supports neither containment (`@>`, `?`) nor GIN
    indexes. `jsonb` stores the parsed value: faster to query, indexable, comparable. The only reasons to keep
    `json` are to preserve the exact text, key order or duplicate keys. Changing an existing column rewrites the
    table under an ACCESS EXCLUSIVE lock.

    ## Example
    ```ts
    import { pgTable, bigint, json } from "drizzle-orm/pg-core";

    export const events = pgTable("events", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      payload: json().notNull(),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, bigint, jsonb } from "drizzle-orm/pg-core";

    export const events = pgTable("events", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      payload: jsonb().notNull(),
    });
    ```

    ## Fix safety
    In the schema the fix replaces `json(…)` with `jsonb(…)` (same arguments, `.$type<…>()` and the rest of the
    chain kept) and imports `jsonb` from `drizzle-orm/pg-core` (a `json` import left unused is kept: another fix
    applied in the same run may still need it). It is safe for a column no migration has created yet. It is unsafe
    for an existing column: the generated `SET DATA TYPE jsonb` rewrites the table, and stored documents lose their
    key order, duplicate keys and formatting. In a migration the fix writes `jsonb`; it is unsafe because editing
    a migration only changes the databases that have not applied it yet.
    """

    name = "prefer-jsonb"
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
        if ts is None or type_base(ts.column.type) != "json":
            return
        new = is_new_column(ctx.project, ts)
        help = "Use `jsonb()`: parsed once, comparable, and indexable with GIN."
        if not new:
            change = classify_type_change(ts.column.type, ts.column.type.replace("json", "jsonb", 1))
            if change.rewrites:
                help += (" On this existing column the generated SET DATA TYPE jsonb rewrites the table under an "
                         "ACCESS EXCLUSIVE lock.")
        fix = rename_fix(ctx, ts.column.type_range, "jsonb", "Use `jsonb()`", "safe" if new else "unsafe")
        yield self.violation(f"{ts.label} is `json`: {_WHY}", ts.column.type_range or ts.column.range, help=help,
                             fix=fix)

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        for column, _json in sql_findings(ctx, lambda type_text: type_base(type_text) == "json"):
            replacement = "jsonb" + "[]" * parse_type(column.type).array_dims
            yield self.violation(
                f"{column.label} is `json`: {_WHY}",
                column.type_range,
                help="Declare it `jsonb`, unless the exact text, key order or duplicate keys must be kept.",
                fix=replace_type(column.type_range, replacement),
            )
