from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.lock_context import (
    DATA_CHANGES,
    EXCLUSIVE_MODES,
    OpInfo,
    TableLock,
    op_infos,
    statement_label,
    table_label,
    where,
)
from drizzle_lsp.rules._support.pending import pending_migrations
from drizzle_lsp.rules._support.transactions import StatementRef, transaction_map
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation


class ExclusiveLockHeldAcrossStatements(Rule):
    """An exclusive lock on an existing table held while more statements run in the same transaction.

    ## What it does
    Follows each transaction through the migration (with drizzle's `transaction` migrator, through the migrations
    that may be pending with it) and flags, once per statement:

    - a slow statement (it rewrites or scans a whole existing table, builds an index, or backfills rows) that runs
      while another existing table is still locked ACCESS EXCLUSIVE (or EXCLUSIVE) by an earlier statement, or while
      its own table is, when the slow statement itself would only have blocked writes;
    - a statement that locks a second existing table exclusively while the first one is still locked.

    A lock is held until the transaction ends, not until its statement ends. drizzle-kit migrate and drizzle-orm's
    `migrate()` run all pending migrations in one transaction, so a lock taken by one migration is also held while
    the next ones run. Which migrations are pending together is only known at deploy time: by default the rule
    assumes a migration may run with the one just before it. Set `pending-migrations` to look further back, or to
    1 to check each migration on its own:

    ```toml
    [rules.options.exclusive-lock-held-across-statements]
    pending-migrations = 3
    ```

    Statements on tables created in the same migration are ignored, and so is a data change on the very table the
    lock is on (`backfill-in-schema-migration` reports that one).

    ## Why is this bad?
    An ACCESS EXCLUSIVE lock blocks every read and write of its table. Taken by a quick `ADD COLUMN`, it lasts
    milliseconds, unless the same transaction then builds an index or rewrites another table: the first table is then
    unavailable for the whole duration. Locking two tables exclusively in one transaction also risks a deadlock with
    the application: a transaction that reads the second table and then wants the first one waits for the migration,
    which waits for it. PostgreSQL aborts one of them, possibly the migration.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);--> statement-breakpoint
    CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "user_id" bigint NOT NULL, "total" integer NOT NULL);
    -- 0001_referrals.sql
    ALTER TABLE "users" ADD COLUMN "referrer_id" bigint;--> statement-breakpoint
    CREATE INDEX "orders_user_id_idx" ON "orders" USING btree ("user_id");
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);--> statement-breakpoint
    CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "user_id" bigint NOT NULL, "total" integer NOT NULL);
    -- 0001_referrals.sql
    CREATE INDEX "orders_user_id_idx" ON "orders" USING btree ("user_id");--> statement-breakpoint
    ALTER TABLE "users" ADD COLUMN "referrer_id" bigint;
    ```
    Taking the exclusive lock last keeps it short (better still: build the index `CONCURRENTLY` in a step of its own,
    and give each exclusive lock its own transaction).
    """

    name = "exclusive-lock-held-across-statements"
    group = "locks"
    severity = "warning"
    dialects = ("postgresql",)
    # Locks held by earlier migrations of the pending-migrations window count (never a later one's).
    reads = "before"

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        tmap = transaction_map(ctx)
        pending = pending_migrations(ctx.options)
        infos_of: dict[int, list[OpInfo]] = {}

        def infos(ref: StatementRef) -> list[OpInfo]:
            if id(ref.statement) not in infos_of:
                infos_of[id(ref.statement)] = op_infos(ctx.project, ref)
            return infos_of[id(ref.statement)]

        reported: dict[int, set[str]] = {}  # transaction -> held tables whose extension was already reported
        statements = [s for s in ctx.migration.statements if s.error is None]
        refs = [tmap.ref(s) for s in statements]  # once: every slow statement reads the refs of all those after it
        held_before = _HeldLocks(tmap, pending, infos)
        for index, ref in enumerate(refs):
            if ref is None or not ref.in_block:
                continue
            own = infos(ref)
            if not any(i.slow or _exclusive(i) for i in own):
                continue
            held = held_before.at(ref)
            if not held:
                continue
            done = reported.setdefault(ref.transaction, set())
            slow = self._slow_under_lock(ctx, own, held, done, refs, index + 1, infos)
            if slow is not None:
                yield slow
            second = self._second_exclusive(ctx, own, held)
            if second is not None:
                yield second

    def _slow_under_lock(self, ctx, own: list[OpInfo], held, done: set[str], refs, after: int,
                         infos) -> Violation | None:
        """The first slow statement that keeps a held table locked, reported once per held table: the later ones
        that extend the same locks are listed with it."""
        for info in own:
            extended = [key for key in _extended(info, held) if key not in done]
            if not extended:
                continue
            done.update(extended)
            lock, holder, holder_ref = held[extended[0]]
            others = len(extended) - 1
            also = f" (and {others} other table{'s' if others > 1 else ''} locked before it)" if others else ""
            later = [(i, r) for r in refs[after:] if r is not None and r.in_block and r.transaction == holder_ref.transaction
                     for i in infos(r) if i.slow and _extends_any(i, extended)]
            more = ""
            if later:
                more = (f"; {len(later)} more slow statement{'s' if len(later) > 1 else ''} of this migration keep "
                        f"{'them' if others else 'it'} locked")
            message = (f"{statement_label(info.op)} {_work(info)} while {lock.label}{also} is still locked "
                       f"{lock.mode} by {statement_label(holder.op)} ({_place(ctx, holder_ref)}): reads and writes of "
                       f"{lock.label} wait for it as well{more}")
            related = [(holder.op.range, f"{lock.label} locked {lock.mode} here")]
            related += [(i.op.range, f"{statement_label(i.op)} also runs while {lock.label} is locked")
                        for i, _ in later]
            return self.violation(
                message, info.op.range, related=related,
                help=(f"Run the slow statements before the one that locks {lock.label}, or in a step of their own "
                      "after this transaction commits, so the exclusive lock lasts only as long as its own "
                      "statement."),
            )
        return None

    def _second_exclusive(self, ctx, own: list[OpInfo], held) -> Violation | None:
        for info in own:
            for lock in info.locks:
                if lock.mode not in EXCLUSIVE_MODES or lock.key in held:
                    continue  # not exclusive, or the table is locked already: nothing new is taken
                first_lock, holder, holder_ref = next(iter(held.values()))
                message = (f"{statement_label(info.op)} locks existing table {lock.label} {lock.mode} while "
                           f"{first_lock.label} is still locked {first_lock.mode} by {statement_label(holder.op)} "
                           f"({_place(ctx, holder_ref)}): both tables stay unavailable until the transaction commits, "
                           f"and an application transaction that holds {lock.label} and then needs "
                           f"{first_lock.label} deadlocks with the migration")
                return self.violation(
                    message, info.op.range,
                    related=[(holder.op.range, f"{first_lock.label} locked {first_lock.mode} here")],
                    help=("Give each exclusive lock its own transaction: separate migrations applied by separate runs "
                          "(drizzle applies all pending migrations in one transaction), each with a lock_timeout."),
                )
        return None


