"""Wording and context shared by the lock rules (``rules/locks``): how to name a table or an index in a message, what a
lock blocks, which table a ``DROP INDEX`` locks, and whether a ``CONCURRENTLY`` statement would run inside a
transaction block where PostgreSQL refuses it (25001).

The lock facts themselves come from ``analysis.locks``; this module only turns them into sentences and reads the
migration around an operation.
"""

from __future__ import annotations

from dataclasses import dataclass

from drizzle_lsp.analysis.locks import LockFact
from drizzle_lsp.model import DatabaseSchema, Migration, Operation, OpKind, Statement, Table
from drizzle_lsp.rules._support.identifiers import quoted, table_label
from drizzle_lsp.rules._support.statement_facts import per_statements, position_of
from drizzle_lsp.rules._support.transactions import transaction_map
from drizzle_lsp.rules.framework import Fix, MigrationContext, TextEdit

_TRANSACTIONAL_MIGRATORS = ("transaction", "per-file")
_ENDS_TRANSACTION = {"commit", "rollback", "commit_prepared", "rollback_prepared", "prepare"}


def op_table_label(op: Operation, dialect: str = "postgresql") -> str:
    return table_label(op.schema, op.table or "", dialect)


def a_lock(mode: str) -> str:
    """``an ACCESS EXCLUSIVE lock``, ``a SHARE lock``."""
    return f"{'an' if mode[:1] in 'AEIOU' else 'a'} {mode} lock"


def blocked_work(fact: LockFact) -> str:
    """What the lock keeps waiting, as the object of "blocks ..."."""
    if fact.blocks_reads:
        return "reads and writes"
    if fact.blocks_writes:
        return "writes"
    return "other schema changes and VACUUM"


def columns_sql(columns: list[str]) -> str:
    return ", ".join(quoted(c) for c in columns)


# --- DROP INDEX: the statement names the index, not its table -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexOwner:
    table: Table
    backs_constraint: str | None = None  # "unique constraint" | "primary key" when the index belongs to a constraint


def index_owner(state: DatabaseSchema | None, name: str, schema: str | None) -> IndexOwner | None:
    """The table holding the index ``name`` just before the operation (None when the replay does not know it).

    PostgreSQL names the index of a UNIQUE or PRIMARY KEY constraint after the constraint, so a constraint of that
    name means the index backs it."""
    if state is None:
        return None
    for table in state.tables.values():
        if schema and table.schema and table.schema != schema:
            continue
        if name in table.indexes:
            return IndexOwner(table)
        if name in table.unique_constraints:
            return IndexOwner(table, "unique constraint")
        if name in table.primary_keys:
            return IndexOwner(table, "primary key")
    return None


def created_earlier_in_migration(ctx: MigrationContext, table: Table) -> bool:
    """The table was created by a statement before ``ctx.statement`` in the same migration (so it is still empty)."""
    for statement in ctx.migration.statements:
        if statement is ctx.statement:
            return False
        for op in statement.operations:
            if (op.kind is OpKind.CREATE_TABLE and op.table == table.name
                    and (op.schema or "") in ((table.schema or ""), "")):
                return True
    return False


# --- CONCURRENTLY: where the statement runs decides whether the keyword works ---------------------------------------


def transaction_block_reason(ctx: MigrationContext) -> str | None:
    """Why a ``CONCURRENTLY`` form of ``ctx.statement`` would fail with 25001 where it runs, or None when it would run
    on its own (outside any transaction block). Where it runs is the transactions helper's call; this only words it."""
    if ctx.statement is None or not transaction_map(ctx).in_transaction_block(ctx.statement):
        return None
    if ctx.migrator in _TRANSACTIONAL_MIGRATORS and _transaction_open_at(ctx.migration, ctx.statement):
        if ctx.migrator == "transaction":
            return ("drizzle-kit migrate and drizzle-orm's migrate() run every pending migration in one transaction, "
                    "and CONCURRENTLY cannot run inside a transaction block (25001)")
        return "this project applies each migration file in a transaction, where CONCURRENTLY fails (25001)"
    return ("it shares a query with other statements (no `--> statement-breakpoint` between them), and PostgreSQL "
            "runs a multi-statement query as one transaction block, where CONCURRENTLY fails (25001)")


def _transaction_open_at(migration: Migration, statement: Statement) -> bool:
    """Whether the migrator's transaction is still open at ``statement``: an explicit COMMIT earlier in the file ends
    it (the statements after it autocommit) until a BEGIN opens another one."""
    statements = migration.statements
    return _open_before(statements)[position_of(statements, statement)]


def _open_before(statements: list[Statement]) -> list[bool]:
    """Whether the migrator's transaction is open before each statement, then after the last one: once per parse,
    not by walking the migration for every CREATE INDEX."""
    def compute() -> list[bool]:
        is_open = True
        states = []
        for earlier in statements:
            states.append(is_open)
            for op in earlier.operations:
                if op.kind is OpKind.TRANSACTION:
                    if op.transaction in _ENDS_TRANSACTION:
                        is_open = False
                    elif op.transaction == "begin":
                        is_open = True
        states.append(is_open)
        return states
    return per_statements(statements, "lock_rules: transaction open before", compute)


def concurrently_fix(ctx: MigrationContext, op: Operation, keyword_after: str) -> Fix | None:
    """Insert `` CONCURRENTLY`` after ``keyword_after`` (``CREATE INDEX`` / ``DROP INDEX``) at ``op.concurrently_at``.

    Safe when the statement runs outside a transaction block; unsafe otherwise, because the edited statement then
    fails on apply until it is moved to a step of its own."""
    if op.concurrently_at is None:
        return None
    blocked = transaction_block_reason(ctx)
    title = f"Add CONCURRENTLY after {keyword_after}"
    if blocked:
        title += " (then move the statement to a step that runs outside a transaction)"
    return Fix(title, [TextEdit.insert(op.range.path, op.concurrently_at, " CONCURRENTLY")],
               "unsafe" if blocked else "safe")
