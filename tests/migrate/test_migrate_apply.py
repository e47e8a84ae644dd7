"""Applying migrations to a real PostgreSQL: fresh and partly migrated databases, a failure in the middle, status,
dry run, v1 folders and timeouts."""

from __future__ import annotations

import hashlib
import os

from tests.migrate.helpers import column_type, ledger, migrate, query, table_exists


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_fresh_database_gets_drizzles_ledger_and_every_migration(project, database_url):
    project.add_saas(2)
    result = migrate(project, database_url)
    assert result.code == 0, result.text
    assert table_exists(database_url, '"tasks"') and table_exists(database_url, '"user"')
    assert query(database_url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'tasks_project_status_idx'") == [(1,)]
    # drizzle's table: same columns, and one row per migration with sha256 of the file and the journal's `when`
    columns = query(database_url, "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
                                  "'drizzle' AND table_name = '__drizzle_migrations' ORDER BY ordinal_position")
    assert columns == [("id", "integer"), ("hash", "text"), ("created_at", "bigint")]
    expected = [(i + 1, _sha256(project.read(e["tag"])), e["when"]) for i, e in enumerate(project.entries)]
    assert ledger(database_url) == expected
    # progress per statement, with timings, then a summary
    assert "ok  " in result.out and " ms" in result.out
    assert "0001_rich_stryfe.sql:2  CREATE INDEX" in result.out
    assert "applied 2 migration(s)" in result.out
    # no extra table of ours when every migration commits in one transaction
    assert query(database_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'drizzle'") == [(1,)]

    again = migrate(project, database_url)
    assert again.code == 0 and "nothing to apply" in again.out
    assert ledger(database_url) == expected


def test_partly_migrated_database_gets_only_what_is_pending(project, database_url):
    project.add_saas(2).keep_first(1)
    assert migrate(project, database_url).code == 0
    assert len(ledger(database_url)) == 1 and not query(
        database_url, "SELECT 1 FROM pg_indexes WHERE indexname = 'tasks_project_status_idx'")

    project.restore()
    status = migrate(project, database_url, "--status")
    assert status.code == 0
    assert "applied      0000_smiling_vulcan" in status.out
    assert "pending      0001_rich_stryfe" in status.out
    assert "1 applied, 1 pending." in status.out

    result = migrate(project, database_url)
    assert result.code == 0, result.text
    assert "0000_smiling_vulcan (" not in result.out and "0001_rich_stryfe (one transaction)" in result.out
    assert [row[0] for row in ledger(database_url)] == [1, 2]


def test_a_failing_statement_keeps_earlier_migrations_and_rolls_back_the_failing_one(project, database_url):
    # 0002 changes budget_cents to bigint, then priority from text to integer without USING: PostgreSQL refuses
    project.add_saas(4)
    result = migrate(project, database_url)
    assert result.code == 1
    assert [row[0] for row in ledger(database_url)] == [1, 2]
    assert column_type(database_url, "projects", "budget_cents") == "integer"  # 0002's first statement rolled back
    assert column_type(database_url, "tasks", "title") == "text"  # 0003 (the rename) never ran
    err = result.err
    assert "migration 0002_crazy_wind_dancer failed at " in err
    assert os.path.join("drizzle", "0002_crazy_wind_dancer.sql") + ":2" in err
    assert 'ALTER TABLE "tasks" ALTER COLUMN "priority" SET DATA TYPE integer;' in err
    assert "PostgreSQL error 42804 (datatype_mismatch): column \"priority\" cannot be cast automatically" in err
    assert 'hint: You might need to specify "USING priority::integer".' in err
    assert "Applied and recorded in this run: 0000_smiling_vulcan, 0001_rich_stryfe." in err
    assert "0002_crazy_wind_dancer: rolled back, nothing of it was applied, and it is not recorded." in err
    assert "Not run: 0003_magical_saracen." in err
    assert f"To resume once the cause is fixed: drizzle-lsp migrate {project.root} --database-url" in err
    assert "Traceback" not in result.text

    # fixing the file and running the same command resumes where it stopped
    fixed = project.read("0002_crazy_wind_dancer").replace(b"SET DATA TYPE integer;",
                                                            b'DROP DEFAULT, ALTER COLUMN "priority" SET DATA TYPE integer USING "priority"::integer;')
    with open(project.sql_path("0002_crazy_wind_dancer"), "wb") as handle:
        handle.write(fixed)
    # 0002 adds a NOT NULL column without default to projects: fine while the table is empty
    resumed = migrate(project, database_url)
    assert resumed.code == 0, resumed.text
    assert [row[0] for row in ledger(database_url)] == [1, 2, 3, 4]
    assert column_type(database_url, "tasks", "summary") == "text"


def test_dry_run_shows_pending_statements_with_their_locks_and_changes_nothing(project, database_url):
    project.add_saas(2).keep_first(1)
    assert migrate(project, database_url).code == 0
    project.restore()
    result = migrate(project, database_url, "--dry-run")
    assert result.code == 0, result.text
    out = result.out
    assert "0000_smiling_vulcan" not in out
    assert "0001_rich_stryfe (one transaction)" in out
    assert ("SHARE ROW EXCLUSIVE on tasks (blocks writes); SHARE ROW EXCLUSIVE on user; no rewrite; scans the table"
            in out)
    assert "SHARE on tasks (blocks writes); no rewrite; scans the table; the index is built while writes wait" in out
    assert "lock_timeout 5s" in out
    assert len(ledger(database_url)) == 1


def test_dry_run_of_a_rewrite_and_without_a_database(project):
    project.add_saas(3)
    result = migrate(project, None, "--dry-run")
    assert result.code == 0, result.text
    assert "no database URL: every migration is shown as pending" in result.out
    assert ('ALTER TABLE "projects" ALTER COLUMN "budget_cents" SET DATA TYPE bigint;\n'
            "      ACCESS EXCLUSIVE on projects (blocks reads and writes); rewrites the table; scans the table"
            in result.out)
    assert "the table is new in this migration, so it is empty: brief" in result.out


def test_lock_and_statement_timeouts_come_from_the_settings_file_and_flags_override(project, database_url):
    with open(os.path.join(project.root, ".drizzle-lsp.toml"), "w") as handle:
        handle.write('[migrate]\nlock-timeout = "750ms"\nstatement-timeout = "1s"\n')
    project.add("0000_probe", "SELECT pg_sleep(0.01);")
    shown = migrate(project, database_url, "--dry-run")
    assert "lock_timeout 750ms, statement_timeout 1s" in shown.out
    # the settings reach the migration's transaction as SET LOCAL: record them from inside it
    project.add("0001_read_settings", "CREATE TABLE seen AS SELECT current_setting('lock_timeout') AS lock_timeout, "
                                      "current_setting('statement_timeout') AS statement_timeout;")
    assert migrate(project, database_url, "--lock-timeout", "2s").code == 0
    assert query(database_url, "SELECT * FROM seen") == [("2s", "1s")]
    # SET LOCAL ends with the transaction: nothing stays on the session
    project.add("0002_sleep", "SELECT pg_sleep(2);")
    result = migrate(project, database_url, "--statement-timeout", "200ms")
    assert result.code == 1
    assert "PostgreSQL error 57014 (query_canceled): canceling statement due to statement timeout" in result.err
    assert "after" not in result.err.split("\n")[0]  # a statement timeout is not retried


def test_v1_folders_get_the_v1_ledger_columns_and_names(tmp_path, database_url):
    from tests.migrate.helpers import CONFIG

    root = tmp_path / "v1app"
    (root / "drizzle" / "20250102030405_init").mkdir(parents=True)
    (root / "drizzle" / "20250203040506_more").mkdir(parents=True)
    (root / "drizzle.config.ts").write_text(CONFIG)
    (root / "drizzle" / "20250102030405_init" / "migration.sql").write_text('CREATE TABLE "a" ("id" integer);')
    (root / "drizzle" / "20250203040506_more" / "migration.sql").write_text('CREATE TABLE "b" ("id" integer);')

    # a ledger started by drizzle 0.x, holding the first migration: upgraded the way drizzle v1 does it
    first_hash = _sha256(b'CREATE TABLE "a" ("id" integer);')
    query(database_url, 'CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, '
                        'hash text NOT NULL, created_at bigint); CREATE TABLE "a" ("id" integer);')
    query(database_url, "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (%s, 1735787045000)",
          [first_hash])

    class V1:
        root = str(tmp_path / "v1app")

    result = migrate(V1, database_url)
    assert result.code == 0, result.text
    assert "upgraded" in result.out
    rows = query(database_url, "SELECT id, hash, created_at, name, applied_at IS NULL FROM drizzle.__drizzle_migrations "
                               "ORDER BY id")
    assert rows == [(1, first_hash, 1735787045000, "20250102030405_init", True),
                    (2, _sha256(b'CREATE TABLE "b" ("id" integer);'), 1738555506000, "20250203040506_more", False)]


def test_a_custom_migration_holding_only_a_comment_is_recorded_and_a_chunk_runs_as_one_query(project, database_url):
    project.add("0000_custom", "-- Custom SQL migration file, put your code below! --")  # drizzle-kit generate --custom
    # with breakpoints: false, drizzle sends the whole file as one query: so does the runner, and a failure names
    # the lines of the whole query
    project.add("0001_no_breakpoints", 'CREATE TABLE "a" ("id" integer);\nCREATE TABLE "b" ("id" integer);\n'
                                       'INSERT INTO "a" VALUES (\'x\');\n')
    result = migrate(project, database_url)
    assert result.code == 1
    assert "recorded 0000_custom" in result.out
    assert "0001_no_breakpoints.sql:1-3 after" not in result.err
    assert "0001_no_breakpoints.sql:1-3:" in result.err and "22P02 (invalid_text_representation)" in result.err
    assert not table_exists(database_url, '"a"')
    assert ledger(database_url) == [(1, _sha256(project.read("0000_custom")), project.entries[0]["when"])]
