"""What applying a migration means, decided without a database: its hash, the queries it sends, and their
transactions; and, given the ledger's rows, which migrations are applied, pending, out of order or changed.

Queries copy drizzle-orm's migrator: it splits the file on ``--> statement-breakpoint`` and sends each chunk as one
query inside its transaction, so a chunk inside a transaction is sent verbatim. Where this runner leaves drizzle's
behaviour on purpose:

- a migration whose leading comments hold ``-- drizzle-lsp: no-transaction`` runs statement by statement, each
  committing on its own (``CREATE INDEX CONCURRENTLY`` cannot run in a transaction block, nor in a multi-statement
  query, which PostgreSQL runs as one implicit transaction);
- ``COMMIT;`` written for drizzle's migrator (to end its transaction before a concurrent statement) ends this
  migration's transaction too; the statements after it commit one by one until a ``BEGIN`` opens a new transaction.
  The transaction-control statements themselves are not sent: the runner opens and commits its transactions.

The hash is drizzle's: sha256 of the whole file text, hex.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from drizzle_lsp.analysis.migrator import NO_TRANSACTION_MARKER, has_no_transaction_marker
from drizzle_lsp.model import Migration, Operation, OpKind, Statement
from drizzle_lsp.sql.splitter import split_chunks

_BEGINS = {"begin", "start"}
_ENDS = {"commit"}
_UNSUPPORTED_CONTROL = {"rollback", "prepare", "commit_prepared", "rollback_prepared"}


def file_hash(text: str) -> str:
    """drizzle's hash: Node reads the file as UTF-8 and hashes that string, which is this for any valid UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class Query:
    """One query sent to PostgreSQL: a verbatim breakpoint chunk, or one statement."""

    text: str
    statements: list[Statement]  # the parsed statements it holds, for lines and lock facts
    transaction: int | None  # queries sharing a number run in one transaction; None: it commits on its own
    line: int  # 1-based line of its first statement
    end_line: int

    @property
    def operations(self) -> list[Operation]:
        ops: list[Operation] = []
        for statement in self.statements:
            for op in statement.operations:
                ops.append(op)
                ops.extend(op.inner)
        return ops

    @property
    def concurrent_ops(self) -> list[Operation]:
        """Operations that cannot run inside a transaction block."""
        return [op for op in self.operations if op.concurrently
                and op.kind in (OpKind.CREATE_INDEX, OpKind.DROP_INDEX, OpKind.TABLE_REWRITE)]


@dataclass(slots=True)
class MigrationPlan:
    migration: Migration
    hash: str
    queries: list[Query] = field(default_factory=list)
    no_transaction: bool = False  # the marker is present
    ledger_in_transaction: bool = True  # the ledger row is written in the last query's transaction
    problems: list[str] = field(default_factory=list)  # reasons it cannot run as written

    @property
    def tag(self) -> str:
        return self.migration.tag

    @property
    def single_transaction(self) -> bool:
        """The whole migration and its ledger row commit together (drizzle's per-migration behaviour)."""
        return self.ledger_in_transaction and all(q.transaction == 0 for q in self.queries)

    def prefix_hash(self, count: int) -> str:
        """Identifies the first ``count`` queries: a rerun may resume after them only if they are unchanged, while
        the rest of the file (usually the statement that failed) may have been edited."""
        digest = hashlib.sha256()
        for query in self.queries[:count]:
            digest.update(query.text.encode("utf-8") + b"\0")
        return digest.hexdigest()

    def units(self) -> list[list[int]]:
        """Indexes of the queries, grouped into what commits together: a transaction, or one autocommit query."""
        groups: list[list[int]] = []
        for i, query in enumerate(self.queries):
            if groups and query.transaction is not None and self.queries[groups[-1][0]].transaction == query.transaction:
                groups[-1].append(i)
            else:
                groups.append([i])
        return groups

    def describe_mode(self) -> str:
        if not self.queries:
            return "no statements"
        if self.single_transaction:
            return "one transaction"
        if self.no_transaction and all(q.transaction is None for q in self.queries):
            return "no transaction: statement by statement (-- drizzle-lsp: no-transaction)"
        transactions = len({q.transaction for q in self.queries if q.transaction is not None})
        alone = sum(1 for q in self.queries if q.transaction is None)
        return f"{transactions} transaction(s) and {alone} statement(s) committing on their own (explicit COMMIT/BEGIN)"


