from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from drizzle_lsp.model import Column, DatabaseSchema, Operation, OpKind, Table
from drizzle_lsp.model.source import SourceRange
from drizzle_lsp.rules._support.ts_builders import schema_source
from drizzle_lsp.rules._support.spread_columns import spreads
from drizzle_lsp.rules._support.table_facts import per_analysis, per_table, table_facts
from drizzle_lsp.rules.framework import MigrationContext, ProjectContext, Rule, SchemaContext, Violation

PG_LIMIT = 63  # NAMEDATALEN - 1, in bytes
MYSQL_LIMIT = 64  # characters

_SUFFIXES = ("_fk", "_index", "_idx", "_unique", "_pk", "_seq", "_check")


def pg_truncated(name: str) -> str:
    """The name PostgreSQL stores: the first 63 bytes, never splitting a multi-byte character."""
    return name.encode("utf-8")[:PG_LIMIT].decode("utf-8", errors="ignore")


def too_long(name: str, dialect: str) -> bool:
    if dialect == "mysql":
        return len(name) > MYSQL_LIMIT
    return len(name.encode("utf-8")) > PG_LIMIT


def shorter_name(name: str, dialect: str, table: str | None = None) -> str:
    """A name that fits, for a help text. drizzle-kit's names start with the table name; shortening that part to
    its initials (``organization_memberships`` -> ``om``) keeps the column part, which tells sibling names apart,
    and the suffix (``_fk``, ``_unique`` ...), which tells the kind."""
    if table and name.startswith(table + "_") and "_" in table:
        name = "".join(word[:1] for word in table.split("_") if word) + name[len(table):]
    if not too_long(name, dialect):
        return name
    suffix = next((s for s in _SUFFIXES if name.endswith(s)), "")
    stem = name[: len(name) - len(suffix)] if suffix else name
    if dialect == "mysql":
        return stem[: MYSQL_LIMIT - len(suffix)].rstrip("_") + suffix
    room = PG_LIMIT - len(suffix.encode("utf-8"))
    return stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip("_") + suffix


@dataclass
class Named:
    """One name the database will store, where it is written, and which namespaces it must be unique in."""

    kind: str  # "table", "column", "index", "foreign key", "unique constraint", "primary key", ...
    name: str
    range: SourceRange | None
    namespaces: tuple[str, ...]
    help: str = ""
    from_references: bool = False  # a foreign key drizzle-kit names after a column's `.references()`


# Namespaces are keyed by the names PostgreSQL stores: the replayed state already holds cut names.
def _relations(schema: str) -> str:
    return f"relation:{pg_truncated(schema or 'public')}"


def _constraints(table: Table) -> str:
    return f"constraint:{pg_truncated(table.schema or 'public')}.{pg_truncated(table.name)}"


def _columns(table: Table) -> str:
    return f"column:{pg_truncated(table.schema or 'public')}.{pg_truncated(table.name)}"


