"""The split recipes: a risky migration rewritten as ordered steps that never hold a read- or write-blocking lock on an
existing table while it is scanned or rewritten (``domain/postgres.md``, "Safe recipes").

``plan_split`` reads the migration statement by statement. A statement no recipe applies to stays in step 0 in its
original order. A risky statement on a table that existed before the migration is replaced by the statements of its
recipe, each put into a phase (``_context``); the phases are merged into as few steps as the locks allow:

- ``original``: the migration file itself, with short locks only (ADD COLUMN nullable, SET DEFAULT, ADD … NOT VALID);
- ``backfill``: batched UPDATE/DELETE statements, each repeated until it changes no row;
- ``concurrent_index``: CREATE/DROP INDEX CONCURRENTLY, outside any transaction;
- ``not_null_check``: the CHECK (c IS NOT NULL) NOT VALID that must follow a backfill, committed before its
  validation (one step per table);
- ``validate``: every VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE), then what they prove for the first table: SET NOT
  NULL, ADD … USING INDEX, the expand/contract swap. Locks last until commit, so every scan of the step comes before
  its first ACCESS EXCLUSIVE lock;
- ``finish_<table>``: the same brief statements for each further table, one table per transaction, so that no
  transaction holds two tables exclusively.

``SplitPlan.addresses`` names the finding each rewritten statement resolves; ``SplitPlan.warnings`` what the user
must still decide or review (a backfill value, an expand/contract swap, a statement left as written and why).
"""

from __future__ import annotations

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.fixes.split import _sql
from drizzle_lsp.fixes.split._backfill import data_change
from drizzle_lsp.fixes.split._columns import add_column, change_type
from drizzle_lsp.fixes.split._indexes import create_index, drop_index, index_new_foreign_keys
from drizzle_lsp.fixes.split._context import (
    BACKFILL,
    CONCURRENT,
    DATA,
    ENFORCE,
    FINALIZE,
    ORIGINAL,
    PHASES,
    VALIDATE,
    VALIDATE_NOTE,
    Item,
    Plan,
    enforce_not_null,
    table_key,
)
from drizzle_lsp.fixes.split.plan import SplitPlan, SplitStep
from drizzle_lsp.model import ConstraintType, Migration, Operation, OpKind, Statement
from drizzle_lsp.rules._support.identifiers import quoted
from drizzle_lsp.rules._support.lock_context import comment_block_start, state_at_start
from drizzle_lsp.rules._support.statement_facts import per_statements
from drizzle_lsp.rules._support.text_memo import digest, remembered

_DATA = (OpKind.UPDATE, OpKind.DELETE, OpKind.INSERT)
_FILLS_COLUMNS = (OpKind.UPDATE, OpKind.DELETE, OpKind.INSERT, OpKind.ADD_COLUMN, OpKind.ALTER_COLUMN_TYPE)


def plan_split(project, migration: Migration, *, postgres_version: int = 16) -> SplitPlan | None:
    """The migration as ordered safe steps, or None when no statement in it needs splitting.

    ``project`` is the analysed project (its replay gives the schema before each operation and tells which tables
    existed before the migration: only those are large and live, so only their statements are split)."""
    if migration.dialect != "postgresql" or migration.missing:
        return None
    replay = getattr(project, "replay", None)
    if replay is None:
        return None
    plan = Plan(migration, postgres_version)
    final = replay.after.get(migration.tag)
    start = state_at_start(project, replay, migration)
    migrator = getattr(project, "migrator", "transaction")
    suppressions = _suppressions(migration)

    chosen: dict[int, tuple[Item, object, str]] = {}
    for statement in migration.statements:
        found = _recipe_for(plan, replay, statement, final, start, migrator)
        if found is None:
            if statement.error is None and len(statement.operations) > 1 and _any_slow(replay, statement):
                plan.warn(f"{plan.where(statement).capitalize()} holds several sub-commands; write one ALTER TABLE per "
                          f"sub-command to have its risky parts split")
            continue
        item, recipe, rule = found
        if is_suppressed(suppressions, rule, statement):
            continue  # the user silenced this finding on purpose: it is not rewritten behind their back
        if not _moves_safely(migration, statement, item.op):
            plan.warn(f"{plan.where(statement).capitalize()} was left as written: a later statement of the migration "
                      f"renames, drops or retypes what it works on, so it cannot move to a later step")
            continue
        chosen[statement.index] = (item, recipe, rule)
    _keep_data_changes_needed_in_place(plan, chosen)
    plan.backfilled = {item.key for item, _, _ in chosen.values() if item.op.kind in _FILLS_COLUMNS}

    for statement in migration.statements:
        lead = _leading_comments(migration, statement)
        if statement.index not in chosen:
            plan.add(ORIGINAL, lead + statement.text)
            continue
        item, recipe, rule = chosen[statement.index]
        sizes = {phase: len(plan.phases[phase]) for phase in PHASES}
        recipe(item, dry_run=False)
        _attach_comments(plan, sizes, lead)
        plan.addresses.append((rule, statement.index))
    index_new_foreign_keys(project, plan, final, start, lambda rule, st: is_suppressed(suppressions, rule, st))
    if not plan.addresses:
        return None
    return SplitPlan(migration=migration, steps=_steps(plan), addresses=tuple(plan.addresses),
                     warnings=tuple(plan.warnings))


