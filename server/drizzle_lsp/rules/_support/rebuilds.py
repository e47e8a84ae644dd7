"""drizzle-kit's SQLite table rebuild, recognised as one change rather than a drop and a rename.

SQLite cannot alter a column's type or constraints, so drizzle-kit rebuilds the table::

    CREATE TABLE `__new_users` (...);
    INSERT INTO `__new_users`("id", "email") SELECT "id", "email" FROM `users`;
    DROP TABLE `users`;
    ALTER TABLE `__new_users` RENAME TO `users`;

The ``DROP TABLE`` loses no rows (they were copied) and the rename restores the old name, so neither is a drop-table
or a rename-table. What a rebuild can lose is a column: one the old table had that ``__new_users`` does not have is
not copied, and drizzle-kit emits no ``DROP COLUMN`` for it.

The form ``d1-foreign-keys-pragma-ignored`` rewrites a rebuild into on Cloudflare D1 ends differently: instead of the
rename, the table is created again under its own name, filled from ``__new_users``, and ``__new_users`` is dropped
(inserting the rows under the real name is what settles the foreign-key checks deferred by the drop). It is the same
change, so it is recognised too.
"""

from __future__ import annotations

from dataclasses import dataclass

from drizzle_lsp.model import Migration, Operation, OpKind
from drizzle_lsp.rules._support.history import flat_operations, table_key

REBUILD_PREFIX = "__new_"


@dataclass(frozen=True, slots=True)
class TableRebuild:
    table: str  # the table being rebuilt
    create: Operation  # CREATE TABLE __new_<table>
    copy: Operation | None  # INSERT INTO __new_<table> ... SELECT ... FROM <table>
    drop: Operation  # DROP TABLE <table>
    rename: Operation | None  # ALTER TABLE __new_<table> RENAME TO <table> (None in the recreated form)
    # the recreated form: CREATE TABLE <table>, INSERT INTO <table> ... FROM __new_<table>, DROP TABLE __new_<table>
    recreate: tuple[Operation, ...] = ()

    @property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(op for op in (self.create, self.copy, self.drop, self.rename, *self.recreate) if op is not None)

    def kept_columns(self) -> set[str]:
        definition = self.create.table_def
        return {name.lower() for name in definition.columns} if definition else set()


def rebuild_containing(migration: Migration, op: Operation, dialect: str) -> TableRebuild | None:
    """The rebuild ``op`` belongs to (its CREATE, copy, DROP, RENAME or recreating statements), or None."""
    if not op.table or op.kind not in (OpKind.CREATE_TABLE, OpKind.INSERT, OpKind.RENAME_TABLE, OpKind.DROP_TABLE):
        return None
    for rebuild in rebuilds(migration, dialect):
        if op in rebuild.operations:
            return rebuild
    return None


def rebuilds(migration: Migration, dialect: str) -> list[TableRebuild]:
    """Every complete rebuild in the migration: CREATE __new_x, (copy), DROP x, RENAME __new_x TO x, in that order."""
    ops = list(flat_operations(migration))
    found: list[TableRebuild] = []
    for index, create in enumerate(ops):
        if create.kind is not OpKind.CREATE_TABLE or not (create.table or "").startswith(REBUILD_PREFIX):
            continue
        new_key = table_key(create.schema, create.table, dialect)
        target = create.table[len(REBUILD_PREFIX):]
        target_key = table_key(create.schema, target, dialect)
        copy = drop = rename = None
        recreate: list[Operation] = []
        for later in ops[index + 1:]:
            later_key = table_key(later.schema, later.table, dialect) if later.table else None
            if later.kind is OpKind.INSERT and later_key == new_key and drop is None:
                copy = later
            elif later.kind is OpKind.DROP_TABLE and later_key == target_key and drop is None:
                drop = later
            elif (later.kind is OpKind.RENAME_TABLE and later_key == new_key and drop is not None
                  and later.new_name and table_key(later.schema, later.new_name, dialect) == target_key):
                rename = later
                break
            elif drop is not None and later_key == target_key and later.kind in (OpKind.CREATE_TABLE, OpKind.INSERT):
                recreate.append(later)
            elif drop is not None and later.kind is OpKind.DROP_TABLE and later_key == new_key:
                if [op.kind for op in recreate][:1] == [OpKind.CREATE_TABLE]:
                    found.append(TableRebuild(target, create, copy, drop, None, (*recreate, later)))
                break
        if drop is not None and rename is not None:
            found.append(TableRebuild(target, create, copy, drop, rename))
    return found
