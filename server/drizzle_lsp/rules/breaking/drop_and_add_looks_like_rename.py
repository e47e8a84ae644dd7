from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from drizzle_lsp.analysis.pg_types import parse_type
from drizzle_lsp.model import Column, Migration, Operation, OpKind, Statement
from drizzle_lsp.rules._support.history import CreatedTables, find_table, quoted, table_key, table_label
from drizzle_lsp.rules._support.statement_edits import join_statements, remove_statement, replace_statement
from drizzle_lsp.rules._support.ts_names import key_rename_snippet
from drizzle_lsp.rules.framework import Fix, MigrationContext, Rule, TextEdit, Violation

# Inline clauses of the added column that a RENAME COLUMN would not reproduce: no fix then.
_INLINE_CONSTRAINT = re.compile(r"\b(UNIQUE|REFERENCES|PRIMARY\s+KEY|CHECK|CONSTRAINT|GENERATED|AUTO_INCREMENT|"
                                r"AUTOINCREMENT|COLLATE)\b", re.IGNORECASE)


@dataclass(slots=True)
class _Located:
    op: Operation
    statement: Statement
    order: int


class DropAndAddLooksLikeRename(Rule):
    """A column dropped and another of the same type added to the same table: a rename that loses the data.

    ## What it does
    Flags, within one migration, `DROP COLUMN a` and `ADD COLUMN b` on the same existing table when `b` has the
    type `a` had. That is exactly what drizzle-kit writes when a column is renamed in the schema and its prompt
    "created or renamed from another column?" is answered with the default, "create column".

    ## Why is this bad?
    Every value of `a` is deleted and `b` starts empty (or fails to be added at all, when it is `NOT NULL` without a
    default on a table that has rows). If a rename was meant, the data is lost for nothing.

    ## Example
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "full_name" text NOT NULL);
    -- 0001_rename_default.sql
    ALTER TABLE "users" ADD COLUMN "display_name" text NOT NULL;--> statement-breakpoint
    ALTER TABLE "users" DROP COLUMN "full_name";
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "full_name" text NOT NULL);
    -- 0001_rename_default.sql
    ALTER TABLE "users" RENAME COLUMN "full_name" TO "display_name";
    ```
    Better still, keep the database name and rename only the TypeScript key (`displayName: text("full_name")`):
    no migration at all, and no window in which the running code sees the wrong name.

    ## Fix safety
    The fix replaces the pair with `ALTER TABLE … RENAME COLUMN a TO b` (plus `SET`/`DROP NOT NULL` and
    `DEFAULT` statements where the new column's differ from the old one's), leaving the rest of the file
    byte-identical and its statement breakpoints valid. It is unsafe: it changes what the migration does (the data
    is kept, and `b` gets `a`'s values), which is right only if a rename was meant. It is not offered when the pair
    is part of a larger `ALTER TABLE`, or when the new column has inline constraints a rename would not create.
    """

    name = "drop-and-add-looks-like-rename"
    group = "breaking"
    severity = "warning"
    has_fix = True
    # The help's `key: builder("old")` snippet looks the new column up in the TypeScript schema
    # (key_rename_snippet); everything else is this migration and its replay.
    reads = "project"

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        replay = getattr(ctx.project, "replay", None)
        if replay is None:
            return
        adds: dict[str, list[_Located]] = {}
        drops: dict[str, list[_Located]] = {}
        order = 0
        created = CreatedTables(ctx.dialect)
        for statement in ctx.migration.statements:
            for op in statement.operations:
                order += 1
                created.feed(op)
                if op.kind not in (OpKind.ADD_COLUMN, OpKind.DROP_COLUMN) or not (op.table and op.column):
                    continue
                if (op.schema, op.table) in created:
                    continue
                bucket = adds if op.kind is OpKind.ADD_COLUMN else drops
                key = table_key(op.schema, op.table, ctx.dialect)
                bucket.setdefault(key, []).append(_Located(op, statement, order))
        for key, dropped in drops.items():
            added = adds.get(key, [])
            for drop in dropped:
                old = _old_column(replay, drop.op)
                if old is None:
                    continue
                candidates = [add for add in added if _same_type(old, add.op.column_def, ctx.dialect)
                              and add.op.column.lower() != old.name.lower()
                              and not _copied_between(ctx.migration, add, drop, old.name)]
                if not candidates:
                    continue
                rivals = [d for d in dropped if d is not drop and any(
                    _same_type(_old_column(replay, d.op), c.op.column_def, ctx.dialect) for c in candidates)]
                yield self._finding(ctx, drop, old, candidates, unique=len(candidates) == 1 and not rivals)

    def _finding(self, ctx: MigrationContext, drop: _Located, old: Column, candidates: list[_Located],
                 unique: bool) -> Violation:
        op = drop.op
        table = table_label(op.schema, op.table)
        new_names = " or ".join(quoted(c.op.column) for c in candidates)
        message = (
            f"DROP COLUMN {quoted(old.name)} and ADD COLUMN {new_names} ({old.type}) on {table} look like a rename "
            f"answered \"create column\" at drizzle-kit's prompt: every value of {quoted(old.name)} is lost and "
            f"{new_names} starts empty"
        )
        add = candidates[0]
        new = add.op.column_def
        if len(candidates) == 1 and new is not None and new.not_null and new.default is None and new.identity is None:
            message += "; NOT NULL without a default, its ADD COLUMN even fails once the table has rows"
        snippet = key_rename_snippet(ctx, op.table, add.op.column, old.name, old.type)
        help_text = (
            f"If this is a rename, keep the data: rename only the TypeScript key and keep the database name "
            f"(`{snippet}`, then no migration is needed), or replace the pair with `RENAME COLUMN`. If both columns "
            "really are unrelated, silence this with `-- drizzle-lsp-ignore drop-and-add-looks-like-rename`."
        )
        fix = self._fix(ctx, drop, add, old) if unique else None
        return self.violation(
            message,
            op.range,
            help=help_text,
            fix=fix,
            related=[(c.op.range, f"{quoted(c.op.column)} added here") for c in candidates],
        )

    def _fix(self, ctx: MigrationContext, drop: _Located, add: _Located, old: Column) -> Fix | None:
        migration = ctx.migration
        if len(drop.statement.operations) != 1 or len(add.statement.operations) != 1:
            return None
        new = add.op.column_def
        if new is None or new.identity is not None or new.generated is not None or new.primary_key:
            return None
        definition = migration.text[add.op.column_range.end:add.statement.range.end] if add.op.column_range else ""
        if _INLINE_CONSTRAINT.search(definition):
            return None
        first, second = sorted((drop, add), key=lambda located: located.order)
        prefix = migration.text[first.statement.range.start:first.op.table_range.end] if first.op.table_range else None
        if not prefix or drop.op.column_range is None or add.op.column_range is None:
            return None
        old_name = migration.text[drop.op.column_range.start:drop.op.column_range.end]
        new_name = migration.text[add.op.column_range.start:add.op.column_range.end]
        statements = [f"{prefix} RENAME COLUMN {old_name} TO {new_name};"]
        adjustments = _adjustments(ctx.dialect, old, new)
        if adjustments is None:
            return None
        statements += [f"{prefix} ALTER COLUMN {new_name} {change};" for change in adjustments]
        edits: list[TextEdit] = [
            replace_statement(migration, first.statement, join_statements(migration, statements)),
            remove_statement(migration, second.statement),
        ]
        return Fix(
            f"Replace with RENAME COLUMN {old_name} TO {new_name}",
            edits,
            "unsafe",
        )


