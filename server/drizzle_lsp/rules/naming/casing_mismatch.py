from __future__ import annotations

from collections.abc import Hashable, Iterable

from drizzle_lsp.model import Column, DatabaseSchema, Table
from drizzle_lsp.rules._support.runtime_casing import RuntimeCall, drizzle_calls
from drizzle_lsp.rules._support.ts_builders import builder_call
from drizzle_lsp.rules._support.naming_policy import SNAKE, NamingPolicy, config_casing, has_explicit_name
from drizzle_lsp.rules._support.ts_tables import append_to_list, insert_column_name, quote_of, remove_entry_in, string_literal
from drizzle_lsp.rules._support.spread_columns import inserted_name_quotes, spreads, ts_column
from drizzle_lsp.rules._support.table_facts import per_analysis, per_table
from drizzle_lsp.rules.framework import Fix, ProjectContext, Rule, SchemaContext, TextEdit, Violation
from drizzle_lsp.rules.memo import Same
from drizzle_lsp.schema_ts.columns import apply_casing, to_snake_case


class CasingMismatch(Rule):
    """TypeScript keys and database names that disagree with drizzle's `casing` option, or a runtime `casing` that
    differs from drizzle-kit's.

    ## What it does
    drizzle derives a column's database name from its TypeScript key when the builder is given no name
    (`firstName: text()`), applying the `casing` option: drizzle-kit's from `drizzle.config.ts` when it writes
    migrations, and the runtime's from `drizzle({ casing })` when it writes queries. This rule flags:

    - a `drizzle(...)` call in the project's source whose `casing` differs from `drizzle.config.ts` (one of them
      unset counts), when some column is named from its key so that the two casings give it different names. Source
      files under the project root are read statically (`node_modules` and build output excluded);
    - with `casing` set in the config, an explicit name that only re-spells the key in another casing
      (`firstName: text("firstName")` under `casing: "snake_case"`): it bypasses the option for this one column.
      An explicit name with other words (`createdAt: timestamp("inserted")`) is a deliberate choice and is not
      flagged;
    - with no `casing` in the config and the `snake_case` naming convention, camelCase keys left to name their
      columns (`firstName: text()` gives `"firstName"`) when most camelCase keys of the schema are mapped to
      snake_case names by hand (`lastName: text("last_name")`): the names were forgotten on those. This is reported
      once, at the first such column, because the remedy is one decision: add the names, or set `casing` and drop
      the hand-written ones (`naming-convention` reports each column against the convention).

    ## Why is this bad?
    When the casings differ, drizzle-kit creates `"first_name"` and the application queries `"firstName"`: every
    query on that table fails with `column "firstName" does not exist` (Better Auth users see exactly this for
    `emailVerified`). The other two cases leave one column named differently from its neighbours, which hand-written
    SQL then gets wrong.

    ## Example
    ```ts
    import { pgTable, integer, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      firstName: text(),
      lastName: text("last_name"),
      displayName: text("display_name"),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, integer, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      firstName: text("first_name"),
      lastName: text("last_name"),
      displayName: text("display_name"),
    });
    ```

    ## Fix safety
    All fixes are unsafe or suggestions. At a `drizzle(...)` call the fix sets `casing` to the config's value (or
    removes it when the config has none), which changes the SQL of every query: unsafe, and right only if the
    database was migrated with drizzle-kit's casing. In the schema the fix drops the re-spelled name, or adds the
    snake_case name: a suggestion, since for an existing column drizzle-kit then generates a rename.
    """

    name = "casing-mismatch"
    group = "naming"
    severity = "warning"
    has_fix = True
    target = "schema+project"
    # The TypeScript side reads its table plus what memo_key holds: the tables sharing each spread column, and the
    # hand-mapped names counted over every table (its finding and fix name the columns of other tables), and the quote
    # the fix adding a name writes in each file. The project side (drizzle() calls in the sources) runs on every
    # analysis anyway.
    reads = "project"
    reads_on = {"schema": "unit"}

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        schema = ctx.project.project.schema
        return spreads(schema).key, _hand_mapping_key(ctx, schema), inserted_name_quotes(ctx)

    def check_column(self, ctx: SchemaContext) -> Iterable[Violation]:
        shared = ts_column(ctx)
        if shared is None or not shared.column.key:
            return
        column, key = shared.column, shared.column.key
        casing = config_casing(ctx.project)
        explicit = has_explicit_name(column)
        if casing is not None and explicit:
            derived = apply_casing(casing, key)
            if column.name != derived and to_snake_case(column.name) == to_snake_case(key):
                yield self.violation(
                    f"{shared.label} is named \"{column.name}\" explicitly, which bypasses casing: \"{casing}\" in "
                    f"drizzle.config.ts (the key alone gives \"{derived}\")", column.name_range or column.range,
                    help=(f"Drop the name (`{key}: {column.builder or 'text'}()`) so casing derives \"{derived}\" like "
                          "the other columns; for an existing column that is a rename (see rename-column). Keep it "
                          "if the column must stay as it is, and suppress this finding."),
                    fix=_drop_name_fix(ctx, column, derived),
                )
        elif casing is None and not explicit:
            yield from self._hand_mapping(ctx, shared.label, column)

    def _hand_mapping(self, ctx: SchemaContext, label: str, column: Column) -> Iterable[Violation]:
        """No casing option, most camelCase keys given snake_case names by hand, a few not: one finding, at the first
        of those few, since the remedy (a casing option, or the missing names) is one decision."""
        if NamingPolicy.of(ctx.settings, ctx.project).convention != SNAKE:
            return  # under a camelCase convention the hand-mapped names are the odd ones, which naming-convention says
        mapped, kept = _hand_mapped(ctx.schema)
        if not kept or column is not kept[0][1] or len(mapped) <= len(kept):
            return
        names = ", ".join(f'"{t.name}"."{c.name}"' for t, c in kept[:4]) + (" …" if len(kept) > 4 else "")
        total = len(mapped) + len(kept)
        edits = [insert_column_name(ctx, c.type_range, to_snake_case(c.key or c.name)) for _t, c in kept]
        fix = None
        if all(e is not None for e in edits):
            fix = Fix(f"Name {'these columns' if len(kept) > 1 else 'the column'} in snake_case", edits, "suggestion")
        if len(kept) > 1:
            what = f"{len(kept)} columns take their database names from camelCase keys ({names})"
        else:
            what = f"{label} takes its database name from its camelCase key"
        yield self.violation(
            f"{what} while {len(mapped)} of {total} camelCase keys are mapped to snake_case names by hand, and "
            "drizzle.config.ts sets no casing",
            column.name_range or column.range,
            help=(f"Name {'them' if len(kept) > 1 else 'it'} like the others (`{column.key}: {column.builder or 'text'}"
                  f"(\"{to_snake_case(column.key or column.name)}\")`), or set `casing: \"snake_case\"` in "
                  "drizzle.config.ts and in `drizzle({ casing })` and drop the hand-written names. For an existing "
                  "column either way is a rename (see rename-column)."),
            fix=fix,
        )

    def check_project(self, ctx: ProjectContext) -> Iterable[Violation]:
        project = ctx.project.project
        config = project.config
        if "casing" in config.ranges and config.casing is None:
            return  # written but unreadable or invalid: the config reader already says so
        calls = [c for c in drizzle_calls(project.root, ctx.workspace) if c.resolved]
        for call in calls:
            if call.casing == config.casing:
                continue
            example = _differently_named(project.schema, config.casing, call.casing)
            if example is None:
                continue  # every column has an explicit name (or one word): the casings agree on all of them
            table, column = example
            queried = apply_casing(call.casing, column.key or column.name)
            kit = f'casing: "{config.casing}"' if config.casing else "no casing"
            runtime = f'casing: "{call.casing}"' if call.casing else "no casing"
            related = [(config.ranges["casing"], "drizzle-kit's casing")] if "casing" in config.ranges else []
            yield self.violation(
                f"drizzle.config.ts sets {kit} but this drizzle() call sets {runtime}: column "
                f"\"{table.name}\".\"{column.name}\" is created as \"{column.name}\" and queried as \"{queried}\", "
                "so queries on it fail", call.range,
                help=(f"Pass the config's casing to drizzle(): `{_pair_text(config.casing)}`" if config.casing else
                      "Remove casing from this call (drizzle.config.ts has none), or add the same casing to "
                      "drizzle.config.ts if the database was created with it."),
                fix=_runtime_fix(call, config.casing), related=related, severity="error",
            )


