"""drizzle-kit's SQLite (table rebuilds) and MySQL (backticks) migrations."""

from __future__ import annotations

from drizzle_lsp.model import ConstraintType, OpKind
from drizzle_lsp.sql import parse_migration

REBUILD = """PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_users` (
\t`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
\t`score` integer DEFAULT 0 NOT NULL,
\t`created` integer DEFAULT (unixepoch()),
\t`org_id` integer REFERENCES `orgs`(`id`) ON DELETE cascade,
\tCONSTRAINT "score_chk" CHECK("__new_users"."score" >= 0)
);
--> statement-breakpoint
INSERT INTO `__new_users`("id", "score", "created") SELECT "id", "score", "created" FROM `users`;--> statement-breakpoint
DROP TABLE `users`;--> statement-breakpoint
ALTER TABLE `__new_users` RENAME TO `users`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE TRIGGER trg AFTER INSERT ON users BEGIN UPDATE users SET score = 1; END;--> statement-breakpoint
ALTER TABLE `posts` ADD `extra` text DEFAULT 'x';"""


def test_sqlite_rebuild():
    sts = parse_migration(REBUILD, "m.sql", "sqlite")
    assert all(s.error is None for s in sts), [s.error for s in sts]
    kinds = [s.operations[0].kind for s in sts]
    assert kinds == [OpKind.PRAGMA, OpKind.CREATE_TABLE, OpKind.INSERT, OpKind.DROP_TABLE, OpKind.RENAME_TABLE,
                     OpKind.PRAGMA, OpKind.CREATE_INDEX, OpKind.UNKNOWN, OpKind.ADD_COLUMN]
    pragma = sts[0].operations[0]
    assert (pragma.parameter, pragma.value) == ("foreign_keys", "OFF")
    t = sts[1].operations[0].table_def
    assert t.columns["id"].auto_increment and t.columns["id"].primary_key
    assert t.columns["score"].default == "0" and t.columns["score"].not_null
    assert t.columns["created"].default == "(unixepoch())"
    assert t.checks["score_chk"].value == '"__new_users"."score" >= 0'
    fk = t.foreign_keys["__new_users_org_id_orgs_id_fk"]
    assert fk.on_delete == "cascade" and fk.on_update == "no action"
    ins = sts[2].operations[0]
    assert ins.from_select and ins.table == "__new_users"
    assert REBUILD[ins.table_range.start:ins.table_range.end] == "`__new_users`"
    assert sts[4].operations[0].new_name == "users"
    add = sts[8].operations[0]
    assert add.column == "extra" and add.column_def.default == "'x'"
    assert REBUILD[add.type_range.start:add.type_range.end] == "text"


def test_sqlite_syntax_error_keeps_others():
    sql = "CREATE TABLE `a` (`x` integer);--> statement-breakpoint\nCREATE TABLE `b` (`y` integer;--> " \
          "statement-breakpoint\nDROP TABLE `a`;"
    sts = parse_migration(sql, "m.sql", "sqlite")
    assert [s.error is None for s in sts] == [True, False, True]
    assert sts[1].error.range.start >= sts[1].range.start


MYSQL = """CREATE TABLE `users` (
\t`id` serial AUTO_INCREMENT NOT NULL,
\t`email` varchar(255) NOT NULL,
\t`role` enum('a','b') DEFAULT 'a',
\t`amount` decimal(10,2),
\t`created` timestamp DEFAULT (now()) ON UPDATE CURRENT_TIMESTAMP,
\tCONSTRAINT `users_id` PRIMARY KEY(`id`),
\tCONSTRAINT `users_email_unique` UNIQUE(`email`)
);
--> statement-breakpoint
ALTER TABLE `posts` ADD CONSTRAINT `posts_author_id_users_id_fk` FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `users` MODIFY COLUMN `amount` decimal(12,2) NOT NULL;--> statement-breakpoint
ALTER TABLE `users` RENAME COLUMN `email` TO `mail`;--> statement-breakpoint
ALTER TABLE `posts` DROP FOREIGN KEY `posts_author_id_users_id_fk`;--> statement-breakpoint
DROP INDEX `users_role_idx` ON `users`;"""


def test_mysql_statements():
    sts = parse_migration(MYSQL, "m.sql", "mysql")
    assert all(s.error is None for s in sts), [s.error for s in sts]
    t = sts[0].operations[0].table_def
    assert [c.type for c in t.columns.values()] == ["serial", "varchar(255)", "enum('a','b')", "decimal(10,2)",
                                                     "timestamp"]
    assert t.columns["created"].default == "(now())" and t.columns["id"].auto_increment
    assert t.primary_keys["users_id"].columns == ["id"] and "users_email_unique" in t.unique_constraints
    fk = sts[1].operations[0]
    assert fk.constraint_type is ConstraintType.FOREIGN_KEY and fk.constraint.table_to == "users"
    mod = sts[2].operations[0]
    assert mod.kind is OpKind.ALTER_COLUMN_TYPE and mod.new_type == "decimal(12,2)" and mod.column_def.not_null
    assert MYSQL[mod.type_range.start:mod.type_range.end] == "decimal(12,2)"
    assert sts[3].operations[0].kind is OpKind.RENAME_COLUMN and sts[3].operations[0].new_name == "mail"
    assert sts[4].operations[0].kind is OpKind.DROP_CONSTRAINT
    drop = sts[5].operations[0]
    assert drop.kind is OpKind.DROP_INDEX and drop.table == "users" and drop.index_name == "users_role_idx"


def test_mysql_rename_table_is_a_rename_operation_the_replay_applies():
    # drizzle-kit writes MySQL table renames as RENAME TABLE; the replay must follow it or every later statement on
    # the new name would look like a reference to a missing table.
    from drizzle_lsp.analysis.replay import replay
    from drizzle_lsp.model import Migration

    text = "CREATE TABLE `orders` (`id` int PRIMARY KEY);\n--> statement-breakpoint\nRENAME TABLE `orders` TO `purchases`, `x` TO `y`;"
    statements = parse_migration(text, "m.sql", "mysql")
    renames = statements[1].operations
    assert [(op.kind.value, op.table, op.new_name) for op in renames] == [
        ("rename_table", "orders", "purchases"), ("rename_table", "x", "y")]
    assert text[renames[0].table_range.start:renames[0].table_range.end] == "`orders`"
    result = replay([Migration("0000_m", "m.sql", dialect="mysql", text=text, statements=statements)], "mysql")
    assert "purchases" in result.final.tables and "orders" not in result.final.tables
