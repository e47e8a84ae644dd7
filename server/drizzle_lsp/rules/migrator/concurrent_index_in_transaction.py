from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.lock_context import quoted, table_label, where
from drizzle_lsp.rules._support.transactions import EXPLICIT, IMPLICIT, transaction_map
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation

_COMMIT_WORKAROUND = (
    "The usual workaround is a `COMMIT;--> statement-breakpoint` line right before it: it works, but it commits "
    "everything applied so far in the run (earlier pending migrations included), and every statement after it runs "
    "outside any transaction, so a failure from there on leaves this migration half-applied and not recorded in "
    "__drizzle_migrations: the next run executes the whole file again (make the statements before it idempotent with "
    "IF NOT EXISTS), and a failed concurrent build leaves an INVALID index to drop before retrying."
)


class ConcurrentIndexInTransaction(Rule):
    """`CONCURRENTLY` in a migration that the migrator runs inside a transaction: it fails with 25001.

    ## What it does
    Flags `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY` and `REINDEX … CONCURRENTLY` when the statement runs
    inside a transaction block, given how the project applies its migrations (the `migrator` setting, else inferred
    from `drizzle.config.ts`, `package.json` and the migrator import):

    - `transaction` (drizzle-kit migrate; drizzle-orm's `migrate()` for node-postgres, postgres-js,
      neon-serverless, pglite, vercel-postgres): every pending migration runs in one transaction;
    - `per-file`: each migration file runs in its own transaction;
    - any mode: after an explicit `BEGIN`, or when the statement shares its breakpoint chunk with other statements
      (drizzle sends a chunk as one query, which PostgreSQL runs as one implicit transaction block).

    It stays quiet under `neon-http` (no transaction) and after an explicit `COMMIT;--> statement-breakpoint` in the
    same file (then `transaction-control-in-migration` explains what that `COMMIT` costs).

    ## Why is this bad?
    PostgreSQL refuses it: `ERROR: CREATE INDEX CONCURRENTLY cannot run inside a transaction block` (SQLSTATE 25001).
    With drizzle's migrator the whole batch of pending migrations rolls back, so the deploy fails. drizzle-kit emits
    `CONCURRENTLY` when an index uses `.concurrently()`, and drizzle's migrators cannot run it (drizzle-orm issue
    860).

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "customer_id" bigint NOT NULL);
    -- 0001_orders_customer_idx.sql
    CREATE INDEX CONCURRENTLY "orders_customer_id_idx" ON "orders" USING btree ("customer_id");
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "customer_id" bigint NOT NULL);
    -- 0001_orders_customer_idx.sql
    -- ends drizzle's transaction: everything before this point is committed now (see the cost below)
    COMMIT;--> statement-breakpoint
    CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_customer_id_idx" ON "orders" USING btree ("customer_id");
    ```
    Better still, run the concurrent build outside drizzle's migrator (a step of its own, applied without a
    transaction). The `COMMIT;` workaround commits everything applied before it in the run, earlier pending
    migrations included; what follows runs outside any transaction, so a failure after it leaves the migration
    half-applied and unrecorded (the next run executes the whole file again), and a failed build leaves an INVALID
    index to drop before retrying.
    """

    name = "concurrent-index-in-transaction"
    group = "migrator"
    severity = "error"
    dialects = ("postgresql",)
    # Under the transaction migrator a BEGIN left open by an earlier migration makes the block
    # EXPLICIT here, and the message then names that file's line (a later migration changes nothing).
    reads = "before"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or ctx.statement is None or ctx.parent_op is not None or not op.concurrently:
            return
        if op.kind is OpKind.CREATE_INDEX:
            what = "CREATE INDEX CONCURRENTLY" + (f" {quoted(op.index_name)}" if op.index_name else "")
            what += f" on {table_label(op.schema, op.table or '')}"
        elif op.kind is OpKind.DROP_INDEX:
            what = f"DROP INDEX CONCURRENTLY {quoted(op.index_name or '')}"
        elif op.kind is OpKind.TABLE_REWRITE and op.rewrite == "reindex":
            what = " ".join((op.raw or ctx.statement.text).split()).rstrip(";")
        else:
            return
        tmap = transaction_map(ctx)
        ref = tmap.ref(ctx.statement)
        if ref is None or not ref.in_block:
            return
        keyword = "REINDEX" if op.kind is OpKind.TABLE_REWRITE else what.split(" CONCURRENTLY")[0]
        refused = f"PostgreSQL refuses it with 25001 ({keyword} CONCURRENTLY cannot run inside a transaction block)"
        if ref.block == IMPLICIT:
            yield self.violation(
                f"{what} shares its breakpoint chunk with other statements, so drizzle sends them as one query, which "
                f"PostgreSQL runs as one transaction block: {refused}",
                op.range,
                help="Separate it from the statements around it with `--> statement-breakpoint`.",
            )
            return
        if ref.block == EXPLICIT:
            opener = next((r for r in tmap.same_transaction(ctx.statement) if r.statement is not ctx.statement), None)
            at = f" at {where(opener.migration, opener.statement, ctx.migration)}" if opener is not None else ""
            yield self.violation(
                f"{what} runs inside the transaction opened by BEGIN{at}: {refused}",
                op.range,
                help="Move it after the COMMIT that ends that transaction, separated by `--> statement-breakpoint`.",
            )
            return
        if ctx.migrator == "transaction":
            context = ("runs inside the transaction in which drizzle-kit migrate and drizzle-orm's migrate() apply "
                       "every pending migration")
            rollback = "and the whole batch of pending migrations rolls back"
        else:
            context = "runs inside the transaction in which this project applies each migration file"
            rollback = "and the migration rolls back"
        yield self.violation(
            f"{what} {context}: {refused} {rollback}",
            op.range,
            help=("Run it outside a transaction: in a step of its own applied without one (a runner with "
                  "non-transactional steps, or by hand before the deploy). " + _COMMIT_WORKAROUND),
        )
