from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from drizzle_lsp.analysis.pg_types import PgType, parse_type
from drizzle_lsp.model import Column, DatabaseSchema, ForeignKey, Table
from drizzle_lsp.rules._support.schema_sides import sql_side
from drizzle_lsp.rules._support.table_facts import foreign_facts, per_table, table_facts, text_at
from drizzle_lsp.rules._support.ts_builders import builder_call, rename_builder, replace_arguments
from drizzle_lsp.rules.framework import Fix, MigrationContext, ProjectContext, Rule, SchemaContext, TextEdit, Violation

# Types one b-tree operator family compares with each other: PostgreSQL accepts a key across them.
_FAMILIES = (
    frozenset({"smallint", "integer", "bigint"}),
    frozenset({"real", "double precision"}),
    frozenset({"date", "timestamp", "timestamptz"}),
    frozenset({"inet", "cidr"}),
    frozenset({"text", "varchar", "char"}),
)
# Implicit casts from the referencing column's type to the key's type: PostgreSQL accepts those keys too.
_IMPLICIT = {
    *((small, big) for small in ("smallint", "integer", "bigint") for big in ("numeric", "real", "double precision")),
    ("numeric", "real"), ("numeric", "double precision"),
    ("time", "timetz"),
    ("citext", "text"), ("citext", "varchar"), ("citext", "char"),
}
# drizzle-kit spells serial columns by their pseudo-type; the referencing column needs the plain integer type.
_SERIAL_TO_PLAIN = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}


@dataclass(frozen=True, slots=True)
class KeyTypeVerdict:
    refused: bool  # PostgreSQL refuses to create the foreign key (42804)
    reason: str


def compare_key_types(child_text: str, parent_text: str) -> KeyTypeVerdict | None:
    """None when a column of type ``child_text`` may reference a key of type ``parent_text`` as it is; otherwise why
    not, and whether PostgreSQL refuses the key outright (verified against a real PostgreSQL by the tests)."""
    child, parent = parse_type(child_text), parse_type(parent_text)
    if child == parent:
        return None
    if child.array_dims or parent.array_dims:
        if child.array_dims == parent.array_dims and child.base == parent.base:
            return _same_family_difference(child, parent)
        return KeyTypeVerdict(True, "arrays of different types have no equality operator a key can use")
    if child.base == parent.base:
        return _same_family_difference(child, parent)
    if not child.known or not parent.known:
        return KeyTypeVerdict(True, "different enum or custom types never compare equal")
    same_family = any(child.base in family and parent.base in family for family in _FAMILIES)
    if not same_family and (child.base, parent.base) not in _IMPLICIT:
        return KeyTypeVerdict(True, "PostgreSQL has no equality operator between them that the key's index can use")
    return _same_family_difference(child, parent)


def _same_family_difference(child: PgType, parent: PgType) -> KeyTypeVerdict | None:
    if "char" in (child.base, parent.base) and child.base != parent.base:
        return KeyTypeVerdict(False, "char(n) pads with spaces and ignores trailing spaces when comparing, the other "
                                     "type does not")
    if child.base in ("text", "varchar", "char") and parent.base in ("text", "varchar", "char"):
        # text and varchar compare alike; only a length limit the key does not share matters.
        limit = child.args[0] if child.args else None
        parent_limit = parent.args[0] if parent.args else None
        if limit is None or (parent_limit is not None and limit >= parent_limit):
            return None
        return KeyTypeVerdict(False, f"keys longer than {limit} characters can never be referenced (22001)")
    if child.base in ("smallint", "integer", "bigint") and parent.base in ("smallint", "integer", "bigint"):
        order = ("smallint", "integer", "bigint")
        if order.index(child.base) < order.index(parent.base):
            return KeyTypeVerdict(False, f"keys beyond the {child.base} range can never be referenced")
        return KeyTypeVerdict(False, "widening the key later means changing both columns anyway, and joins compare "
                                     "across types")
    if {child.base, parent.base} <= {"timestamp", "timestamptz", "date"}:
        return KeyTypeVerdict(False, "they compare through a conversion that depends on the session TimeZone")
    if child.base == "citext":
        return KeyTypeVerdict(False, "citext ignores case, the key does not")
    return KeyTypeVerdict(False, "values are converted on every comparison and may not round-trip")


