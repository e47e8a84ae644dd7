from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.enums import recreation_of
from drizzle_lsp.rules._support.history import (
    column_label,
    enum_columns,
    enum_created_in_migration,
    enum_label,
    find_enum,
)
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class DropType(Rule):
    """Dropping an existing type (a PostgreSQL enum).

    ## What it does
    Flags `DROP TYPE` of a type that existed before the migration. A drop immediately followed by a `CREATE TYPE` of
    the same name (drizzle-kit's way to remove an enum value) is `enum-recreated`'s finding instead.

    ## Why is this bad?
    With `CASCADE`, PostgreSQL drops every column of that type, and their data with them. Without it, the statement
    fails (2BP01) while a column still uses the type. Even when no column uses it any more, functions, views and the
    running code that still cast to it (`'x'::"mood"`) break. drizzle-kit emits it after dropping the last column of
    an enum removed from the schema, so those `DROP COLUMN`s deserve the same review.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TYPE "public"."mood" AS ENUM('sad', 'ok', 'happy');
    CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "mood" "mood" DEFAULT 'ok');
    -- 0001_drop_mood.sql
    DROP TYPE "public"."mood" CASCADE;
    ```

    Use instead:
    Stop using the type in a release, drop its columns on purpose, then drop the type:
    ```sql
    -- 0000_init.sql
    CREATE TYPE "public"."mood" AS ENUM('sad', 'ok', 'happy');
    CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "mood" "mood" DEFAULT 'ok');
    -- 0001_drop_mood.sql
    -- drizzle-lsp-ignore drop-column "mood" unused since release 42
    ALTER TABLE "users" DROP COLUMN "mood";--> statement-breakpoint
    -- drizzle-lsp-ignore drop-type nothing casts to "mood" any more
    DROP TYPE "public"."mood";
    ```
    """

    name = "drop-type"
    group = "breaking"
    severity = "warning"
    dialects = ("postgresql",)
    # recreation_of reads the replay's contexts of this migration's own operations only.
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.DROP_TYPE or not op.type_name:
            return
        if recreation_of(ctx, op) is not None:
            return
        if enum_created_in_migration(ctx.migration, op, op.schema, op.type_name):
            return
        enum = find_enum(ctx.state_before, op.schema, op.type_name)
        if enum is None:
            return  # created in this migration, unknown to the replay, or not an enum
        label = enum_label(op.schema, op.type_name)
        users = [column_label(table.schema, table.name, column.name)
                 for table, column in enum_columns(ctx.state_before, op.schema, op.type_name)]
        if users and op.cascade:
            yield self.violation(
                f"DROP TYPE {label} CASCADE also drops {', '.join(users)}: every value stored in "
                f"{'them' if users[1:] else 'it'} is lost, and the running code that reads "
                f"{'them' if users[1:] else 'it'} fails",
                op.range,
                help="Drop the columns explicitly (after deploying code that no longer uses them), then the type.",
            )
        elif users:
            yield self.violation(
                f"DROP TYPE {label} fails (2BP01): {', '.join(users)} still {'use' if users[1:] else 'uses'} it",
                op.range,
                help="Drop or convert the columns first (after deploying code that no longer uses them).",
            )
        else:
            yield self.violation(
                f"DROP TYPE {label} removes the enum: no column uses it any more, but functions, views and running "
                f"code that still cast to {label} break",
                op.range,
                severity="info",
                help="Check that nothing casts to the type any more, then silence this with "
                "`-- drizzle-lsp-ignore drop-type`.",
            )
