"""Which statements run in the same transaction, given how the project's migrator applies migrations.

Several rules need this: a new enum value cannot be used before its transaction commits (55P04), a lock taken early is
held until the transaction ends, ``CONCURRENTLY`` cannot run inside one. What a transaction spans depends on the
migrator mode (``analysis.migrator``):

- ``transaction``: drizzle-kit migrate and drizzle-orm's ``migrate()`` open one transaction and run every pending
  migration in it. Which migrations are pending is only known at deploy time, so every later migration counts as
  possibly in the same batch; and every migration may be the first pending one, so each file starts inside the
  migrator's transaction even when an earlier file ended it with an explicit ``COMMIT``;
- ``per-file``: each migration file in its own transaction (wrangler d1, a per-file runner); a file whose leading
  comments hold ``-- drizzle-lsp: no-transaction`` runs statement by statement, as ``drizzle-lsp migrate`` runs it;
- ``no-transaction``: neon-http sends each statement on its own, so each statement commits by itself.

Explicit transaction control in a migration is honoured the way PostgreSQL sees it: ``COMMIT`` (or ``END``,
``ROLLBACK``) ends the migrator's transaction, the statements after it autocommit one by one until a ``BEGIN`` opens
a new transaction; a ``BEGIN`` inside an open transaction changes nothing (PostgreSQL only warns).

drizzle sends each breakpoint chunk as one query. When a chunk holds several statements and no transaction is open,
PostgreSQL runs that query as one implicit transaction block (measured: ``COMMIT; CREATE INDEX CONCURRENTLY …`` in
one chunk still fails with 25001), so those statements share a transaction too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from drizzle_lsp.analysis.migrator import has_no_transaction_marker
from drizzle_lsp.model import Migration, Operation, OpKind, Statement
from drizzle_lsp.rules._support.statement_facts import per_statements
from drizzle_lsp.sql.splitter import split_chunks

TRANSACTION = "transaction"
PER_FILE = "per-file"
# Leads a migration step written by the split fix for drizzle's transactional migrator: the COMMIT (and BEGIN) at its
# head are the step boundary the fix's title explained, not a statement to report.
SPLIT_STEP_MARKER = "-- drizzle-lsp: split step"
NO_TRANSACTION = "no-transaction"

# Who opened the transaction block a statement runs in ("" when it runs on its own).
MIGRATOR = "migrator"
EXPLICIT = "explicit"
IMPLICIT = "implicit"

_ENDS = {"commit", "rollback", "commit_prepared", "rollback_prepared", "prepare"}
_BEGINS = {"begin"}


@dataclass(frozen=True, slots=True)
class StatementRef:
    """A statement and where it sits: its migration, its position in apply order, and its transaction."""

    migration: Migration
    statement: Statement
    position: int  # over all migrations, in apply order
    transaction: int  # statements sharing this number run in one transaction
    in_block: bool = True  # inside a transaction block (False: it commits on its own, so CONCURRENTLY may run)
    file: int = 0  # index of its migration in apply order, to tell how many files apart two statements are
    block: str = MIGRATOR  # who opened the block: MIGRATOR, EXPLICIT (a BEGIN), IMPLICIT (a multi-statement query)

    def operations(self) -> Iterator[Operation]:
        """The statement's operations, with those found inside a DO block after the block itself."""
        for op in self.statement.operations:
            yield op
            yield from op.inner


