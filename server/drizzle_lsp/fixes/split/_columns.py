"""Column recipes: a NOT NULL or volatile-default column added to an existing table, and a type change that rewrites
the table (expand/contract)."""

from __future__ import annotations

from drizzle_lsp.analysis.locks import is_volatile_default
from drizzle_lsp.analysis.pg_types import SERIAL_TYPES, classify_type_change
from drizzle_lsp.fixes.split import _sql
from drizzle_lsp.fixes.split._context import (
    BACKFILL,
    CONCURRENT,
    FINALIZE,
    ORIGINAL,
    VALIDATE,
    Item,
    enforce_not_null,
)
from drizzle_lsp.model import Index, Table
from drizzle_lsp.rules._support.identifiers import quoted, table_label
from drizzle_lsp.sql.pg_adapter import scan

# A quoted identifier no table has: the backfill fails at once with 42703 (column "…" does not exist) until someone
# writes the real value, and the error itself says what to do. A literal would be worse: a string or 0 would be
# accepted by many column types and silently stored in every existing row.
PLACEHOLDER = quoted("drizzle-lsp: replace with the value for existing rows")


def add_column(item: Item, *, dry_run: bool) -> str | None:
    op = item.op
    column = op.column_def
    if column is None or column.type_range is None:
        return None
    has_default = column.default is not None and column.default.strip().lower() not in ("null", "(null)")
    volatile = is_volatile_default(column.default)
    if not (volatile or (column.not_null and not has_default)):
        return None  # a constant or stable default (or none, on a nullable column) is metadata only
    rule = "add-column-rewrites-table" if volatile else "add-column-not-null-without-default"
    if (column.identity is not None or column.generated is not None or column.type.lower() in SERIAL_TYPES
            or column.primary_key or op.constraint_type is not None):
        if dry_run:
            item.plan.warn(f"{item.plan.where(item.statement)} adds a column with an identity, a generated value or "
                           f"an inline constraint: no automatic split exists for it; it was left as written")
        return None
    if dry_run:
        return rule
    name = quoted(column.name)
    item.plan.add(ORIGINAL, item.alter(f"ADD COLUMN {name} {item.source(column.type_range)}"))
    if has_default:
        # Set after the column exists, the default applies to new rows only: nothing is rewritten.
        item.plan.add(ORIGINAL, item.alter(f"ALTER COLUMN {name} SET DEFAULT {column.default}"))
    value = column.default if has_default else PLACEHOLDER
    item.plan.add(BACKFILL, _sql.batched_update(op.schema, item.table, op.table or "", f"{name} = {value}",
                                                f"{name} IS NULL"))
    item.plan.backfilled.add(item.key)
    if not has_default:
        item.plan.warn(f"{item.label}.{name} is NOT NULL without a default, so the value existing rows must get is "
                       f"unknown: the backfill step sets {PLACEHOLDER}, which fails on purpose (42703, column does "
                       f"not exist) until you replace it with that value. Code deployed before this migration inserts "
                       f"rows without {name}: they fail once the NOT NULL is enforced, as they would with the "
                       f"original migration.")
        item.plan.note(BACKFILL, f"Replace {PLACEHOLDER} with the value existing rows of {item.label} get for {name}.")
    if column.not_null:
        enforce_not_null(item, column.name, after_backfill=True)
    return None