def _recipe_for(plan: Plan, replay, statement: Statement, final, start, migrator: str):
    """(item, recipe, rule it answers) for a statement some recipe rewrites, else None."""
    if statement.error is not None or len(statement.operations) != 1:
        return None
    op = statement.operations[0]
    context = replay.context(op)
    if context is None or (op.table and context.table_is_new):
        return None
    recipe = _RECIPES.get(op.kind)
    if recipe is None:
        return None
    item = Item(plan, statement, op, context.state_before, final, start)
    if op.kind in (OpKind.CREATE_INDEX, OpKind.DROP_INDEX):
        rule = recipe(item, dry_run=True, migrator=migrator)
        return (item, lambda i, dry_run: recipe(i, dry_run=dry_run, migrator=migrator), rule) if rule else None
    if op.kind is OpKind.DO_BLOCK:
        rule = recipe(item, dry_run=True, replay=replay)
        return (item, lambda i, dry_run: recipe(i, dry_run=dry_run, replay=replay), rule) if rule else None
    rule = recipe(item, dry_run=True)
    return (item, recipe, rule) if rule else None


# --- steps --------------------------------------------------------------------------------------------------------


def _steps(plan: Plan) -> tuple[SplitStep, ...]:
    phases, notes = plan.phases, plan.notes
    steps = [SplitStep(tuple(phases[ORIGINAL]), "original",
                       "The original migration, each risky statement replaced by its first, brief part",
                       notes=tuple(notes[ORIGINAL]))]
    if phases[DATA]:
        steps.append(SplitStep(tuple(phases[DATA]), "data", "Change the data outside the schema change's transaction",
                               notes=tuple(notes[DATA])))
    if phases[BACKFILL]:
        steps.append(SplitStep(tuple(phases[BACKFILL]), "backfill", "Backfill existing rows in batches", backfill=True,
                               notes=tuple(notes[BACKFILL] + [
                                   f"Each statement changes at most {_sql.BATCH_SIZE} rows: repeat it until it "
                                   f"changes 0 rows, each batch in its own short transaction."])))
    if phases[CONCURRENT]:
        steps.append(SplitStep(tuple(phases[CONCURRENT]), "concurrent_index",
                               "Build and drop indexes concurrently, without blocking writes", no_transaction=True,
                               notes=tuple(notes[CONCURRENT] + [
                                   "CONCURRENTLY cannot run inside a transaction block: this step runs on its own.",
                                   "A concurrent build that fails leaves an INVALID index behind, which IF NOT EXISTS "
                                   "would then keep: drop it with DROP INDEX CONCURRENTLY IF EXISTS before running "
                                   "the step again."])))
    enforcing: dict[str, list[str]] = {}
    for key, statement in zip(plan.enforce_keys, phases[ENFORCE]):
        enforcing.setdefault(key, []).append(statement)
    for number, (key, statements) in enumerate(enforcing.items()):
        slug = "not_null_check" if number == 0 else f"not_null_check_{key.split('.', 1)[1]}"[:40]
        steps.append(SplitStep(tuple(statements), slug, "Refuse new NULLs; existing rows are checked in a later step",
                               notes=tuple(notes[ENFORCE] + [
                                   "NOT VALID: a brief lock, no scan. It must commit before the validation, which "
                                   "would otherwise scan under its lock; one table per step, so that no transaction "
                                   "holds two tables exclusively."])))
    finishing = list(plan.finalize.items())
    if phases[VALIDATE] or finishing:
        first = finishing.pop(0)[1] if finishing else []
        slug, title = (("validate", "Validate the constraints without blocking writes, then apply what they prove")
                       if phases[VALIDATE] else ("attach_index", "Attach the concurrently built index"))
        steps.append(SplitStep(tuple(phases[VALIDATE] + first), slug, title,
                               notes=tuple(notes[VALIDATE] + notes[FINALIZE])))
    for key, statements in finishing:
        table = key.split(".", 1)[1]
        steps.append(SplitStep(tuple(statements), f"finish_{table}"[:40], f"Apply what the validation proved on "
                               f"{table}, in a transaction of its own", notes=(
                                   "Brief ACCESS EXCLUSIVE locks only; one table per transaction, so that no "
                                   "transaction holds two tables exclusively.",)))
    return tuple(steps)


