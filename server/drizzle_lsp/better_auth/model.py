"""What Better Auth expects of a Drizzle schema, and what drizzle-lsp read of the project's Better Auth setup.

The expected schema is data (``better_auth/data/*.json``, one description per supported Better Auth version range),
turned into these objects by ``expected.py`` for the options the project's ``betterAuth({...})`` call sets. Rules in
``rules/auth/`` compare them with the TypeScript schema; they never hard-code a table or a field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drizzle_lsp.model.source import Problem, SourceRange

# Better Auth's field types, as its schema description names them.
FIELD_TYPES = ("string", "number", "boolean", "date", "json", "string[]", "number[]")


@dataclass(frozen=True, slots=True)
class AuthReference:
    model: str  # the referenced model's logical name ("user")
    field: str  # the referenced field's logical name ("id")
    on_delete: str = "cascade"


@dataclass(frozen=True, slots=True)
class AuthField:
    """One field of a Better Auth model, after the project's ``fields`` renames."""

    name: str  # Better Auth's logical field name ("emailVerified")
    key: str  # the JS property key the Drizzle adapter looks up (``fields`` renames applied)
    sql_name: str  # the column name Better Auth's generator writes (snake_case of ``key``)
    type: str  # one of FIELD_TYPES
    required: bool = True
    unique: bool = False
    index: bool = False  # the generator adds an index named ``<model>_<field>_idx``
    bigint: bool = False  # a number stored as bigint (``rateLimit.lastRequest``)
    default: str | None = None  # "false" | "now" | a literal; what the generator writes as default
    on_update_now: bool = False  # ``updatedAt``: the generator adds ``$onUpdate(() => new Date())``
    references: AuthReference | None = None
    plugin: str | None = None  # the plugin that adds it (None for the core schema)


@dataclass(frozen=True, slots=True)
class AuthIndex:
    """A table-level index Better Auth declares (``account (issuer, accountId)`` unique in 1.7.0 to 1.7.2)."""

    fields: tuple[str, ...]  # logical field names, in index order
    keys: tuple[str, ...]  # the same fields' JS keys (``fields`` renames applied)
    unique: bool
    name: str  # the name the generator writes (``<export key>_<keys>_idx`` or ``_uidx``, shortened past 63 bytes)


@dataclass(frozen=True, slots=True)
class AuthTable:
    """One Better Auth model as the schema must export it."""

    model: str  # logical name ("user", "twoFactor")
    export_key: str  # the key on the schema object (``usePlural`` and ``modelName`` applied)
    sql_name: str  # the table name the generator writes
    id_kind: str  # "text" (Better Auth generates ids) | "uuid" (database default) | "serial" (identity integer)
    fields: tuple[AuthField, ...] = ()
    plugin: str | None = None
    indexes: tuple[AuthIndex, ...] = ()  # table-level indexes; single-field ones are AuthField.index


@dataclass(slots=True)
class AuthSetup:
    """The project's Better Auth configuration as read statically, and the schema it implies.

    ``tables`` is what the rules check against. ``problems`` are options that could not be read statically (a spread,
    a variable from another module); the expectation then uses Better Auth's defaults for them and says so.
    """

    detected_by: str  # "package.json" | "betterAuth() call" | "tables"
    config_path: str | None = None  # the file holding ``betterAuth({...})``
    call_range: SourceRange | None = None
    version: str | None = None  # installed (node_modules) or declared (package.json) version, as written
    provider: str = "pg"  # "pg" | "sqlite" | "mysql" (from drizzleAdapter(db, { provider }), else the dialect)
    use_plural: bool = False
    generate_id: str = "default"  # "default" | "uuid" | "serial" | "custom" (a function) | "false"
    schema_name: str | None = None  # PostgreSQL schema the tables live in, when set
    rate_limit_storage: str | None = None  # "database" adds the rateLimit table
    plugins: tuple[str, ...] = ()  # normalised plugin names: twoFactor, organization, admin, username, ...
    plugin_options: dict[str, dict[str, object]] = field(default_factory=dict)  # e.g. organization: {teams: True}
    model_names: dict[str, str] = field(default_factory=dict)  # logical model -> modelName
    field_names: dict[str, dict[str, str]] = field(default_factory=dict)  # model -> {logical field -> key}
    options: AuthOptions | None = None  # the same, in the hashable form expected_tables() takes
    # model -> {JS key of an ``additionalFields`` entry -> required}: columns Better Auth writes from user input
    additional_fields: dict[str, dict[str, bool]] = field(default_factory=dict)
    # key the adapter looks up -> exported table name, when ``drizzleAdapter(db, { schema: { user: users } })``
    # renames them (empty: the schema's export names are the keys)
    schema_keys: dict[str, str] = field(default_factory=dict)
    tables: tuple[AuthTable, ...] = ()
    problems: list[Problem] = field(default_factory=list)

    def table(self, model: str) -> AuthTable | None:
        return next((t for t in self.tables if t.model == model), None)


@dataclass(frozen=True, slots=True)
class AuthOptions:
    """The ``betterAuth({...})`` options that change the schema, as ``expected.expected_tables`` takes them."""

    version: str | None = None  # None: the newest supported description
    provider: str = "pg"  # "pg" | "sqlite" | "mysql"
    use_plural: bool = False
    generate_id: str = "default"  # "default" | "uuid" | "serial" | "custom" | "false"
    rate_limit_storage: str | None = None
    plugins: tuple[str, ...] = ()
    plugin_options: tuple[tuple[str, tuple[tuple[str, object], ...]], ...] = ()  # (plugin, ((option, value), ...))
    model_names: tuple[tuple[str, str], ...] = ()  # (logical model, modelName)
    field_names: tuple[tuple[str, str, str], ...] = ()  # (logical model, logical field, key)
