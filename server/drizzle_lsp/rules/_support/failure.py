"""What a statement that fails takes down with it, which depends on the dialect and the migrator."""

from __future__ import annotations

from drizzle_lsp.rules.framework import MigrationContext


def failure_consequence(ctx: MigrationContext) -> str:
    """The end of a sentence starting "applying this migration fails", true for the project's database and migrator."""
    if ctx.dialect == "mysql":
        # MySQL commits every DDL statement on its own: the migrator's transaction cannot undo the ones before
        return ("; the DDL statements before it stay applied (MySQL commits each one) and the migration is not "
                "recorded, so the next run fails on them")
    if ctx.migrator == "no-transaction":
        return "; the statements before it stay applied and the migration is not recorded"
    if ctx.migrator == "per-file":
        return ", and this migration rolls back"
    return ", and the whole pending batch rolls back"
