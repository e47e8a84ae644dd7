from __future__ import annotations

from collections.abc import Hashable, Iterable

from drizzle_lsp.model import DatabaseSchema, ForeignKey, Table
from drizzle_lsp.rules._support.schema_sides import final_table, sql_side
from drizzle_lsp.rules._support.table_facts import indent_step, per_table, quote_facts, replayed_final_key, table_facts
from drizzle_lsp.rules._support.table_keys import covering_key, table_keys
from drizzle_lsp.rules._support.ts_tables import add_extra_config_entry, member_access, quote_of, string_literal, \
    table_source
from drizzle_lsp.rules.framework import Fix, MigrationContext, ProjectContext, Rule, SchemaContext, Violation
from drizzle_lsp.schema_ts.columns import to_camel_case

_MAX_NAME_BYTES = 63


class ForeignKeyWithoutIndex(Rule):
    """A foreign key whose columns do not lead any index of its table.

    ## What it does
    Flags a foreign key when no index, unique constraint or primary key of the referencing table starts with the
    key's columns (in any order). Partial indexes (`.where(...)`) and indexes on expressions do not count: a partial
    index holds only some rows, and an expression index serves only that expression, so neither can answer "which
    rows reference this parent?". The TypeScript schema is the source of truth: a foreign key declared there is
    reported there (an index created only by a hand-written migration still counts as present); migrations report
    only foreign keys the schema does not declare (SQL-only projects, hand-written SQL), judged on the schema left by
    the last migration. MySQL is not checked: InnoDB creates an index for every foreign key by itself.

    ## Why is this bad?
    PostgreSQL indexes the referenced key (it must be unique) but never the referencing columns. Every `DELETE` of a
    parent row, and every update of its key, must find the child rows: without an index that is a scan of the whole
    child table, once per parent row, while holding locks on both. `ON DELETE CASCADE` on a large table turns one
    delete into minutes. Joins from parent to children (drizzle's relational `with: { posts: true }`) scan the child
    table too.

    ## Example
    ```ts
    import { pgTable, integer, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      name: text().notNull(),
    });

    export const posts = pgTable("posts", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      authorId: integer("author_id").notNull().references(() => users.id, { onDelete: "cascade" }),
      title: text().notNull(),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, integer, text, index } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      name: text().notNull(),
    });

    export const posts = pgTable("posts", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      authorId: integer("author_id").notNull().references(() => users.id, { onDelete: "cascade" }),
      title: text().notNull(),
    }, (t) => [
      index("posts_author_id_idx").on(t.authorId),
    ]);
    ```

    ## Fix safety
    In the schema the fix adds `index('<table>_<columns>_idx').on(t.<column>)` to the table's config (creating the
    `(t) => [...]` callback when the table has none, following the array or object form already used) and imports
    `index`. It is safe: it only declares an index. The next `drizzle-kit generate` turns it into a plain
    `CREATE INDEX`, which blocks writes on an existing table while it builds: build it `CONCURRENTLY` in a step of
    its own, as `require-concurrent-index` explains. In a migration there is no automatic fix; the help gives the
    `CREATE INDEX CONCURRENTLY` statement to add.
    """

    name = "foreign-key-without-index"
    group = "indexes"
    severity = "warning"
    has_fix = True
    dialects = ("postgresql", "sqlite")
    target = "schema+migration"
    # Both sides count the indexes of the final replayed state (later migrations, hand-written ones), the SQL side
    # also the TypeScript schema and the latest snapshot (sql_side). The TypeScript side reads its table, the final
    # replayed state, and the file's quote and indentation step (the fix): memo_key.
    reads = "project"
    reads_on = {"schema": "unit"}

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        def indent(_schema: DatabaseSchema, table: Table) -> str | None:
            if not table.foreign_keys or table.range is None or not per_table(
                    table, "foreign-key-without-index.may_indent", lambda: _may_indent(table)):
                return None
            return indent_step(ctx, table.range.path)

        return replayed_final_key(ctx), quote_facts(ctx), table_facts(ctx, "foreign-key-without-index.indent", indent)

    def check_table(self, ctx: SchemaContext) -> Iterable[Violation]:
        table = ctx.table
        keys = table_keys(table)
        migrated = final_table(ctx.project, table)
        keys += table_keys(migrated) if migrated is not None else []
        for fk in table.foreign_keys.values():
            if covering_key(keys, fk.columns_from) is not None:
                continue
            index_name = _index_name(table, fk)
            yield self.violation(
                _message(table, fk), fk.range or table.range,
                help=(f"Index the column{_s(fk)}: add `index(\"{index_name}\").on({_on_args(table, fk, 't')})` to the "
                      "table's config. drizzle-kit then emits a plain CREATE INDEX, which blocks writes on an existing "
                      "table while it builds: run it CONCURRENTLY in a step of its own (see require-concurrent-index)."),
                fix=_ts_fix(ctx, table, fk, index_name),
            )

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        side = sql_side(ctx)
        if side is None:
            return
        for table, fk in side.foreign_keys():
            if covering_key(table_keys(table), fk.columns_from) is not None:
                continue
            index_name = _index_name(table, fk)
            columns = ", ".join(f'"{c}"' for c in fk.columns_from)
            yield self.violation(
                _message(table, fk), fk.range,
                help=(f"Add `CREATE INDEX CONCURRENTLY \"{index_name}\" ON {_label(table)} ({columns});` in a migration "
                      "of its own that runs outside a transaction (CONCURRENTLY fails inside one; on a table that is "
                      "still empty a plain CREATE INDEX is fine)."),
            )


