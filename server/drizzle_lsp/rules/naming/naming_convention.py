from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass

from drizzle_lsp.model import Column, SourceRange, Table
from drizzle_lsp.rules._support.naming_policy import (
    NamingPolicy, NumberVerdict, better_auth_tables, config_casing, has_explicit_name, number_verdicts, other_number,
)
from drizzle_lsp.rules._support.schema_sides import sql_side
from drizzle_lsp.rules._support.ts_builders import schema_source
from drizzle_lsp.rules._support.ts_tables import insert_column_name, node_spanning, string_literal
from drizzle_lsp.rules._support.spread_columns import inserted_name_quotes, spreads, ts_column
from drizzle_lsp.rules.framework import Fix, MigrationContext, ProjectContext, Rule, SchemaContext, TextEdit, Violation

# The name shapes drizzle-kit generates when none is given: they follow from table and column names, which are
# checked themselves, so flagging them would report one mistake several times.
_GENERATED_SUFFIX = {"index": "_index", "unique constraint": "_unique", "foreign key": "_fk", "primary key": "_pk"}


class NamingConvention(Rule):
    """A table, column, index or constraint name off the project's naming convention.

    ## What it does
    Checks database names (not TypeScript keys) against `[naming] convention` in `.drizzle-lsp.toml`:
    `snake_case` (lower case, digits and underscores) or `camelCase`. When it is not set, the drizzle config's
    `casing` decides: `casing: 'camelCase'` means camelCase names, anything else snake_case. In a camelCase schema, index and
    constraint names may join camelCase parts with underscores, as drizzle-kit builds them
    (`userProfiles_userId_idx`). Names in the shapes drizzle-kit generates when none is given
    (`<table>_<columns>_index`, `_unique`, `_fk`, `_pk`) are left alone: they follow from the table and column names,
    which are checked themselves.

    Tables are also checked for plural or singular names (judged by the last word: `user_profiles` is plural;
    words such as `data`, `media` or `audit_log`'s `log` count as neither). With `[naming] tables = "plural"` or
    `"singular"` the other form is flagged. With the default `"any"`, only a minority is: when the schema mixes both
    forms, the tables using the less common one are flagged (9 plural tables and 1 singular: the singular one); a
    tie flags nothing. Better Auth's tables (`user`, `session`, `account`, `verification`, and its plugins' tables)
    are singular by design, because Better Auth looks models up by those names (plural only with `usePlural`); when
    `better-auth` is a dependency or those four tables exist, they are left out of the count and never flagged for
    it, and their index names (Better Auth's generator writes `session_userId_idx`, from its JS field names) are not
    checked either. Their column names are.

    The TypeScript schema is the source of truth: its names are reported there; migrations report only objects the
    schema does not declare (SQL-only projects, hand-written SQL).

    ## Why is this bad?
    Mixed conventions make every hand-written query a guess: PostgreSQL folds unquoted names to lower case, so a
    camelCase column must be quoted everywhere (`SELECT "firstName"`), and a query written `firstName` fails with
    `column "firstname" does not exist`. A mix of `user` and `orders` makes the next table's name a coin toss.
    Renaming later is a migration that breaks running code, so it is cheapest to fix before the first deploy. On
    MySQL a table name is a file name: a server with `lower_case_table_names=1` (Windows, and many managed
    offers) or `2` (macOS) stores `accountNotes` as `accountnotes`, so a dump moved between servers, or a query
    spelled differently, stops finding it.

    ## Example
    ```ts
    import { pgTable, integer, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      firstName: text(),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, integer, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: integer().primaryKey().generatedAlwaysAsIdentity(),
      firstName: text("first_name"),
    });
    ```

    ## Fix safety
    The fix is a suggestion: in the schema it rewrites the name as the convention spells it (for a column named after
    its key, it adds the name: `text("first_name")`), keeping the TypeScript key. For an object that already exists,
    the next `drizzle-kit generate` asks whether it was renamed; a rename breaks running code that still uses the old
    name until the new code is deployed (see `rename-column` and `rename-table`). The plural/singular finding and the
    SQL side have no automatic fix.
    """

    name = "naming-convention"
    group = "naming"
    severity = "info"
    has_fix = True
    target = "schema+migration"
    # The TypeScript side reads its table plus what memo_key holds: the plural/singular verdicts (counted over the
    # schema's and the final replay's tables), Better Auth's tables (from the table names and package.json) and the
    # tables sharing each spread column, and the quote the fix adding a name writes in each file. The SQL side reads
    # sql_side (final state, TypeScript schema, snapshot).
    reads = "project"
    reads_on = {"schema": "unit"}

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        facts = _project_names(ctx.project, NamingPolicy.of(ctx.settings, ctx.project))
        return facts.key, spreads(ctx.project.project.schema).key, inserted_name_quotes(ctx)

    # --- TypeScript -------------------------------------------------------------------------------------------------

    def check_table(self, ctx: SchemaContext) -> Iterable[Violation]:
        policy = NamingPolicy.of(ctx.settings, ctx.project)
        table = ctx.table
        where = table.name_range or table.range
        if not policy.fits(table.name):
            new = policy.suggest(table.name)
            mysql_case = (" (and MySQL servers with lower_case_table_names=1 or 2 store it lowercased)"
                          if ctx.dialect == "mysql" and table.name != table.name.lower() else "")
            yield self.violation(
                f"table {_label(table)} is not {policy.convention}: the convention spells it \"{new}\"{mysql_case}",
                where,
                help=f"Rename it \"{new}\" in the table call. {_rename_risk('table')}",
                fix=_literal_fix(ctx, table.name_range, table.name, new),
            )
        facts = _project_names(ctx.project, policy)
        verdict = facts.verdicts.get(table.name)
        if verdict is not None:
            yield self._number_violation(table, verdict, where)
        for kind, name, rng in _named_objects(table):
            if rng is None or _generated(table, kind, name) or policy.fits(name, compound=True):
                continue
            if table.name in facts.better_auth:
                continue  # Better Auth's generator names them from its JS fields (`session_userId_idx`)
            new = policy.suggest(name, compound=True)
            yield self.violation(
                f"{kind} \"{name}\" on {_label(table)} is not {policy.convention}: the convention spells it \"{new}\"",
                rng, help=f"Rename it \"{new}\".", fix=_string_in_range_fix(ctx, rng, name, new),
            )

    def check_column(self, ctx: SchemaContext) -> Iterable[Violation]:
        shared = ts_column(ctx)
        if shared is None:
            return
        policy = NamingPolicy.of(ctx.settings, ctx.project)
        column = shared.column
        if policy.fits(column.name):
            return
        new = policy.suggest(column.name)
        explicit = has_explicit_name(column)
        builder = column.builder or "text"
        if explicit:
            help = f"Rename it: `{column.key}: {builder}(\"{new}\")` keeps the TypeScript key. {_rename_risk('column')}"
            fix = _literal_fix(ctx, column.name_range, column.name, new)
        else:
            casing = config_casing(ctx.project)
            origin = (f"drizzle.config.ts sets casing: \"{casing}\", which derives it from the key" if casing
                      else "drizzle.config.ts sets no casing, so the key is used as it is")
            help = (f"Its name comes from the key `{column.key}` ({origin}). Name it explicitly, "
                    f"`{column.key}: {builder}(\"{new}\")`, or set `casing` in drizzle.config.ts and in "
                    f"`drizzle({{ casing }})` to match the convention. {_rename_risk('column')}")
            fix = _add_name_fix(ctx, column, new)
        yield self.violation(
            f"{shared.label} is not {policy.convention}: the convention spells it \"{new}\"",
            column.name_range or column.range, help=help, fix=fix,
        )

    def _number_violation(self, table: Table, verdict: NumberVerdict, where: SourceRange | None) -> Violation:
        other = "singular" if verdict.wanted == "plural" else "plural"
        suggestion = other_number(table.name, verdict.wanted)
        return self.violation(
            f"table {_label(table)} is {other} but {verdict.reason}", where,
            help=(f"Name it \"{suggestion}\" to match, or state the convention in .drizzle-lsp.toml: [naming] tables = "
                  f"\"{verdict.wanted}\" (or \"{other}\", which flags the others instead). {_rename_risk('table')}"),
        )

    # --- SQL --------------------------------------------------------------------------------------------------------

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        side = sql_side(ctx)
        if side is None:
            return
        policy = NamingPolicy.of(ctx.settings, ctx.project)
        facts = _project_names(ctx.project, policy)
        help_sql = "Rename it in a new migration (or in this one, if it has not been applied anywhere yet)."
        for table, owners in side.tables():
            where = table.name_range or table.range
            if not owners and side.here(table.range):
                if not policy.fits(table.name):
                    yield self.violation(f"table {_label(table)} is not {policy.convention}: the convention spells it "
                                         f"\"{policy.suggest(table.name)}\"", where, help=help_sql)
                if table.name in facts.verdicts:
                    yield self._number_violation(table, facts.verdicts[table.name], where)
            for column in table.columns.values():
                if not side.here(column.range) or any(column.name in owner.columns for owner in owners):
                    continue
                if not policy.fits(column.name):
                    yield self.violation(
                        f"column \"{table.name}\".\"{column.name}\" is not {policy.convention}: the convention spells "
                        f"it \"{policy.suggest(column.name)}\"", column.name_range or column.range, help=help_sql)
            for kind, name, rng in _named_objects(table):
                if not side.here(rng) or any(_declared(o, kind, name) for o in owners) or _generated(table, kind, name):
                    continue
                if table.name in facts.better_auth:
                    continue
                if not _written(ctx.text, rng, name) or policy.fits(name, compound=True):
                    continue  # a name PostgreSQL made up (`posts_author_id_fkey`) is not the author's choice
                yield self.violation(
                    f"{kind} \"{name}\" on {_label(table)} is not {policy.convention}: the convention spells it "
                    f"\"{policy.suggest(name, compound=True)}\"", rng, help=help_sql)