class TransactionMap:
    """Assigns every statement of a project's migrations to a transaction, once, for all the rules that ask."""

    def __init__(self, migrations: Sequence[Migration], migrator: str) -> None:
        self.migrator = migrator
        self.migrations = [m for m in migrations if not m.missing]
        self._statement_lists = [m.statements for m in self.migrations]  # held, so their ids stay unique
        self.refs: list[StatementRef] = []
        self._by_statement: dict[int, StatementRef] = {}
        self._by_transaction: dict[int, list[StatementRef]] = {}
        # Position of the first ref of each migration (by its index in ``migrations``), then the number of refs: the
        # refs of migration ``f`` are ``refs[file_starts[f]:file_starts[f + 1]]``.
        self.file_starts: list[int] = []
        self._assign()

    def _assign(self) -> None:
        next_id = 0
        current: int | None = None  # the open transaction, None while statements autocommit

        def fresh() -> int:
            nonlocal next_id
            next_id += 1
            return next_id - 1

        opener = ""
        for file, migration in enumerate(self.migrations):
            self.file_starts.append(len(self.refs))
            if self.migrator == PER_FILE or (self.migrator == TRANSACTION and current is None):
                # In transaction mode this file may be the first pending one, so the migrator's transaction is open at
                # its start even when an earlier file committed explicitly.
                current, opener = fresh(), MIGRATOR
            chunks, shared, controls = _statement_facts(migration)
            implicit: dict[int, int] = {}  # chunk -> the implicit transaction of its multi-statement query
            # A per-file runner that honours the marker (drizzle-lsp migrate) sends such a file statement by statement.
            statement_by_statement = self.migrator == NO_TRANSACTION or (
                self.migrator == PER_FILE and has_no_transaction_marker(migration.text))
            for statement, chunk, control in zip(migration.statements, chunks, controls):
                if statement_by_statement:
                    # Every request stands alone: even an explicit BEGIN does not outlive it; a chunk holding several
                    # statements is one request, run as one implicit transaction.
                    if chunk in shared:
                        self._add(migration, statement, implicit.setdefault(chunk, fresh()), IMPLICIT, file)
                    else:
                        self._add(migration, statement, fresh(), "", file)
                    continue
                if current is None and chunk in shared:
                    group = implicit.setdefault(chunk, fresh())
                    if control in _BEGINS:
                        current, opener = group, EXPLICIT  # BEGIN turns the implicit block into an explicit one
                    self._add(migration, statement, group, IMPLICIT if current is None else EXPLICIT, file)
                elif current is None and control in _BEGINS:
                    current, opener = fresh(), EXPLICIT
                    self._add(migration, statement, current, EXPLICIT, file)
                elif current is None:
                    self._add(migration, statement, fresh(), "", file)
                else:
                    self._add(migration, statement, current, opener, file)
                if control in _ENDS:
                    current = None
        self.file_starts.append(len(self.refs))

    def _add(self, migration: Migration, statement: Statement, transaction: int, block: str, file: int) -> None:
        ref = StatementRef(migration, statement, len(self.refs), transaction, bool(block), file, block)
        self.refs.append(ref)
        self._by_statement[id(statement)] = ref
        self._by_transaction.setdefault(transaction, []).append(ref)

    def file_refs(self, file: int) -> list[StatementRef]:
        """The refs of the migration at index ``file`` (none outside the map)."""
        if file < 0 or file >= len(self.migrations):
            return []
        return self.refs[self.file_starts[file]:self.file_starts[file + 1]]

    def built_from(self, migrations: Sequence[Migration]) -> bool:
        return len(migrations) == len(self.migrations) and all(
            m is mine and m.statements is statements
            for m, mine, statements in zip(migrations, self.migrations, self._statement_lists)
        )

    def ref(self, statement: Statement) -> StatementRef | None:
        return self._by_statement.get(id(statement))

    def same_transaction(self, statement: Statement) -> list[StatementRef]:
        """Every statement in ``statement``'s transaction, itself included, in apply order."""
        ref = self.ref(statement)
        return list(self._by_transaction.get(ref.transaction, [])) if ref else []

    def later_in_transaction(self, statement: Statement) -> list[StatementRef]:
        """The statements after ``statement`` that run before its transaction commits."""
        ref = self.ref(statement)
        if ref is None:
            return []
        return [r for r in self._by_transaction.get(ref.transaction, []) if r.position > ref.position]

    def earlier_in_transaction(self, statement: Statement) -> list[StatementRef]:
        """The statements before ``statement`` in its transaction (their locks are still held when it runs)."""
        ref = self.ref(statement)
        if ref is None:
            return []
        return [r for r in self._by_transaction.get(ref.transaction, []) if r.position < ref.position]

    def in_transaction_block(self, statement: Statement) -> bool:
        """Whether ``statement`` runs inside a transaction block (the migrator's, an explicit one, or the implicit one
        of a multi-statement query), where ``CONCURRENTLY`` and ``VACUUM`` fail with 25001."""
        ref = self.ref(statement)
        return ref.in_block if ref is not None else self.migrator != NO_TRANSACTION

    def in_same_transaction(self, first: Statement, second: Statement) -> bool:
        a, b = self.ref(first), self.ref(second)
        return a is not None and b is not None and a.transaction == b.transaction


