"""Switching between drizzle-orm's real migrator (node, pg) and drizzle-lsp migrate, in both directions: the ledger
rows and the schema come out identical to what drizzle alone produces.

Needs node and npm; the pinned tooling in tests/fixtures/drizzle-kit is installed with ``npm ci`` when missing. In CI
(``CI`` set) a missing node fails the test instead of skipping it: this is the proof that the runner is a drop-in.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.migrate.helpers import REPO, ledger, migrate, query

TOOLS = os.path.join(REPO, "tests", "fixtures", "drizzle-kit")
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "drizzle_migrate.mjs")
# Written the way a team escapes drizzle's one transaction for a concurrent index (and drizzle-lsp's quick fix
# writes it for drizzle's migrator): the file must behave the same under both runners.
COMMIT_THEN_CONCURRENT = (
    'ALTER TABLE "tasks" ADD COLUMN "done_at" timestamp with time zone;--> statement-breakpoint\n'
    "COMMIT;--> statement-breakpoint\n"
    'CREATE INDEX CONCURRENTLY "tasks_done_at_idx" ON "tasks" USING btree ("done_at");')


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must provide it, the drizzle interop test cannot be skipped there")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are not installed")
    installed = all(os.path.isfile(os.path.join(TOOLS, "node_modules", name, "package.json"))
                    for name in ("pg", "drizzle-orm"))
    if not installed:
        completed = subprocess.run([npm, "ci", "--prefix", TOOLS, "--no-audit", "--no-fund"], capture_output=True,
                                   text=True, timeout=600, stdin=subprocess.DEVNULL)
        if completed.returncode != 0:
            _unavailable(f"npm ci --prefix tests/fixtures/drizzle-kit failed: {completed.stderr[-1500:]}")
    return node


def drizzle_migrate(node: str, url: str, folder: str) -> None:
    completed = subprocess.run([node, SCRIPT, TOOLS, url, folder], capture_output=True, text=True, timeout=120,
                               stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr[-3000:]


def _schema(url: str) -> list[tuple]:
    columns = query(url, "SELECT table_schema, table_name, column_name, data_type, is_nullable FROM "
                         "information_schema.columns WHERE table_schema IN ('public', 'drizzle') ORDER BY 1, 2, 3")
    indexes = query(url, "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                         "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1")
    return columns + indexes


@pytest.fixture
def databases(postgres_uri, fresh_database):
    """Fresh databases on demand, one per way of applying the migrations."""
    return lambda: fresh_database(postgres_uri)


def test_ledger_rows_are_identical_whichever_migrator_applied_what(node, project, databases):
    project.add_saas(2).add("0002_done_at", COMMIT_THEN_CONCURRENT)

    drizzle_only = databases()
    drizzle_migrate(node, drizzle_only, project.out)
    reference = ledger(drizzle_only)
    assert [row[0] for row in reference] == [1, 2, 3]

    runner_only = databases()
    assert migrate(project, runner_only).code == 0

    drizzle_then_runner = databases()
    project.keep_first(1)
    drizzle_migrate(node, drizzle_then_runner, project.out)
    project.restore()
    switched = migrate(project, drizzle_then_runner)
    assert switched.code == 0, switched.text
    assert "2 migration(s) to apply" in switched.out

    runner_then_drizzle = databases()
    project.keep_first(2)
    assert migrate(project, runner_then_drizzle).code == 0
    project.restore()
    drizzle_migrate(node, runner_then_drizzle, project.out)

    for url in (runner_only, drizzle_then_runner, runner_then_drizzle):
        assert ledger(url) == reference
        assert _schema(url) == _schema(drizzle_only)
    assert ("tasks_done_at_idx", True) in _schema(drizzle_only)

    # and each side sees the other's rows as applied: nothing is pending anywhere
    for url in (drizzle_only, drizzle_then_runner, runner_then_drizzle):
        assert "3 applied, 0 pending." in migrate(project, url, "--status").out
        drizzle_migrate(node, url, project.out)
        assert ledger(url) == reference


def test_drizzles_migrator_silently_skips_what_this_runner_reports_out_of_order(node, project, databases):
    project.add_saas(2)
    late = project.entries[0]["when"] + 1
    url = databases()
    drizzle_migrate(node, url, project.out)
    project.add("0002_branch_hotfix", 'CREATE TABLE "hotfix" ("id" integer);', when=late)
    drizzle_migrate(node, url, project.out)  # succeeds, and applies nothing: the timestamp rule skips it
    assert len(ledger(url)) == 2 and not query(url, "SELECT to_regclass('hotfix')")[0][0]
    assert "out of order 0002_branch_hotfix" in migrate(project, url, "--status").out
    assert migrate(project, url, "--allow-out-of-order").code == 0
    assert query(url, "SELECT to_regclass('hotfix') IS NOT NULL")[0][0]
