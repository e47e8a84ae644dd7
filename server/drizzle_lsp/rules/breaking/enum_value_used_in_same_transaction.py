from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from drizzle_lsp.model import Operation, OpKind
from drizzle_lsp.rules._support.history import (
    column_uses_enum,
    enum_label,
    find_enum,
    find_table,
    sql_literal,
    table_label,
    type_is_enum,
    where,
)
from drizzle_lsp.rules._support.transactions import (
    TRANSACTION,
    StatementRef,
    TransactionMap,
    transaction_map,
)
from drizzle_lsp.rules.framework import MigrationContext, Rule, Violation

# Operations that name a value without using it as data (PostgreSQL allows them on an uncommitted value).
_NOT_A_USE = {OpKind.ADD_ENUM_VALUE, OpKind.RENAME_ENUM_VALUE, OpKind.CREATE_ENUM, OpKind.COMMENT,
              OpKind.TRANSACTION, OpKind.SET_PARAMETER}
# Operations on a table that use a literal as a value of the table's columns.
_TABLE_USES = {OpKind.SET_DEFAULT, OpKind.UPDATE, OpKind.INSERT, OpKind.DELETE, OpKind.ADD_CONSTRAINT,
               OpKind.CREATE_INDEX, OpKind.ALTER_COLUMN_TYPE, OpKind.ADD_COLUMN, OpKind.CREATE_TABLE,
               OpKind.CREATE_POLICY, OpKind.ALTER_POLICY}


class EnumValueUsedInSameTransaction(Rule):
    """A new enum value used before the transaction that added it commits.

    ## What it does
    Flags a statement that uses the value added by `ALTER TYPE … ADD VALUE 'x'` (as a default, in an `UPDATE` or
    `INSERT`, a `CHECK`, an index `WHERE`, a cast `'x'::"enum"` …) when it runs in the same transaction as the
    `ADD VALUE`. What "the same transaction" spans depends on the migrator: drizzle-kit migrate and drizzle-orm's
    `migrate()` (pg, postgres-js, neon-serverless, pglite) apply every pending migration in one transaction, so a
    use in any later migration counts when both are pending together; with a per-file migrator only the same file
    counts; neon-http runs each statement on its own, so only statements sent in one query count (a file generated
    with `breakpoints: false`, which PostgreSQL runs as one implicit transaction). An explicit `COMMIT;` between them
    ends the transaction.

    ## Why is this bad?
    PostgreSQL refuses to use an enum value before the transaction that added it has committed:
    `ERROR: unsafe use of new value "x" of enum type … (55P04)`. The migration fails and the whole transaction
    (every pending migration, with drizzle's migrator) rolls back. drizzle-kit emits exactly this when a value is
    added to a `pgEnum` and used as a column default in the same `generate`. (An enum created in the same
    transaction is exempt: its new values may be used at once.)

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TYPE "public"."status" AS ENUM('draft', 'published');--> statement-breakpoint
    CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "status" "status" DEFAULT 'draft' NOT NULL);
    -- 0001_add_review.sql
    ALTER TYPE "public"."status" ADD VALUE 'review' BEFORE 'published';--> statement-breakpoint
    ALTER TABLE "articles" ALTER COLUMN "status" SET DEFAULT 'review';
    ```

    Use instead:
    Add the value in one step and use it in a later one that runs in its own transaction (here, a
    migrator that commits each file, as `wrangler d1` or a per-file runner do; with drizzle's migrator, apply the
    migration that adds the value on its own first):
    ```toml
    migrator = "per-file"
    ```
    ```sql
    -- 0000_init.sql
    CREATE TYPE "public"."status" AS ENUM('draft', 'published');--> statement-breakpoint
    CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "status" "status" DEFAULT 'draft' NOT NULL);
    -- 0001_add_review.sql
    ALTER TYPE "public"."status" ADD VALUE 'review' BEFORE 'published';
    -- 0002_default_review.sql
    ALTER TABLE "articles" ALTER COLUMN "status" SET DEFAULT 'review';
    ```
    """

    name = "enum-value-used-in-same-transaction"
    group = "breaking"
    severity = "error"
    dialects = ("postgresql",)
    # Follows the transaction into later pending migrations (and their replayed states) under the
    # transaction migrator.
    reads = "project"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.ADD_ENUM_VALUE or not (op.type_name and op.new_value is not None):
            return
        if ctx.statement is None:
            return
        if self._type_created_in_transaction(ctx, op):
            return
        enum = find_enum(ctx.state_before, op.schema, op.type_name)
        if enum is not None and op.new_value in enum.values:
            return  # ADD VALUE IF NOT EXISTS of a value the enum already had: nothing new
        literal = _literal_pattern(op.new_value)
        needle = sql_literal(op.new_value)
        replay = getattr(ctx.project, "replay", None)
        tmap = transaction_map(ctx)
        own = tmap.ref(ctx.statement)
        dropped_at = _drops(tmap).get(((op.schema or "public"), op.type_name), [])
        # Dropped (and maybe recreated) later: from there on, statements use another type.
        stop = next((p for p in dropped_at if own is not None and p > own.position), None)
        for ref, operations in _later_statements(ctx, tmap, needle, stop):
            for later in operations:
                if later.kind in _NOT_A_USE or not literal.search(_strip_comments(later.raw)):
                    continue
                state = replay.state_before(later) if replay is not None else None
                if _uses_enum(later, state, op):
                    yield self._finding(ctx, op, ref, later)
                    break  # one finding per statement

    def _finding(self, ctx: MigrationContext, added: Operation, ref: StatementRef, use: Operation) -> Violation:
        value = sql_literal(added.new_value or "")
        label = enum_label(added.schema, added.type_name or "")
        origin = where(ctx.migration, added.range.start)
        span = "the same transaction" if ref.migration is ctx.migration else (
            "the same transaction when both migrations are pending (drizzle's migrator applies them all in one)"
        )
        what = f" on {table_label(use.schema, use.table)}" if use.table else ""
        message = (
            f"this statement{what} uses {value}, which {origin} adds to enum {label} in {span}: PostgreSQL rejects a "
            f"new enum value until the transaction that added it commits (55P04 unsafe use of new value), so the "
            f"statement fails and the whole transaction rolls back"
        )
        if ctx.migrator == TRANSACTION:
            steps = (
                "Add the value in one migration and use it in a later one, and apply them in separate "
                "`drizzle-kit migrate` runs (deploy the first alone): while both are pending, drizzle runs them in "
                "one transaction. A `COMMIT;--> statement-breakpoint` right after the ADD VALUE also works, but "
                "commits everything before it early."
            )
        else:
            steps = (
                "Move the statements that use the value to a later migration file, which runs in its own transaction."
            )
        use_range = ref.statement.range if len(ref.statement.operations) == 1 else use.range
        return self.violation(message, use_range, help=steps, related=[(added.range, f"{value} added to {label} here")])

    @staticmethod
    def _type_created_in_transaction(ctx: MigrationContext, op: Operation) -> bool:
        """PostgreSQL lets a transaction use the values of an enum it created itself. Only a CREATE TYPE earlier in the
        same file counts: an earlier migration has usually been applied long before."""
        for ref in transaction_map(ctx).earlier_in_transaction(ctx.statement):
            if ref.migration is not ctx.migration:
                continue
            for earlier in ref.operations():
                if (earlier.kind is OpKind.CREATE_ENUM and earlier.type_name == op.type_name
                        and _same_schema(earlier, op)):
                    return True
        return False


