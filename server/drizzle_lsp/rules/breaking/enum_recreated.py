from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.enums import recreation_of
from drizzle_lsp.rules._support.history import (
    column_label,
    enum_created_in_migration,
    enum_label,
    find_enum,
    quoted,
    sql_literal,
    table_label,
)
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class EnumRecreated(Rule):
    """An enum dropped and created again, with its columns cast to text and back.

    ## What it does
    Flags `DROP TYPE` of an existing enum followed in the same migration by `CREATE TYPE` of the same name: what
    drizzle-kit emits to remove a value from a `pgEnum`. The message names the removed values and the columns that
    are cast around the recreation.

    ## Why is this bad?
    The columns of the enum are cast to `text`, the type is dropped and created without the value, and the columns
    are cast back with `USING "col"::"enum"`. If any row still holds a removed value, that last cast fails
    (`22P02 invalid input value for enum`) and the migration rolls back, typically in production, where such rows
    exist. Even when it succeeds, each cast rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, twice,
    so reads and writes wait for the whole rewrite. And the code still running keeps writing the removed value
    until the new code is deployed.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TYPE "public"."status" AS ENUM('draft', 'published', 'archived');--> statement-breakpoint
    CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "status" "status" DEFAULT 'draft' NOT NULL);
    -- 0001_remove_archived.sql
    ALTER TABLE "articles" ALTER COLUMN "status" SET DATA TYPE text;--> statement-breakpoint
    ALTER TABLE "articles" ALTER COLUMN "status" SET DEFAULT 'draft'::text;--> statement-breakpoint
    DROP TYPE "public"."status";--> statement-breakpoint
    CREATE TYPE "public"."status" AS ENUM('draft', 'published');--> statement-breakpoint
    ALTER TABLE "articles" ALTER COLUMN "status" SET DEFAULT 'draft'::"public"."status";--> statement-breakpoint
    ALTER TABLE "articles" ALTER COLUMN "status" SET DATA TYPE "public"."status" USING "status"::"public"."status";
    ```

    Use instead:
    Keep the value in the database enum and stop writing it from the code (PostgreSQL cannot remove an
    enum value in place). If it must go, first move the rows off it in an earlier, batched backfill:
    ```sql
    -- 0000_init.sql
    CREATE TYPE "public"."status" AS ENUM('draft', 'published', 'archived');--> statement-breakpoint
    CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "status" "status" DEFAULT 'draft' NOT NULL);
    -- 0001_stop_archiving.sql
    UPDATE "articles" SET "status" = 'published' WHERE "status" = 'archived';
    ```
    """

    name = "enum-recreated"
    group = "breaking"
    severity = "warning"
    dialects = ("postgresql",)
    # recreation_of and _rewrites read the replay's contexts of this migration's own operations only.
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.DROP_TYPE:
            return
        recreation = recreation_of(ctx, op)
        if recreation is None:
            return
        enum = find_enum(ctx.state_before, op.schema, op.type_name)
        if enum is None or enum_created_in_migration(ctx.migration, op, op.schema, op.type_name):
            return  # unknown, or created earlier in this migration: no row can hold any of its values yet
        if not recreation.columns:
            return  # no column uses it: nothing is cast, nothing can fail
        label = enum_label(op.schema, op.type_name)
        kept = set(recreation.create.values)
        removed = [value for value in enum.values if value not in kept]
        columns = [column_label(schema, table, column) for schema, table, column in recreation.columns]
        tables = sorted({table_label(schema, table) for schema, table, _ in recreation.columns})
        casts = "is" if len(columns) == 1 else "are"
        if removed:
            values = ", ".join(sql_literal(v) for v in removed)
            message = (
                f"enum {label} is dropped and recreated without {values}: {', '.join(columns)} {casts} cast to text "
                f"and back, and the cast back fails (22P02) if any row still holds {values}"
            )
        else:
            message = f"enum {label} is dropped and recreated: {', '.join(columns)} {casts} cast to text and back"
        if any(self._rewrites(ctx, cast) for cast in recreation.casts):
            message += (
                f"; each cast rewrites {', '.join(tables)} under an ACCESS EXCLUSIVE lock that blocks reads and writes"
            )
        schema, table, column = recreation.columns[0]
        example = (
            f"UPDATE {table_label(schema, table)} SET {quoted(column)} = '<kept value>' "
            f"WHERE {quoted(column)} = {sql_literal(removed[0])};" if removed else ""
        )
        yield self.violation(
            message,
            op.range,
            help=(
                "Keep the value in the enum and stop writing it from the code (PostgreSQL cannot remove an enum value "
                "in place). If it must go, move the rows off it first, in an earlier batched backfill"
                + (f" (`{example}`)" if example else "")
                + ", and apply the recreation when the table is quiet."
            ),
            related=[(recreation.create.range, f"enum {label} created again here")],
        )

    @staticmethod
    def _rewrites(ctx: MigrationContext, cast) -> bool:
        replay = getattr(ctx.project, "replay", None)
        state = replay.state_before(cast) if replay is not None else None
        fact = lock_facts(cast, state, ctx.postgres_version)
        return fact is not None and fact.rewrites
