from __future__ import annotations

from collections.abc import Iterable, Iterator

from drizzle_lsp.model import Operation, OpKind, Statement
from drizzle_lsp.rules._support.d1 import d1_evidence
from drizzle_lsp.rules._support.lock_context import where
from drizzle_lsp.rules._support.transactions import MIGRATOR, split_step_boundary, transaction_map
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation

_CONTROLS = {"begin": "BEGIN", "commit": "COMMIT", "rollback": "ROLLBACK", "prepare": "PREPARE TRANSACTION"}
_HELP = ("Remove it: the migrator already applies the migration inside a transaction. If it is there so that a "
         "CONCURRENTLY statement can run, prefer moving that statement to a step applied outside the migrator; keep "
         "the COMMIT only if its cost is acceptable.")


class TransactionControlInMigration(Rule):
    """`BEGIN`, `COMMIT` or `ROLLBACK` in a migration that the migrator already runs inside a transaction.

    ## What it does
    Flags explicit transaction control (`BEGIN` / `START TRANSACTION`, `COMMIT` / `END`, `ROLLBACK` / `ABORT`,
    `PREPARE TRANSACTION`) in a migration applied by a transactional migrator: `transaction` (drizzle-kit migrate
    and drizzle-orm's `migrate()`, all pending migrations in one transaction) or `per-file`. The message says what the
    statement does there. Savepoints are not flagged: they work inside the migrator's transaction.

    ## Why is this bad?
    The migrator has already opened a transaction, so these statements do not do what they look like:

    - `BEGIN` does nothing (PostgreSQL only warns "there is already a transaction in progress"), but the `COMMIT`
      that usually closes it ends the migrator's transaction;
    - `COMMIT` commits everything applied so far in the run, earlier pending migrations included, and every statement
      after it runs outside any transaction: a failure from there on leaves the migration half-applied and not
      recorded in `__drizzle_migrations`, so the next run executes the whole file again;
    - `ROLLBACK` silently undoes everything applied so far in the run (earlier pending migrations and their ledger
      rows included) while the migrator carries on and records this migration as applied.

    The `COMMIT;--> statement-breakpoint` placed before `CREATE INDEX CONCURRENTLY` is the known workaround for
    drizzle's transaction (see `concurrent-index-in-transaction`); this rule reports its cost.

    On SQLite it is worse: drizzle's SQLite migrators open a transaction too, and SQLite refuses a nested `BEGIN`
    ("cannot start a transaction within a transaction"), so the run fails; after an early `COMMIT` or `ROLLBACK`
    the migrator's own closing `COMMIT` fails ("cannot commit - no transaction is active") although the statements
    ran. On Cloudflare D1 `BEGIN TRANSACTION` is rejected outright: every D1 query or batch already is a transaction
    and a migration file is applied as one.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);
    -- 0001_users_name.sql
    BEGIN;--> statement-breakpoint
    ALTER TABLE "users" ADD COLUMN "name" text;--> statement-breakpoint
    UPDATE "users" SET "name" = split_part("email", '@', 1) WHERE "name" IS NULL;--> statement-breakpoint
    COMMIT;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);
    -- 0001_users_name.sql
    ALTER TABLE "users" ADD COLUMN "name" text;--> statement-breakpoint
    UPDATE "users" SET "name" = split_part("email", '@', 1) WHERE "name" IS NULL;
    ```
    """

    name = "transaction-control-in-migration"
    group = "migrator"
    severity = "warning"
    dialects = ("postgresql", "sqlite")  # MySQL commits at every DDL statement anyway: the migrator's transaction
    # protects nothing there that a BEGIN or COMMIT could break
    # The block a statement runs in (and its opener's line) may come from a BEGIN left open by an
    # earlier migration (never from a later one).
    reads = "before"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if (op is None or op.kind is not OpKind.TRANSACTION or ctx.parent_op is not None or ctx.statement is None
                or op.transaction not in _CONTROLS or ctx.migrator not in ("transaction", "per-file")):
            return
        if ctx.dialect == "sqlite":
            yield from self._sqlite(ctx, op)
            return
        if ctx.statement.index in split_step_boundary(ctx.migration):
            return  # the split fix's step boundary: its cost was stated in the fix's title and in the file's comment
        tmap = transaction_map(ctx)
        ref = tmap.ref(ctx.statement)
        if ref is None:
            return
        keyword = _CONTROLS[op.transaction or ""]
        batch = ctx.migrator == "transaction"
        if op.transaction == "begin":
            message = self._begin(ctx, tmap, ref)
        elif not ref.in_block:
            message = (f'{keyword} outside any transaction does nothing (PostgreSQL only warns "there is no '
                       'transaction in progress")')
        elif ref.block != MIGRATOR:
            opener = tmap.same_transaction(ctx.statement)[0]
            opened_at = where(opener.migration, opener.statement, ctx.migration)
            message = (f"{keyword} ends the transaction opened at {opened_at} after the migrator's one was ended: the "
                       "statements after it run outside any transaction")
        elif op.transaction == "rollback":
            undone = ("everything this run applied before it, earlier pending migrations and their rows in "
                      "__drizzle_migrations included" if batch else "the statements of this migration before it")
            message = (f"ROLLBACK silently undoes {undone}; the migrator does not notice: it runs the rest of the "
                       "migration outside any transaction and records it as applied")
        else:
            committed = ("everything before it, in this and in every earlier pending migration, is committed at this "
                         "point" if batch else "the statements before it are committed at this point")
            opened = ("drizzle-kit migrate and drizzle-orm's migrate() apply all pending migrations" if batch
                      else "this project applies each migration")
            message = (f"{keyword} ends the transaction in which {opened}: {committed}, and the statements after it "
                       "run outside any transaction, so a failure after it leaves the migration half-applied and not "
                       "recorded in __drizzle_migrations (the next run executes the whole file again)")
            concurrent = _next_concurrently(ctx, tmap)
            if concurrent is not None:
                message += (f"; this is the known workaround that lets the CONCURRENTLY statement at "
                            f"{where(ctx.migration, concurrent, ctx.migration)} run, and that is its cost")
            elif batch and _is_last(ctx):
                message += "; the later pending migrations also run outside any transaction"
        yield self.violation(message, op.range, help=_HELP)

    def _sqlite(self, ctx: MigrationContext, op: Operation) -> Iterable[Violation]:
        keyword = _CONTROLS[op.transaction or ""]
        evidence = d1_evidence(ctx.project)
        if evidence is not None:
            yield self.violation(
                f"D1 rejects {keyword} in a migration: each migration file already runs as one implicit transaction "
                f"(D1: {evidence.reason})", op.range,
                help="Remove it: D1 applies the whole file atomically, and `wrangler d1 migrations apply` records it "
                     "in d1_migrations in the same call.")
            return
        if op.transaction == "begin":
            message = ("BEGIN inside the transaction drizzle's SQLite migrator already opened fails with \"cannot "
                       "start a transaction within a transaction\": the migration run stops and is rolled back")
        else:
            undoes = ("commits everything applied so far in the run" if op.transaction == "commit"
                      else "silently undoes everything applied so far in the run")
            message = (f"{keyword} {undoes} and ends the migrator's transaction: the statements after it run without "
                       "one, and the migrator's own closing COMMIT then fails with \"cannot commit - no transaction is "
                       "active\", so the run reports an error for a migration that was (partly) applied")
        yield self.violation(message, op.range, help="Remove it: the migrator already applies the migration inside "
                                                      "a transaction.")

    def _begin(self, ctx: MigrationContext, tmap, ref) -> str:
        if ref.block == MIGRATOR:
            message = ('BEGIN inside the transaction the migrator already opened does nothing (PostgreSQL only warns '
                       '"there is already a transaction in progress")')
            closing = _next_control(ctx, ("commit", "rollback", "prepare"))
            if closing is not None:
                at = where(ctx.migration, closing[0], ctx.migration)
                message += (f", but the {_CONTROLS[closing[1].transaction or '']} at {at} then ends the migrator's "
                            "transaction early")
            return message
        return ("BEGIN opens a new transaction after the migrator's one was ended earlier in this migration: it stays "
                "open until the next COMMIT or the end of the run, so what it holds is committed only then")


def _statements_after(ctx: MigrationContext) -> Iterator[Statement]:
    """The statements of the migration after ``ctx.statement``, in order."""
    seen = False
    for statement in ctx.migration.statements:
        if seen:
            yield statement
        elif statement is ctx.statement:
            seen = True


def _next_control(ctx: MigrationContext, kinds: tuple[str, ...]) -> tuple[Statement, Operation] | None:
    for statement in _statements_after(ctx):
        for op in statement.operations:
            if op.kind is OpKind.TRANSACTION and op.transaction in kinds:
                return statement, op
    return None


def _next_concurrently(ctx: MigrationContext, tmap) -> Statement | None:
    """The CONCURRENTLY statement this COMMIT lets run outside a transaction, if any (not one in the same chunk)."""
    for statement in _statements_after(ctx):
        if any(op.concurrently for op in statement.operations):
            return None if tmap.in_transaction_block(statement) else statement
        if any(op.kind is OpKind.TRANSACTION for op in statement.operations):
            return None
    return None


def _is_last(ctx: MigrationContext) -> bool:
    return not any(any(op.kind is not OpKind.COMMENT for op in statement.operations)
                   for statement in _statements_after(ctx))
