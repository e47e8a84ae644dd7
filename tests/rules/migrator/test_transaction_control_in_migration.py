"""transaction-control-in-migration: BEGIN / COMMIT / ROLLBACK in a migration the migrator already wraps in a
transaction. The COMMIT workaround is added to a real drizzle-kit migration (corpus case 02), and its cost is shown on
a real PostgreSQL: after the COMMIT, a failure no longer rolls back what came before."""

from __future__ import annotations

import pytest

from migrator_helpers import (
    QueryFailed,
    copy_case,
    flagged_text,
    lint_root,
    lint_sql,
    migrate_like_drizzle,
    migration_path,
    read,
    write,
)

RULE = "transaction-control-in-migration"
CASE = "02-pg-blog-table-creator"
INDEX = ('CREATE INDEX CONCURRENTLY "comments_pending_idx" ON "blog_comments" USING btree ("created_at") WHERE '
         '"blog_comments"."approved" = false;')

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" text NOT NULL);\n'
    "-- 0001_change.sql\n"
)
ADD_NAME = 'ALTER TABLE "users" ADD COLUMN "name" text;'


def _with_workaround(tmp_path, settings: str | None = None) -> str:
    root = copy_case(CASE, tmp_path, settings=settings)
    path = migration_path(root, "0001_")
    write(path, read(path).replace(INDEX, "COMMIT;--> statement-breakpoint\n" + INDEX))
    return root


def test_commit_workaround_in_a_real_migration(tmp_path):
    (finding,) = lint_root(_with_workaround(tmp_path), RULE)
    assert flagged_text(finding) == "COMMIT;"
    assert finding.message == (
        "COMMIT ends the transaction in which drizzle-kit migrate and drizzle-orm's migrate() apply all pending "
        "migrations: everything before it, in this and in every earlier pending migration, is committed at this "
        "point, and the statements after it run outside any transaction, so a failure after it leaves the migration "
        "half-applied and not recorded in __drizzle_migrations (the next run executes the whole file again); this is "
        "the known workaround that lets the CONCURRENTLY statement at line 4 run, and that is its cost"
    )
    assert finding.help.startswith("Remove it: the migrator already applies the migration inside a transaction.")


def test_per_file_and_no_transaction_modes(tmp_path):
    (finding,) = lint_root(_with_workaround(tmp_path / "a", 'migrator = "per-file"\n'), RULE)
    assert "in which this project applies each migration: the statements before it are committed" in finding.message
    assert lint_root(_with_workaround(tmp_path / "b", 'migrator = "neon-http"\n'), RULE) == []


def test_a_migration_wrapped_in_begin_and_commit():
    sql = EXISTING + f"BEGIN;--> statement-breakpoint\n{ADD_NAME}--> statement-breakpoint\nCOMMIT;"
    begin, commit = lint_sql(sql, RULE)
    assert begin.message == (
        'BEGIN inside the transaction the migrator already opened does nothing (PostgreSQL only warns "there is '
        'already a transaction in progress"), but the COMMIT at line 3 then ends the migrator\'s transaction early'
    )
    assert flagged_text(begin, sql) == "BEGIN;"
    assert commit.message.endswith("; the later pending migrations also run outside any transaction")


def test_rollback():
    sql = EXISTING + f"{ADD_NAME}--> statement-breakpoint\nROLLBACK;"
    (finding,) = lint_sql(sql, RULE)
    assert finding.message == (
        "ROLLBACK silently undoes everything this run applied before it, earlier pending migrations and their rows "
        "in __drizzle_migrations included; the migrator does not notice: it runs the rest of the migration outside "
        "any transaction and records it as applied"
    )


def test_begin_after_commit_and_commit_outside_a_transaction():
    sql = EXISTING + ("COMMIT;--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\n"
                      f"BEGIN;--> statement-breakpoint\n{ADD_NAME}--> statement-breakpoint\nEND;")
    first, second, begin, end = lint_sql(sql, RULE)
    assert second.message.startswith("COMMIT outside any transaction does nothing")
    assert begin.message.startswith("BEGIN opens a new transaction after the migrator's one was ended")
    assert end.message == ("COMMIT ends the transaction opened at line 3 after the migrator's one was ended: the "
                           "statements after it run outside any transaction")


def test_savepoints_are_not_flagged():
    sql = EXISTING + (f"SAVEPOINT before_name;--> statement-breakpoint\n{ADD_NAME}--> statement-breakpoint\n"
                      "RELEASE SAVEPOINT before_name;")
    assert lint_sql(sql, RULE) == []


def test_commit_in_the_same_chunk_as_concurrently_is_no_workaround():
    sql = EXISTING + 'COMMIT; CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" USING btree ("email");'
    (finding,) = lint_sql(sql, RULE)
    assert "known workaround" not in finding.message


# --- on a real PostgreSQL ----------------------------------------------------------------------------------------


def test_after_the_commit_a_failure_leaves_the_migration_half_applied(pg, tmp_path):
    root = _with_workaround(tmp_path)
    first, second = read(migration_path(root, "0000_")), read(migration_path(root, "0001_"))
    # make the statement after the COMMIT fail: an index of that name already exists
    pg.execute("CREATE TABLE placeholder (id int)")
    pg.execute('CREATE INDEX "comments_pending_idx" ON placeholder (id)')
    with pytest.raises(QueryFailed) as failure:
        migrate_like_drizzle(pg, [first, second])
    assert failure.value.sqlstate == "42P07"
    # drizzle's ROLLBACK came too late: 0000 and the start of 0001 stay applied, without their ledger rows
    karma = pg.execute("SELECT 1 FROM information_schema.columns WHERE table_name = 'blog_authors' "
                       "AND column_name = 'karma'").fetchall()
    assert karma == [(1,)]
