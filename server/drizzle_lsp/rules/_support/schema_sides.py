"""Which side reports a schema object: the TypeScript schema or the SQL migrations.

Rules about the shape of the schema (names, keys, indexes, foreign keys) could flag the same object twice: once in
``schema.ts`` and once in the migration drizzle-kit generated from it. The policy that avoids it:

- the TypeScript schema is the source of truth. An object declared there is reported there, where the fix belongs
  (the migration is only drizzle-kit's output, and the next ``generate`` repeats whatever the schema says);
- the SQL side reports only objects the TypeScript schema does not declare: every object of a SQL-only project
  (migrations written by hand, or a schema kept elsewhere), and objects that hand-written migrations add to tables
  the schema does declare (an index created in a ``--custom`` migration). An object that drizzle-kit's latest
  snapshot knows but the schema no longer declares is not one of those: the next ``generate`` drops it, so it is
  left alone.

The SQL side judges the schema as it stands after the last migration (the replay's final state), because that is
the database the application runs against: an index dropped two migrations later no longer counts, and a foreign
key is covered by an index created in a later file. Each finding points where the object was created, so it is
reported while that migration file is checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from drizzle_lsp.model import DatabaseSchema, ForeignKey, Index, SourceRange, Table
from drizzle_lsp.rules.framework import MigrationContext


@dataclass(slots=True)
class SqlSide:
    """The final replayed schema, seen from one migration file."""

    final: DatabaseSchema
    typescript: DatabaseSchema
    snapshot: DatabaseSchema | None  # drizzle-kit's latest snapshot, when the TypeScript schema is there to own it
    path: str  # the migration file being checked

    def here(self, source: SourceRange | None) -> bool:
        """The object was written in the migration being checked."""
        return source is not None and source.path == self.path

    def owners(self, table: Table) -> list[Table]:
        """The declarations that own ``table`` instead of the SQL: the schema's, and drizzle-kit's snapshot's."""
        owners = [self.typescript.table(table.name, table.schema or None)]
        if self.snapshot is not None:
            owners.append(self.snapshot.table(table.name, table.schema or None))
        return [t for t in owners if t is not None]

    def tables(self) -> Iterator[tuple[Table, list[Table]]]:
        """The final-state tables with something written in this file (the table, a column, an index, a
        constraint), each with the declarations that own it (empty for a table only SQL knows)."""
        for table in _tables_by_path(self.final).get(self.path, ()):
            yield table, self.owners(table)

    def sql_only_tables(self) -> Iterator[Table]:
        """Final-state tables created in this file that no declaration owns."""
        for table, owners in self.tables():
            if not owners and self.here(table.range):
                yield table

    def foreign_keys(self) -> Iterator[tuple[Table, ForeignKey]]:
        """Foreign keys written in this file that no declaration owns."""
        for table, owners in self.tables():
            for fk in table.foreign_keys.values():
                if self.here(fk.range) and not any(declares_foreign_key(o, fk) for o in owners):
                    yield table, fk

    def indexes(self) -> Iterator[tuple[Table, Index]]:
        """Indexes created in this file that no declaration owns."""
        for table, owners in self.tables():
            for index in table.indexes.values():
                if self.here(index.range) and not any(index.name in o.indexes for o in owners):
                    yield table, index


def sql_side(ctx: MigrationContext) -> SqlSide | None:
    """The SQL side for ``ctx``'s migration, or None when the migrations could not be replayed."""
    analyzed = ctx.project
    replay = getattr(analyzed, "replay", None)
    if replay is None or not getattr(replay, "after", None):
        return None
    project = getattr(analyzed, "project", None)
    typescript = project.schema if project is not None else DatabaseSchema()
    # Without a TypeScript schema there is nothing to report in but the SQL, whatever drizzle-kit's snapshots say.
    snapshot = _latest_snapshot(project) if typescript.tables else None
    return SqlSide(replay.final, typescript, snapshot, ctx.path)


# Computed once per final state, not once per migration: a project of hundreds of migrations would otherwise walk
# every table for every file.
_by_path_cache: dict[int, tuple[DatabaseSchema, dict[str, list[Table]]]] = {}


def _tables_by_path(final: DatabaseSchema) -> dict[str, list[Table]]:
    cached = _by_path_cache.get(id(final))
    if cached is not None and cached[0] is final:
        return cached[1]
    by_path: dict[str, list[Table]] = {}
    for table in final.tables.values():
        ranges = [table.range, *(c.range for c in table.columns.values()),
                  *(o.range for group in (table.indexes, table.foreign_keys, table.unique_constraints,
                                          table.primary_keys, table.checks) for o in group.values())]
        for path in {r.path for r in ranges if r is not None}:
            by_path.setdefault(path, []).append(table)
    if len(_by_path_cache) > 16:
        _by_path_cache.clear()
    _by_path_cache[id(final)] = (final, by_path)
    return by_path


def _latest_snapshot(project: object) -> DatabaseSchema | None:
    snapshots = getattr(project, "snapshots", None) or {}
    folder = getattr(project, "migrations", None)
    for migration in reversed(folder.migrations if folder is not None else []):
        if migration.tag in snapshots:
            return snapshots[migration.tag]
    return None


def declares_foreign_key(table: Table | None, fk: ForeignKey) -> bool:
    """``table`` declares a foreign key on the same columns to the same table."""
    if table is None:
        return False
    return any(
        set(own.columns_from) == set(fk.columns_from) and own.table_to == fk.table_to
        for own in table.foreign_keys.values()
    )


def final_table(analyzed: object, table: Table) -> Table | None:
    """The replayed final state of a TypeScript table, when the project has migrations."""
    replay = getattr(analyzed, "replay", None)
    if replay is None or not getattr(replay, "after", None):
        return None
    return replay.final.table(table.name, table.schema or None)