# --- helpers ----------------------------------------------------------------------------------------------------------

def _label(table: Table) -> str:
    if table.schema and table.schema != "public":
        return f'"{table.schema}"."{table.name}"'
    return f'"{table.name}"'


def _rename_risk(what: str) -> str:
    return (f"If the {what} already exists, the rename is a migration that breaks running code still using the old "
            f"name until it is deployed (see rename-{what}).")


def _named_objects(table: Table) -> Iterator[tuple[str, str, SourceRange | None]]:
    for index in table.indexes.values():
        yield "index", index.name, index.range
    for unique in table.unique_constraints.values():
        yield "unique constraint", unique.name, unique.range
    for fk in table.foreign_keys.values():
        yield "foreign key", fk.name, fk.range
    for pk in table.primary_keys.values():
        yield "primary key", pk.name, pk.range
    for check in table.checks.values():
        yield "check constraint", check.name, check.range


def _generated(table: Table, kind: str, name: str) -> bool:
    suffix = _GENERATED_SUFFIX.get(kind)
    if kind == "primary key" and any(name == f"{table.name}_{'_'.join(pk.columns)}" for pk in
                                     table.primary_keys.values()):
        return True  # MySQL: drizzle-kit names a column's primary key `<table>_<column>`
    return suffix is not None and name.startswith(f"{table.name}_") and name.endswith(suffix)


