"""What every split recipe works with: the plan being built (statements sorted into phases, names taken, notes and
warnings) and one operation with the schema just before it.

Phases are listed in the order they run. ``recipes._steps`` merges them into as few steps as the locks allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drizzle_lsp.fixes.split import _sql
from drizzle_lsp.model import DatabaseSchema, Migration, Operation, Statement, Table
from drizzle_lsp.rules._support.identifiers import quoted, table_label

# ORIGINAL: what the migration file keeps (short locks only). BACKFILL: batched data changes, repeated until they
# change no row. CONCURRENT: CREATE/DROP INDEX CONCURRENTLY, outside any transaction; after the backfill so a unique
# index is built on the final data, once. ENFORCE: NOT VALID constraints that must follow the backfill (an earlier
# CHECK (c IS NOT NULL) would make every update of a row not yet backfilled fail). VALIDATE then FINALIZE (held in
# ``Plan.finalize``, by table): every scan under SHARE UPDATE EXCLUSIVE runs before the first ACCESS EXCLUSIVE.
# DATA: data changes that cannot be batched, moved as written out of the schema change's transaction.
ORIGINAL, DATA, BACKFILL, CONCURRENT, ENFORCE, VALIDATE, FINALIZE = range(7)
PHASES = (ORIGINAL, DATA, BACKFILL, CONCURRENT, ENFORCE, VALIDATE, FINALIZE)

# One note for every VALIDATE in the step, whichever recipe added it: the step's comment says it once.
VALIDATE_NOTE = ("VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE (a foreign key also takes ROW SHARE "
                 "on the table it references): reads and writes continue. It fails if an existing row breaks the "
                 "constraint: fix those rows, then run the step again.")


@dataclass(slots=True)
class Plan:
    migration: Migration
    version: int
    phases: dict[int, list[str]] = field(default_factory=lambda: {phase: [] for phase in PHASES})
    notes: dict[int, list[str]] = field(default_factory=lambda: {phase: [] for phase in PHASES})
    addresses: list[tuple[str, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    relation_names: dict[str, set[str]] = field(default_factory=dict)  # schema -> names taken (indexes, tables)
    constraint_names: dict[str, set[str]] = field(default_factory=dict)  # "schema.table" -> names taken
    backfilled: set[str] = field(default_factory=set)  # "schema.table" of tables with a moved backfill
    # FINALIZE statements by table: each table's brief ACCESS EXCLUSIVE statements get a transaction of their own, so
    # no transaction holds two existing tables exclusively (two migrations locking them in another order deadlock)
    finalize: dict[str, list[str]] = field(default_factory=dict)
    enforce_keys: list[str] = field(default_factory=list)  # the table of each ENFORCE statement, for the same reason

    def add(self, phase: int, *statements: str) -> None:
        self.phases[phase].extend(statements)

    def finish(self, key: str, *statements: str) -> None:
        self.finalize.setdefault(key, []).extend(statements)

    def note(self, phase: int, text: str) -> None:
        if text not in self.notes[phase]:
            self.notes[phase].append(text)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def where(self, statement: Statement) -> str:
        line = self.migration.text.count("\n", 0, statement.range.start) + 1
        return f"the statement on line {line} of {self.migration.tag}"


@dataclass(slots=True)
class Item:
    """One operation with what its recipe needs: the schema just before it, at the start and after the migration."""

    plan: Plan
    statement: Statement
    op: Operation
    state: DatabaseSchema | None
    final: DatabaseSchema | None
    start: DatabaseSchema | None
    # What a recipe's dry run worked out for the operation, for its real run (which reads the same schema)
    known: dict = field(default_factory=dict)

    @property
    def table(self) -> Table | None:
        return self._table_in(self.state)

    @property
    def key(self) -> str:
        return table_key(self.op.schema, self.op.table or "")

    @property
    def label(self) -> str:
        return table_label(self.op.schema, self.op.table or "")

    @property
    def text(self) -> str:
        return self.plan.migration.text[self.statement.range.start:self.statement.range.end]

    def source(self, range_) -> str:
        return self.plan.migration.text[range_.start:range_.end]

    def alter(self, action: str) -> str:
        return _sql.alter(self.op.schema, self.op.table or "", action)

    def constraint_name(self, base: str, suffix: str) -> str:
        taken = self.plan.constraint_names.get(self.key)
        if taken is None:  # the names in use are gathered once per table, not for every name asked
            taken = self.plan.constraint_names[self.key] = _sql.constraint_names(
                [self.table, self._table_in(self.start)], later=self._table_in(self.final))
        return _sql.fitted_name(base, suffix, taken)

    def index_name(self, base: str, suffix: str) -> str:
        schema = self.op.schema or "public"
        taken = self.plan.relation_names.get(schema)
        if taken is None:
            taken = self.plan.relation_names[schema] = _sql.relation_names([self.state, self.final, self.start], schema)
        return _sql.fitted_name(base, suffix, taken)

    def existed_at_start(self, table: str | None = None, schema: str | None = None) -> bool:
        return self.start is not None and self.start.table(table or self.op.table or "", schema or self.op.schema) \
            is not None

    def _table_in(self, state: DatabaseSchema | None) -> Table | None:
        return state.table(self.op.table or "", self.op.schema) if state and self.op.table else None


def table_key(schema: str | None, table: str) -> str:
    return f"{schema or 'public'}.{table}".lower()


def enforce_not_null(item: Item, column: str, *, after_backfill: bool) -> str:
    """NOT NULL on an existing column without a scan under ACCESS EXCLUSIVE; returns the check's name.

    ``CHECK (c IS NOT NULL) NOT VALID`` (brief lock, no scan), its VALIDATE in a later step (SHARE UPDATE EXCLUSIVE:
    reads and writes go on), then SET NOT NULL, which PostgreSQL 12+ proves from the validated check without reading
    a row, and the check is dropped. PostgreSQL 18's ``ADD CONSTRAINT … NOT NULL c NOT VALID`` does the same in fewer
    statements (measured: VALIDATE under SHARE UPDATE EXCLUSIVE), but drizzle-lsp's own SQL reader takes it for a
    plain SET NOT NULL, so re-checking the split migration would report the scan the split removed; the check form
    works on every version from 12 and leaves the same NOT NULL behind."""
    plan = item.plan
    table = item.op.table or ""
    phase = ENFORCE if after_backfill else ORIGINAL
    if plan.version < 12:
        plan.warn(f"PostgreSQL {plan.version} does not use a validated CHECK to prove NOT NULL: SET NOT NULL on "
                  f"{item.label}.{quoted(column)} still reads the whole table under ACCESS EXCLUSIVE (12 and later "
                  f"do not). Keep the validated check instead of SET NOT NULL if that scan is too long.")
    name = item.constraint_name(f"{table}_{column}", "_not_null_check")
    plan.add(phase, item.alter(f"ADD CONSTRAINT {quoted(name)} CHECK ({quoted(column)} IS NOT NULL) NOT VALID"))
    if phase == ENFORCE:
        plan.enforce_keys.append(item.key)
    plan.add(VALIDATE, item.alter(f"VALIDATE CONSTRAINT {quoted(name)}"))
    plan.finish(item.key, item.alter(f"ALTER COLUMN {quoted(column)} SET NOT NULL"),
                item.alter(f"DROP CONSTRAINT {quoted(name)}"))
    plan.note(VALIDATE, VALIDATE_NOTE)
    plan.note(FINALIZE, "SET NOT NULL reads no row here: the validated CHECK (… IS NOT NULL) already proves it "
                        "(PostgreSQL 12+), so its ACCESS EXCLUSIVE lock is brief; the check is then dropped.")
    return name