# MySQL (InnoDB) wants the same integer type and signedness, the same decimal precision and scale, and string types
# of one kind (lengths may differ); drizzle's `serial()` is `bigint unsigned`. Anything else is refused with
# error 3780 ("Referencing column … and referenced column … in foreign key constraint … are incompatible").
_MYSQL_INTEGERS = ("tinyint", "smallint", "mediumint", "int", "bigint")
_MYSQL_STRINGS = (frozenset({"char", "varchar"}), frozenset({"binary", "varbinary"}))
_MYSQL_REFUSED = "MySQL refuses to create the key (error 3780, the columns are incompatible), so the migration fails"


def _mysql_type(text: str) -> tuple[str, bool, str]:
    """(base, unsigned, arguments) of a MySQL column type as drizzle-kit writes it (``int unsigned``, ``serial``)."""
    lowered = " ".join(text.lower().replace("`", "").split())
    if lowered.startswith("serial"):
        return "bigint", True, ""
    base, _, rest = lowered.partition("(")
    arguments = rest.partition(")")[0].replace(" ", "") if rest else ""
    words = base.split()
    base = words[0] if words else ""
    if base == "integer":
        base = "int"
    if base in _MYSQL_INTEGERS:
        arguments = ""  # a display width (int(11)) changes nothing about the stored values
    return base, "unsigned" in lowered, arguments


def compare_mysql_key_types(child_text: str, parent_text: str) -> KeyTypeVerdict | None:
    child, parent = _mysql_type(child_text), _mysql_type(parent_text)
    if child == parent:
        return None
    (base, unsigned, arguments), (parent_base, parent_unsigned, parent_arguments) = child, parent
    if base == parent_base and base in ("char", "varchar", "binary", "varbinary"):
        return None  # string lengths need not match
    if any(base in kind and parent_base in kind for kind in _MYSQL_STRINGS):
        return None
    if base in _MYSQL_INTEGERS and parent_base in _MYSQL_INTEGERS and base == parent_base:
        return KeyTypeVerdict(True, f"one is {'unsigned' if unsigned else 'signed'}, the other "
                                    f"{'unsigned' if parent_unsigned else 'signed'}")
    if base == parent_base and arguments != parent_arguments:
        return KeyTypeVerdict(True, "their precision or scale differ")
    return KeyTypeVerdict(True, "MySQL needs the same type on both sides")


def _compare(dialect: str, child_text: str, parent_text: str) -> KeyTypeVerdict | None:
    if dialect == "mysql":
        return compare_mysql_key_types(child_text, parent_text)
    return compare_key_types(child_text, parent_text)


