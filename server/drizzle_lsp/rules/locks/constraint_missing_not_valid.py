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
from drizzle_lsp.rules.framework import Fix, MigrationContext, Rule, TextEdit, Violation

_KINDS = {ConstraintType.FOREIGN_KEY: "FOREIGN KEY", ConstraintType.CHECK: "CHECK"}


class ConstraintMissingNotValid(Rule):
    """`ADD FOREIGN KEY` or `ADD CHECK` on an existing table without `NOT VALID`.

    ## What it does
    Flags `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` and `… CHECK` on a table created by an earlier migration
    when the constraint is not added `NOT VALID`. drizzle-kit emits exactly this for every `.references()`,
    `foreignKey()` and `check()` added to an existing table. A constraint on a table created in the same migration
    is not flagged: the table is still empty.

    ## Why is this bad?
    Adding a validated constraint checks every existing row while the lock is held:
    - a foreign key takes SHARE ROW EXCLUSIVE on the table and on the referenced table, so writes to both wait
      for the whole check (reads continue);
    - a check constraint takes ACCESS EXCLUSIVE, so reads and writes wait for the whole scan.

    Added `NOT VALID`, the constraint is enforced at once for new and updated rows, and the lock is brief because
    existing rows are not read. `ALTER TABLE … VALIDATE CONSTRAINT …` then checks the existing rows under a SHARE
    UPDATE EXCLUSIVE lock, which lets reads and writes continue. The validation must run in a later step: drizzle's
    transactional migrator runs all pending migrations in one transaction, and a `VALIDATE` in the same transaction
    would scan while the first lock is still held.

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
    -- applied in a later deploy than 0001
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

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
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

    @staticmethod
    def _referenced_table(op) -> str | None:
        constraint = op.constraint
        table_to = getattr(constraint, "table_to", None)
        if not table_to:
            return None
        return table_label(getattr(constraint, "schema_to", None) or op.schema, table_to)


def _validate_when(migrator: str) -> str:
    if migrator == "no-transaction":
        return "as a separate statement after it (each statement commits on its own under this migrator)"
    if migrator == "per-file":
        return "in a later migration file (each file runs in its own transaction)"
    return ("in a later migration applied by a later deploy (the migrator runs all pending migrations in one "
            "transaction, so in the same batch the validation would still run under the first lock)")
