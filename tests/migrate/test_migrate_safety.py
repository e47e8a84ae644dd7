"""What drizzle's migrator gets wrong and this runner does not: out-of-order and edited migrations, CONCURRENTLY,
COMMIT breakpoints, and resuming a migration that commits statement by statement."""

from __future__ import annotations

import hashlib

from tests.migrate.helpers import SEED_ONE_TASK, apply_first, ledger, migrate, query

CONCURRENT_INDEX = '-- drizzle-lsp: no-transaction\nCREATE INDEX CONCURRENTLY "tasks_title_idx" ON "tasks" USING btree ("title");'


def _index_valid(url: str, name: str) -> bool | None:
    rows = query(url, "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
                 [name])
    return rows[0][0] if rows else None


def test_a_migration_older_than_the_newest_applied_one_is_refused_then_allowed(project, database_url):
    project.add_saas(2)
    late = project.entries[0]["when"] + 1  # generated on a branch between 0000 and 0001, merged after 0001 ran
    assert migrate(project, database_url).code == 0
    project.add("0002_branch_hotfix", 'CREATE TABLE "hotfix" ("id" integer);', when=late)

    status = migrate(project, database_url, "--status")
    assert "out of order 0002_branch_hotfix" in status.out
    assert "older than the newest applied migration 0001_rich_stryfe" in status.out

    refused = migrate(project, database_url)
    assert refused.code == 1
    assert "refusing to run:" in refused.err
    assert "1 pending migration(s) older than the newest applied one (0001_rich_stryfe" in refused.err
    assert f"0002_branch_hotfix ({project.sql_path('0002_branch_hotfix')}): journal when {late}" in refused.err
    assert "drizzle's own migrator would skip it silently, forever" in refused.err
    assert "--allow-out-of-order" in refused.err
    assert not query(database_url, "SELECT to_regclass('hotfix')")[0][0]

    allowed = migrate(project, database_url, "--allow-out-of-order")
    assert allowed.code == 0, allowed.text
    assert ledger(database_url)[-1][1:] == (hashlib.sha256(project.read("0002_branch_hotfix")).hexdigest(), late)
    assert "3 applied, 0 pending." in migrate(project, database_url, "--status").out
    assert migrate(project, database_url).code == 0  # applied now: no longer pending, so no longer refused


def test_an_applied_migration_edited_since_is_refused_with_both_hashes(project, database_url):
    project.add_saas(1)
    assert migrate(project, database_url).code == 0
    stored = ledger(database_url)[0][1]
    with open(project.sql_path("0000_smiling_vulcan"), "ab") as handle:
        handle.write(b'\nCREATE INDEX "late_idx" ON "tasks" ("title");')
    current = hashlib.sha256(project.read("0000_smiling_vulcan")).hexdigest()
    project.add("0001_next", 'CREATE TABLE "next" ("id" integer);')

    status = migrate(project, database_url, "--status")
    assert "changed      0000_smiling_vulcan" in status.out and "1 changed" in status.out

    refused = migrate(project, database_url)
    assert refused.code == 1
    assert "1 applied migration(s) changed since they were applied:" in refused.err
    assert f"stored hash {stored}, current hash {current}" in refused.err
    assert "--allow-changed" in refused.err
    assert not query(database_url, "SELECT to_regclass('next')")[0][0]

    allowed = migrate(project, database_url, "--allow-changed")
    assert allowed.code == 0, allowed.text
    assert "running anyway (--allow-changed), the stored hash is kept" in allowed.out
    assert ledger(database_url)[0][1] == stored and len(ledger(database_url)) == 2