class _HeldLocks:
    """Exclusive locks on existing tables taken earlier in a statement's transaction (within the pending window),
    earliest holder first, for the statements of one migration asked in apply order.

    The statements of one migration share their window's first file, so the locks are accumulated in one pass over
    the window instead of walking back from every statement: a 200-statement migration asked 20,000 times for the
    locks of its earlier statements."""

    def __init__(self, tmap, pending: int, infos) -> None:
        self.tmap, self.pending, self.infos = tmap, pending, infos
        self.next = None  # position of the next ref to accumulate
        self.first_file = None
        self.by_transaction: dict[int, dict[str, list]] = {}  # key -> [holder, -nearest position, rank]

    def at(self, ref: StatementRef) -> dict[str, tuple[TableLock, OpInfo, StatementRef]]:
        first_file = ref.file - self.pending + 1
        if self.next is None or first_file != self.first_file or ref.position < self.next:
            self.first_file, self.by_transaction = first_file, {}
            self.next = ref.position
            while self.next > 0 and self.tmap.refs[self.next - 1].file >= first_file:
                self.next -= 1
        while self.next < ref.position:
            earlier = self.tmap.refs[self.next]
            held = self.by_transaction.setdefault(earlier.transaction, {})
            seen: set[str] = set()
            for info in self.infos(earlier):
                for lock in info.locks:
                    if lock.mode not in EXCLUSIVE_MODES:
                        continue
                    entry = held.get(lock.key)
                    if entry is None:
                        entry = held[lock.key] = [(lock, info, earlier), 0, 0]
                    elif entry[0][2] is earlier:
                        entry[0] = (lock, info, earlier)  # the earliest statement's last mention, as the walk back gave
                    if lock.key not in seen:
                        # Ties between holders of one statement keep the order the walk back from the asking
                        # statement found them in: the nearest mention first.
                        seen.add(lock.key)
                        entry[1], entry[2] = -earlier.position, len(seen)
            self.next += 1
        held = self.by_transaction.get(ref.transaction, {})
        ordered = sorted(held.items(), key=lambda item: (item[1][0][2].position, item[1][1], item[1][2]))
        return {key: entry[0] for key, entry in ordered}


