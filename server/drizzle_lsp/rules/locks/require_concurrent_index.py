from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.lock_rules import (
    a_lock,
    blocked_work,
    concurrently_fix,
    op_table_label,
    quoted,

    transaction_block_reason,
)
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class RequireConcurrentIndex(Rule):
    """`CREATE INDEX` on an existing table without `CONCURRENTLY`.

    ## What it does
    Flags `CREATE INDEX` and `CREATE UNIQUE INDEX` on a table created by an earlier migration when the statement
    does not say `CONCURRENTLY`. An index on a table created in the same migration is not flagged: that table is
    still empty. drizzle-kit emits the plain form for every `index()` and `uniqueIndex()` unless `.concurrently()`
    is called on it.

    ## Why is this bad?
    A plain `CREATE INDEX` takes a SHARE lock on the table and holds it for the whole build, which reads every row
    and sorts them: on a large table that is minutes during which every `INSERT`, `UPDATE` and `DELETE` waits (reads
    continue). With drizzle's transactional migrator the lock is held until every pending migration has run.
    `CREATE INDEX CONCURRENTLY` takes a SHARE UPDATE EXCLUSIVE lock instead, which lets reads and writes go on; it
    scans the table twice and waits for older transactions, so it takes longer.

    `CONCURRENTLY` cannot run inside a transaction block (error 25001), and `drizzle-kit migrate` and drizzle-orm's
    `migrate()` run all pending migrations in one transaction. The statement must therefore move to a step that
    runs outside a transaction (see `concurrent-index-in-transaction`, which flags a `CONCURRENTLY` left inside
    one). If a concurrent build fails it leaves an `INVALID` index behind: drop it and build again.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "orders" (
    	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    	"customer_id" integer
    );
    -- 0001_orders_customer_idx.sql
    CREATE INDEX "orders_customer_idx" ON "orders" USING btree ("customer_id");
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "orders" (
    	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    	"customer_id" integer
    );
    -- 0001_orders_customer_idx.sql
    -- applied on its own, outside a transaction
    CREATE INDEX CONCURRENTLY "orders_customer_idx" ON "orders" USING btree ("customer_id");
    ```
    In the schema, `index("orders_customer_idx").on(t.customerId).concurrently()` makes drizzle-kit emit the
    concurrent form.

    ## Fix safety
    The fix inserts `CONCURRENTLY` after `CREATE [UNIQUE] INDEX`. It is safe when the statement runs outside a
    transaction (a `neon-http` migrator, or after an explicit `COMMIT` in the file): the same index is built without
    blocking writes. It is unsafe under a transactional migrator (`drizzle-kit migrate`, `migrate()`, a migrator
    that wraps each file), because there the edited statement fails with 25001 until it is moved to a migration
    step that runs outside a transaction.
    """

    name = "require-concurrent-index"
    group = "locks"
    severity = "warning"
    has_fix = True
    dialects = ("postgresql",)
    # Whether the statement runs in a transaction block is decided by this migration's text and the
    # migrator alone.
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.CREATE_INDEX or op.concurrently or not ctx.table_existed():
            return
        fact = lock_facts(op, ctx.state_before, ctx.postgres_version)
        if fact is None or fact.lock is None:
            return
        table = op_table_label(op)
        unique = bool(op.index and op.index.unique)
        statement = "CREATE UNIQUE INDEX" if unique else "CREATE INDEX"
        name = f" {quoted(op.index_name)}" if op.index_name else ""
        message = (
            f"{statement}{name} on existing table {table} takes {a_lock(fact.lock)}: {blocked_work(fact)} to {table} "
            f"are blocked for the whole index build"
        )
        blocked = transaction_block_reason(ctx)
        if blocked:
            help = (
                f"Build it with {statement} CONCURRENTLY, which lets reads and writes continue, in a migration step "
                f"that runs outside a transaction: {blocked}. In the schema, `.concurrently()` on the index makes "
                f"drizzle-kit emit it."
            )
        else:
            help = (
                f"Use {statement} CONCURRENTLY: reads and writes continue during the build (it takes longer, and a "
                f"failed build leaves an INVALID index to drop before retrying). In the schema, `.concurrently()` on "
                f"the index makes drizzle-kit emit it."
            )
        yield self.violation(message, op.range, help=help, fix=concurrently_fix(ctx, op, statement))
