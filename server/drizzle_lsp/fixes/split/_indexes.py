"""Index recipes: CREATE and DROP INDEX on an existing table made concurrent (a step outside any transaction), and
the index a new foreign key lacks."""

from __future__ import annotations

from types import SimpleNamespace

from drizzle_lsp.fixes.split import _sql
from drizzle_lsp.fixes.split._context import CONCURRENT, Item, Plan
from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.identifiers import quoted, table_label
from drizzle_lsp.rules._support.lock_rules import index_owner
from drizzle_lsp.rules._support.statement_facts import statement_at
from drizzle_lsp.sql.pg_adapter import scan


def create_index(item: Item, *, dry_run: bool, migrator: str) -> str | None:
    op = item.op
    if op.index is None or op.concurrently_at is None:
        return None
    if op.concurrently and migrator == "no-transaction":
        return None  # each statement already runs on its own
    if dry_run:
        return "concurrent-index-in-transaction" if op.concurrently else "require-concurrent-index"
    keyword = "" if op.concurrently else " CONCURRENTLY"
    at = op.concurrently_at + (len("CONCURRENTLY") if op.concurrently else 0)
    # IF NOT EXISTS lets the step run again after a failure that happened once the index existed
    guard = " IF NOT EXISTS" if op.index_name and not op.if_not_exists else ""
    inserts = [(at, guard)] if op.concurrently else [(op.concurrently_at, keyword + guard)]
    item.plan.add(CONCURRENT, _sql.splice(item.text, item.statement.range.start, inserts))
    return None


def drop_index(item: Item, *, dry_run: bool, migrator: str) -> str | None:
    op = item.op
    if op.concurrently_at is None or not op.index_name or op.cascade or _names_several(item):
        return None
    if op.concurrently and migrator == "no-transaction":
        return None
    owner = index_owner(item.state, op.index_name, op.schema)
    if owner is None or owner.backs_constraint:
        return None  # DROP INDEX CONCURRENTLY cannot drop the index of a constraint
    start_table = item.start.table(owner.table.name, owner.table.schema) if item.start else None
    if start_table is None or op.index_name not in start_table.indexes or _recreated_in_place(item):
        return None
    if dry_run:
        return "concurrent-index-in-transaction" if op.concurrently else "require-concurrent-index-drop"
    guard = " IF EXISTS" if not op.if_exists else ""
    at = op.concurrently_at + (len("CONCURRENTLY") if op.concurrently else 0)
    words = guard if op.concurrently else " CONCURRENTLY" + guard
    item.plan.add(CONCURRENT, _sql.splice(item.text, item.statement.range.start, [(at, words)]))
    return None


def _names_several(item: Item) -> bool:
    scanned = scan(item.text)
    return scanned is None or any(token.text == "," for token in scanned[0])


def _recreated_in_place(item: Item) -> bool:
    """An index of the same name created later in step 0 (on a new table) would collide with the one still there."""
    for statement in item.plan.migration.statements[item.statement.index + 1:]:
        for op in statement.operations:
            if op.kind is OpKind.CREATE_INDEX and op.index_name == item.op.index_name and \
                    not item.existed_at_start(op.table, op.schema):
                return True
    return False


def index_new_foreign_keys(project, plan: Plan, final, start, suppressed) -> None:
    """A foreign key this migration adds to an existing table, with no index leading with its columns: the index is
    built concurrently (every delete in the parent table would scan this one). Only keys the TypeScript schema does
    not declare: a declared key gets its index in the schema, where the next ``generate`` keeps it."""
    from drizzle_lsp.rules._support.schema_sides import sql_side
    from drizzle_lsp.rules._support.table_keys import covering_key, table_keys

    migration = plan.migration
    side = sql_side(SimpleNamespace(project=project, path=migration.sql_path))
    if side is None or start is None:
        return
    keys_of: dict[int, tuple] = {}  # id(table) -> (table, its keys): a table with many new foreign keys
    for table, fk in side.foreign_keys():
        if start.table(table.name, table.schema or None) is None:
            continue
        keys = keys_of.get(id(table))
        if keys is None or keys[0] is not table:
            keys = keys_of[id(table)] = (table, table_keys(table))
        if covering_key(keys[1], fk.columns_from):
            continue
        statement = statement_at(migration.statements, fk.range.start) if fk.range is not None else None
        if statement is None or suppressed("foreign-key-without-index", statement):
            continue
        schema = table.schema or "public"
        taken = plan.relation_names.get(schema)
        if taken is None:
            taken = plan.relation_names[schema] = _sql.relation_names([final, start], schema)
        name = _sql.fitted_name(f"{table.name}_{'_'.join(fk.columns_from)}", "_idx", taken)
        label = table_label(table.schema, table.name)
        columns = ", ".join(quoted(c) for c in fk.columns_from)
        plan.add(CONCURRENT, f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {quoted(name)} ON {label} USING btree "
                             f"({columns});")
        plan.note(CONCURRENT, f"{quoted(name)} indexes the columns of foreign key {quoted(fk.name)}: without it every "
                              f"delete or key update in {quoted(fk.table_to)} scans {label}.")
        plan.addresses.append(("foreign-key-without-index", statement.index))
