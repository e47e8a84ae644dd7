from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from drizzle_lsp.model import DatabaseSchema, ForeignKey, Migration, Operation, OpKind, Table
from drizzle_lsp.rules._support.d1 import d1_evidence
from drizzle_lsp.rules._support.history import created_in_migration, flat_operations
from drizzle_lsp.rules._support.rebuilds import REBUILD_PREFIX, TableRebuild, rebuild_containing
from drizzle_lsp.rules.framework import Fix, MigrationContext, Rule, TextEdit, Violation

BACKUP_PREFIX = "__backup_"
_BREAKPOINT = "--> statement-breakpoint"
_ON = ("on", "true", "1", "yes")
_LOSES_ROWS = ("cascade",)
_RESETS = ("set null", "set default")


@dataclass(frozen=True, slots=True)
class _Child:
    table: Table
    via: str  # the table whose rows' deletion reaches this one (the rebuilt table, or a cascading child of it)
    action: str  # "cascade" | "set null" | "set default" | "no action" | "restrict"
    fk: ForeignKey


class D1ForeignKeysPragmaIgnored(Rule):
    """A SQLite table rebuild on Cloudflare D1, where `PRAGMA foreign_keys=OFF` is ignored and the rebuild's
    `DROP TABLE` deletes, resets or blocks on the rows of the tables that reference it.

    ## What it does
    On a D1 project (see below), finds drizzle-kit's table rebuild (`CREATE TABLE __new_x`, copy, `DROP TABLE x`,
    `ALTER TABLE __new_x RENAME TO x`) of a table that other tables reference, using the schema replayed up to the
    migration, and names them: the children whose rows the drop deletes (`ON DELETE CASCADE`, and their own cascading
    children), those whose foreign-key column it resets (`SET NULL` / `SET DEFAULT`), and those that make the
    migration fail (`NO ACTION` / `RESTRICT`) as soon as they hold rows. On a plain SQLite (a file, libsql, Turso)
    the rule is silent: there the outcome depends on the connection, which drizzle-lsp cannot see (SQLite starts with
    foreign keys off, and `PRAGMA foreign_keys=OFF` works when run outside a transaction; drizzle's own migrators run
    it inside theirs, where it does nothing, so a connection with foreign keys on loses the rows too, drizzle-orm
    issue 5782).

    A project is D1 when drizzle.config sets `driver: 'd1-http'`, or its `dbCredentials` have `accountId` and
    `databaseId`, or a `wrangler.toml` / `wrangler.json(c)` in the project's folder (or above) declares
    `d1_databases` (its `migrations_dir` usually being drizzle's `out` folder), or the sources import
    `drizzle-orm/d1/migrator`, or `.drizzle-lsp.toml` says `migrator = "d1"`. The message says which.

    ## Why is this bad?
    D1 always enforces foreign keys and runs each migration inside a transaction, where SQLite ignores
    `PRAGMA foreign_keys=OFF`. With foreign keys on, `DROP TABLE x` first deletes every row of `x`, and that delete
    fires the children's `ON DELETE` actions: every row of a cascading child is deleted (Better Auth's `session`
    and `account` cascade from `user`), `SET NULL` children lose their links, and `NO ACTION` / `RESTRICT` children
    with rows make the migration fail with `FOREIGN KEY constraint failed`. The migration then succeeds (or fails)
    with nothing in drizzle-kit's output hinting at it (drizzle-orm issue 4938). Checked on SQLite 3.40 and 3.54: the
    same happens inside a transaction on any SQLite.

    `PRAGMA defer_foreign_keys = on`, which D1's documentation suggests, is not enough alone: it defers the checks to
    the commit, but the cascade still deletes the rows, and SQLite still counts the children orphaned by the drop
    as violations at the commit even after `__new_x` is renamed to `x` (measured: the commit fails). What works is
    the recreated form the fix writes: defer the checks, back the affected children up before the drop, create `x`
    again under its own name and fill it from `__new_x` (inserting the parent rows under the real name settles the
    deferred checks), then put the children's rows back.

    ## Example
    ```toml
    migrator = "d1"
    ```
    ```sql
    -- 0000_init.sql
    CREATE TABLE `user` (`id` text PRIMARY KEY NOT NULL, `name` text NOT NULL);
    --> statement-breakpoint
    CREATE TABLE `session` (`id` text PRIMARY KEY NOT NULL, `user_id` text NOT NULL, FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade);
    -- 0001_user_name_nullable.sql
    PRAGMA foreign_keys=OFF;--> statement-breakpoint
    CREATE TABLE `__new_user` (`id` text PRIMARY KEY NOT NULL, `name` text);
    --> statement-breakpoint
    INSERT INTO `__new_user`("id", "name") SELECT "id", "name" FROM `user`;--> statement-breakpoint
    DROP TABLE `user`;--> statement-breakpoint
    ALTER TABLE `__new_user` RENAME TO `user`;--> statement-breakpoint
    PRAGMA foreign_keys=ON;
    ```

    Use instead:
    ```sql
    -- 0000_init.sql
    CREATE TABLE `user` (`id` text PRIMARY KEY NOT NULL, `name` text NOT NULL);
    --> statement-breakpoint
    CREATE TABLE `session` (`id` text PRIMARY KEY NOT NULL, `user_id` text NOT NULL, FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade);
    -- 0001_user_name_nullable.sql
    PRAGMA foreign_keys=OFF;--> statement-breakpoint
    PRAGMA defer_foreign_keys = on;--> statement-breakpoint
    CREATE TABLE `__new_user` (`id` text PRIMARY KEY NOT NULL, `name` text);
    --> statement-breakpoint
    INSERT INTO `__new_user`("id", "name") SELECT "id", "name" FROM `user`;--> statement-breakpoint
    CREATE TABLE `__backup_session` AS SELECT `id`, `user_id` FROM `session`;--> statement-breakpoint
    DROP TABLE `user`;--> statement-breakpoint
    CREATE TABLE `user` (`id` text PRIMARY KEY NOT NULL, `name` text);--> statement-breakpoint
    INSERT INTO `user` (`id`, `name`) SELECT `id`, `name` FROM `__new_user`;--> statement-breakpoint
    DROP TABLE `__new_user`;--> statement-breakpoint
    DELETE FROM `session`;--> statement-breakpoint
    INSERT INTO `session` (`id`, `user_id`) SELECT `id`, `user_id` FROM `__backup_session`;--> statement-breakpoint
    DROP TABLE `__backup_session`;--> statement-breakpoint
    PRAGMA foreign_keys=ON;
    ```

    ## Fix safety
    The fix is unsafe (it changes what the migration does, on purpose) and must be read before it is applied:
    - `PRAGMA defer_foreign_keys = on` goes right before the rebuild's `CREATE TABLE __new_x`. D1 (like SQLite)
      resets it at the end of the transaction, and each migration file is one transaction there
      (`wrangler d1 migrations apply`) or part of one batch (drizzle's D1 migrator and `d1-http`), so it must be in
      the same file as the drop and before it; `PRAGMA foreign_keys=OFF` is kept for plain SQLite runs.
    - Each child that loses rows or links is copied to `__backup_<child>` right before `DROP TABLE x`, emptied and
      refilled from the copy once `x` is back, and the copy dropped. Plain tables are used because D1 refuses
      temporary ones. Columns generated by the database are left out of the copies. Triggers on a child fire on
      the refill, and a child with a `RESTRICT` child of its own still blocks it.
    - `ALTER TABLE __new_x RENAME TO x` is replaced by `CREATE TABLE x` with the `__new_x` definition, a copy of its
      rows and `DROP TABLE __new_x`: the rows are copied twice, which costs time on a big table (D1 caps a query
      at 30 s).
    A rebuilt table that references itself with a cascading key gets no fix: its own copy `__new_x` points at `x`
    and loses rows at the drop, which needs a hand-written migration.
    """

    name = "d1-foreign-keys-pragma-ignored"
    group = "platform"
    severity = "error"
    dialects = ("sqlite",)
    target = "migration"
    has_fix = True
    # Only this migration and the state before it: d1_evidence reads the config (wrangler bindings included), the
    # settings and the migrator's mode and reason, which every scope may read; the related link into the config or
    # wrangler file makes the memo run it again when that file changes.
    reads = "unit"

    def check_operation(self, ctx: MigrationContext) -> Iterable[Violation]:
        op = ctx.op
        if op is None or op.kind is not OpKind.DROP_TABLE or ctx.parent_op is not None or ctx.state_before is None:
            return
        rebuild = rebuild_containing(ctx.migration, op, ctx.dialect)
        if rebuild is None or rebuild.drop is not op:
            return
        if created_in_migration(ctx.migration, rebuild.create, None, rebuild.table, ctx.dialect):
            return  # created earlier in this very migration: it has no rows to lose
        evidence = d1_evidence(ctx.project)
        if evidence is None:
            return
        children = _children(ctx.migration, op, rebuild, ctx.state_before, ctx.dialect)
        if not children:
            return
        deferred = _defer_pragma_before(ctx.migration, op)
        harmed = [c for c in children if c.action in _LOSES_ROWS + _RESETS and not _restored(ctx.migration, op, c)]
        # a NO ACTION / RESTRICT child is settled only by deferring the checks AND refilling the table under its own
        # name (the recreated form): a rename leaves the drop's orphans counted at the commit
        if not (deferred and rebuild.rename is None):
            harmed += [c for c in children if c.action not in _LOSES_ROWS + _RESETS]
        if not harmed:
            return
        yield self.violation(
            self._message(rebuild, harmed, evidence.reason), op.range,
            help=("Apply the fix (it defers the foreign-key checks, backs the child rows up around the drop and "
                  f"recreates `{rebuild.table}` under its own name), or rebuild the table by hand the same way."),
            fix=self._fix(ctx, rebuild, children, deferred),
            related=self._related(ctx.migration, op, evidence),
        )

    @staticmethod
    def _message(rebuild: TableRebuild, children: list[_Child], reason: str) -> str:
        table = rebuild.table
        deleted = [c for c in children if c.action in _LOSES_ROWS]
        reset = [c for c in children if c.action in _RESETS]
        blocking = [c for c in children if c.action not in _LOSES_ROWS + _RESETS]
        parts = []
        if deleted:
            parts.append("deletes every row of " + ", ".join(
                f"`{c.table.name}`" + ("" if c.via.lower() == table.lower() else f" (through `{c.via}`)")
                for c in deleted) + " (ON DELETE CASCADE)")
        if reset:
            parts.append("resets " + ", ".join(
                f"`{c.table.name}`.{', '.join(f'`{col}`' for col in c.fk.columns_from)} "
                f"(ON DELETE {c.action.upper()})" for c in reset))
        if blocking:
            parts.append("fails with \"FOREIGN KEY constraint failed\" as soon as " + ", ".join(
                f"`{c.table.name}` (ON DELETE {c.action.upper()})" for c in blocking) + " holds rows")
        return (f"on D1 this rebuild of `{table}` runs DROP TABLE `{table}` with foreign keys enforced (D1 ignores "
                f"`PRAGMA foreign_keys=OFF`), so it " + "; it ".join(parts) + f" (D1: {reason})")

    def _related(self, migration: Migration, drop: Operation, evidence) -> list:
        related = []
        for op in flat_operations(migration):
            if op.range.start >= drop.range.start:
                break
            if op.kind is OpKind.PRAGMA and (op.parameter or "").lower() == "foreign_keys":
                related.append((op.range, "D1 ignores this pragma: foreign keys stay enforced"))
        if evidence.range is not None:
            related.append((evidence.range, "this makes the project a D1 project"))
        return related

    def _fix(self, ctx: MigrationContext, rebuild: TableRebuild, children: list[_Child], deferred: bool) -> Fix | None:
        if rebuild.rename is None or rebuild.create.table_range is None or rebuild.create.table_def is None:
            return None  # already in the recreated form, or not read well enough to rewrite
        if any(c.table.name == rebuild.create.table for c in children):
            return None  # self-reference: the copy itself loses rows (see Fix safety)
        if not _columns(rebuild.create.table_def) or any(not _columns(c.table) for c in children):
            return None  # a definition read without its columns cannot be copied
        text, path = ctx.migration.text, ctx.migration.sql_path
        sep = f"{_BREAKPOINT}\n" if ctx.migration.breakpoints else "\n"
        table, new = rebuild.table, rebuild.create.table or ""
        edits = []
        if not deferred:
            edits.append(TextEdit.insert(path, rebuild.create.range.start, f"PRAGMA defer_foreign_keys = on;{sep}"))
        saved = [c for c in children if c.action in _LOSES_ROWS + _RESETS and not _restored(ctx.migration, rebuild.drop, c)]
        saved = list({c.table.name: c for c in saved}.values())
        if saved:
            backups = "".join(f"CREATE TABLE {_q(BACKUP_PREFIX + c.table.name)} AS SELECT {_columns(c.table)} FROM "
                              f"{_q(c.table.name)};{sep}" for c in saved)
            edits.append(TextEdit.insert(path, rebuild.drop.range.start, backups))
        create = rebuild.create
        create_text = text[create.range.start:create.range.end]
        name_start = create.table_range.start - create.range.start
        name_end = create.table_range.end - create.range.start
        recreated = create_text[:name_start] + _q(table) + create_text[name_end:]
        if not recreated.rstrip().endswith(";"):
            recreated = recreated.rstrip() + ";"
        kept = _columns(create.table_def)
        statements = [recreated.strip(), f"INSERT INTO {_q(table)} ({kept}) SELECT {kept} FROM {_q(new)};",
                      f"DROP TABLE {_q(new)};"]
        statements += [f"DELETE FROM {_q(c.table.name)};" for c in saved]
        statements += [f"INSERT INTO {_q(c.table.name)} ({_columns(c.table)}) SELECT {_columns(c.table)} FROM "
                       f"{_q(BACKUP_PREFIX + c.table.name)};" for c in saved]
        statements += [f"DROP TABLE {_q(BACKUP_PREFIX + c.table.name)};" for c in saved]
        rename = rebuild.rename.range
        edits.append(TextEdit(path, rename.start, rename.end, sep.join(statements)))
        return Fix(f"Rebuild `{table}` the D1-safe way (defer foreign keys, keep the child rows)", edits, "unsafe")


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _columns(table: Table) -> str:
    return ", ".join(_q(column.name) for column in table.columns.values() if not column.generated)


