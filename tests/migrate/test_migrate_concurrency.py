"""Other sessions: a lock held by another connection (lock_timeout, retries with backoff, a clean failure) and two
runs started together (the advisory lock makes one wait)."""

from __future__ import annotations

import time

import psycopg

from tests.migrate.helpers import (SEED_ONE_TASK, apply_first, finish, ledger, migrate, migrate_while, query,
                                   start_migrate, wait_for)

ADD_COLUMN = 'ALTER TABLE "tasks" ADD COLUMN "note" text;'


def _hold_access_exclusive(url: str, table: str) -> psycopg.Connection:
    """A second session that takes ACCESS EXCLUSIVE on ``table`` and keeps it until closed (like a long report)."""
    holder = psycopg.connect(url, application_name="nightly-report")
    holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    return holder


def test_a_lock_held_by_another_session_is_retried_then_fails_cleanly(project, database_url):
    project.add_saas(2).add("0002_task_note", ADD_COLUMN).add("0003_after", 'CREATE TABLE "after" ("id" integer);')
    apply_first(project, database_url, 2)
    holder = _hold_access_exclusive(database_url, "tasks")
    try:
        holder_pid = holder.info.backend_pid
        started = time.monotonic()
        result = migrate(project, database_url, "--lock-timeout", "100ms", "--retries", "2", "--retry-delay", "50ms")
        elapsed = time.monotonic() - started
    finally:
        holder.close()
    assert result.code == 1
    # three attempts, 100 ms each, with 50 ms then 100 ms between them
    assert result.out.count("lock timeout at ") == 2
    assert "(attempt 1 of 3; lock held by pid" in result.out and "retrying in 50 ms" in result.out
    assert "retrying in 100 ms" in result.out
    assert 0.4 < elapsed < 10
    err = result.err
    assert "migration 0002_task_note failed at " in err and "0002_task_note.sql:1 after 3 attempts:" in err
    assert ADD_COLUMN in err
    assert "PostgreSQL error 55P03 (lock_not_available): canceling statement due to lock timeout" in err
    assert (f"Another session held a conflicting lock for longer than lock_timeout (100ms) on each of 3 attempts; "
            f"held by pid {holder_pid} (AccessExclusiveLock, idle in transaction, nightly-report).") in err
    assert "Applied and recorded in this run: none (after 2 applied earlier)." in err
    assert "0002_task_note: rolled back, nothing of it was applied, and it is not recorded." in err
    assert "Not run: 0003_after." in err
    assert "To resume once the cause is fixed: drizzle-lsp migrate" in err and "--lock-timeout 100ms --retries 2" in err
    assert len(ledger(database_url)) == 2

    resumed = migrate(project, database_url, "--lock-timeout", "100ms")
    assert resumed.code == 0, resumed.text
    assert len(ledger(database_url)) == 4


def test_a_lock_released_during_the_backoff_lets_the_retry_succeed(project, database_url):
    project.add_saas(2).add("0002_task_note", ADD_COLUMN)
    apply_first(project, database_url, 2)
    holder = _hold_access_exclusive(database_url, "tasks")

    def release_after_the_first_timeout() -> None:
        wait_for(database_url, "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                               "WHERE NOT l.granted AND a.application_name = 'drizzle-lsp migrate'")
        time.sleep(0.3)  # past the 100 ms lock_timeout: the first attempt has failed by now
        holder.close()

    result = migrate_while(release_after_the_first_timeout, project, database_url, "--lock-timeout", "100ms",
                           "--retries", "10", "--retry-delay", "100ms")
    assert result.code == 0, result.text
    assert "lock timeout at " in result.out and "recorded 0002_task_note" in result.out
    assert query(database_url, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'tasks' "
                               "AND column_name = 'note'") == [(1,)]


def test_two_runs_started_together_serialise_on_the_advisory_lock(project, database_url):
    # the first migration takes a while, so the second run finds the lock taken; the concurrent index checks that the
    # waiting run holds no snapshot the build would wait for (pg_advisory_lock would deadlock it)
    project.add_saas(2).add("0002_slow", "SELECT pg_sleep(1.5);").add("0003_index", (
        '-- drizzle-lsp: no-transaction\nCREATE INDEX CONCURRENTLY "tasks_title_idx" ON "tasks" ("title");'))
    first = start_migrate(project, database_url)
    second = start_migrate(project, database_url)
    results = [finish(first), finish(second)]
    assert [r.code for r in results] == [0, 0], [r.text for r in results]
    waited = [r for r in results if "another migration run holds the lock" in r.out]
    assert len(waited) == 1, [r.out for r in results]
    assert "(pid " in waited[0].out and "drizzle-lsp migrate" in waited[0].out
    assert "lock acquired after" in waited[0].out
    assert "nothing to apply: the database is up to date (4 migrations applied)." in waited[0].out
    ran = [r for r in results if r is not waited[0]][0]
    assert "applied 4 migration(s)" in ran.out
    assert [row[0] for row in ledger(database_url)] == [1, 2, 3, 4]


def test_a_run_gives_up_waiting_for_the_lock_after_wait(project, database_url):
    from drizzle_lsp.migrate.ledger import Ledger

    project.add_saas(1)
    key = Ledger("drizzle", "__drizzle_migrations", "0.x").advisory_key
    with psycopg.connect(database_url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [key])
        result = migrate(project, database_url, "--wait", "300ms")
    assert result.code == 1
    assert "gave up after waiting 300 ms for the other migration run" in result.err
    assert "Nothing was applied." in result.err
    assert ledger(database_url) == []


def test_a_concurrent_build_that_times_out_leaves_an_invalid_index_dropped_before_the_retry(project, database_url):
    # an open transaction that wrote to tasks: CREATE INDEX CONCURRENTLY records the index, then waits for that
    # transaction; the lock timeout ends the build and leaves the index INVALID
    project.add_saas(2).add("0002_index_title", (
        '-- drizzle-lsp: no-transaction\nCREATE INDEX CONCURRENTLY "tasks_title_idx" ON "tasks" ("title");'))
    apply_first(project, database_url, 2)
    writer = psycopg.connect(database_url, application_name="busy-writer")
    writer.execute(SEED_ONE_TASK)

    def commit_after_the_first_timeout() -> None:
        wait_for(database_url, "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                               "WHERE c.relname = 'tasks_title_idx' AND NOT i.indisvalid")
        time.sleep(0.4)
        writer.commit()

    try:
        result = migrate_while(commit_after_the_first_timeout, project, database_url, "--lock-timeout", "100ms",
                               "--retries", "10", "--retry-delay", "100ms")
    finally:
        writer.close()
    assert result.code == 0, result.text
    assert "lock timeout at " in result.out
    assert ("dropping index public.tasks_title_idx: an earlier concurrent build failed and left it INVALID"
            in result.out)
    assert query(database_url, "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                               "WHERE c.relname = 'tasks_title_idx'") == [(True,)]
    assert len(ledger(database_url)) == 3
