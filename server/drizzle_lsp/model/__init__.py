"""The model every part of drizzle-lsp shares: schema objects, migrations as operations, projects, source ranges."""

from drizzle_lsp.model.migration import ConstraintType, Migration, Operation, OpKind, Statement
from drizzle_lsp.model.project import D1Binding, DrizzleConfig, JournalEntry, MigrationsFolder, Project
from drizzle_lsp.model.schema import (
    CheckConstraint,
    Column,
    DatabaseSchema,
    Enum,
    ForeignKey,
    Identity,
    Index,
    IndexColumn,
    Policy,
    PrimaryKey,
    Sequence,
    Table,
    UniqueConstraint,
    qualify,
)
from drizzle_lsp.model.source import Problem, SourceRange, line_col

__all__ = [
    "CheckConstraint", "Column", "ConstraintType", "D1Binding", "DatabaseSchema", "DrizzleConfig", "Enum", "ForeignKey",
    "Identity", "Index", "IndexColumn", "JournalEntry", "Migration", "MigrationsFolder", "OpKind", "Operation",
    "Policy", "PrimaryKey", "Problem", "Project", "Sequence", "SourceRange", "Statement", "Table",
    "UniqueConstraint", "line_col", "qualify",
]