class IdentifierTooLong(Rule):
    """A table, column, index, constraint or sequence name longer than the database allows.

    ## What it does
    Flags names over 63 bytes on PostgreSQL (UTF-8 bytes, so `é` counts twice) and over 64 characters on MySQL:
    tables, columns, indexes, foreign keys, unique, primary-key and check constraints, and identity sequences,
    including the names drizzle-kit makes up when none is given (`<table>_<column>_<reftable>_<refcolumn>_fk`
    for `.references()`, `<table>_<columns>_index`, `<table>_<column>_unique`, `<table>_<column>_seq`). In the
    schema each finding sits on the code that produces the name (the `.references()` call for a generated foreign
    key name) and says when two names become the same once cut. In migrations, only names the TypeScript schema
    does not declare are reported (SQL-only projects, hand-written migrations): the schema is the source of truth
    and is where the fix belongs. SQLite has no limit.

    ## Why is this bad?
    PostgreSQL cuts longer names to 63 bytes with only a NOTICE that migrators do not show. The database then
    holds a name that is not the one in drizzle-kit's snapshot: `drizzle-kit push` sees a difference on every run
    and drops and re-creates the constraint (drizzle-orm issues #3280, #4645), and two long names that share their
    first 63 bytes become one, so the second `ADD CONSTRAINT` or `CREATE INDEX` fails with "already exists" and
    the migration stops (#4003). drizzle-kit's generated foreign key names pass 63 bytes as soon as the table and
    column names are descriptive (#3244). MySQL refuses such names outright (`Identifier name … is too long`, error
    1059), so the migration fails (#486).

    ## Example
    ```ts
    import { pgTable, bigint, text } from "drizzle-orm/pg-core";

    export const organizationMemberships = pgTable("organization_memberships", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      name: text().notNull(),
    });

    export const organizationMembershipInvitations = pgTable("organization_membership_invitations", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      organizationMembershipId: bigint("organization_membership_id", { mode: "number" })
        .notNull()
        .references(() => organizationMemberships.id),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, bigint, text, foreignKey } from "drizzle-orm/pg-core";

    export const organizationMemberships = pgTable("organization_memberships", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      name: text().notNull(),
    });

    export const organizationMembershipInvitations = pgTable("organization_membership_invitations", {
      id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
      organizationMembershipId: bigint("organization_membership_id", { mode: "number" }).notNull(),
    }, (t) => [
      foreignKey({
        name: "membership_invitations_membership_fk",
        columns: [t.organizationMembershipId],
        foreignColumns: [organizationMemberships.id],
      }),
    ]);
    ```
    """

    name = "identifier-too-long"
    group = "types"
    severity = "warning"
    dialects = ("postgresql", "mysql")
    target = "schema+migration"
    # The TypeScript side reads its table plus what memo_key holds: the names of the schema a too-long name can
    # collide with, the keys of the tables and columns its `.references()` point at (the help writes them), and the
    # tables sharing each spread column (the first one names it). The SQL side asks the TypeScript schema whether it
    # declares a name and the final replayed state whether the name survives.
    reads = "project"
    reads_on = {"schema": "unit"}

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        # Per table, what its findings read beyond it (the name each too-long name collides with, the keys of a
        # too-long `.references()` target), compared only on the tables both analyses hold: typing a long name
        # changes the facts of the few tables that share its first 63 bytes, not those of every table.
        schema = ctx.project.project.schema
        return spreads(schema).key, table_facts(ctx, "identifier-too-long", lambda s, table: _outside_facts(s, table))

    # --- the TypeScript schema ---------------------------------------------------------------------------------------

    def check_table(self, ctx: SchemaContext) -> Iterable[Violation]:
        everything: list[Named] | None = None
        for named in _ts_names(ctx.schema, ctx.table, ctx.dialect):
            if too_long(named.name, ctx.dialect):
                if named.from_references:
                    named.range = _references_call(ctx, named.range)
                if everything is None:
                    everything = _schema_facts(ctx.schema).long_names if ctx.dialect == "postgresql" else []
                yield self._violation(named, ctx.dialect, everything)

    def _violation(self, named: Named, dialect: str, others: Iterable[Named], in_sql: bool = False) -> Violation:
        if dialect == "mysql":
            message = (f"{named.kind} name \"{named.name}\" is {len(named.name)} characters: MySQL rejects names over "
                       f"{MYSQL_LIMIT} (error 1059), so the migration fails")
        else:
            size = len(named.name.encode("utf-8"))
            cut = pg_truncated(named.name)
            message = (f"{named.kind} name \"{named.name}\" is {size} bytes: PostgreSQL silently truncates it to "
                       f"{PG_LIMIT} (\"{cut}\")")
            clash = _collision(named, others)
            if clash is not None and clash.range is None:
                message += (f", which {clash.kind} \"{clash.name}\" already has: this statement fails with "
                            f"\"already exists\"")
            elif clash is not None:
                message += (f", the same as {clash.kind} \"{clash.name}\" becomes: creating the second fails with "
                            f"\"already exists\"")
            elif in_sql:
                message += ", and the database will know it only by that name"
            else:
                message += ", so the database and drizzle-kit's snapshot disagree on it"
        short = shorter_name(named.name, dialect)
        help = named.help or f"Use a name of at most {_limit_words(dialect)}, e.g. \"{short}\"."
        return self.violation(message, named.range, help=help)

    # --- migrations ------------------------------------------------------------------------------------------------

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None:
            return
        replay = getattr(ctx.project, "replay", None)
        found = list(_sql_names(ctx, op))
        existing: list[Named] | None = None  # listed only when a name is too long: walking the schema per statement is slow
        for named, declared in found:
            if declared or not too_long(named.name, ctx.dialect):
                continue
            if existing is None:
                existing = _state_names(ctx.state_before, op) if ctx.dialect == "postgresql" else []
            if replay is not None and not _still_there(replay.final, op, named, ctx.dialect):
                continue  # renamed or dropped by a later migration: nothing left to fix
            others = existing + [n for n, _ in found if n is not named]
            yield self._violation(named, ctx.dialect, others, in_sql=True)


