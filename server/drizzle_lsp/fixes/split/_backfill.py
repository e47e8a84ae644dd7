"""Data changes written into a schema migration (``UPDATE``, ``DELETE``, ``INSERT … SELECT`` on a table the same
migration alters), moved out of the schema change's transaction: as batches where the shape allows, else as written
into a step of their own.

A batch is only correct when repeating it ends: a ``DELETE`` always does (deleted rows stop matching), an ``UPDATE``
only when it assigns a non-NULL constant to a column its WHERE requires to be NULL. Anything else (``SET n = n + 1``
repeated "until no row changes" would never stop, an ``INSERT … SELECT`` would insert again) runs once, as written,
in the ``data`` step: still one transaction, but no longer one that holds the schema change's locks.

The clauses are found with PostgreSQL's own scanner (``sql.pg_adapter.scan``), at parenthesis depth 0.
"""

from __future__ import annotations

from drizzle_lsp.fixes.split import _sql
from drizzle_lsp.fixes.split._context import BACKFILL, DATA, Item, table_key
from drizzle_lsp.model import OpKind
from drizzle_lsp.rules._support.statement_facts import per_statements
from drizzle_lsp.sql.pg_adapter import scan

_CLAUSES_WE_CANNOT_BATCH = {"FROM", "USING", "RETURNING", "WITH", "ONLY", "CURRENT", "ORDER", "LIMIT"}
_CONSTANT_WORDS = {"TRUE", "FALSE", "CURRENT_DATE", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP"}


def data_change(item: Item, *, dry_run: bool) -> str | None:
    op = item.op
    if op.kind is OpKind.INSERT and not op.from_select:
        return None  # a few seed rows: no scan worth moving
    if not _schema_change_of_same_table(item):
        return None  # a data-only migration already is its own step
    if dry_run:
        return "backfill-in-schema-migration"
    batched = _batched(item)
    if batched is None:
        item.plan.add(DATA, item.text)
        item.plan.note(DATA, "Moved as written out of the schema change's transaction; it runs once, as one "
                             "transaction. On a large table, rewrite it as batches of a few thousand rows.")
        return None
    item.plan.add(BACKFILL, batched)
    item.plan.backfilled.add(item.key)
    return None


def _batched(item: Item) -> str | None:
    """The statement as a batch to repeat until it changes no row, or None when repeating it might not end."""
    op = item.op
    if op.kind not in (OpKind.UPDATE, OpKind.DELETE) or not op.has_where:
        return None
    parts = _clauses(item.text)
    if parts is None:
        return None
    head, where = parts
    if op.kind is OpKind.DELETE:
        return _sql.batched_delete(op.schema, item.table, op.table or "", where)
    assignments = _terminating_assignments(item.text, head, where)
    if assignments is None:
        return None
    return _sql.batched_update(op.schema, item.table, op.table or "", assignments, where)


def _schema_change_of_same_table(item: Item) -> bool:
    return item.key in _schema_changed_tables(item.plan.migration.statements)


def _schema_changed_tables(statements: list) -> set[str]:
    """The tables (``table_key``) some statement of the migration changes the schema of: once per migration, not
    once per data change."""
    def compute() -> set[str]:
        return {table_key(op.schema, op.table) for statement in statements for op in statement.operations
                if op.kind not in (OpKind.UPDATE, OpKind.DELETE, OpKind.INSERT) and op.table}
    return per_statements(statements, "split: schema-changed tables", compute)


def _clauses(text: str) -> tuple[list, str] | None:
    """(tokens of everything before WHERE, the WHERE condition as written), or None for shapes not batched."""
    scanned = scan(text)
    if scanned is None:
        return None
    tokens = [t for t in scanned[0] if t.text != ";"]
    depth, where_at = 0, None
    for index, token in enumerate(tokens):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and token.upper in _CLAUSES_WE_CANNOT_BATCH and index > 0 and \
                not (index == 1 and token.upper == "FROM"):  # DELETE FROM: the statement's own FROM
            return None
        elif depth == 0 and token.upper == "WHERE" and where_at is None:
            where_at = index
    if where_at is None or where_at + 1 >= len(tokens):
        return None
    condition = text[tokens[where_at + 1].start:tokens[-1].end]
    return tokens[:where_at], condition


def _terminating_assignments(text: str, head: list, where: str) -> str | None:
    """The SET list as written, when each assigned column gets a constant and the WHERE demands one of them be NULL
    (``c IS NULL`` at depth 0, joined by AND): after its batch a row no longer matches, so the repetition ends."""
    words = [t.upper for t in head]
    if "SET" not in words:
        return None
    set_at = words.index("SET")
    assigned: list[str] = []
    values: list[list] = []
    current: list = []
    for token in head[set_at + 1:] + [None]:
        if token is None or token.text == ",":
            if len(current) < 3 or current[1].text != "=":
                return None
            assigned.append(current[0].name)
            values.append(current[2:])
            current = []
        else:
            current.append(token)
    if not all(_is_constant(value) for value in values):
        return None
    scanned = scan(where)
    if scanned is None:
        return None
    tokens = scanned[0]
    depth, nulls = 0, set()
    for index, token in enumerate(tokens):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and token.upper == "OR":
            return None  # another branch could keep matching a row after its update
        elif (depth == 0 and token.kind in ("word", "qword") and index + 2 < len(tokens)
              and tokens[index + 1].upper == "IS" and tokens[index + 2].upper == "NULL"):
            nulls.add(token.name)
    if not nulls & set(assigned):
        return None
    return text[head[set_at + 1].start:head[-1].end]


def _is_constant(tokens: list) -> bool:
    """A value that is never NULL: a string or number literal (maybe cast), TRUE/FALSE, or now()."""
    if not tokens:
        return False
    first = tokens[0]
    if first.upper == "NULL":
        return False
    rest = tokens[1:]
    if first.kind in ("string", "number") or first.upper in _CONSTANT_WORDS:
        return all(t.text == "::" or t.kind in ("word", "qword") for t in rest) and \
            not any(t.upper == "NULL" for t in rest)
    if first.kind == "punct" and first.text == "-" and len(tokens) == 2 and tokens[1].kind == "number":
        return True
    return first.upper == "NOW" and [t.text for t in rest] == ["(", ")"]

