from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.analysis.replay_types import EXISTS
from drizzle_lsp.rules._support.failure import failure_consequence
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation
from drizzle_lsp.rules.integrity.reference_to_missing_object import replay_problems


class ObjectAlreadyExists(Rule):
    """A migration creates a table, column, type, index or constraint that an earlier migration already created.

    ## What it does
    Replays the migrations in journal order and flags each `CREATE TABLE`, `ADD COLUMN`, `CREATE TYPE`,
    `CREATE INDEX`, `ADD CONSTRAINT` or `ADD VALUE` whose object already exists at that point. `IF NOT EXISTS` forms
    are not flagged.

    ## Why is this bad?
    The statement fails on apply (42P07 duplicate table, 42701 duplicate column, 42710 duplicate object) and the
    pending batch rolls back (on MySQL, which commits each DDL statement, the ones before it stay applied instead).
    It is the usual result of two branches generating the same change, or of a custom
    migration whose change drizzle-kit did not record in its snapshot and then generated again.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text);
    -- 0001_add_email.sql
    ALTER TABLE "users" ADD COLUMN "email" text;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text);
    -- 0001_add_email.sql
    ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email" text;
    ```
    """

    name = "object-already-exists"
    group = "integrity"
    severity = "error"
    target = "migration"
    claims_problems = (EXISTS,)
    # The replay's problems of this migration: from its statements and the state before it.
    reads = "unit"

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        for problem in replay_problems(ctx, EXISTS):
            yield self.violation(
                f"{problem.message}: applying this migration fails{failure_consequence(ctx)}",
                problem.range,
                help="Remove the statement if an earlier migration already made the change (two branches generated "
                "it), or guard it with IF NOT EXISTS when some databases may lack the object.",
            )