def _limit_words(dialect: str) -> str:
    return f"{MYSQL_LIMIT} characters" if dialect == "mysql" else f"{PG_LIMIT} bytes"


def _collision(named: Named, others: Iterable[Named]) -> Named | None:
    cut = pg_truncated(named.name)
    for other in others:
        if other is named or other.name == named.name or pg_truncated(other.name) != cut:
            continue
        if set(other.namespaces) & set(named.namespaces):
            return other
    return None


# --- names in the TypeScript schema ----------------------------------------------------------------------------------

def _ts_names(schema: DatabaseSchema, table: Table, dialect: str) -> Iterator[Named]:
    """Every name ``table`` gives an object; a spread column's only in the first table sharing it (which reports it)."""
    share = spreads(schema)
    for named, column in _names_of(table, dialect, schema):
        if column is None or share.sharing(table, column):
            yield named


def _names_of(table: Table, dialect: str, schema: DatabaseSchema | None) -> Iterator[tuple[Named, Column | None]]:
    """Every name ``table`` gives an object, with the column a column's name belongs to. ``schema`` is read only for
    the help of a `.references()` foreign key (its target's keys): without it, that help is left empty."""
    relations, constraints = _relations(table.schema), _constraints(table)
    yield Named("table", table.name, table.name_range, (relations,)), None
    for column in table.columns.values():
        yield Named("column", column.name, column.name_range or column.range, (_columns(table),)), column
        if column.identity is not None and column.identity.name:
            short = shorter_name(column.identity.name, dialect, table.name)
            yield Named("identity sequence", column.identity.name, column.range, (_relations(table.schema),),
                        help=f"Name the sequence: `.generatedAlwaysAsIdentity({{ name: \"{short}\" }})`."), None
    for index in table.indexes.values():
        short = shorter_name(index.name, dialect, table.name)
        yield Named("index", index.name, index.range, (relations,),
                    help=f"Give the index an explicit shorter name: `index(\"{short}\")`."), None
    for fk in table.foreign_keys.values():
        from_references = any(_inside(fk.range, c.range) for c in table.columns.values())
        yield Named("foreign key", fk.name, fk.range, (constraints,), from_references=from_references,
                    help=_fk_help(schema, table, fk, dialect, from_references) if schema is not None else ""), None
    for unique in table.unique_constraints.values():
        short = shorter_name(unique.name, dialect, table.name)
        yield Named("unique constraint", unique.name, unique.range, (constraints, relations),
                    help=f"Name it explicitly: `.unique(\"{short}\")` or `unique(\"{short}\").on(…)`."), None
    for pk in table.primary_keys.values():
        short = shorter_name(pk.name, dialect, table.name)
        yield Named("primary key", pk.name, pk.range, (constraints, relations),
                    help=f"Name it explicitly: `primaryKey({{ name: \"{short}\", columns: […] }})`."), None
    for check in table.checks.values():
        yield Named("check constraint", check.name, check.range, (constraints,)), None


# --- what a table's findings read beyond the table -------------------------------------------------------------------

# A too-long name is cut to its first 63 bytes, never splitting a character, so to at least 60: only a name of 60
# bytes or more can be cut to the same.
_COLLIDING_BYTES = PG_LIMIT - 3


@dataclass(frozen=True, slots=True)
class _TableFacts:
    """What one Table object contributes to the schema's facts (kept while the extractor hands out that object)."""

    long_names: tuple[tuple[Named, Column | None], ...]  # names of 60 bytes or more, with their column
    fk_targets: tuple[tuple[str, str | None, tuple[str, ...]], ...]  # targets of too-long `.references()` keys