def _statement_facts(migration: Migration) -> tuple[list[int], set[int], list[str | None]]:
    """(the breakpoint chunk of each statement, the chunks shared by several statements, the transaction control of
    each statement), once per parse of the migration: a keystroke in one migration builds a new map, and the
    migrations before it keep theirs."""
    text = migration.text

    def compute() -> tuple[str, list[int], set[int], list[str | None]]:
        chunk_of, shared = _chunks(migration)
        return (text, [chunk_of(s) for s in migration.statements], shared,
                [_transaction_control(s) for s in migration.statements])

    known = per_statements(migration.statements, "transactions: chunks", compute)
    if known[0] != text:  # the same statements under another text: never from a parse, but then nothing is reused
        known = compute()
    return known[1], known[2], known[3]


def _chunks(migration: Migration):
    """(statement -> its breakpoint chunk number, the chunks holding more than one statement that does something)."""
    starts = [start for start, _ in split_chunks(migration.text)]

    def chunk_of(statement: Statement) -> int:
        offset = statement.range.start
        low, high = 0, len(starts) - 1
        while low < high:  # the last chunk starting at or before the statement
            middle = (low + high + 1) // 2
            if starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low

    counts: dict[int, int] = {}
    for statement in migration.statements:
        if statement.error is not None or any(op.kind is not OpKind.COMMENT for op in statement.operations):
            chunk = chunk_of(statement)
            counts[chunk] = counts.get(chunk, 0) + 1
    return chunk_of, {chunk for chunk, count in counts.items() if count > 1}


def split_step_boundary(migration: Migration) -> set[int]:
    """Indexes of the statements that form a split step's boundary: the COMMIT/BEGIN at the head of a migration whose
    leading comments carry ``SPLIT_STEP_MARKER``."""
    text = migration.text
    head = text[:migration.statements[0].range.start] if migration.statements else text
    first_lines = [line.strip() for line in text.splitlines()[:40]]
    if SPLIT_STEP_MARKER not in head and SPLIT_STEP_MARKER not in first_lines:
        return set()
    boundary: set[int] = set()
    for statement in migration.statements:
        control = _transaction_control(statement)
        if control in ("commit", "begin") and len(statement.operations) == 1:
            boundary.add(statement.index)
            continue
        if all(op.kind is OpKind.COMMENT for op in statement.operations) and statement.error is None:
            continue
        break
    return boundary


def _transaction_control(statement: Statement) -> str | None:
    for op in statement.operations:
        if op.kind is OpKind.TRANSACTION:
            return op.transaction
    return None


# The last few maps built. A cached map is reused only while it was built from the very same migration and statement
# list objects, so a re-parsed migration (the language server replaces its statements) gets a fresh map.
_CACHE: list[TransactionMap] = []
_CACHE_SIZE = 8


def transaction_map(ctx) -> TransactionMap:
    """The map for the project of a ``MigrationContext`` (or any object with ``project``, ``migration``, ``migrator``).

    Without a migrations folder (a single migration checked on its own) the map covers that migration only."""
    project = getattr(getattr(ctx, "project", None), "project", None)
    folder = getattr(project, "migrations", None)
    migrations = [m for m in folder.migrations if not m.missing] if folder is not None else []
    if not any(m is ctx.migration for m in migrations):
        migrations = [ctx.migration]
    for built in _CACHE:
        if built.migrator == ctx.migrator and built.built_from(migrations):
            return built
    built = TransactionMap(migrations, ctx.migrator)
    _CACHE.insert(0, built)
    del _CACHE[_CACHE_SIZE:]
    return built


def operations_later_in_transaction(ctx) -> Iterator[tuple[StatementRef, Operation]]:
    """Every operation that runs after ``ctx.op`` and before its transaction commits: the rest of ``ctx.op``'s own
    statement (an ALTER TABLE with several sub-commands, a DO block), then the later statements."""
    tmap = transaction_map(ctx)
    if ctx.statement is None:
        return
    own = tmap.ref(ctx.statement)
    if own is not None and ctx.op is not None:
        seen = False
        for op in own.operations():
            if seen:
                yield own, op
            elif op is ctx.op:
                seen = True
    for ref in tmap.later_in_transaction(ctx.statement):
        for op in ref.operations():
            yield ref, op


__all__ = [
    "SPLIT_STEP_MARKER", "split_step_boundary",
    "EXPLICIT", "IMPLICIT", "MIGRATOR", "NO_TRANSACTION", "PER_FILE", "TRANSACTION", "StatementRef", "TransactionMap",
    "operations_later_in_transaction", "transaction_map",
]
