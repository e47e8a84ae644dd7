"""A Drizzle project: its config, settings, schema files, migrations, snapshots and the replayed state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from drizzle_lsp.model.migration import Migration
from drizzle_lsp.model.schema import DatabaseSchema
from drizzle_lsp.model.source import Problem, SourceRange


@dataclass(frozen=True, slots=True)
class D1Binding:
    """A ``d1_databases`` entry of a wrangler file found with the project: the project's SQLite is Cloudflare D1."""

    wrangler_path: str
    binding: str | None
    database_name: str | None
    migrations_dir: str  # absolute; wrangler's default is ``migrations`` next to the wrangler file
    range: SourceRange  # where the entry is written, for related information


@dataclass(slots=True)
class DrizzleConfig:
    """``drizzle.config.*`` read statically. Values that could not be resolved keep their documented default and
    leave a ``config-unresolved`` problem pointing at the expression."""

    path: str | None  # None when the project has no config file (defaults only)
    dialect: str = "postgresql"  # postgresql | mysql | sqlite | turso | singlestore | gel
    schema: list[str] = field(default_factory=list)  # paths or globs, relative to the config's folder
    out: str = "drizzle"
    casing: str | None = None  # "snake_case" | "camelCase" | None
    breakpoints: bool = True
    migrations_table: str = "__drizzle_migrations"
    migrations_schema: str = "drizzle"
    migrations_prefix: str = "index"  # index | timestamp | supabase | unix | none
    driver: str | None = None
    db_url: str | None = None  # a literal URL written in the config
    db_url_env: str | None = None  # the environment variable the URL is read from (process.env.X)
    ranges: dict[str, SourceRange] = field(default_factory=dict)  # option name -> where its value is written
    problems: list[Problem] = field(default_factory=list)
    tables_filter: list[str] = field(default_factory=list)  # tablesFilter globs
    schema_filter: list[str] = field(default_factory=list)  # schemaFilter
    # dbCredentials as written: literals kept, process.env.X as {"env": "X"}, values computed in code as None
    db_credentials: dict[str, object] = field(default_factory=dict)
    # D1 databases declared by a wrangler.toml / wrangler.json(c) in the project's folder or above it (not part of
    # drizzle.config, but read with it: it decides whether the sqlite dialect means Cloudflare D1)
    d1_bindings: list[D1Binding] = field(default_factory=list)

    @property
    def sql_dialect(self) -> str:
        """The SQL dialect migrations are written in: turso is SQLite, singlestore speaks MySQL."""
        return {"turso": "sqlite", "singlestore": "mysql", "gel": "postgresql"}.get(self.dialect, self.dialect)


@dataclass(slots=True)
class JournalEntry:
    idx: int
    when: int
    tag: str
    breakpoints: bool = True
    version: str | None = None
    range: SourceRange | None = None  # the entry's object in _journal.json


@dataclass(slots=True)
class MigrationsFolder:
    path: str  # absolute path of the ``out`` folder
    layout: str  # "0.x" | "v1" | "empty"
    journal_path: str | None = None
    journal_entries: list[JournalEntry] = field(default_factory=list)
    migrations: list[Migration] = field(default_factory=list)  # in apply order
    orphan_sql_files: list[str] = field(default_factory=list)  # SQL files no journal entry names
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class Project:
    root: str  # the folder holding the config (or the folder checked when there is none)
    config: DrizzleConfig
    schema_files: list[str] = field(default_factory=list)  # absolute paths
    schema: DatabaseSchema = field(default_factory=DatabaseSchema)  # from the TypeScript
    migrations: MigrationsFolder | None = None
    # migration tag -> snapshot; the loader fills it with a mapping that reads each snapshot on first use
    snapshots: Mapping[str, DatabaseSchema] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