def _table_facts(table: Table) -> _TableFacts:
    long_names, targets = [], []
    for named, column in _names_of(table, "postgresql", None):
        if len(named.name.encode("utf-8")) >= _COLLIDING_BYTES:
            long_names.append((named, column))  # its range is only asked whether it is None (_violation)
    for fk in table.foreign_keys.values():
        # Over 63 bytes: every name too long on MySQL (over 64 characters) is too.
        if too_long(fk.name, "postgresql") and any(_inside(fk.range, c.range) for c in table.columns.values()):
            targets.append((fk.table_to, fk.schema_to, tuple(fk.columns_to)))
    return _TableFacts(tuple(long_names), tuple(targets))


@dataclass(frozen=True, slots=True)
class _SchemaFacts:
    long_names: list[Named]  # every name of the schema a too-long name can be cut to, in the schema's order
    by_cut: dict[str, list[Named]]  # the same, by what PostgreSQL cuts them to


def _schema_facts(schema: DatabaseSchema) -> _SchemaFacts:
    """Computed once per schema (once per analysis) from what each table contributes: the names a too-long name
    can collide with (``_collision`` never looks at shorter ones)."""
    return per_analysis(schema, "identifier-too-long.schema", lambda: _compute_schema_facts(schema))


def _compute_schema_facts(schema: DatabaseSchema) -> _SchemaFacts:
    share = spreads(schema)
    long_names: list[Named] = []
    for table in schema.tables.values():
        facts = per_table(table, "identifier-too-long.table", lambda: _table_facts(table))
        long_names.extend(n for n, column in facts.long_names if column is None or share.sharing(table, column))
    by_cut: dict[str, list[Named]] = {}
    for named in long_names:
        by_cut.setdefault(pg_truncated(named.name), []).append(named)
    return _SchemaFacts(long_names, by_cut)


def _outside_facts(schema: DatabaseSchema, table: Table) -> Hashable:
    """What ``table``'s findings read beyond it: for each of its too-long names, the name it collides with
    (``_collision`` over the names cut to the same), and the keys ``_fk_help`` writes for a too-long
    `.references()` key's target."""
    facts = per_table(table, "identifier-too-long.table", lambda: _table_facts(table))
    if not facts.long_names and not facts.fk_targets:
        return ()
    by_cut = _schema_facts(schema).by_cut
    share = spreads(schema)
    clashes = []
    for named, column in facts.long_names:
        if too_long(named.name, "postgresql") and (column is None or share.sharing(table, column)):
            clash = _collision(named, by_cut.get(pg_truncated(named.name), ()))
            clashes.append((named.name, None if clash is None else (clash.kind, clash.name, clash.range is None)))
    targets = []
    for table_to, schema_to, columns_to in facts.fk_targets:
        target = schema.table(table_to, schema_to)
        targets.append((table_to, schema_to, target.key if target is not None else None,
                        tuple(target.columns[c].key if target is not None and c in target.columns else None
                              for c in columns_to)))
    return tuple(clashes), tuple(targets)


def _inside(inner: SourceRange | None, outer: SourceRange | None) -> bool:
    return (inner is not None and outer is not None and inner.path == outer.path
            and outer.start <= inner.start and inner.end <= outer.end)


def _references_call(ctx: SchemaContext, chain: SourceRange | None) -> SourceRange | None:
    """From the ``.references(`` of a column's chain to its end: the model's range starts at the column builder."""
    if chain is None:
        return None
    source = schema_source(ctx, chain.path)
    node = source.node_at(chain, "call_expression") if source is not None else None
    callee = node.child_by_field_name("function") if node is not None else None
    dot = next((c for c in callee.children if c.type == "."), None) if callee is not None else None
    if dot is None or source.node_text(callee.child_by_field_name("property")) != "references":
        return chain
    return SourceRange(chain.path, source.parsed.start(dot), chain.end)


