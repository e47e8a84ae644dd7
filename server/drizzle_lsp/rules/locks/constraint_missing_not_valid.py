from __future__ import annotations

from collections.abc import Iterable

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.model import ConstraintType, OpKind
from drizzle_lsp.rules._support.lock_rules import (
    a_lock,
    blocked_work,
    op_table_label,
    quoted,
    table_label,
)
from drizzle_lsp.rules._support.lock_context import where
from drizzle_lsp.rules._support.pending import earlier_in_window, pending_migrations
from drizzle_lsp.rules._support.transactions import transaction_map
from drizzle_lsp.rules.framework import Fix, MigrationContext, Rule, TextEdit, Violation

_KINDS = {ConstraintType.FOREIGN_KEY: "FOREIGN KEY", ConstraintType.CHECK: "CHECK"}


class ConstraintMissingNotValid(Rule):
    """`ADD FOREIGN KEY` or `ADD CHECK` on an existing table without `NOT VALID`.

    ## What it does
    Flags `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` and `… CHECK` on a table created by an earlier migration
    when the constraint is not added `NOT VALID`. drizzle-kit emits exactly this for every `.references()`,
    `foreignKey()` and `check()` added to an existing table. A constraint on a table created in the same migration
    is not flagged: the table is still empty.

    Also flags `ALTER TABLE … VALIDATE CONSTRAINT x` when the `ADD CONSTRAINT x … NOT VALID` it validates runs in
    the same transaction: earlier in the same file while a transaction is open, or in an earlier file that may be
    pending in the same run under drizzle's transactional migrator (`pending-migrations` option, default 2).

    ## Why is this bad?
    Adding a validated constraint checks every existing row while the lock is held:
    - a foreign key takes SHARE ROW EXCLUSIVE on the table and on the referenced table, so writes to both wait
      for the whole check (reads continue);
    - a check constraint takes ACCESS EXCLUSIVE, so reads and writes wait for the whole scan.

    Added `NOT VALID`, the constraint is enforced at once for new and updated rows, and the lock is brief because
    existing rows are not read. `ALTER TABLE … VALIDATE CONSTRAINT …` then checks the existing rows under a SHARE
    UPDATE EXCLUSIVE lock, which lets reads and writes continue. The validation must run in a later step: drizzle's
    transactional migrator runs all pending migrations in one transaction, and a `VALIDATE` in the same transaction
    would scan while the first lock is still held: the `ADD`'s lock is only released at commit, so the validation
    blocks writes (and, for a check, reads) exactly as long as adding the constraint validated would have.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY);
    --> statement-breakpoint
    CREATE TABLE "orders" ("id" integer PRIMARY KEY, "customer_id" integer);
    -- 0001_orders_customer_fk.sql
    ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_users_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" integer PRIMARY KEY);
    --> statement-breakpoint
    CREATE TABLE "orders" ("id" integer PRIMARY KEY, "customer_id" integer);
    -- 0001_orders_customer_fk.sql
    ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_users_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action NOT VALID;
    -- 0002_validate_orders_customer_fk.sql
    -- drizzle-lsp-ignore constraint-missing-not-valid 0001 is applied by an earlier deploy, so its transaction has committed
    ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_customer_id_users_id_fk";
    ```

    ## Fix safety
    The fix appends `NOT VALID` to the constraint. It is unsafe: until `VALIDATE CONSTRAINT` runs, existing rows
    are not checked, so rows that break the constraint stay (and the migration no longer fails on them), and the
    planner cannot rely on a check constraint that is not validated. Add the `VALIDATE CONSTRAINT` statement in a
    later migration yourself (the finding's help gives it).
    """

    name = "constraint-missing-not-valid"
    group = "locks"
    severity = "warning"
    has_fix = True
    dialects = ("postgresql",)
    # VALIDATE CONSTRAINT looks for its ADD ... NOT VALID in earlier migrations of the
    # pending-migrations window (never a later one).
    reads = "before"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is not None and op.kind is OpKind.VALIDATE_CONSTRAINT:
            yield from self._validate_under_add_lock(ctx)
            return
        if (op is None or op.kind is not OpKind.ADD_CONSTRAINT or op.constraint_type not in _KINDS
                or op.not_valid or not ctx.table_existed()):
            return
        fact = lock_facts(op, ctx.state_before, ctx.postgres_version)
        if fact is None or not fact.scans:
            return
        table = op_table_label(op)
        name = quoted(op.constraint_name) if op.constraint_name else ""
        kind = _KINDS[op.constraint_type]
        referenced = self._referenced_table(op)
        if op.constraint_type is ConstraintType.FOREIGN_KEY and referenced and referenced != table:
            locked = f"{a_lock(fact.lock)} on {table} and {referenced}: {blocked_work(fact)} to both are"
        else:
            locked = f"{a_lock(fact.lock)}: {blocked_work(fact)} to {table} are"
        message = (
            f"ADD CONSTRAINT {name} {kind} on existing table {table} checks every existing row under {locked} "
            f"blocked for the whole scan"
        )
        validate = f"ALTER TABLE {table} VALIDATE CONSTRAINT {name};" if name else "VALIDATE CONSTRAINT"
        help = (
            f"Add it NOT VALID (new and changed rows are checked at once; the lock is brief), then check the existing "
            f"rows with `{validate}`, which lets reads and writes continue, {_validate_when(ctx.migrator)}."
        )
        end = getattr(op.constraint, "range", None)
        fix = Fix(f"Add NOT VALID to {name or 'the constraint'}", [TextEdit.insert(end.path, end.end, " NOT VALID")],
                  "unsafe") if end is not None else None
        yield self.violation(message, op.range, help=help, fix=fix)

    def _validate_under_add_lock(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if not op.constraint_name or ctx.statement is None or not ctx.table_existed():
            return
        found = _add_not_valid_before(ctx)
        if found is None:
            return
        add, migration = found
        fact = lock_facts(add, ctx.state_before, ctx.postgres_version)
        if fact is None or not fact.lock:
            return
        table = op_table_label(op)
        name = quoted(op.constraint_name)
        referenced = self._referenced_table(add)
        if add.constraint_type is ConstraintType.FOREIGN_KEY and referenced and referenced != table:
            locked = f"{a_lock(fact.lock)} on {table} and {referenced}, so {blocked_work(fact)} to both are"
        else:
            locked = f"{a_lock(fact.lock)} on {table}, so {blocked_work(fact)} to {table} are"
        place = where(migration, add.range, ctx.migration)
        if migration is not ctx.migration:
            place += ", when both migrations are pending in the same run"
        message = (
            f"VALIDATE CONSTRAINT {name} runs in the same transaction as the ADD CONSTRAINT {name} NOT VALID it "
            f"validates ({place}), which holds {locked} blocked for the whole validation scan"
        )
        help = (
            f"Move `ALTER TABLE {table} VALIDATE CONSTRAINT {name};` to a later migration that runs in a separate "
            f"transaction ({_separate_when(ctx.migrator)}): NOT VALID only keeps the lock brief if the transaction "
            f"commits before the validation."
        )
        yield self.violation(message, op.range, help=help,
                             related=[(add.range, f"{a_lock(fact.lock)} taken here, held until commit")])

    @staticmethod
    def _referenced_table(op) -> str | None:
        constraint = op.constraint
        table_to = getattr(constraint, "table_to", None)
        if not table_to:
            return None
        return table_label(getattr(constraint, "schema_to", None) or op.schema, table_to)


def _add_not_valid_before(ctx: MigrationContext):
    """The ``ADD CONSTRAINT … NOT VALID`` that ``ctx.op`` validates, with its migration, when it runs earlier in the
    same transaction (its own statement first, then earlier statements, nearest first)."""
    op = ctx.op
    tmap = transaction_map(ctx)
    ref = tmap.ref(ctx.statement)
    if ref is None or not ref.in_block:
        # outside a transaction block every statement commits by itself: the ADD's lock is already gone
        return None
    own = []
    for candidate in ref.operations():
        if candidate is op:
            break
        own.append(candidate)
    refs = [(ctx.migration, reversed(own))]
    refs += [(earlier.migration, reversed(list(earlier.operations())))
             for earlier in earlier_in_window(tmap, ref, pending_migrations(ctx.options))]
    for migration, ops in refs:
        for candidate in ops:
            if _same_constraint(candidate, op):
                return (candidate, migration) if candidate.not_valid and candidate.constraint_type in _KINDS else None
    return None


def _same_constraint(add, validate) -> bool:
    return (add.kind is OpKind.ADD_CONSTRAINT and (add.constraint_name or "") == validate.constraint_name
            and (add.table or "").lower() == (validate.table or "").lower()
            and (add.schema or "public").lower() == (validate.schema or "public").lower())


def _separate_when(migrator: str) -> str:
    if migrator == "per-file":
        return "each file runs in its own transaction"
    return ("the migrator runs all pending migrations in one transaction, so apply it in a later deploy than the ADD; "
            "then silence this with `-- drizzle-lsp-ignore constraint-missing-not-valid` above it")


def _validate_when(migrator: str) -> str:
    if migrator == "no-transaction":
        return "as a separate statement after it (each statement commits on its own under this migrator)"
    if migrator == "per-file":
        return "in a later migration file (each file runs in its own transaction)"
    return ("in a later migration applied by a later deploy (the migrator runs all pending migrations in one "
            "transaction, so in the same batch the validation would still run under the first lock)")