def _declared(declared: Table, kind: str, name: str) -> bool:
    collections = {"index": declared.indexes, "unique constraint": declared.unique_constraints,
                   "foreign key": declared.foreign_keys, "primary key": declared.primary_keys,
                   "check constraint": declared.checks}
    return name in collections.get(kind, {})


def _written(text: str, rng: SourceRange | None, name: str) -> bool:
    if rng is None:
        return False
    written = text[rng.start:rng.end]
    return f'"{name}"' in written or re.search(rf"(?<![\w\"]){re.escape(name)}(?![\w\"])", written) is not None


@dataclass(frozen=True, slots=True)
class _ProjectNames:
    verdicts: dict[str, NumberVerdict]  # plural/singular findings by table name
    better_auth: frozenset[str]  # tables Better Auth owns
    key: Hashable  # both, compared between analyses (memo_key)


# Computed once per project run, not once per table: the plural/singular count is over every table.
_project_cache: dict[tuple[int, NamingPolicy], tuple[object, _ProjectNames]] = {}
# The facts for a set of table names, Better Auth's tables among them and a policy: typing in one table leaves the
# names (and so the facts) of the others as they were, and a one-character edit of a name goes back and forth.
_facts_cache: dict[tuple[NamingPolicy, frozenset[str], frozenset[str]], _ProjectNames] = {}
_replay_names: list[tuple[object, frozenset[str]]] = []  # the last replay's final state and its table names