def _fk_help(schema: DatabaseSchema, table: Table, fk, dialect: str, from_references: bool) -> str:
    short = shorter_name(f"{table.name}_{'_'.join(fk.columns_from)}_fk", dialect, table.name)
    if not from_references:
        return f"Pass a shorter `name` to foreignKey(), e.g. \"{short}\"."
    target = schema.table(fk.table_to, fk.schema_to)
    own = [table.columns[c].key or c for c in fk.columns_from if c in table.columns]
    target_key = target.key if target is not None and target.key else fk.table_to
    foreign = [
        f"{target_key}.{(target.columns[c].key if target is not None and c in target.columns else None) or c}"
        for c in fk.columns_to
    ]
    return (
        "drizzle-kit builds this name from the table and column names, and `.references()` cannot take a name: "
        "remove `.references()` and declare the key in the table's extra config, "
        f"`foreignKey({{ name: \"{short}\", columns: [{', '.join('t.' + k for k in own)}], "
        f"foreignColumns: [{', '.join(foreign)}] }})` (onDelete/onUpdate become `.onDelete(…)`/`.onUpdate(…)`)."
    )


def _sql_names(ctx: MigrationContext, op: Operation) -> Iterator[tuple[Named, bool]]:
    """(name as written, declared in the TypeScript schema) for every name ``op`` gives an object."""
    ts: DatabaseSchema | None = getattr(getattr(ctx.project, "project", None), "schema", None)
    if ts is not None and not ts.tables and not ts.enums:
        ts = None
    table_name = _as_written(ctx, op.table_range, op.table) if op.table and op.table_range else op.table
    ts_table = ts.table(table_name, op.schema) if ts is not None and table_name else None
    schema = op.schema or "public"
    owner = Table(table_name or "", schema)
    relations, constraints = _relations(schema), _constraints(owner)
    found: list[Named | None] = []

    def add(kind: str, parsed: str | None, spaces: tuple[str, ...], at: SourceRange | None = None,
            last: bool = False) -> None:
        if not parsed:
            return
        if at is not None:
            found.append(Named(kind, _as_written(ctx, at, parsed), at, spaces))
            return
        written = _written(ctx, op, parsed, last)
        if written is not None:
            found.append(Named(kind, written[0], written[1], spaces))

    if op.kind is OpKind.CREATE_TABLE and op.table_def is not None:
        add("table", op.table_def.name, (relations,), op.table_range)
        for column in op.table_def.columns.values():
            add("column", column.name, (_columns(owner),), column.name_range)
            if column.identity is not None:
                add("identity sequence", column.identity.name, (relations,))
        for kind, group, spaces in (("foreign key", op.table_def.foreign_keys, (constraints,)),
                                    ("unique constraint", op.table_def.unique_constraints, (constraints, relations)),
                                    ("primary key", op.table_def.primary_keys, (constraints, relations)),
                                    ("check constraint", op.table_def.checks, (constraints,))):
            for name in group:
                add(kind, name, spaces)
    elif op.kind is OpKind.ADD_COLUMN and op.column_def is not None:
        add("column", op.column_def.name, (_columns(owner),), op.column_def.name_range or op.column_range)
        if op.column_def.identity is not None:
            add("identity sequence", op.column_def.identity.name, (relations,))
    elif op.kind is OpKind.ADD_CONSTRAINT and op.constraint_name:
        kind = _CONSTRAINT_KINDS.get(op.constraint_type.value if op.constraint_type else "", "constraint")
        add(kind, op.constraint_name, (constraints, relations) if kind in ("unique constraint", "primary key")
            else (constraints,))
    elif op.kind is OpKind.CREATE_INDEX and op.index_name:
        add("index", op.index_name, (relations,))
    elif op.kind in _RENAMES and op.new_name:
        kind = _RENAMES[op.kind]
        add(kind, op.new_name, (_columns(owner),) if kind == "column" else (constraints,) if kind == "constraint"
            else (relations,), last=True)
    elif op.kind is OpKind.CREATE_ENUM and op.type_name:
        add("enum type", op.type_name, (f"type:{schema}",))
    for item in found:
        if item is not None:
            yield item, ts is not None and _declared(ts, ts_table, item)


