from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.rules._support.lock_context import (
    OpInfo,
    insertion_before,
    op_infos,
    setting_before,
    statement_label,
    statement_text,
)
from drizzle_lsp.rules._support.transactions import IMPLICIT, NO_TRANSACTION, transaction_map
from drizzle_lsp.rules.framework import Fix, MigrationContext, Rule, TextEdit, Violation
from drizzle_lsp.rules.selection import settings_value


class RequireLockTimeout(Rule):
    """A statement that locks an existing table with no `lock_timeout` set before it.

    ## What it does
    Flags the first statement of each transaction that takes a lock blocking reads or writes (ACCESS EXCLUSIVE,
    EXCLUSIVE, SHARE ROW EXCLUSIVE, SHARE) on a table that existed before the migration, when no
    `SET lock_timeout` / `SET LOCAL lock_timeout` runs earlier in the same transaction. The other such statements of
    that transaction are listed with it. A foreign key to an existing table counts: it locks the referenced table
    too.

    Which migrations run together is only known at deploy time, so only a `SET` in the same migration file counts:
    when this migration is the only pending one, a `SET` in an earlier, already applied migration has no effect.
    `SET LOCAL` counts until its transaction ends (an explicit `COMMIT` ends it); a plain `SET` lasts for the
    session. With `migrator = "neon-http"` (no transaction) every statement is a separate HTTP request, so no
    `SET` reaches the next statement: set `lock_timeout` on the migration role instead.

    ## Why is this bad?
    Even a statement that holds its lock for a millisecond must first get it, and it waits behind every transaction
    already using the table: a long report, an idle-in-transaction session. While it waits, every new query on the
    table queues behind it, so a "metadata-only" `ADD COLUMN` can stall all reads and writes of a busy table for as
    long as the slowest transaction runs. A `lock_timeout` makes the migration fail fast instead (retry it later).

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "total" integer NOT NULL);
    -- 0001_orders_note.sql
    ALTER TABLE "orders" ADD COLUMN "note" text;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "total" integer NOT NULL);
    -- 0001_orders_note.sql
    SET LOCAL lock_timeout = '5s';--> statement-breakpoint
    ALTER TABLE "orders" ADD COLUMN "note" text;
    ```

    ## Fix safety
    The fix inserts `SET LOCAL lock_timeout = '5s';` (the `[migrate] lock-timeout` setting) before the first such
    statement of the transaction, as its own breakpoint chunk: `SET LOCAL` because the migrator runs the file in a
    transaction, and behind a transaction-mode pooler (Neon `-pooler`, Hyperdrive) a plain `SET` does not stick.
    Statements that run outside a transaction get a plain `SET`. It is safe: nothing changes unless the lock cannot
    be had within the timeout, and then the migration fails with 55P03 instead of stalling the table; retry it. No
    fix is offered with `neon-http`, where a `SET` cannot reach the next statement.
    """

    name = "require-lock-timeout"
    group = "locks"
    severity = "warning"
    has_fix = True
    dialects = ("postgresql",)
    # op_infos reads this migration's statements, their replay contexts and the replayed state just
    # before this migration (table_existed_at_start): all part of the unit.
    reads = "unit"

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        tmap = transaction_map(ctx)
        unprotected: dict[object, list[OpInfo]] = {}  # transaction (or the session, outside one) -> its statements
        for statement in ctx.migration.statements:
            if statement.error is not None:
                continue
            infos = [i for i in op_infos(ctx.project, ctx.migration, statement) if i.locks]
            if not infos or setting_before(tmap, ctx.migration, statement, "lock_timeout") is not None:
                continue
            ref = tmap.ref(statement)
            # Statements outside a transaction share the session, where one plain SET covers them all.
            key = ref.transaction if ref is not None and ref.in_block else "session"
            unprotected.setdefault(key, []).append(infos[0])
        for infos in unprotected.values():
            yield self._finding(ctx, tmap, infos)

    def _finding(self, ctx: MigrationContext, tmap, infos: list[OpInfo]) -> Violation:
        first = infos[0]
        lock = first.locks[0]
        label = statement_label(first.op)
        on = "existing referenced table" if lock.referenced else "existing table"
        message = (f"{label} takes {_article(lock.mode)} {lock.mode} lock on {on} {lock.label} with no lock_timeout "
                   f"set: while it waits for the lock, every new {_queries(lock.blocks_reads)} of {lock.label} "
                   "queues behind it")
        others = infos[1:]
        ref = tmap.ref(first.statement)
        in_block = ref is not None and ref.in_block
        if others:
            scope = "this transaction" if in_block else "this migration"
            message += (f"; {len(others)} more statement{'s' if len(others) > 1 else ''} of {scope} "
                        f"lock{'' if len(others) > 1 else 's'} existing tables without a timeout")
        related = [(i.op.range, f"{statement_label(i.op)}: also locks {i.locks[0].label} ({i.locks[0].mode}) without "
                                f"a lock_timeout") for i in others]
        timeout = _timeout(ctx)
        if tmap.migrator == NO_TRANSACTION:
            if _sets_lock_timeout_before(ctx, first):
                message = message.replace(" with no lock_timeout set:", " and the SET lock_timeout before it does not "
                                          "reach it (neon-http sends each statement as a separate request):")
            return self.violation(
                message, first.op.range, related=related,
                help=("Each statement of a neon-http migration is a separate request, so a SET cannot reach the next "
                      f"one: set it on the role that runs migrations (`ALTER ROLE … SET lock_timeout = '{timeout}'`), "
                      "or apply migrations with a driver that keeps a session (the WebSocket driver)."),
            )
        keyword = "SET LOCAL" if in_block else "SET"
        new_statement = f"{keyword} lock_timeout = '{timeout}';"
        offset, own_chunk = insertion_before(ctx.migration, first.statement)
        if ref is not None and ref.block == IMPLICIT:
            own_chunk = False  # its transaction is the chunk's query: a SET LOCAL in a chunk of its own would not last
        help_text = (f"Put `{new_statement}` before it so the migration gives up after {timeout} instead of stalling "
                     f"{lock.label}, and retry it later.")
        if in_block:
            help_text += " SET LOCAL lasts until the transaction ends and also works behind a transaction-mode pooler."
        if ctx.migrator == "transaction":
            help_text += (" A SET in an earlier migration does not count: that migration may already be applied when "
                          "this one runs.")
        return self.violation(
            message, first.op.range, related=related, help=help_text,
            fix=Fix(f"Insert {new_statement} before it",
                    [TextEdit.insert(ctx.path, offset, statement_text(new_statement, own_chunk))], "safe"),
        )


def _sets_lock_timeout_before(ctx: MigrationContext, info: OpInfo) -> bool:
    for statement in ctx.migration.statements:
        if statement is info.statement:
            return False
        if any((op.parameter or "").lower() == "lock_timeout" for op in statement.operations):
            return True
    return False


def _article(mode: str) -> str:
    return "an" if mode[:1] in "AEIOU" else "a"


def _queries(blocks_reads: bool) -> str:
    return "read and write" if blocks_reads else "write"


def _timeout(ctx: MigrationContext) -> str:
    value = settings_value(ctx.settings, "lock_timeout") or settings_value(ctx.settings, "migrate.lock-timeout") or "5s"
    return str(value).replace("'", "")