def plan_migration(migration: Migration) -> MigrationPlan:
    text = migration.text
    plan = MigrationPlan(migration, file_hash(text), no_transaction=has_no_transaction_marker(text))
    current: int | None = None if plan.no_transaction else 0
    next_transaction = 1
    for lo, hi in split_chunks(text):
        statements = [s for s in migration.statements if lo <= s.range.start < hi and _is_code(s)]
        if not statements:
            continue
        controls = [_control(s) for s in statements]
        if current is not None and not any(controls):
            plan.queries.append(_query(text, text[lo:hi], statements, current))
            continue
        for statement, control in zip(statements, controls):
            if control in _BEGINS:
                if current is None:
                    current, next_transaction = next_transaction, next_transaction + 1
            elif control in _ENDS:
                current = None
            elif control in _UNSUPPORTED_CONTROL:
                plan.problems.append(f"line {_line(text, statement.range.start)}: {statement.text.strip()[:40]} "
                                     "controls transactions in a way this runner does not replay; remove it")
            else:
                plan.queries.append(_query(text, statement.text, [statement], current))
    plan.ledger_in_transaction = current is not None and bool(plan.queries) and plan.queries[-1].transaction == current
    for query in plan.queries:
        if query.transaction is not None and query.concurrent_ops:
            plan.problems.append(
                f"line {query.line}: CONCURRENTLY cannot run inside a transaction (PostgreSQL error 25001); put "
                f"`{NO_TRANSACTION_MARKER}` on the first line of the migration so it runs statement by statement")
    return plan


def _is_code(statement: Statement) -> bool:
    return bool(statement.operations) and any(op.kind is not OpKind.COMMENT for op in statement.operations) \
        or (not statement.operations and bool(statement.text.strip()))


def _control(statement: Statement) -> str | None:
    ops = statement.operations
    if len(ops) == 1 and ops[0].kind is OpKind.TRANSACTION:
        kind = ops[0].transaction or "other"
        if kind in ("savepoint", "release", "rollback_to", "other"):
            return None  # valid inside the migration's transaction: sent as written
        return kind
    return None


def _query(text: str, sql: str, statements: list[Statement], transaction: int | None) -> Query:
    return Query(sql, statements, transaction, _line(text, statements[0].range.start),
                 _line(text, statements[-1].range.end))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# ---------------------------------------------------------------------------------------------------------------------
# The ledger compared with the migrations folder

@dataclass(frozen=True, slots=True)
class LedgerRow:
    id: int
    hash: str
    created_at: int | None
    name: str | None = None


@dataclass(slots=True)
class Status:
    applied: list[tuple[Migration, LedgerRow]] = field(default_factory=list)
    pending: list[Migration] = field(default_factory=list)  # in apply order, out-of-order ones included
    out_of_order: list[Migration] = field(default_factory=list)
    changed: list[tuple[Migration, LedgerRow, str]] = field(default_factory=list)  # (migration, row, current hash)
    unknown_rows: list[LedgerRow] = field(default_factory=list)  # applied, but in no local migration
    newest: tuple[Migration, LedgerRow] | None = None  # the applied migration with the largest created_at


def compare(migrations: list[Migration], rows: list[LedgerRow], hashes: dict[str, str]) -> Status:
    """Match rows to migrations per migration, never by "newer than the newest row" as drizzle does.

    A row belongs to a migration by name (v1 rows), else by created_at (== the journal's ``when``; the hash breaks
    ties between migrations generated in the same millisecond), else by hash (a journal whose ``when`` was edited).
    """
    status = Status()
    unmatched = list(rows)
    matched: dict[str, LedgerRow] = {}

    def take(migration: Migration, candidates: list[LedgerRow]) -> None:
        if not candidates:
            return
        same_hash = [r for r in candidates if r.hash == hashes[migration.tag]]
        row = (same_hash or candidates)[0]
        matched[migration.tag] = row
        unmatched.remove(row)

    for migration in migrations:
        take(migration, [r for r in unmatched if r.name is not None and r.name == migration.tag])
    for migration in migrations:
        if migration.tag not in matched and migration.when is not None:
            take(migration, [r for r in unmatched if r.name is None and r.created_at == migration.when])
    for migration in migrations:
        if migration.tag not in matched:
            take(migration, [r for r in unmatched if r.name is None and r.hash == hashes[migration.tag]])
    status.unknown_rows = sorted(unmatched, key=lambda r: r.id)

    newest_at = max((r.created_at for r in rows if r.created_at is not None), default=None)
    for migration in migrations:
        row = matched.get(migration.tag)
        if row is None:
            status.pending.append(migration)
            if newest_at is not None and (migration.when or 0) < newest_at:
                status.out_of_order.append(migration)
            continue
        status.applied.append((migration, row))
        if row.hash != hashes[migration.tag]:
            status.changed.append((migration, row, hashes[migration.tag]))
        if row.created_at is not None and (status.newest is None or row.created_at > (status.newest[1].created_at or 0)):
            status.newest = (migration, row)
    return status
