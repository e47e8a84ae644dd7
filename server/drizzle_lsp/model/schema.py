"""The database schema as drizzle-lsp understands it.

One model serves three sources, so that they can be compared field by field: the TypeScript schema (read by
``schema_ts``), a drizzle-kit snapshot (read by ``workspace.snapshots``) and the replay of the SQL migrations
(``analysis.replay``). Field values follow drizzle-kit's snapshot conventions (type strings such as ``varchar(255)``,
``timestamp with time zone``, ``text[]``; defaults as the SQL text drizzle-kit writes), because drizzle-kit is the
oracle for what a schema means.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drizzle_lsp.model.source import SourceRange


@dataclass(slots=True)
class Identity:
    """``GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY`` and its sequence options (values kept as strings, as drizzle-kit)."""

    type: str  # "always" | "byDefault"
    name: str | None = None
    schema: str | None = None
    increment: str | None = None
    start_with: str | None = None
    min_value: str | None = None
    max_value: str | None = None
    cache: str | None = None
    cycle: bool = False


@dataclass(slots=True)
class Column:
    name: str  # the database name
    type: str  # drizzle-kit's type string, e.g. "varchar(255)", "timestamp with time zone", "integer[]"
    not_null: bool = False
    primary_key: bool = False
    default: str | None = None  # SQL text of the default, e.g. "now()", "'x'", "true", "5"
    type_schema: str | None = None  # schema of an enum type
    identity: Identity | None = None
    generated: str | None = None  # expression of GENERATED ALWAYS AS (...) STORED
    auto_increment: bool = False  # mysql / sqlite
    key: str | None = None  # the TypeScript property name, when the column comes from a schema file
    builder: str | None = None  # the drizzle builder used in TypeScript ("timestamp", "varchar", ...)
    options: dict[str, object] = field(default_factory=dict)  # builder options read statically (mode, withTimezone, ...)
    range: SourceRange | None = None  # the whole column definition
    type_range: SourceRange | None = None  # the type (builder call in TS, type name in SQL)
    name_range: SourceRange | None = None
    # PostgreSQL 18 names NOT NULL constraints (``ADD CONSTRAINT n NOT NULL c [NOT VALID]``); replay keeps the name
    # so a later VALIDATE or DROP CONSTRAINT finds it. Not part of the compared schema: snapshots do not record it.
    not_null_constraint: str | None = None
    not_null_not_valid: bool = False


@dataclass(slots=True)
class IndexColumn:
    expression: str  # column name, or SQL text when is_expression
    is_expression: bool = False
    asc: bool = True
    nulls: str = "last"
    opclass: str | None = None


@dataclass(slots=True)
class Index:
    name: str
    columns: list[IndexColumn] = field(default_factory=list)
    unique: bool = False
    method: str = "btree"
    where: str | None = None
    concurrently: bool = False
    with_: dict[str, str] = field(default_factory=dict)
    range: SourceRange | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.expression for c in self.columns if not c.is_expression]


@dataclass(slots=True)
class ForeignKey:
    name: str
    table_from: str
    columns_from: list[str]
    table_to: str
    columns_to: list[str]
    schema_to: str | None = None
    on_delete: str | None = None  # "cascade", "set null", "restrict", "no action", "set default"
    on_update: str | None = None
    not_valid: bool = False  # added NOT VALID and not yet validated (replay only)
    range: SourceRange | None = None


@dataclass(slots=True)
class PrimaryKey:
    name: str
    columns: list[str]
    range: SourceRange | None = None


@dataclass(slots=True)
class UniqueConstraint:
    name: str
    columns: list[str]
    nulls_not_distinct: bool = False
    range: SourceRange | None = None


@dataclass(slots=True)
class CheckConstraint:
    name: str
    value: str  # the SQL expression
    not_valid: bool = False
    range: SourceRange | None = None


@dataclass(slots=True)
class Policy:
    name: str
    as_: str | None = None
    for_: str | None = None
    to: list[str] = field(default_factory=list)
    using: str | None = None
    with_check: str | None = None
    range: SourceRange | None = None


@dataclass(slots=True)
class Table:
    name: str
    schema: str = ""  # "public" for PostgreSQL's default schema; "" on dialects without schemas (sqlite, mysql)
    columns: dict[str, Column] = field(default_factory=dict)  # keyed by database name, in declaration order
    indexes: dict[str, Index] = field(default_factory=dict)
    foreign_keys: dict[str, ForeignKey] = field(default_factory=dict)
    primary_keys: dict[str, PrimaryKey] = field(default_factory=dict)  # composite primary keys
    unique_constraints: dict[str, UniqueConstraint] = field(default_factory=dict)
    checks: dict[str, CheckConstraint] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    rls_enabled: bool = False
    key: str | None = None  # the exported TypeScript name, when read from a schema file
    range: SourceRange | None = None  # the whole table definition
    name_range: SourceRange | None = None
    extra_config_range: SourceRange | None = None  # the third argument of pgTable(...) when present (for fixes)

    @property
    def qualified_name(self) -> str:
        return qualify(self.schema, self.name)


@dataclass(slots=True)
class Enum:
    name: str
    values: list[str]
    schema: str = "public"
    key: str | None = None
    range: SourceRange | None = None

    @property
    def qualified_name(self) -> str:
        return qualify(self.schema or "public", self.name)


@dataclass(slots=True)
class Sequence:
    name: str
    schema: str = "public"
    range: SourceRange | None = None


@dataclass(slots=True)
class DatabaseSchema:
    """A whole database as one source describes it. Tables are keyed by ``qualify(schema, name)``."""

    dialect: str = "postgresql"  # "postgresql" | "mysql" | "sqlite"
    tables: dict[str, Table] = field(default_factory=dict)
    enums: dict[str, Enum] = field(default_factory=dict)
    schemas: set[str] = field(default_factory=set)
    sequences: dict[str, Sequence] = field(default_factory=dict)

    def table(self, name: str, schema: str | None = None) -> Table | None:
        """Find a table by name, with ``public``/empty schema treated alike."""
        found = self.tables.get(qualify(schema or "", name))
        if found is None and not schema:
            found = self.tables.get(qualify("public", name))
        return found

    def add_table(self, table: Table) -> None:
        self.tables[table.qualified_name] = table


def qualify(schema: str | None, name: str) -> str:
    """The key drizzle-kit uses for a table or enum: ``public.users`` on PostgreSQL, ``users`` on sqlite and mysql.

    PostgreSQL readers always set the schema (``public`` when none is written), so an empty schema only occurs on
    dialects without schemas.
    """
    if schema in (None, ""):
        return name
    return f"{schema}.{name}"