def change_type(item: Item, *, dry_run: bool) -> str | None:
    """Expand/contract: a new column of the new type, a batched copy, then in one short step the old column is dropped
    and the new one takes its name."""
    op = item.op
    table = item.table
    column = table.columns.get(op.column or "") if table else None
    if column is None or not op.new_type or op.type_range is None:
        return None
    change = classify_type_change(column.type, op.new_type)
    if not change.rewrites:
        return None
    swap = item.known.get("swap blocker")
    if swap is None:
        swap = item.known["swap blocker"] = _swap_blocker(item, table, column.name)
    blocker, indexes = swap
    if blocker or column.identity is not None or column.generated is not None:
        if dry_run:
            item.plan.warn(f"{item.plan.where(item.statement)} rewrites {item.label} to change the type of "
                           f"{quoted(column.name)}, which {blocker or 'is an identity or generated column'}: "
                           f"expand/contract would have to rebuild that too, so it was left as written")
        return None
    if dry_run:
        return "alter-column-type-rewrites-table"
    plan = item.plan
    old, new = quoted(column.name), quoted(_sql.fitted_name(column.name, "_new", set(table.columns)))
    written = item.source(op.type_range)
    plan.add(ORIGINAL, item.alter(f"ADD COLUMN {new} {written}"))
    # No cast written: the assignment converts exactly as SET DATA TYPE without USING would (and fails the same way).
    value = op.using if op.using else old
    plan.add(BACKFILL, _sql.batched_update(op.schema, table, op.table or "", f"{new} = {value}",
                                           f"{new} IS NULL AND {old} IS NOT NULL"))
    plan.backfilled.add(item.key)
    if column.not_null:
        enforce_not_null(item, new[1:-1].replace('""', '"'), after_backfill=True)
    renames = []
    for index in indexes:
        # built on the new column after its backfill; the old index goes with the old column, and its name is free
        built = item.index_name(index.name, "_new")
        columns = ", ".join(new if c.expression == column.name else quoted(c.expression) for c in index.columns)
        unique = "UNIQUE " if index.unique else ""
        plan.add(CONCURRENT, f"CREATE {unique}INDEX CONCURRENTLY IF NOT EXISTS {quoted(built)} ON {item.label} "
                             f"USING {index.method} ({columns});")
        renames.append(f"ALTER INDEX {table_label(op.schema, built)} RENAME TO {quoted(index.name)};")
    plan.finish(item.key, item.alter(f"DROP COLUMN {old}"), item.alter(f"RENAME COLUMN {new} TO {old}"), *renames)
    if column.default is not None:
        plan.finish(item.key, item.alter(f"ALTER COLUMN {old} SET DEFAULT {column.default}"))
    plan.note(ORIGINAL, f"{item.label}.{new} is the new {written} column that replaces {old}. Until the last step, the "
                        f"application must write both {old} and {new} (or a trigger must copy {old} into {new}): rows "
                        f"it changes after their backfill batch would otherwise keep a stale {new}.")
    plan.note(FINALIZE, f"The swap drops {item.label}.{old} and renames {new} to it: a brief ACCESS EXCLUSIVE lock, no "
                        f"rewrite. The column moves to the end of the table (only SELECT * order changes).")
    plan.note(VALIDATE, "Run this step only once the backfill changes no row and the application writes both columns.")
    plan.warn(f"The type change of {item.label}.{old} became expand/contract through {new}: review it before applying. "
              f"The application (or a trigger) must write both columns from the first step until the last one, or "
              f"rows changed in between lose that change at the swap.")
    return None


def _swap_blocker(item: Item, table: Table, column: str) -> tuple[str | None, list[Index]]:
    """Why dropping the old column would lose more than the column (a key, a constraint, a reference, an index that
    cannot simply be built again on the new column), and the plain indexes to build again."""
    rebuild = []
    for index in table.indexes.values():
        plain = all(not c.is_expression and c.asc and c.nulls == "last" and not c.opclass for c in index.columns)
        if column in index.column_names and plain and not index.where and not index.with_:
            rebuild.append(index)
        elif column in index.column_names or any(c.is_expression and _names(c.expression, column)
                                                 for c in index.columns) or _names(index.where, column):
            return f"index {quoted(index.name)} uses", []
    owned = table.columns[column].primary_key or any(column in k.columns for k in table.primary_keys.values())
    if owned:
        return "the primary key holds", []
    for unique in table.unique_constraints.values():
        if column in unique.columns:
            return f"unique constraint {quoted(unique.name)} holds", []
    for fk in table.foreign_keys.values():
        if column in fk.columns_from:
            return f"foreign key {quoted(fk.name)} holds", []
    for check in table.checks.values():
        if _names(check.value, column):
            return f"check {quoted(check.name)} reads", []
    for other in (item.state.tables.values() if item.state else ()):
        for fk in other.foreign_keys.values():
            if fk.table_to == table.name and column in fk.columns_to:
                return f"foreign key {quoted(fk.name)} of {quoted(other.name)} references", []
    return None, rebuild


def _names(expression: str | None, column: str) -> bool:
    """``expression`` mentions the identifier ``column`` (read with PostgreSQL's scanner, so ``amount`` is not found
    in ``"amount_cents"``); an expression the scanner rejects is assumed to mention it."""
    if not expression:
        return False
    scanned = scan(expression)
    if scanned is None:
        return True
    return any(token.kind in ("word", "qword") and token.name == column for token in scanned[0])