def _children(migration: Migration, drop: Operation, rebuild: TableRebuild, state: DatabaseSchema,
              dialect: str) -> list[_Child]:
    """Tables whose rows the drop reaches: direct children, then the cascading children of those that lose rows."""
    found: list[_Child] = []
    seen = {rebuild.table.lower()}
    queue = [rebuild.table]
    filled = _filled_before(migration, drop)
    while queue:
        parent = queue.pop(0)
        for table in state.tables.values():
            name = table.name
            if name.startswith(BACKUP_PREFIX) or (
                    name.lower() not in filled and created_in_migration(migration, drop, None, name, dialect)):
                continue  # created empty in this migration: no rows to lose
            for fk in table.foreign_keys.values():
                if fk.table_to.lower() != parent.lower() or name.lower() == parent.lower():
                    continue  # a self-reference of an affected child goes with the child's own rows
                action = (fk.on_delete or "no action").lower()
                found.append(_Child(table, parent, action, fk))
                if action in _LOSES_ROWS and name.lower() not in seen and not name.startswith(REBUILD_PREFIX):
                    seen.add(name.lower())
                    queue.append(name)
                break
    return found


def _filled_before(migration: Migration, drop: Operation) -> set[str]:
    """Tables given rows earlier in the migration (a rebuild's copy, under its final name once renamed)."""
    filled: set[str] = set()
    for op in flat_operations(migration):
        if op.range.start >= drop.range.start:
            break
        name = (op.table or "").lower()
        if op.kind is OpKind.INSERT and name:
            filled.add(name)
        elif op.kind is OpKind.RENAME_TABLE and name in filled and op.new_name:
            filled.add(op.new_name.lower())
    return filled


def _defer_pragma_before(migration: Migration, drop: Operation) -> bool:
    on = False
    for op in flat_operations(migration):
        if op.range.start >= drop.range.start:
            break
        if op.kind is OpKind.PRAGMA and (op.parameter or "").lower() == "defer_foreign_keys":
            on = (op.value or "").strip().strip("'\"").lower() in _ON
    return on


def _restored(migration: Migration, drop: Operation, child: _Child) -> bool:
    """A backup of the child is taken before the drop and its rows are inserted back after it."""
    backup = (BACKUP_PREFIX + child.table.name).lower()
    backed_up = refilled = False
    for op in flat_operations(migration):
        name = (op.table or "").lower()
        if op.range.start < drop.range.start and op.kind is OpKind.CREATE_TABLE and name == backup:
            backed_up = True
        elif op.range.start > drop.range.start and op.kind is OpKind.INSERT and name == child.table.name.lower():
            refilled = True
    return backed_up and refilled