class ForeignKeyTypeMismatch(Rule):
    """A foreign-key column whose type differs from the column it references.

    ## What it does
    Compares each foreign-key column with the key column it references. Types PostgreSQL cannot compare (`text`
    and `uuid`, `integer` and `text`, two different enums) are reported as errors: the constraint cannot be created
    (`42804: foreign key constraint … cannot be implemented`), so the migration fails. Types it can compare but that
    still differ are warnings: `integer` against `bigint` (some keys can never be referenced, and both must change
    together later), `timestamp` against `timestamptz`, `char(n)` against `text`, `citext` against `text`,
    `integer` against `numeric`. `serial` against `integer` is the same type (`serial` is an `integer` with a
    sequence). `text` and `varchar` compare alike, so `text` (or a longer `varchar`) referencing `varchar(n)` is
    fine; `varchar(n)` referencing `text` or a longer `varchar` is flagged, because longer keys can never be
    referenced. The TypeScript schema is the source of truth: its foreign keys are reported there; migrations report
    only foreign keys the schema does not declare, judged on the schema left by the last migration.

    On MySQL every difference is an error: InnoDB refuses a key whose columns differ in integer type or signedness
    (`int` referencing drizzle's `serial()`, which is `bigint unsigned`, or a signed `bigint` referencing it), in
    decimal precision or scale, or in kind of type (error 3780); only string lengths may differ. SQLite is not
    checked: it converts a value to the key column's affinity before looking it up, so the key works whatever the
    declared types.

    ## Why is this bad?
    A key that cannot be created fails the migration, and with drizzle's transactional migrator every other pending
    migration rolls back with it. A key that can be created but differs in type lets values in one column exist
    that the other can never hold: an `integer` reference to a `bigint` id fails with `integer out of range` the
    day ids pass 2,147,483,647, long after the schema was written.

    ## Example
    ```ts
    import { pgTable, uuid, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: uuid().primaryKey().defaultRandom(),
      name: text().notNull(),
    });

    export const sessions = pgTable("sessions", {
      id: uuid().primaryKey().defaultRandom(),
      userId: text("user_id").notNull().references(() => users.id),
    });
    ```

    Use instead:
    ```ts
    import { pgTable, uuid, text } from "drizzle-orm/pg-core";

    export const users = pgTable("users", {
      id: uuid().primaryKey().defaultRandom(),
      name: text().notNull(),
    });

    export const sessions = pgTable("sessions", {
      id: uuid().primaryKey().defaultRandom(),
      userId: uuid("user_id").notNull().references(() => users.id),
    });
    ```

    ## Fix safety
    The fix is a suggestion: it gives the referencing column the builder and options of the referenced one
    (`serial` becomes `integer`, `bigserial` becomes `bigint`), keeping its name and the rest of its chain, and
    imports the builder. On a column that already holds data the generated `SET DATA TYPE` may rewrite the table or
    fail without `USING`, which `alter-column-type-rewrites-table` and `alter-column-type-without-using` explain. In a
    migration, the type is replaced only when the column is created in the latest migration (one that has most
    likely not been applied yet).
    """

    name = "foreign-key-type-mismatch"
    group = "indexes"
    severity = "warning"
    has_fix = True
    dialects = ("postgresql", "mysql")
    target = "schema+migration"
    # The SQL side reads the final replayed state, the TypeScript schema, the latest snapshot (sql_side) and the list
    # of migrations (the fix is only offered in the latest). The TypeScript side reads its table and the tables its
    # foreign keys reference (their columns' types and builder calls), and for a column spread from a helper of
    # another file that file's imports (the fix renames the builder): memo_key.
    reads = "project"
    reads_on = {"schema": "unit"}

    def memo_key(self, ctx: ProjectContext) -> Hashable:
        return table_facts(ctx, "foreign-key-type-mismatch", lambda s, t: _referenced(ctx, s, t)), foreign_facts(ctx)

    def check_table(self, ctx: SchemaContext) -> Iterable[Violation]:
        for fk in ctx.table.foreign_keys.values():
            pairs = _mismatches(ctx.schema, ctx.table, fk)
            if pairs:
                yield self._violation(ctx.table, fk, pairs, _ts_fix(ctx, pairs), ctx.dialect)

    def check_migration(self, ctx: MigrationContext) -> Iterable[Violation]:
        side = sql_side(ctx)
        if side is None:
            return
        for table, fk in side.foreign_keys():
            pairs = _mismatches(side.final, table, fk)
            if pairs:
                yield self._violation(table, fk, pairs, _sql_fix(ctx, pairs), ctx.dialect)

    def _violation(self, table: Table, fk: ForeignKey, pairs: list[_Pair], fix: Fix | None,
                   dialect: str = "postgresql") -> Violation:
        first = pairs[0]
        refused = any(p.verdict.refused for p in pairs)
        consequence = ((_MYSQL_REFUSED if dialect == "mysql" else "PostgreSQL refuses to create the key (42804), so the migration "
                        "fails") if refused else first.verdict.reason)
        if refused:
            first = next(p for p in pairs if p.verdict.refused)
        message = (f'foreign key "{fk.name}": "{table.name}"."{first.column.name}" is {_spelled(first.column)} but '
                   f'references "{first.target_table.name}"."{first.target.name}", which is {_spelled(first.target)}: '
                   f"{consequence}")
        if refused and first.verdict.reason:
            message += f" ({first.verdict.reason})"
        wanted = ", ".join(f'"{p.column.name}" {_plain_type(p.target.type, dialect)}' for p in pairs)
        help = f"Give the referencing column{'s' if len(pairs) > 1 else ''} the key's type: {wanted}."
        related = [(p.target.range, f'referenced column "{p.target_table.name}"."{p.target.name}"')
                   for p in pairs if p.target.range is not None]
        return self.violation(message, fk.range or first.column.range, help=help, fix=fix, related=related,
                              severity="error" if refused else None)


