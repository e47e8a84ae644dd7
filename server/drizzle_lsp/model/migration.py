"""Migrations as typed operations, each with its source range.

One SQL statement becomes one or more ``Operation``s: an ``ALTER TABLE`` with several sub-commands gives one operation
per sub-command (all sharing the statement's table), a ``CREATE TABLE`` gives one ``create_table`` carrying the whole
table definition, and a ``DO`` block gives a ``do_block`` whose ``inner`` operations are the statements found inside.
Rules read operations, never SQL text, so PostgreSQL, SQLite and MySQL migrations are checked by the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum as _Enum

from drizzle_lsp.model.schema import Column, Index, Table
from drizzle_lsp.model.source import Problem, SourceRange


class OpKind(str, _Enum):
    CREATE_TABLE = "create_table"
    DROP_TABLE = "drop_table"
    RENAME_TABLE = "rename_table"
    SET_TABLE_SCHEMA = "set_table_schema"
    ADD_COLUMN = "add_column"
    DROP_COLUMN = "drop_column"
    RENAME_COLUMN = "rename_column"
    ALTER_COLUMN_TYPE = "alter_column_type"
    SET_NOT_NULL = "set_not_null"
    DROP_NOT_NULL = "drop_not_null"
    SET_DEFAULT = "set_default"
    DROP_DEFAULT = "drop_default"
    ADD_IDENTITY = "add_identity"
    DROP_IDENTITY = "drop_identity"
    ALTER_IDENTITY = "alter_identity"  # SET GENERATED … / SET INCREMENT BY …: ``value`` and ``constraint`` (a dict)
    ADD_CONSTRAINT = "add_constraint"
    VALIDATE_CONSTRAINT = "validate_constraint"
    DROP_CONSTRAINT = "drop_constraint"
    RENAME_CONSTRAINT = "rename_constraint"
    CREATE_INDEX = "create_index"
    DROP_INDEX = "drop_index"
    RENAME_INDEX = "rename_index"
    CREATE_ENUM = "create_enum"
    ADD_ENUM_VALUE = "add_enum_value"
    RENAME_ENUM_VALUE = "rename_enum_value"
    DROP_TYPE = "drop_type"
    RENAME_TYPE = "rename_type"  # ALTER TYPE … RENAME TO (new_name)
    SET_TYPE_SCHEMA = "set_type_schema"  # ALTER TYPE … SET SCHEMA (new_name is the schema)
    CREATE_SCHEMA = "create_schema"
    DROP_SCHEMA = "drop_schema"
    CREATE_SEQUENCE = "create_sequence"
    DROP_SEQUENCE = "drop_sequence"
    ENABLE_RLS = "enable_rls"
    DISABLE_RLS = "disable_rls"
    CREATE_POLICY = "create_policy"
    ALTER_POLICY = "alter_policy"
    DROP_POLICY = "drop_policy"
    DO_BLOCK = "do_block"
    UPDATE = "update"
    DELETE = "delete"
    INSERT = "insert"
    TRUNCATE = "truncate"
    SET_PARAMETER = "set_parameter"  # SET [LOCAL] lock_timeout = ...
    TRANSACTION = "transaction"  # BEGIN / COMMIT / ROLLBACK (see ``transaction``)
    TABLE_REWRITE = "table_rewrite"  # SET LOGGED/UNLOGGED, VACUUM FULL, CLUSTER, REINDEX (see ``rewrite``)
    PRAGMA = "pragma"  # sqlite
    COMMENT = "comment"  # a statement that holds only comments
    UNKNOWN = "unknown"  # parsed but not modelled: the raw text is kept


class ConstraintType(str, _Enum):
    FOREIGN_KEY = "foreign_key"
    CHECK = "check"
    UNIQUE = "unique"
    PRIMARY_KEY = "primary_key"
    EXCLUDE = "exclude"
    NOT_NULL = "not_null"


@dataclass(slots=True)
class Operation:
    """One schema or data change. Only the fields that matter for ``kind`` are set.

    Ranges point into the migration file. ``concurrently_at`` is where the ``CONCURRENTLY`` keyword is, or the offset
    where it would be inserted (after ``INDEX``), so a fix can add it without re-parsing.
    """

    kind: OpKind
    range: SourceRange  # the whole statement
    raw: str = ""  # the statement text
    schema: str | None = None
    table: str | None = None
    table_range: SourceRange | None = None
    column: str | None = None
    column_range: SourceRange | None = None
    if_exists: bool = False
    if_not_exists: bool = False
    cascade: bool = False

    # create_table: the whole new table (columns, inline constraints); add_column: the new column
    table_def: Table | None = None
    column_def: Column | None = None

    # renames (table, column, constraint, index, enum value, set schema)
    new_name: str | None = None

    # alter_column_type
    new_type: str | None = None
    type_range: SourceRange | None = None
    using: str | None = None  # USING expression, when written

    # set_default
    default: str | None = None

    # add/validate/drop/rename constraint
    constraint_type: ConstraintType | None = None
    constraint_name: str | None = None
    constraint: object | None = None  # ForeignKey | CheckConstraint | UniqueConstraint | PrimaryKey
    not_valid: bool = False
    using_index: str | None = None  # ADD CONSTRAINT ... UNIQUE USING INDEX name

    # create/drop index
    index: Index | None = None
    index_name: str | None = None
    concurrently: bool = False
    concurrently_at: int | None = None

    # enums and other types
    type_name: str | None = None
    values: list[str] = field(default_factory=list)
    new_value: str | None = None
    before_value: str | None = None
    after_value: str | None = None

    # set_parameter
    parameter: str | None = None
    value: str | None = None
    local: bool = False

    # transaction: "begin" | "commit" | "rollback" | "savepoint" | ...
    transaction: str | None = None

    # table_rewrite: "set_logged" | "set_unlogged" | "vacuum_full" | "cluster" | "reindex"
    rewrite: str | None = None

    # update / delete / insert
    has_where: bool = False
    from_select: bool = False  # INSERT ... SELECT

    # do_block: the statements found inside the block
    inner: list[Operation] = field(default_factory=list)

    # statement-level: index of the statement in its migration
    statement_index: int = 0


@dataclass(slots=True)
class Statement:
    """One statement of a migration, after splitting. ``error`` is set when it does not parse."""

    text: str
    range: SourceRange
    operations: list[Operation] = field(default_factory=list)
    error: Problem | None = None
    index: int = 0


@dataclass(slots=True)
class Migration:
    """One migration of a project: a 0.x journal entry or a v1 folder."""

    tag: str  # "0003_add_tenant" (0.x) or "20250101120000_add_tenant" (v1)
    sql_path: str  # absolute path of the SQL file
    dialect: str = "postgresql"
    index: int = 0  # position in apply order
    idx: int | None = None  # the journal's idx (0.x)
    when: int | None = None  # the journal's ``when`` in ms, or the v1 folder timestamp as ms
    breakpoints: bool = True
    snapshot_path: str | None = None
    text: str = ""
    statements: list[Statement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    missing: bool = False  # the journal names it but the SQL file is absent

    @property
    def operations(self) -> list[Operation]:
        return [op for st in self.statements for op in st.operations]