def _columns(schema: DatabaseSchema) -> list[tuple[Table, Column]]:
    """Every column once, a definition shared through a spread counting once."""
    seen: set[object] = set()
    out = []
    for table in schema.tables.values():
        for column in table.columns.values():
            marker = column.range if column.range is not None else (table.name, column.name)
            if marker not in seen:
                seen.add(marker)
                out.append((table, column))
    return out


_Pairs = list[tuple[Table, Column]]


def _categorised(table: Table) -> tuple[tuple[Column, bool | None, bool], ...]:
    """The table's columns with a camelCase key given their snake_case name by hand (True) or named after the key
    (False), and those without a range (None, whose marker in ``_columns`` is their table's and their own name), each
    with whether it lies inside the table's own call (invariant under the extractor's moves, see spread_columns)."""
    found = []
    for column in table.columns.values():
        key = column.key
        inside = (column.range is not None and table.range is not None and column.range.path == table.range.path
                  and table.range.start <= column.range.start and column.range.end <= table.range.end)
        if key and to_snake_case(key) != key:
            if has_explicit_name(column) and column.name == to_snake_case(key):
                found.append((column, True, inside))
                continue
            if not has_explicit_name(column) and column.name == key:
                found.append((column, False, inside))
                continue
        if column.range is None:
            found.append((column, None, inside))
    return tuple(found)


