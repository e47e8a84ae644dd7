from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.analysis.replay_types import MISSING
from drizzle_lsp.rules._support.failure import failure_consequence
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


def replay_problems(ctx: MigrationContext, code: str):
    replay = getattr(ctx.project, "replay", None)
    problems = getattr(replay, "problems_by_migration", {}).get(ctx.migration.tag, []) if replay else []
    return [p for p in problems if p.code == code]


class ReferenceToMissingObject(Rule):
    """A statement names a table, column, type, index or constraint that does not exist at that point.

    ## What it does
    Replays the migrations in journal order and flags each statement that refers to an object no earlier statement
    created (or one that an earlier statement dropped or renamed): `ALTER TABLE` on an unknown table, `DROP COLUMN`,
    `ALTER COLUMN` or `RENAME COLUMN` of an unknown column, a foreign key to an unknown table, `ALTER TYPE` of an
    unknown enum, `DROP INDEX` / `DROP CONSTRAINT` of an unknown name. `IF EXISTS` statements are not flagged.

    ## Why is this bad?
    The statement fails when the migration is applied (42P01 undefined table, 42703 undefined column, 42704
    undefined object), and since drizzle's migrator runs all pending migrations in one transaction, the whole batch
    rolls back (on MySQL, which commits each DDL statement, the ones before it stay applied instead, and the migration
    is left half-done and unrecorded). It is usually a typo in a hand-written migration, or two migrations merged in the wrong order.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text);
    -- 0001_email_required.sql
    ALTER TABLE "user" ALTER COLUMN "email" SET NOT NULL;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text);
    -- 0001_email_required.sql
    ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;
    ```
    """

    name = "reference-to-missing-object"
    group = "integrity"
    severity = "error"
    target = "migration"
    claims_problems = (MISSING,)
    # The replay's problems of this migration: from its statements and the state before it.
    reads = "unit"

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        for problem in replay_problems(ctx, MISSING):
            yield self.violation(
                f"{problem.message}: applying this migration fails{failure_consequence(ctx)}",
                problem.range,
                help="Check the name for a typo, and that the migration creating the object comes earlier in the "
                "journal (a branch merged in the wrong order puts it later).",
            )