# --- constraints --------------------------------------------------------------------------------------------------


def _constraint(item: Item, *, dry_run: bool) -> str | None:
    kind = item.op.constraint_type
    if kind in (ConstraintType.FOREIGN_KEY, ConstraintType.CHECK):
        return _not_valid_then_validate(item, dry_run=dry_run)
    if kind in (ConstraintType.UNIQUE, ConstraintType.PRIMARY_KEY) and not item.op.using_index:
        return _unique_through_index(item, dry_run=dry_run)
    return None


def _not_valid_then_validate(item: Item, *, dry_run: bool) -> str | None:
    op = item.op
    if not _can_add_not_valid(op):
        return None
    if dry_run:
        return "constraint-missing-not-valid"
    item.plan.add(ORIGINAL, _sql.splice(item.text, item.statement.range.start, _not_valid_inserts(item.plan, op)))
    _validate_later(item.plan, op)
    return None


def _constraints_in_block(item: Item, *, dry_run: bool, replay) -> str | None:
    """drizzle-kit before 0.22 wrapped each foreign key in ``DO $$ BEGIN … EXCEPTION WHEN duplicate_object …``: the
    keys inside get NOT VALID where they are, and are validated in the later step (a no-op for a key that already
    existed and was validated)."""
    targets = []
    for op in item.op.inner:
        context = replay.context(op)
        if context is None or context.table_is_new:
            continue
        if op.kind is OpKind.ADD_CONSTRAINT and op.constraint_type in (ConstraintType.FOREIGN_KEY, ConstraintType.CHECK):
            if _can_add_not_valid(op):
                targets.append(op)
            continue
        fact = lock_facts(op, context.state_before, item.plan.version)
        if fact is not None and (fact.scans or fact.rewrites) and fact.blocks_writes:
            return None  # something else in the block is slow too, and cannot be rewritten inside it
    if not targets:
        return None
    if dry_run:
        return "constraint-missing-not-valid"
    inserts = [insert for op in targets for insert in _not_valid_inserts(item.plan, op)]
    item.plan.add(ORIGINAL, _sql.splice(item.text, item.statement.range.start, inserts))
    for op in targets:
        _validate_later(item.plan, op)
    return None


def _can_add_not_valid(op) -> bool:
    return not op.not_valid and getattr(op.constraint, "range", None) is not None and bool(op.constraint_name)


def _not_valid_inserts(plan: Plan, op) -> list[tuple[int, str]]:
    start, end = op.constraint.range.start, op.constraint.range.end
    inserts = [(end, " NOT VALID")]
    if plan.migration.text[start:start + len("CONSTRAINT")].upper() != "CONSTRAINT":
        # An unnamed constraint is named, so that the later step can validate it by name.
        inserts.append((start, f"CONSTRAINT {quoted(op.constraint_name)} "))
    return inserts


def _validate_later(plan: Plan, op) -> None:
    plan.add(VALIDATE, _sql.alter(op.schema, op.table or "", f"VALIDATE CONSTRAINT {quoted(op.constraint_name)}"))
    plan.note(VALIDATE, VALIDATE_NOTE)