def _declared(ts: DatabaseSchema, ts_table: Table | None, named: Named) -> bool:
    """Whether the TypeScript schema declares this name (then it is reported there, not in the SQL)."""
    name, kind = named.name, named.kind
    if kind == "table":
        return ts.table(name) is not None
    if kind == "enum type":
        return any(e.name == name for e in ts.enums.values())
    if kind == "index":
        return any(name in t.indexes or name in t.unique_constraints for t in ts.tables.values())
    if ts_table is None:
        return False
    if kind == "column":
        return name in ts_table.columns
    if kind == "identity sequence":
        return any(c.identity is not None and c.identity.name == name for c in ts_table.columns.values())
    return any(name in group for group in (ts_table.foreign_keys, ts_table.unique_constraints, ts_table.primary_keys,
                                           ts_table.checks, ts_table.indexes))


_CONSTRAINT_KINDS = {"foreign_key": "foreign key", "unique": "unique constraint", "primary_key": "primary key",
                     "check": "check constraint", "exclude": "exclusion constraint"}
_RENAMES = {OpKind.RENAME_TABLE: "table", OpKind.RENAME_COLUMN: "column", OpKind.RENAME_CONSTRAINT: "constraint",
            OpKind.RENAME_INDEX: "index"}


def _as_written(ctx: MigrationContext, at: SourceRange, parsed: str) -> str:
    """The identifier written at ``at`` (unquoted), when it is the one the parser cut to ``parsed``."""
    text = ctx.text[at.start:at.end]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in '"`':
        text = text[1:-1].replace(text[0] * 2, text[0])
    return text if text.lower().startswith(parsed.lower()) else parsed


@lru_cache(maxsize=8192)
def _written_pattern(name: str) -> re.Pattern[str]:
    # One pattern per name: a long history has more names than re's own cache holds (512), so every check
    # compiled them all again (a sixth of a keystroke's analysis on 300 migrations).
    escaped = re.escape(name.replace('"', '""'))
    return re.compile(r'"(' + escaped + r'(?:[^"]|"")*)"|`(' + re.escape(name) + r'[^`]*)`|\b(' + re.escape(name)
                      + r'\w*)', re.I)


def _written(ctx: MigrationContext, op: Operation, name: str, last: bool = False) -> tuple[str, SourceRange] | None:
    """The name as written in the statement and where, or None when it is not written at all (a name PostgreSQL
    chose itself, which it shortens safely).

    The parser hands over names as PostgreSQL sees them, already cut to 63 bytes, so the written name is the quoted
    (or bare) identifier that starts with ``name``."""
    text = ctx.text[op.range.start:op.range.end]
    matches = list(_written_pattern(name).finditer(text))
    if not matches:
        return None
    match = matches[-1] if last else matches[0]
    written = next(g for g in match.groups() if g is not None).replace('""', '"')
    return written, SourceRange(op.range.path, op.range.start + match.start(), op.range.start + match.end())


def _still_there(final: DatabaseSchema, op: Operation, named: Named, dialect: str) -> bool:
    """Whether the object still has this name after the last migration (the replay stores the names the database
    stores)."""
    stored = pg_truncated(named.name) if dialect == "postgresql" else named.name
    if named.kind == "table":
        return final.table(stored, op.schema) is not None
    if named.kind == "index":
        return any(stored in t.indexes for t in final.tables.values())
    if named.kind == "enum type":
        return any(e.name == stored for e in final.enums.values())
    if named.kind == "identity sequence":
        return True
    table = final.table(op.table or "", op.schema)
    if table is None:
        return False
    if named.kind == "column":
        return stored in table.columns
    return any(stored in group for group in (table.foreign_keys, table.unique_constraints, table.primary_keys,
                                             table.checks, table.indexes))


def _state_names(state: DatabaseSchema | None, op: Operation) -> list[Named]:
    """Names already in the database before ``op``, for collisions with the name ``op`` creates."""
    if state is None:
        return []
    names: list[Named] = []
    for table in state.tables.values():
        relations = _relations(table.schema)
        names.append(Named("table", table.name, None, (relations,)))
        names.extend(Named("index", n, None, (relations,)) for n in table.indexes)
        for kind, group, both in (("foreign key", table.foreign_keys, False), ("check constraint", table.checks, False),
                                  ("unique constraint", table.unique_constraints, True),
                                  ("primary key", table.primary_keys, True)):
            spaces = (_constraints(table), relations) if both else (_constraints(table),)
            names.extend(Named(kind, n, None, spaces) for n in group)
    return names