def test_a_concurrent_index_runs_in_a_no_transaction_migration(project, database_url):
    project.add_saas(2).add("0002_index_title", CONCURRENT_INDEX)
    result = migrate(project, database_url)
    assert result.code == 0, result.text
    assert "0002_index_title (no transaction: statement by statement (-- drizzle-lsp: no-transaction))" in result.out
    assert _index_valid(database_url, "tasks_title_idx") is True
    assert len(ledger(database_url)) == 3
    # the progress kept while the migration ran is gone with it: only drizzle's ledger stays
    assert query(database_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'drizzle'") == [("__drizzle_migrations",)]


def test_concurrently_without_the_marker_is_refused_before_anything_runs(project, database_url):
    project.add_saas(2).add("0002_index_title", CONCURRENT_INDEX.split("\n", 1)[1])
    result = migrate(project, database_url)
    assert result.code == 1
    assert "0002_index_title cannot run as written" in result.err
    assert "line 1: CONCURRENTLY cannot run inside a transaction (PostgreSQL error 25001)" in result.err
    assert ledger(database_url) == []  # refused up front: not even 0000 ran
    dry = migrate(project, database_url, "--dry-run")
    assert dry.code == 1 and "cannot run: line 1: CONCURRENTLY" in dry.out


def test_an_index_left_invalid_by_a_failed_concurrent_build_is_dropped_before_the_build_runs_again(project, database_url):
    project.add_saas(1)
    project.add("0001_unique_slug", '-- drizzle-lsp: no-transaction\n'
                                    'CREATE UNIQUE INDEX CONCURRENTLY "projects_name_key" ON "projects" ("name");')
    apply_first(project, database_url, 1)
    query(database_url, SEED_ONE_TASK + "INSERT INTO projects (organization_id, name) SELECT id, 'p' FROM organizations;")
    failed = migrate(project, database_url)
    assert failed.code == 1
    assert "PostgreSQL error 23505 (unique_violation)" in failed.err
    assert _index_valid(database_url, "projects_name_key") is False  # what PostgreSQL leaves behind

    query(database_url, "DELETE FROM projects WHERE ctid = (SELECT max(ctid) FROM projects)")
    again = migrate(project, database_url)
    assert again.code == 0, again.text
    assert ('dropping index public.projects_name_key: an earlier concurrent build failed and left it INVALID'
            in again.out)
    assert _index_valid(database_url, "projects_name_key") is True


def test_a_commit_breakpoint_written_for_drizzles_migrator_works_here(project, database_url):
    project.add_saas(2).add("0002_done_at", (
        'ALTER TABLE "tasks" ADD COLUMN "done_at" timestamp with time zone;--> statement-breakpoint\n'
        "COMMIT;--> statement-breakpoint\n"
        'CREATE INDEX CONCURRENTLY "tasks_done_at_idx" ON "tasks" USING btree ("done_at");'))
    result = migrate(project, database_url)
    assert result.code == 0, result.text
    assert "1 transaction(s) and 1 statement(s) committing on their own" in result.out
    assert _index_valid(database_url, "tasks_done_at_idx") is True
    assert ledger(database_url)[-1][1] == hashlib.sha256(project.read("0002_done_at")).hexdigest()


def test_a_no_transaction_migration_that_fails_midway_resumes_after_what_was_committed(project, database_url):
    project.add_saas(1).add("0001_steps", (
        "-- drizzle-lsp: no-transaction\n"
        'CREATE INDEX CONCURRENTLY "tasks_title_idx" ON "tasks" ("title");\n'
        'ALTER TABLE "tasks" ADD COLUMN "rank" integer NOT NULL;\n'  # fails once tasks holds a row
        'CREATE INDEX CONCURRENTLY "tasks_rank_idx" ON "tasks" ("rank");\n'))
    apply_first(project, database_url, 1)
    query(database_url, SEED_ONE_TASK)
    failed = migrate(project, database_url)
    assert failed.code == 1
    assert "0001_steps.sql:3" in failed.err and "PostgreSQL error 23502 (not_null_violation)" in failed.err
    assert ("0001_steps: partly applied. Its statements up to line 2 were committed (they do not run in one "
            "transaction) and saved as progress; the failed part was rolled back. The next run resumes at line 3."
            in failed.err)
    assert _index_valid(database_url, "tasks_title_idx") is True
    assert "partial      0001_steps" in migrate(project, database_url, "--status").out

    # the usual fix edits the statement that failed; the committed one is unchanged, so the run resumes after it
    text = project.read("0001_steps").replace(b'"rank" integer NOT NULL;', b'"rank" integer NOT NULL DEFAULT 0;')
    with open(project.sql_path("0001_steps"), "wb") as handle:
        handle.write(text)
    resumed = migrate(project, database_url)
    assert resumed.code == 0, resumed.text
    assert "resuming after the 1 queries an earlier run committed" in resumed.out
    assert "0001_steps.sql:2" not in resumed.out
    assert _index_valid(database_url, "tasks_rank_idx") is True
    assert ledger(database_url)[-1][1] == hashlib.sha256(text).hexdigest()

    # editing a statement that was already committed is refused instead of guessed
    project.add("0002_more", "-- drizzle-lsp: no-transaction\nSELECT 1;\nSELECT 1/0;\n")
    assert migrate(project, database_url).code == 1
    with open(project.sql_path("0002_more"), "w") as handle:
        handle.write("-- drizzle-lsp: no-transaction\nSELECT 2;\nSELECT 1;\n")
    refused = migrate(project, database_url)
    assert refused.code == 1
    assert "0002_more was partly applied by an earlier run (1 queries committed), and those statements changed" in refused.err