def _unique_through_index(item: Item, *, dry_run: bool) -> str | None:
    op = item.op
    columns = list(getattr(op.constraint, "columns", []) or [])
    if not columns or not op.constraint_name:
        return None
    if _referenced_later(item, columns):
        if dry_run:
            item.plan.warn(f"{item.plan.where(item.statement).capitalize()} was left as written: a foreign key added "
                           f"later in the migration references it, and would fail if it came later")
        return None
    if dry_run:
        return "unique-constraint-builds-index"
    kind = "PRIMARY KEY" if op.constraint_type is ConstraintType.PRIMARY_KEY else "UNIQUE"
    name = quoted(op.constraint_name)
    nulls = " NULLS NOT DISTINCT" if getattr(op.constraint, "nulls_not_distinct", False) else ""
    column_list = ", ".join(quoted(c) for c in columns)
    item.plan.add(CONCURRENT, f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {item.label} "
                              f"({column_list}){nulls};")
    if kind == "PRIMARY KEY":
        table = item.table
        for column in columns:
            existing = table.columns.get(column) if table else None
            if existing is not None and not existing.not_null:
                # USING INDEX would set NOT NULL itself, and scan the table under ACCESS EXCLUSIVE to do it.
                enforce_not_null(item, column, after_backfill=item.key in item.plan.backfilled)
    item.plan.finish(item.key, item.alter(f"ADD CONSTRAINT {name} {kind} USING INDEX {name}"))
    item.plan.note(FINALIZE, f"ADD CONSTRAINT … {kind} USING INDEX adopts the index built concurrently: a brief "
                             f"ACCESS EXCLUSIVE lock, no scan.")
    return None


def _referenced_later(item: Item, columns: list[str]) -> bool:
    """A foreign key added later in the migration needs this unique key at once."""
    wanted = sorted(columns)
    for statement in item.plan.migration.statements[item.statement.index + 1:]:
        for op in statement.operations:
            keys = [op.constraint] if op.constraint_type is ConstraintType.FOREIGN_KEY else []
            keys += list(op.table_def.foreign_keys.values()) if op.table_def is not None else []
            if any(getattr(k, "table_to", None) == item.op.table and sorted(getattr(k, "columns_to", [])) == wanted
                   for k in keys):
                return True
    return False


def _set_not_null(item: Item, *, dry_run: bool) -> str | None:
    op = item.op
    table = item.table
    column = table.columns.get(op.column or "") if table else None
    if column is None or column.not_null:
        return None
    fact = lock_facts(op, item.state, item.plan.version)
    if fact is None or not fact.scans:
        return None  # a validated CHECK (column IS NOT NULL) already proves it
    if dry_run:
        return "set-not-null-scans-table"
    enforce_not_null(item, column.name, after_backfill=item.key in item.plan.backfilled)
    return None


_RECIPES = {
    OpKind.ADD_CONSTRAINT: _constraint,
    OpKind.SET_NOT_NULL: _set_not_null,
    OpKind.CREATE_INDEX: create_index,
    OpKind.DROP_INDEX: drop_index,
    OpKind.ADD_COLUMN: add_column,
    OpKind.ALTER_COLUMN_TYPE: change_type,
    OpKind.UPDATE: data_change,
    OpKind.DELETE: data_change,
    OpKind.INSERT: data_change,
    OpKind.DO_BLOCK: _constraints_in_block,
}


# --- what may move ------------------------------------------------------------------------------------------------


def _touched_columns(op: Operation) -> set[str] | None:
    """Columns a moved statement names; None when it may read any column (expressions, data changes)."""
    if op.kind in _DATA:
        return None
    if op.index is not None:
        if any(c.is_expression for c in op.index.columns) or op.index.where:
            return None
        return set(op.index.column_names)
    constraint = op.constraint
    if op.constraint_type is ConstraintType.CHECK:
        return None
    columns = set(getattr(constraint, "columns", None) or getattr(constraint, "columns_from", None) or [])
    if op.column:
        columns.add(op.column)
    return columns


def _moves_safely(migration: Migration, statement: Statement, op: Operation) -> bool:
    """Parts of the statement run in later steps: only right when no later statement of the migration renames, drops
    or retypes a table or a column it names (the later step would name something that is gone). A data change may
    read any table it names (``INSERT … SELECT … FROM old``), so every name written in it counts."""
    if not op.table:
        return True
    tables = {op.table.lower()}
    touched = _touched_columns(op)
    if op.kind in _DATA:
        tables |= _identifiers(statement.text)
    moves = _moves_by_table(migration.statements)
    after = statement.index + 1
    for table in tables:
        for position, kind, column in moves.get(table, ()):
            if position < after:
                continue
            if kind in _MOVES_TABLE:
                return False
            if touched is None or column in touched:
                return False
    return True


_MOVES_TABLE = (OpKind.RENAME_TABLE, OpKind.DROP_TABLE, OpKind.SET_TABLE_SCHEMA)
_MOVES_COLUMN = (OpKind.RENAME_COLUMN, OpKind.DROP_COLUMN, OpKind.ALTER_COLUMN_TYPE)


