"""The split recipes: a risky migration rewritten as ordered steps that never hold a read- or write-blocking lock on an
existing table while it is scanned or rewritten (``domain/postgres.md``, "Safe recipes").

``plan_split`` walks the migration statement by statement. A statement no recipe applies to stays in step 0 in its
original order. A risky statement on a table that existed before the migration is replaced by the statements of its
recipe, each put into a *phase*; phases are merged into as few steps as possible:

=========  ==============================================================  ==================================
step       phases it holds                                                 why it is separate
=========  ==============================================================  ==================================
original   harmless statements; ADD COLUMN nullable; SET DEFAULT;          short locks only
           ADD … NOT VALID; expand columns
concurrent CREATE/DROP INDEX CONCURRENTLY                                  cannot run in a transaction (25001)
backfill   batched UPDATEs, repeated until they change no row              row locks held per batch only
enforce    CHECK (c IS NOT NULL) NOT VALID after a backfill                must follow the backfill, and commit
                                                                           before its VALIDATE
validate   VALIDATE CONSTRAINT …, then SET NOT NULL / USING INDEX / swap   the ADD's lock must be released
=========  ==============================================================  ==================================

Inside the last step every VALIDATE comes before the first statement that takes ACCESS EXCLUSIVE, so no scan runs while
such a lock is held (locks last until commit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.fixes.split import _sql
from drizzle_lsp.fixes.split.plan import SplitPlan, SplitStep
from drizzle_lsp.model import ConstraintType, DatabaseSchema, Migration, Operation, OpKind, Statement, Table
from drizzle_lsp.rules._support.identifiers import quoted, table_label

ORIGINAL, CONCURRENT, BACKFILL, ENFORCE, VALIDATE, FINALIZE = range(6)

@dataclass(slots=True)
class _Plan:
    migration: Migration
    version: int
    phases: dict[int, list[str]] = field(default_factory=lambda: {phase: [] for phase in range(6)})
    notes: dict[int, list[str]] = field(default_factory=lambda: {phase: [] for phase in range(6)})
    addresses: list[tuple[str, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    relation_names: dict[str, set[str]] = field(default_factory=dict)  # schema -> names taken (indexes, tables)
    constraint_names: dict[str, set[str]] = field(default_factory=dict)  # table key -> names taken
    recipes_applied: int = 0

    def add(self, phase: int, *statements: str) -> None:
        self.phases[phase].extend(statements)

    def note(self, phase: int, text: str) -> None:
        if text not in self.notes[phase]:
            self.notes[phase].append(text)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


@dataclass(slots=True)
class _Op:
    """One operation with what its recipe needs: the schema just before it and the table it changes."""

    plan: _Plan
    statement: Statement
    op: Operation
    state: DatabaseSchema | None
    final: DatabaseSchema | None
    start: DatabaseSchema | None

    @property
    def table(self) -> Table | None:
        return self.state.table(self.op.table or "", self.op.schema) if self.state and self.op.table else None

    @property
    def label(self) -> str:
        return table_label(self.op.schema, self.op.table or "")

    @property
    def text(self) -> str:
        return self.plan.migration.text[self.statement.range.start:self.statement.range.end]

    def alter(self, action: str) -> str:
        return _sql.alter(self.op.schema, self.op.table or "", action)

    def constraint_name(self, base: str, suffix: str) -> str:
        key = f"{self.op.schema or 'public'}.{self.op.table}"
        taken = self.plan.constraint_names.setdefault(key, _sql.constraint_names(
            [self.table, self._table_in(self.start)], later=self._table_in(self.final)))
        return _sql.fitted_name(base, suffix, taken)

    def index_name(self, base: str, suffix: str) -> str:
        schema = self.op.schema or "public"
        taken = self.plan.relation_names.setdefault(schema, _sql.relation_names(
            [self.state, self.final, self.start], schema))
        return _sql.fitted_name(base, suffix, taken)

    def _table_in(self, state: DatabaseSchema | None) -> Table | None:
        return state.table(self.op.table or "", self.op.schema) if state and self.op.table else None


def plan_split(project, migration: Migration, *, postgres_version: int = 16) -> SplitPlan | None:
    """The migration as ordered safe steps, or None when no statement in it needs splitting."""
    if migration.dialect != "postgresql" or migration.missing:
        return None
    replay = getattr(project, "replay", None)
    final = replay.after.get(migration.tag) if replay is not None else None
    start = _state_at_start(project, replay, migration)
    plan = _Plan(migration, postgres_version)
    suppressed = _suppressions(migration)
    kept_after: list[Statement] = []
    for statement in migration.statements:
        lead = _leading_comments(migration, statement)
        handled = False
        if statement.error is None and len(statement.operations) == 1:
            op = statement.operations[0]
            context = replay.context(op) if replay is not None else None
            existed = context is not None and not context.table_is_new
            if existed or (context is None and op.kind is OpKind.DROP_INDEX):
                item = _Op(plan, statement, op, context.state_before if context else None, final, start)
                recipe = _RECIPES.get(op.kind)
                rule = recipe(item, dry_run=True) if recipe is not None else None
                if rule is not None and not _is_suppressed(suppressed, rule, statement):
                    if not _moves_safely(migration, statement, op):
                        plan.warn(f"{_where(migration, statement)} was left as written: a later statement in the same "
                                  f"migration renames or drops what it works on, so it cannot be moved to a later step")
                    else:
                        sizes = {phase: len(statements) for phase, statements in plan.phases.items()}
                        recipe(item, dry_run=False)
                        _attach_comments(plan, sizes, lead)
                        plan.addresses.append((rule, statement.index))
                        plan.recipes_applied += 1
                        handled = True
        elif statement.error is None and len(statement.operations) > 1 and _any_risky(replay, statement):
            plan.warn(f"{_where(migration, statement)} holds several sub-commands; split it into one ALTER TABLE per "
                      f"sub-command to have its risky parts rewritten")
        if not handled:
            plan.add(ORIGINAL, (lead + statement.text) if lead else statement.text)
            kept_after.append(statement)
    if not plan.recipes_applied:
        return None
    _index_new_foreign_keys(project, plan, replay, final)
    return SplitPlan(migration=migration, steps=_steps(plan), addresses=tuple(plan.addresses),
                     warnings=tuple(plan.warnings))


# --- steps --------------------------------------------------------------------------------------------------------


def _steps(plan: _Plan) -> tuple[SplitStep, ...]:
    steps = [SplitStep(tuple(plan.phases[ORIGINAL]), "original", "The original migration, with the risky statements "
                       "replaced by their first, brief step", notes=tuple(plan.notes[ORIGINAL]))]
    if plan.phases[CONCURRENT]:
        steps.append(SplitStep(tuple(plan.phases[CONCURRENT]), "concurrent_index",
                               "Build and drop indexes concurrently, without blocking writes", no_transaction=True,
                               notes=tuple(plan.notes[CONCURRENT] + [
                                   "CONCURRENTLY cannot run inside a transaction block: run this step on its own.",
                                   "If a concurrent build fails it leaves an INVALID index behind: drop it with "
                                   "DROP INDEX CONCURRENTLY IF EXISTS and run the step again (IF NOT EXISTS would "
                                   "otherwise keep the invalid index)."])))
    if plan.phases[BACKFILL]:
        steps.append(SplitStep(tuple(plan.phases[BACKFILL]), "backfill", "Backfill existing rows in batches",
                               backfill=True, notes=tuple(plan.notes[BACKFILL] + [
                                   f"Each UPDATE changes at most {_sql.BATCH_SIZE} rows: repeat it until it updates "
                                   f"0 rows, outside any long transaction."])))
    if plan.phases[ENFORCE]:
        steps.append(SplitStep(tuple(plan.phases[ENFORCE]), "not_null_check",
                               "Refuse new NULLs (existing rows are checked in the next step)",
                               notes=tuple(plan.notes[ENFORCE])))
    if plan.phases[VALIDATE] or plan.phases[FINALIZE]:
        slug = "validate" if plan.phases[VALIDATE] else "attach"
        title = ("Validate the constraints without blocking writes, then apply what they prove"
                 if plan.phases[VALIDATE] else "Attach the concurrently built indexes")
        steps.append(SplitStep(tuple(plan.phases[VALIDATE] + plan.phases[FINALIZE]), slug, title,
                               notes=tuple(plan.notes[VALIDATE] + plan.notes[FINALIZE])))
    return tuple(steps)


# --- recipes: each returns the rule it answers (dry run), or None when it does not apply --------------------------


def _constraint(item: _Op, *, dry_run: bool) -> str | None:
    op = item.op
    kind = op.constraint_type
    if kind in (ConstraintType.FOREIGN_KEY, ConstraintType.CHECK):
        return _not_valid_then_validate(item, dry_run=dry_run)
    if kind in (ConstraintType.UNIQUE, ConstraintType.PRIMARY_KEY) and not op.using_index:
        return _unique_through_index(item, dry_run=dry_run)
    return None


def _not_valid_then_validate(item: _Op, *, dry_run: bool) -> str | None:
    op = item.op
    constraint = op.constraint
    if op.not_valid or constraint is None or getattr(constraint, "range", None) is None or not op.constraint_name:
        return None
    if dry_run:
        return "constraint-missing-not-valid"
    end = constraint.range.end
    inserts = [(end, " NOT VALID")]
    start = constraint.range.start
    written = item.plan.migration.text[start:start + len("CONSTRAINT")]
    if written.upper() != "CONSTRAINT":
        # An unnamed constraint gets a name, so that the later step can validate it by name.
        inserts.append((start, f"CONSTRAINT {quoted(op.constraint_name)} "))
    item.plan.add(ORIGINAL, _sql.splice(item.text, item.statement.range.start, inserts))
    item.plan.add(VALIDATE, item.alter(f"VALIDATE CONSTRAINT {quoted(op.constraint_name)}"))
    item.plan.note(VALIDATE, "VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE: reads and writes "
                             "continue. It fails if an existing row breaks the constraint: fix those rows, then run "
                             "the step again.")
    return None


def _unique_through_index(item: _Op, *, dry_run: bool) -> str | None:
    op = item.op
    columns = list(getattr(op.constraint, "columns", []) or [])
    if not columns or not op.constraint_name:
        return None
    if _referenced_by_new_foreign_key(item, columns):
        # A foreign key added later in this migration needs the unique constraint at once; delaying it would make
        # that statement fail, so this one stays as written.
        return None
    if dry_run:
        return "unique-constraint-builds-index"
    kind = "PRIMARY KEY" if op.constraint_type is ConstraintType.PRIMARY_KEY else "UNIQUE"
    name = op.constraint_name
    nulls = " NULLS NOT DISTINCT" if getattr(op.constraint, "nulls_not_distinct", False) else ""
    column_list = ", ".join(quoted(c) for c in columns)
    item.plan.add(CONCURRENT, f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {quoted(name)} ON {item.label} "
                              f"({column_list}){nulls};")
    if kind == "PRIMARY KEY":
        table = item.table
        for column in columns:
            existing = table.columns.get(column) if table else None
            if existing is not None and not existing.not_null:
                # USING INDEX would set NOT NULL itself, scanning the table under ACCESS EXCLUSIVE.
                _enforce_not_null(item, column, after_backfill=False)
    item.plan.add(FINALIZE, item.alter(f"ADD CONSTRAINT {quoted(name)} {kind} USING INDEX {quoted(name)}"))
    item.plan.note(FINALIZE, f"ADD CONSTRAINT … {kind} USING INDEX attaches the index built concurrently: a brief "
                             f"ACCESS EXCLUSIVE lock, no scan.")
    return None


def _referenced_by_new_foreign_key(item: _Op, columns: list[str]) -> bool:
    migration = item.plan.migration
    for statement in migration.statements:
        if statement.index <= item.statement.index:
            continue
        for op in statement.operations:
            fk = op.constraint if op.constraint_type is ConstraintType.FOREIGN_KEY else None
            if fk is not None and getattr(fk, "table_to", None) == item.op.table and \
                    sorted(getattr(fk, "columns_to", [])) == sorted(columns):
                return True
            table_def = op.table_def
            for foreign in (table_def.foreign_keys.values() if table_def is not None else []):
                if foreign.table_to == item.op.table and sorted(foreign.columns_to) == sorted(columns):
                    return True
    return False


def _set_not_null(item: _Op, *, dry_run: bool) -> str | None:
    op = item.op
    table = item.table
    column = table.columns.get(op.column or "") if table else None
    if column is None or column.not_null:
        return None
    fact = lock_facts(op, item.state, item.plan.version)
    if fact is None or not fact.scans:
        return None
    if dry_run:
        return "set-not-null-scans-table"
    _enforce_not_null(item, op.column or "", after_backfill=False)
    return None


def _enforce_not_null(item: _Op, column: str, *, after_backfill: bool, table: str | None = None) -> None:
    """NOT NULL on an existing column without a scan under ACCESS EXCLUSIVE: a NOT VALID constraint (brief lock), its
    validation in a later step (SHARE UPDATE EXCLUSIVE), then SET NOT NULL, which PostgreSQL 12+ proves from the
    validated check without reading a row. PostgreSQL 18 validates a NOT NULL constraint itself."""
    plan = item.plan
    table_name = table or item.op.table or ""
    phase = ENFORCE if after_backfill else ORIGINAL
    if plan.version >= 18:
        name = item.constraint_name(f"{table_name}_{column}", "_not_null")
        plan.add(phase, item.alter(f"ADD CONSTRAINT {quoted(name)} NOT NULL {quoted(column)} NOT VALID"))
        plan.add(VALIDATE, item.alter(f"VALIDATE CONSTRAINT {quoted(name)}"))
        plan.note(VALIDATE, "PostgreSQL 18 validates a NOT NULL … NOT VALID constraint under SHARE UPDATE EXCLUSIVE: "
                            "reads and writes continue during the scan.")
        return
    name = item.constraint_name(f"{table_name}_{column}", "_not_null_check")
    plan.add(phase, item.alter(f"ADD CONSTRAINT {quoted(name)} CHECK ({quoted(column)} IS NOT NULL) NOT VALID"))
    plan.add(VALIDATE, item.alter(f"VALIDATE CONSTRAINT {quoted(name)}"))
    plan.add(FINALIZE, item.alter(f"ALTER COLUMN {quoted(column)} SET NOT NULL"),
             item.alter(f"DROP CONSTRAINT {quoted(name)}"))
    plan.note(FINALIZE, "SET NOT NULL reads no row here: the validated CHECK (… IS NOT NULL) already proves it "
                        "(PostgreSQL 12+), so its ACCESS EXCLUSIVE lock is brief; the check is then dropped.")


_RECIPES = {
    OpKind.ADD_CONSTRAINT: _constraint,
    OpKind.SET_NOT_NULL: _set_not_null,
}


# --- helpers ------------------------------------------------------------------------------------------------------


def _index_new_foreign_keys(project, plan: _Plan, replay, final) -> None:
    """Filled in by the foreign-key index recipe."""


def _attach_comments(plan: _Plan, sizes: dict[int, int], lead: str) -> None:
    """The comments above a rewritten statement go with the first statement that replaces it."""
    if not lead:
        return
    for phase in (ORIGINAL, CONCURRENT, BACKFILL, ENFORCE, VALIDATE, FINALIZE):
        if len(plan.phases[phase]) > sizes[phase]:
            plan.phases[phase][sizes[phase]] = lead + plan.phases[phase][sizes[phase]]
            return


def _state_at_start(project, replay, migration: Migration) -> DatabaseSchema | None:
    if replay is None:
        return None
    folder = getattr(getattr(project, "project", None), "migrations", None)
    migrations = [m for m in folder.migrations if not m.missing] if folder is not None else []
    for index, candidate in enumerate(migrations):
        if candidate is migration:
            return replay.after.get(migrations[index - 1].tag) if index else replay.initial
    return None


def _any_risky(replay, statement: Statement) -> bool:
    for op in statement.operations:
        context = replay.context(op) if replay is not None else None
        if context is None or context.table_is_new:
            continue
        fact = lock_facts(op, context.state_before)
        if fact is not None and (fact.scans or fact.rewrites) and fact.blocks_writes:
            return True
    return False


def _moves_safely(migration: Migration, statement: Statement, op: Operation) -> bool:
    """Parts of the statement run in later steps: that is only right when no later statement of the migration
    renames or drops the table or a column (the later step would name something that no longer exists)."""
    for later in migration.statements[statement.index + 1:]:
        for other in later.operations:
            if other.kind in (OpKind.RENAME_TABLE, OpKind.DROP_TABLE, OpKind.SET_TABLE_SCHEMA) and \
                    other.table == op.table:
                return False
            if other.kind in (OpKind.RENAME_COLUMN, OpKind.DROP_COLUMN, OpKind.ALTER_COLUMN_TYPE) and \
                    other.table == op.table:
                return False
    return True


def _leading_comments(migration: Migration, statement: Statement) -> str:
    """Comment lines right above the statement (a suppression or an explanation): they move with it."""
    text = migration.text
    start = statement.range.start
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return ""
    offset = line_start
    while offset > 0:
        previous = text.rfind("\n", 0, offset - 1) + 1
        line = text[previous:offset].strip()
        if line.startswith("--") and not line.startswith("-->"):
            offset = previous
        else:
            break
    return text[offset:line_start].replace("\r\n", "\n")


def _suppressions(migration: Migration):
    from drizzle_lsp.rules.suppressions import find_suppressions

    spans = [(s.range.start, s.range.end) for s in migration.statements]
    return find_suppressions(migration.sql_path, migration.text, language="sql", statements=spans)


def _is_suppressed(suppressions, rule: str, statement: Statement) -> bool:
    """A finding the user silenced on purpose is not rewritten behind their back."""
    return any(s.matches(rule, "locks", statement.range.start) for s in suppressions)


def _where(migration: Migration, statement: Statement) -> str:
    line = migration.text.count("\n", 0, statement.range.start) + 1
    return f"The statement on line {line} of {migration.tag}"
