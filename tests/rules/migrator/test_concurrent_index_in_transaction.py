"""concurrent-index-in-transaction: CONCURRENTLY where the migrator (or the migration itself) has a transaction open.

The real case is drizzle-kit's output for an index with `.concurrently()` (corpus case 02). On a real PostgreSQL,
applied the way drizzle's migrator applies it, that migration fails with 25001 and the whole batch rolls back; the
`COMMIT;` workaround lets it run."""

from __future__ import annotations

import os

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
    simple_query,
    write,
)

RULE = "concurrent-index-in-transaction"
CASE = "02-pg-blog-table-creator"
INDEX = ('CREATE INDEX CONCURRENTLY "comments_pending_idx" ON "blog_comments" USING btree ("created_at") WHERE '
         '"blog_comments"."approved" = false;')

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "customer_id" bigint NOT NULL);--> statement-breakpoint\n'
    'CREATE INDEX "orders_old_idx" ON "orders" USING btree ("customer_id");\n'
    "-- 0001_index.sql\n"
)
CONCURRENT = 'CREATE INDEX CONCURRENTLY "orders_customer_id_idx" ON "orders" USING btree ("customer_id");'


def test_real_drizzle_kit_concurrently_index(tmp_path):
    (finding,) = lint_root(copy_case(CASE, tmp_path), RULE)
    assert flagged_text(finding) == INDEX
    assert finding.severity == "error"
    assert finding.message == (
        'CREATE INDEX CONCURRENTLY "comments_pending_idx" on "blog_comments" runs inside the transaction in which '
        "drizzle-kit migrate and drizzle-orm's migrate() apply every pending migration: PostgreSQL refuses it with "
        "25001 (CREATE INDEX CONCURRENTLY cannot run inside a transaction block) and the whole batch of pending "
        "migrations rolls back"
    )
    assert "COMMIT;--> statement-breakpoint" in finding.help
    assert "INVALID index" in finding.help and "__drizzle_migrations" in finding.help
    assert finding.fix is None


def test_per_file_mode(tmp_path):
    (finding,) = lint_root(copy_case(CASE, tmp_path, settings='migrator = "per-file"\n'), RULE)
    assert finding.message.endswith("and the migration rolls back")
    assert "each migration file" in finding.message


def test_neon_http_from_settings(tmp_path):
    assert lint_root(copy_case(CASE, tmp_path, settings='migrator = "neon-http"\n'), RULE) == []


def test_neon_http_inferred_from_the_migrator_import(tmp_path):
    root = copy_case(CASE, tmp_path)
    os.makedirs(os.path.join(root, "src"))
    write(os.path.join(root, "src", "migrate.ts"), 'import { drizzle } from "drizzle-orm/neon-http";\n'
          'import { migrate } from "drizzle-orm/neon-http/migrator";\n')
    write(os.path.join(root, "package.json"),
          '{"dependencies": {"drizzle-orm": "^0.45.4", "@neondatabase/serverless": "^1.0.0"}}')
    assert lint_root(root, RULE) == []


def test_neon_serverless_dependency_alone_means_one_transaction(tmp_path):
    root = copy_case(CASE, tmp_path)
    write(os.path.join(root, "package.json"),
          '{"dependencies": {"drizzle-orm": "^0.45.4", "@neondatabase/serverless": "^1.0.0"}}')
    assert len(lint_root(root, RULE)) == 1


def test_commit_workaround_silences_it(tmp_path):
    root = copy_case(CASE, tmp_path)
    path = migration_path(root, "0001_")
    write(path, read(path).replace(INDEX, "COMMIT;--> statement-breakpoint\n" + INDEX))
    assert lint_root(root, RULE) == []


@pytest.mark.parametrize("statement", [
    'DROP INDEX CONCURRENTLY "orders_old_idx";',
    'REINDEX INDEX CONCURRENTLY "orders_old_idx";',
    CONCURRENT,
])
def test_every_concurrent_form(statement):
    (finding,) = lint_sql(EXISTING + statement, RULE)
    keyword = "REINDEX" if statement.startswith("REINDEX") else statement.split(" CONCURRENTLY")[0]
    assert finding.message.startswith(statement.split(" ON ")[0].rstrip(";"))
    assert f"({keyword} CONCURRENTLY cannot run inside a transaction block)" in finding.message


def test_flagged_on_a_table_created_in_the_same_migration():
    # it fails whatever the table holds
    sql = ("-- 0000_init.sql\n"
           'CREATE TABLE "t" ("id" integer PRIMARY KEY);--> statement-breakpoint\n'
           'CREATE INDEX CONCURRENTLY "t_id_idx" ON "t" USING btree ("id");')
    assert len(lint_sql(sql, RULE)) == 1