def _extended(info: OpInfo, held) -> list[str]:
    """The held tables whose exclusive lock ``info``, a slow statement, keeps in place for its whole duration."""
    if not info.slow:
        return []
    own_exclusive = {lock.key for lock in info.locks if lock.mode in EXCLUSIVE_MODES}
    target = f"{info.op.schema or 'public'}.{info.op.table}".lower()
    keys = []
    for key in held:
        if key in own_exclusive:
            continue  # it locks that table exclusively itself: the earlier lock adds nothing
        if info.op.kind in DATA_CHANGES and key == target:
            continue  # a backfill next to DDL on its own table: backfill-in-schema-migration
        keys.append(key)
    return keys


def _extends_any(info: OpInfo, keys: list[str]) -> bool:
    """``info``, a slow statement, keeps one of ``keys`` (held tables) locked: ``_extended(info, held)`` meets
    ``keys``, asked without listing every held table."""
    own_exclusive = {lock.key for lock in info.locks if lock.mode in EXCLUSIVE_MODES}
    target = f"{info.op.schema or 'public'}.{info.op.table}".lower() if info.op.kind in DATA_CHANGES else None
    return any(key not in own_exclusive and key != target for key in keys)


def _exclusive(info: OpInfo) -> bool:
    return any(lock.mode in EXCLUSIVE_MODES for lock in info.locks)


def _work(info: OpInfo) -> str:
    """What the slow statement does to its table, as a verb phrase."""
    table = info.locks[0].label if info.locks else table_label(info.op.schema, info.op.table or "")
    kind = info.op.kind
    if kind is OpKind.CREATE_INDEX:
        return f"builds an index over every row of {table}"
    if kind in DATA_CHANGES:
        verb = {OpKind.UPDATE: "updates", OpKind.DELETE: "deletes", OpKind.INSERT: "inserts"}[kind]
        return f"{verb} rows of {table}" if kind is not OpKind.INSERT else f"copies rows into {table}"
    if info.fact is not None and info.fact.rewrites:
        return f"rewrites {table}"
    return f"reads every row of {table}"


def _place(ctx: MigrationContext, ref: StatementRef) -> str:
    place = where(ref.migration, ref.statement, ctx.migration)
    if ref.migration is not ctx.migration:
        place += (", when both migrations are pending in the same run: drizzle applies all pending migrations in "
                  "one transaction")
    return place