def _later_statements(ctx: MigrationContext, tmap: TransactionMap, needle: str,
                      stop: int | None) -> Iterator[tuple[StatementRef, list[Operation]]]:
    """The statements after ``ctx.op`` in its transaction (its own statement's remaining operations first), up to
    ``stop``, whose text holds ``needle``: a cheap test that skips the statements that never mention the value."""
    own = tmap.ref(ctx.statement)
    if own is not None and needle in own.statement.text:
        ops = list(own.operations())
        at = next((i for i, op in enumerate(ops) if op is ctx.op), len(ops))
        yield own, ops[at + 1:]
    for ref in tmap.later_in_transaction(ctx.statement):
        if stop is not None and ref.position >= stop:
            return
        if needle in ref.statement.text:
            yield ref, list(ref.operations())


# Where each enum is dropped, per transaction map: built once per project instead of once per ADD VALUE.
_DROPS: list[tuple[TransactionMap, dict[tuple[str, str], list[int]]]] = []


def _drops(tmap: TransactionMap) -> dict[tuple[str, str], list[int]]:
    for built, drops in _DROPS:
        if built is tmap:
            return drops
    drops: dict[tuple[str, str], list[int]] = {}
    for ref in tmap.refs:
        for op in ref.operations():
            if op.kind is OpKind.DROP_TYPE and op.type_name:
                drops.setdefault((op.schema or "public", op.type_name), []).append(ref.position)
    _DROPS.insert(0, (tmap, drops))
    del _DROPS[8:]
    return drops


def _same_schema(a: Operation, b: Operation) -> bool:
    return (a.schema or "public") == (b.schema or "public")


def _literal_pattern(value: str) -> re.Pattern[str]:
    """The value as a SQL string literal, unless it is cast to a text type right away (``'x'::text`` is no enum use)."""
    body = re.escape(value.replace("'", "''"))  # enum values are case-sensitive; only the cast's type name is not
    return re.compile(r"(?<!')'" + body + r"'(?!')(?!\s*::\s*(?i:text|varchar|character\s+varying|name)\b)")


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def _uses_enum(use: Operation, state, added: Operation) -> bool:
    """``use`` (whose text holds the literal) touches a column of the enum, or casts the literal to it."""
    name, schema = added.type_name or "", added.schema
    qualifier = r"(?:\"?" + re.escape(schema or "public") + r"\"?\s*\.\s*)?"
    cast = re.compile(r"::\s*" + qualifier + r"\"?" + re.escape(name) + r"\"?(?![\w$])")
    if cast.search(use.raw):
        return True
    if use.kind not in _TABLE_USES and use.kind is not OpKind.DO_BLOCK:
        return False
    if use.kind is OpKind.ADD_COLUMN and use.column_def is not None:
        return type_is_enum(use.column_def.type, use.column_def.type_schema, schema, name)
    if use.kind is OpKind.CREATE_TABLE and use.table_def is not None:
        return any(column_uses_enum(c, schema, name) for c in use.table_def.columns.values())
    if use.kind is OpKind.ALTER_COLUMN_TYPE and type_is_enum(use.new_type, use.type_name, schema, name):
        return True
    table = find_table(state, use.schema, use.table)
    if table is None:
        return False
    columns = [c for c in table.columns.values() if column_uses_enum(c, schema, name)]
    if use.kind is OpKind.SET_DEFAULT:
        return any(c.name == use.column for c in columns)
    return bool(columns)