def _old_column(replay, op: Operation) -> Column | None:
    state = replay.state_before(op)
    table = find_table(state, op.schema, op.table)
    if table is None:
        return None
    column = table.columns.get(op.column or "")
    if column is None:
        lowered = (op.column or "").lower()
        column = next((c for c in table.columns.values() if c.name.lower() == lowered), None)
    return column


def _type_key(column: Column, dialect: str) -> tuple:
    if dialect == "postgresql":
        parsed = parse_type(column.type)
        schema = (column.type_schema or "public") if not parsed.known else None
        return parsed.base, parsed.args, parsed.array_dims, schema
    return (re.sub(r"\s+", " ", column.type.strip().lower()),)


def _same_type(old: Column | None, new: Column | None, dialect: str) -> bool:
    return old is not None and new is not None and _type_key(old, dialect) == _type_key(new, dialect)


def _copied_between(migration: Migration, add: _Located, drop: _Located, old_name: str) -> bool:
    """A statement between the ADD and a later DROP reads the old column (``UPDATE t SET b = a``): the data is being
    moved on purpose, so this is no accidental rename."""
    if add.order > drop.order:
        return False
    pattern = re.compile(r'(?<![\w$])["`]?' + re.escape(old_name) + r'["`]?(?![\w$])', re.IGNORECASE)
    order = 0
    for statement in migration.statements:
        for op in statement.operations:
            order += 1
            if add.order < order < drop.order and op.kind in (OpKind.UPDATE, OpKind.INSERT, OpKind.UNKNOWN,
                                                              OpKind.DO_BLOCK) and pattern.search(op.raw):
                return True
    return False


def _adjustments(dialect: str, old: Column, new: Column) -> list[str] | None:
    """``ALTER COLUMN`` clauses that give the renamed column the new column's nullability and default; None when the
    dialect cannot express them in place (SQLite, MySQL): then no fix."""
    changes: list[str] = []
    if old.not_null != new.not_null:
        changes.append("SET NOT NULL" if new.not_null else "DROP NOT NULL")
    if _default_key(old.default) != _default_key(new.default):
        changes.append(f"SET DEFAULT {new.default}" if new.default is not None else "DROP DEFAULT")
    if changes and dialect != "postgresql":
        return None
    return changes


def _default_key(default: str | None) -> str | None:
    if default is None:
        return None
    return re.sub(r"::[\w\s\".]+$", "", default.strip())
