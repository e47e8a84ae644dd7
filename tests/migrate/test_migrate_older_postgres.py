"""The runner's main scenarios again on the distribution's older PostgreSQL (15 on Debian bookworm): the ledger,
transactions, CONCURRENTLY, lock timeouts and the advisory lock must not depend on PostgreSQL 18."""

from __future__ import annotations

import pytest

from tests.migrate import test_migrate_apply as apply_tests
from tests.migrate import test_migrate_concurrency as concurrency_tests
from tests.migrate import test_migrate_safety as safety_tests
from tests.migrate.helpers import query

SCENARIOS = [
    apply_tests.test_fresh_database_gets_drizzles_ledger_and_every_migration,
    apply_tests.test_a_failing_statement_keeps_earlier_migrations_and_rolls_back_the_failing_one,
    safety_tests.test_a_concurrent_index_runs_in_a_no_transaction_migration,
    safety_tests.test_a_commit_breakpoint_written_for_drizzles_migrator_works_here,
    safety_tests.test_an_applied_migration_edited_since_is_refused_with_both_hashes,
    concurrency_tests.test_a_lock_held_by_another_session_is_retried_then_fails_cleanly,
    concurrency_tests.test_two_runs_started_together_serialise_on_the_advisory_lock,
    concurrency_tests.test_a_concurrent_build_that_times_out_leaves_an_invalid_index_dropped_before_the_retry,
]


def test_the_older_server_is_older(older_database_url):
    assert query(older_database_url, "SELECT current_setting('server_version_num')::int / 10000")[0][0] < 18


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__.removeprefix("test_") for s in SCENARIOS])
def test_on_older_postgres(scenario, project, older_database_url):
    scenario(project, older_database_url)