def _moves_by_table(statements: list[Statement]) -> dict[str, list[tuple[int, OpKind, str | None]]]:
    """The operations that rename, drop or retype a table or a column, by the table they name (lower case), with the
    position of their statement: each risky statement asks about the statements after it, once per keystroke."""
    def compute() -> dict[str, list[tuple[int, OpKind, str | None]]]:
        by_table: dict[str, list[tuple[int, OpKind, str | None]]] = {}
        for position, later in enumerate(statements):
            for other in later.operations:
                if other.kind in _MOVES_TABLE or other.kind in _MOVES_COLUMN:
                    by_table.setdefault((other.table or "").lower(), []).append((position, other.kind, other.column))
        return by_table
    return per_statements(statements, "split: moves by table", compute)


def _identifiers(text: str) -> set[str]:
    """The words of ``text`` in lower case; remembered by the text's digest (the same data changes are planned again
    on every keystroke). A copy is returned: callers add to it."""
    return set(remembered(("split: identifiers", digest(text)), lambda: frozenset(_scanned_identifiers(text))))


def _scanned_identifiers(text: str) -> set[str]:
    from drizzle_lsp.sql.pg_adapter import scan

    scanned = scan(text)
    return {t.name.lower() for t in scanned[0] if t.kind in ("word", "qword")} if scanned is not None else set()


# Statements whose success depends on the data: a data change written before them must run before them.
_DEPENDS_ON_DATA = (OpKind.SET_NOT_NULL, OpKind.ADD_CONSTRAINT, OpKind.VALIDATE_CONSTRAINT, OpKind.ALTER_COLUMN_TYPE,
                    OpKind.CREATE_INDEX, OpKind.ADD_COLUMN)


def _depends_on_data(op: Operation) -> bool:
    if op.kind is OpKind.ADD_COLUMN:
        column = op.column_def
        return column is None or (column.not_null and column.default is None) or op.constraint_type is not None
    if op.kind is OpKind.CREATE_INDEX:
        return op.index is None or op.index.unique
    return op.kind in _DEPENDS_ON_DATA


def _keep_data_changes_needed_in_place(plan: Plan, chosen: dict) -> None:
    """A data change stays in step 0 when a later statement that stays there too may need its effect (an UPDATE that
    fills a column before a SET NOT NULL the user silenced, a DELETE of duplicates before a unique index)."""
    statements = plan.migration.statements
    for index in sorted(chosen):
        item = chosen[index][0]
        if item.op.kind not in _DATA:
            continue
        for later in statements[index + 1:]:
            if later.index in chosen:
                continue
            if any(table_key(o.schema, o.table or "") == item.key and _depends_on_data(o) for o in later.operations):
                plan.warn(f"{plan.where(item.statement).capitalize()} was left as written: {plan.where(later)} stays "
                          f"in the migration and may depend on the rows it changes")
                del chosen[index]
                break


# --- helpers ------------------------------------------------------------------------------------------------------


def _attach_comments(plan: Plan, sizes: dict[int, int], lead: str) -> None:
    """The comments above a rewritten statement go with the first statement that replaces it."""
    if not lead:
        return
    for phase in PHASES:
        if len(plan.phases[phase]) > sizes[phase]:
            plan.phases[phase][sizes[phase]] = lead + plan.phases[phase][sizes[phase]]
            return


def _any_slow(replay, statement: Statement) -> bool:
    for op in statement.operations:
        context = replay.context(op)
        if context is None or context.table_is_new:
            continue
        fact = lock_facts(op, context.state_before)
        if fact is not None and (fact.scans or fact.rewrites) and fact.blocks_writes:
            return True
    return False


def _leading_comments(migration: Migration, statement: Statement) -> str:
    """Comment lines right above the statement (a suppression, an explanation): they move with it."""
    text = migration.text
    start = statement.range.start
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return ""
    return text[comment_block_start(text, line_start):line_start].replace("\r\n", "\n")


_RULE_GROUPS = {"foreign-key-without-index": "indexes", "concurrent-index-in-transaction": "migrator"}


def is_suppressed(suppressions, rule: str, statement: Statement) -> bool:
    group = _RULE_GROUPS.get(rule, "locks")
    return any(s.matches(rule, group, statement.range.start) for s in suppressions)


def _suppressions(migration: Migration):
    from drizzle_lsp.rules.suppressions import find_suppressions

    spans = [(s.range.start, s.range.end) for s in migration.statements]
    return find_suppressions(migration.sql_path, migration.text, language="sql", statements=spans)