@dataclass(frozen=True, slots=True)
class _Pair:
    column: Column
    target_table: Table
    target: Column
    verdict: KeyTypeVerdict


def _referenced(ctx: ProjectContext, schema: DatabaseSchema, table: Table) -> tuple:
    """What the TypeScript side reads of the tables ``table`` references: their names, and of each referenced column
    what the message, the related range and the fix read (its type, builder, and the text of its declaration and
    builder call). Values, not the objects: a table that references an edited one is read again by the extractor
    (a new object) even though nothing of it changed, and the tables referencing it stay the same."""
    facts = []
    for fk in table.foreign_keys.values():
        target_table = schema.table(fk.table_to, fk.schema_to)
        if target_table is None:
            facts.append(None)
            continue
        # What a table's own declaration gives is worked out once per table object.
        columns = per_table(target_table, "foreign-key-type-mismatch.columns", dict)
        for name in fk.columns_to:
            if name not in columns:
                target = target_table.columns.get(name)
                columns[name] = None if target is None else (
                    target.name, target.type, target.builder, target.type_schema, text_at(ctx, target.range),
                    text_at(ctx, target.type_range))
        facts.append((target_table.name, tuple(columns[name] for name in fk.columns_to)))
    return tuple(facts)


def _mismatches(schema: DatabaseSchema, table: Table, fk: ForeignKey) -> list[_Pair]:
    target_table = schema.table(fk.table_to, fk.schema_to)
    if target_table is None or len(fk.columns_from) != len(fk.columns_to):
        return []
    pairs = []
    for own_name, target_name in zip(fk.columns_from, fk.columns_to):
        column, target = table.columns.get(own_name), target_table.columns.get(target_name)
        if column is None or target is None:
            continue
        verdict = _compare(schema.dialect, column.type, target.type)
        if verdict is not None:
            pairs.append(_Pair(column, target_table, target, verdict))
    return pairs


def _spelled(column: Column) -> str:
    return f"`{column.type}`"


def _plain_type(type_text: str, dialect: str = "postgresql") -> str:
    if dialect == "mysql":
        return "bigint unsigned" if type_text.strip().lower() == "serial" else type_text
    return _SERIAL_TO_PLAIN.get(type_text.strip().strip('"').lower(), type_text)


def _ts_fix(ctx: SchemaContext, pairs: list[_Pair]) -> Fix | None:
    edits: list[TextEdit] = []
    for pair in pairs:
        builder = pair.target.builder
        if builder is None or pair.target.type_schema is not None:  # enums: their builder is a local const
            return None
        own, theirs = builder_call(ctx, pair.column.type_range), builder_call(ctx, pair.target.type_range)
        if own is None or theirs is None:
            return None
        if ctx.dialect == "mysql" and builder == "serial":
            return None  # MySQL's serial is bigint unsigned: the builder needs options the fix does not write
        builder = _SERIAL_TO_PLAIN.get(builder, builder)
        renamed = rename_builder(own, builder, ctx.dialect) if own.local_name != builder else []
        if renamed is None:
            return None
        name = own.source.node_text(own.column_name) if own.column_name is not None else None
        options = theirs.source.node_text(theirs.options) if theirs.options is not None else None
        edits += renamed
        edits.append(replace_arguments(own, "(" + ", ".join(a for a in (name, options) if a) + ")"))
    wanted = ", ".join(f"{p.column.key or p.column.name}: {_SERIAL_TO_PLAIN.get(p.target.builder or '', p.target.builder)}"
                       for p in pairs)
    return Fix(f"Use the referenced column's type ({wanted})", edits, "suggestion")


def _sql_fix(ctx: MigrationContext, pairs: list[_Pair]) -> Fix | None:
    folder = getattr(getattr(ctx.project, "project", None), "migrations", None)
    migrations = [m for m in (folder.migrations if folder else []) if not m.missing]
    if not migrations:
        return None
    latest = migrations[-1]
    edits = []
    for pair in pairs:
        rng = pair.column.type_range
        if rng is None or rng.path != latest.sql_path or parse_type(latest.text[rng.start:rng.end]) != parse_type(
                pair.column.type):
            return None  # the column was created in a migration that has probably run: change it in a new one
        edits.append(TextEdit.replace(rng, _plain_type(pair.target.type, ctx.dialect)))
    return Fix("Use the referenced column's type", edits, "suggestion")