def _hand_mapped(schema: DatabaseSchema) -> tuple[_Pairs, _Pairs]:
    """Columns with a camelCase key: (those given their snake_case name by hand, those named after the key), every
    column once as in ``_columns``. Computed once per schema, not once per column."""
    return per_analysis(schema, "casing-mismatch.hand-mapped", lambda: _compute_hand_mapped(schema))


def _compute_hand_mapped(schema: DatabaseSchema) -> tuple[_Pairs, _Pairs]:
    mapped: _Pairs = []
    kept: _Pairs = []
    hosted = spreads(schema).hosted
    seen: set[object] = set()
    for table in schema.tables.values():
        for column, by_hand, inside in per_table(table, "casing-mismatch.columns", lambda: _categorised(table)):
            # ``_columns`` counts a definition once: only these columns can be kept or mapped, or hide one of them
            # (the same range is the same definition, so the same category). A column inside its table's own call
            # has a range no other column has, unless a spread's range lies there too (``hosted``).
            if not inside or (hosted and column.range in hosted):
                marker = column.range if column.range is not None else (table.name, column.name)
                if marker in seen:
                    continue
                seen.add(marker)
            if by_hand is not None:
                (mapped if by_hand else kept).append((table, column))
    return mapped, kept


def _hand_mapping_key(ctx: ProjectContext, schema: DatabaseSchema) -> Hashable:
    """What ``_hand_mapping`` reports, for memo_key: nothing without a finding; else the count of hand-mapped names
    and the columns named after their keys, with the very tables holding them (the fix edits their builder calls)."""
    if config_casing(ctx.project) is not None or NamingPolicy.of(ctx.settings, ctx.project).convention != SNAKE:
        return None
    mapped, kept = _hand_mapped(schema)
    if not kept or len(mapped) <= len(kept):
        return None
    return len(mapped), tuple((Same(table), column.name) for table, column in kept)


def _differently_named(schema: DatabaseSchema, kit: str | None, runtime: str | None) -> tuple[Table, Column] | None:
    for table, column in _columns(schema):
        if column.key and not has_explicit_name(column) and apply_casing(kit, column.key) != apply_casing(
                runtime, column.key):
            return table, column
    return None


def _pair_text(casing: str) -> str:
    return f'casing: "{casing}"'


def _runtime_fix(call: RuntimeCall, casing: str | None) -> Fix | None:
    source = call.source
    quote = quote_of(source)
    if casing is None:
        if call.casing_pair is None or call.options is None:
            return None
        edit = remove_entry_in(source, source.rng(call.casing_pair), source.rng(call.options))
        return Fix("Remove casing from drizzle()", [edit], "unsafe") if edit is not None else None
    pair = f"casing: {string_literal(casing, quote)}"
    if call.casing_pair is not None:
        edits = [TextEdit.replace(source.rng(call.casing_pair), pair)]
    elif call.options is not None:
        entries = [c for c in call.options.named_children if c.type != "comment"]
        edits = append_to_list(source, call.options, entries, pair)
    elif call.arguments:
        edits = [TextEdit.insert(source.path, source.parsed.end(call.arguments[-1]), f", {{ {pair} }}")]
    else:
        return None
    return Fix(f'Use casing "{casing}" in drizzle()', edits, "unsafe")


def _drop_name_fix(ctx: SchemaContext, column: Column, derived: str) -> Fix | None:
    call = builder_call(ctx, column.type_range)
    if call is None or call.column_name is None:
        return None
    parsed = call.source.parsed
    end = parsed.start(call.args[1]) if len(call.args) > 1 else parsed.end(call.column_name)
    edit = TextEdit(call.path, parsed.start(call.column_name), end, "")
    return Fix(f'Drop the explicit name (casing gives "{derived}")', [edit], "suggestion")