def _may_indent(table: Table) -> bool:
    """Whether the fix may read the file's indentation step (``ts_tables.indent_unit``): when it adds the table's
    config callback, or the first entry of an empty multi-line one. A config holding an index, a key or a check has
    entries."""
    config = table.extra_config_range
    if config is None:
        return True
    return not any(o.range is not None and o.range.path == config.path and config.start <= o.range.start
                   and o.range.end <= config.end
                   for group in (table.indexes, table.unique_constraints, table.primary_keys, table.foreign_keys,
                                 table.checks, table.policies)
                   for o in group.values())


def _s(fk: ForeignKey) -> str:
    return "s" if len(fk.columns_from) > 1 else ""


def _label(table: Table) -> str:
    if table.schema and table.schema != "public":
        return f'"{table.schema}"."{table.name}"'
    return f'"{table.name}"'


def _message(table: Table, fk: ForeignKey) -> str:
    columns = ", ".join(f'"{c}"' for c in fk.columns_from)
    return (f'foreign key "{fk.name}" on {_label(table)} ({columns}) has no index starting with its '
            f'column{_s(fk)}: each delete or key update in "{fk.table_to}" scans all of {_label(table)}, and joins '
            "from it cannot use an index")


def _index_name(table: Table, fk: ForeignKey) -> str:
    taken = set(table.indexes) | set(table.unique_constraints) | set(table.primary_keys)
    base = f"{table.name}_{'_'.join(fk.columns_from)}"
    if len(base.encode("utf-8")) + len("_idx") > _MAX_NAME_BYTES:  # PostgreSQL would cut it silently
        base = base.encode("utf-8")[: _MAX_NAME_BYTES - len("_idx")].decode("utf-8", "ignore")
    name, suffix = f"{base}_idx", 2
    while name in taken:
        name, suffix = f"{base}_idx{suffix}", suffix + 1
    return name


def _keys(table: Table, fk: ForeignKey) -> list[str] | None:
    keys = [table.columns[c].key if c in table.columns else None for c in fk.columns_from]
    return None if any(k is None for k in keys) else keys  # type: ignore[return-value]


def _on_args(table: Table, fk: ForeignKey, param: str) -> str:
    keys = _keys(table, fk) or fk.columns_from
    return ", ".join(member_access(param, key) for key in keys)


def _ts_fix(ctx: SchemaContext, table: Table, fk: ForeignKey, index_name: str) -> Fix | None:
    keys = _keys(table, fk)
    source = table_source(ctx, table)
    if keys is None or source is None:
        return None
    quote = quote_of(source.source)

    def entry(param: str, index_call: str) -> str:
        columns = ", ".join(member_access(param, key) for key in keys)
        return f"{index_call}({string_literal(index_name, quote)}).on({columns})"

    edits = add_extra_config_entry(ctx, table, ctx.dialect, "index", entry, to_camel_case(index_name))
    if not edits:
        return None
    return Fix(f'Add index "{index_name}" on {", ".join(fk.columns_from)}', edits, "safe")