def _project_names(analyzed: object, policy: NamingPolicy) -> _ProjectNames:
    """Facts over every table of the project: the TypeScript schema's and those only the SQL creates."""
    key = (id(analyzed), policy)
    cached = _project_cache.get(key)
    if cached is not None and cached[0] is analyzed:
        return cached[1]
    project = getattr(analyzed, "project", None)
    names = frozenset(t.name for t in project.schema.tables.values()) if project is not None else frozenset()
    replay = getattr(analyzed, "replay", None)
    if replay is not None and getattr(replay, "after", None):
        names |= _final_names(replay.final)
    auth = frozenset(better_auth_tables(names, getattr(project, "root", None)))  # reads package.json
    facts = _facts_cache.get((policy, names, auth))
    if facts is None:
        verdicts = number_verdicts(policy, sorted(names), set(auth))
        facts = _ProjectNames(verdicts, auth, (frozenset(verdicts.items()), auth))
        if len(_facts_cache) > 16:
            _facts_cache.clear()
        _facts_cache[(policy, names, auth)] = facts
    if len(_project_cache) > 16:
        _project_cache.clear()
    _project_cache[key] = (analyzed, facts)
    return facts


def _final_names(final: object) -> frozenset[str]:
    """The table names of the replay's final state (the very same object while no migration changed)."""
    if _replay_names and _replay_names[0][0] is final:
        return _replay_names[0][1]
    names = frozenset(t.name for t in final.tables.values())  # type: ignore[attr-defined]
    _replay_names[:] = [(final, names)]
    return names


def _literal_fix(ctx: SchemaContext, rng: SourceRange | None, old: str, new: str) -> Fix | None:
    """Replace the string literal at ``rng`` (a table or column name written in the schema) when it spells ``old``."""
    source = schema_source(ctx, rng.path) if rng is not None else None
    node = node_spanning(source, rng) if source is not None else None
    if node is None or node.type != "string" or _string_value(source.node_text(node)) != old:
        return None
    quote = source.node_text(node)[0]
    return Fix(f'Rename "{old}" to "{new}"', [TextEdit.replace(rng, string_literal(new, quote))], "suggestion")


def _string_in_range_fix(ctx: SchemaContext, rng: SourceRange, old: str, new: str) -> Fix | None:
    """Replace the first string literal spelling ``old`` inside ``rng`` (an index or constraint declaration)."""
    source = schema_source(ctx, rng.path)
    node = node_spanning(source, rng) if source is not None else None
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop(0)
        if current.type == "string" and _string_value(source.node_text(current)) == old:
            quote = source.node_text(current)[0]
            return Fix(f'Rename "{old}" to "{new}"',
                       [TextEdit.replace(source.rng(current), string_literal(new, quote))], "suggestion")
        stack.extend(current.named_children)
    return None


def _add_name_fix(ctx: SchemaContext, column: Column, new: str) -> Fix | None:
    edit = insert_column_name(ctx, column.type_range, new)
    return Fix(f'Name the column "{new}"', [edit], "suggestion") if edit is not None else None


def _string_value(literal: str) -> str | None:
    if len(literal) < 2 or literal[0] not in "'\"" or literal[-1] != literal[0] or "\\" in literal:
        return None
    return literal[1:-1]