def test_commit_in_the_same_chunk_does_not_help():
    sql = EXISTING + f"COMMIT; {CONCURRENT}"
    (finding,) = lint_sql(sql, RULE)
    assert finding.message.startswith(
        'CREATE INDEX CONCURRENTLY "orders_customer_id_idx" on "orders" shares its breakpoint chunk with other '
        "statements, so drizzle sends them as one query, which PostgreSQL runs as one transaction block")
    assert finding.help == "Separate it from the statements around it with `--> statement-breakpoint`."
    # the same without a migrator transaction
    assert len(lint_sql(sql, RULE, migrator="no-transaction")) == 1


def test_explicit_begin():
    sql = EXISTING + f"COMMIT;--> statement-breakpoint\nBEGIN;--> statement-breakpoint\n{CONCURRENT}"
    (finding,) = lint_sql(sql, RULE)
    assert "runs inside the transaction opened by BEGIN at line 2:" in finding.message


def test_a_later_file_still_starts_inside_the_migrators_transaction():
    # 0001 ends the transaction with COMMIT, but 0002 may be the only pending migration of a later deploy
    sql = (EXISTING + f"COMMIT;--> statement-breakpoint\n{CONCURRENT}\n"
           '-- 0002_more.sql\nDROP INDEX CONCURRENTLY "orders_old_idx";')
    (finding,) = lint_sql(sql, RULE)
    assert finding.range.path.endswith("0002_more.sql")


# --- on a real PostgreSQL ----------------------------------------------------------------------------------------


def test_concurrently_inside_begin_is_25001(pg):
    pg.execute('CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "customer_id" bigint)')
    simple_query(pg, "BEGIN")
    with pytest.raises(QueryFailed) as failure:
        simple_query(pg, CONCURRENT)
    assert failure.value.sqlstate == "25001"
    simple_query(pg, "ROLLBACK")
    # a query holding several statements is one transaction block too, even after a COMMIT in it
    with pytest.raises(QueryFailed) as failure:
        simple_query(pg, f"SELECT 1; {CONCURRENT}")
    assert failure.value.sqlstate == "25001"
    simple_query(pg, "BEGIN")
    with pytest.raises(QueryFailed) as failure:
        simple_query(pg, f"COMMIT; {CONCURRENT}")
    assert failure.value.sqlstate == "25001"


def test_real_migration_fails_and_rolls_back_the_batch(pg, tmp_path):
    root = copy_case(CASE, tmp_path)
    first, second = read(migration_path(root, "0000_")), read(migration_path(root, "0001_"))
    with pytest.raises(QueryFailed) as failure:
        migrate_like_drizzle(pg, [first, second])  # both pending: one transaction
    assert failure.value.sqlstate == "25001"
    assert pg.execute("SELECT to_regclass('blog_posts')").fetchone() == (None,)  # 0000 rolled back with it

    workaround = second.replace(INDEX, "COMMIT;--> statement-breakpoint\n" + INDEX)
    migrate_like_drizzle(pg, [first, workaround])
    assert pg.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'comments_pending_idx'::regclass"
                      ).fetchone() == (True,)


MARKED = "-- drizzle-lsp: no-transaction\n" + CONCURRENT


@pytest.mark.parametrize("settings", ['migrator = "drizzle-lsp"\n', 'migrator = "per-file"\n'])
def test_marker_runs_the_file_statement_by_statement_under_a_per_file_runner(settings):
    # drizzle-lsp migrate sends a marked file one statement at a time, outside any transaction.
    assert lint_sql(EXISTING + MARKED, RULE, settings=settings) == []
    assert len(lint_sql(EXISTING + CONCURRENT, RULE, settings=settings)) == 1


def test_marker_means_nothing_to_drizzles_own_migrator():
    # drizzle-kit migrate and migrate() ignore the marker: the whole batch is still one transaction.
    (finding,) = lint_sql(EXISTING + MARKED, RULE, settings='migrator = "transaction"\n')
    assert "every pending migration" in finding.message


def test_marker_after_the_first_statement_does_not_count():
    late = EXISTING + 'SELECT 1;--> statement-breakpoint\n-- drizzle-lsp: no-transaction\n' + CONCURRENT
    assert len(lint_sql(late, RULE, settings='migrator = "drizzle-lsp"\n')) == 1


def test_a_package_script_running_drizzle_lsp_migrate_is_recognised(tmp_path):
    from drizzle_lsp.analysis.project import load_workspace
    from drizzle_lsp.rules.testing import write_project

    root = str(tmp_path)
    write_project(root, sql=EXISTING + MARKED,
                  package_json={"scripts": {"db:migrate": "drizzle-lsp migrate --config drizzle.config.ts"}})
    (analyzed,) = load_workspace([root]).projects
    assert analyzed.migrator == "per-file"
    assert 'script "db:migrate" runs drizzle-lsp migrate' in analyzed.migrator_mode.reason
    assert lint_root(root, RULE) == []
