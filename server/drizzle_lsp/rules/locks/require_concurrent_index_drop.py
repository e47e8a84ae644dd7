from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.lock_rules import (
    a_lock,
    blocked_work,
    concurrently_fix,
    created_earlier_in_migration,
    index_owner,
    quoted,
    table_label,
    transaction_block_reason,
)
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class RequireConcurrentIndexDrop(Rule):
    """`DROP INDEX` on an existing table without `CONCURRENTLY`.

    ## What it does
    Flags `DROP INDEX` without `CONCURRENTLY` when the index belongs to a table created by an earlier migration
    (an index whose table the replay does not know is flagged too). drizzle-kit emits the plain form whenever an
    index is removed from the schema, and when it recreates indexes after a table rename.

    ## Why is this bad?
    A plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table: while it waits for running queries
    to finish, every new query on the table, plain `SELECT`s included, queues behind it, and with drizzle's
    transactional migrator the lock is then held until every pending migration has run. `DROP INDEX CONCURRENTLY`
    takes a SHARE UPDATE EXCLUSIVE lock and waits for the transactions using the index instead of blocking new ones.

    `CONCURRENTLY` cannot run inside a transaction block (error 25001), drops one index per statement, and does not
    support `CASCADE`; the index of a `UNIQUE` or `PRIMARY KEY` constraint cannot be dropped with `DROP INDEX` at
    all (drop the constraint). Under `drizzle-kit migrate` and drizzle-orm's `migrate()`, which run all pending
    migrations in one transaction, the statement must move to a step that runs outside a transaction (see
    `concurrent-index-in-transaction`).

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY, "nickname" text);
    --> statement-breakpoint
    CREATE INDEX "users_nickname_idx" ON "users" USING btree ("nickname");
    -- 0001_drop_nickname_idx.sql
    DROP INDEX "users_nickname_idx";
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY, "nickname" text);
    --> statement-breakpoint
    CREATE INDEX "users_nickname_idx" ON "users" USING btree ("nickname");
    -- 0001_drop_nickname_idx.sql
    -- applied on its own, outside a transaction
    DROP INDEX CONCURRENTLY "users_nickname_idx";
    ```

    ## Fix safety
    The fix inserts `CONCURRENTLY` after `DROP INDEX`. It is offered only for a single index without `CASCADE`
    that does not back a constraint. It is safe when the statement runs outside a transaction (a `neon-http`
    migrator, or after an explicit `COMMIT` in the file), and unsafe under a transactional migrator, where the
    edited statement fails with 25001 until it is moved to a migration step that runs outside a transaction.
    """

    name = "require-concurrent-index-drop"
    group = "locks"
    severity = "warning"
    has_fix = True
    dialects = ("postgresql",)
    # Whether the statement runs in a transaction block is decided by this migration's text and
    # the migrator alone.
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.DROP_INDEX or op.concurrently or not op.index_name:
            return
        owner = index_owner(ctx.state_before, op.index_name, op.schema)
        if owner is not None and created_earlier_in_migration(ctx, owner.table):
            return
        if owner is not None and owner.backs_constraint:
            return  # PostgreSQL refuses to drop a constraint's index (2BP01): no lock to warn about
        fact = lock_facts(op, ctx.state_before, ctx.postgres_version)
        if fact is None or fact.lock is None:
            return
        index = quoted(op.index_name)
        if owner is not None:
            table = table_label(owner.table.schema, owner.table.name)
            message = (
                f"DROP INDEX {index} takes {a_lock(fact.lock)} on existing table {table}: {blocked_work(fact)} to "
                f"{table} are blocked while it waits for the lock and until the transaction commits"
            )
        else:
            message = (
                f"DROP INDEX {index} takes {a_lock(fact.lock)} on the index's table: {blocked_work(fact)} to it are "
                f"blocked while it waits for the lock and until the transaction commits"
            )
        several = sum(1 for other in ctx.statement.operations if other.kind is OpKind.DROP_INDEX) > 1 \
            if ctx.statement else False
        blocked = transaction_block_reason(ctx)
        where = f" in a migration step that runs outside a transaction: {blocked}" if blocked else ""
        help = f"Use DROP INDEX CONCURRENTLY {index}, which does not block reads or writes,{where}."
        if several or op.cascade:
            help = (
                "Drop each index in its own DROP INDEX CONCURRENTLY statement (it takes one index and no CASCADE), "
                + (f"in a migration step that runs outside a transaction: {blocked}." if blocked else
                   "so reads and writes continue.")
            )
        fix = None if several or op.cascade else concurrently_fix(ctx, op, "DROP INDEX")
        yield self.violation(message, op.range, help=help, fix=fix)
