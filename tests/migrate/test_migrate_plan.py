"""Planning without a database: the hash, the queries a migration sends, and how ledger rows match migrations."""

from __future__ import annotations

import hashlib

from drizzle_lsp.migrate.plan import LedgerRow, compare, file_hash, has_no_transaction_marker, plan_migration
from drizzle_lsp.model import Migration
from drizzle_lsp.sql import parse_migration


def _migration(text: str, tag: str = "0001_x", when: int = 1000) -> Migration:
    migration = Migration(tag=tag, sql_path=f"/p/drizzle/{tag}.sql", when=when, text=text)
    migration.statements = parse_migration(text, migration.sql_path, "postgresql")
    return migration


def test_hash_is_drizzles_sha256_of_the_file_text():
    text = 'CREATE TABLE "é" ("id" integer);--> statement-breakpoint\nSELECT 1;\n'
    assert file_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_chunks_inside_the_transaction_are_sent_verbatim_as_drizzle_sends_them():
    text = 'ALTER TABLE "a" ADD COLUMN "b" text;--> statement-breakpoint\nSELECT 1; SELECT 2;\n'
    plan = plan_migration(_migration(text))
    assert [q.text for q in plan.queries] == ['ALTER TABLE "a" ADD COLUMN "b" text;', "\nSELECT 1; SELECT 2;\n"]
    assert [q.line for q in plan.queries] == [1, 2]
    assert plan.single_transaction and plan.describe_mode() == "one transaction"
    assert plan.problems == []


def test_the_marker_makes_every_statement_commit_on_its_own():
    text = ("-- a comment first\n-- drizzle-lsp: no-transaction\n"
            'CREATE INDEX CONCURRENTLY "i" ON "t" ("a"); CREATE INDEX CONCURRENTLY "j" ON "t" ("b");\n')
    assert has_no_transaction_marker(text)
    plan = plan_migration(_migration(text))
    assert [q.transaction for q in plan.queries] == [None, None]
    assert [q.line for q in plan.queries] == [3, 3]
    assert not plan.ledger_in_transaction and plan.problems == []


def test_the_marker_counts_only_before_the_first_statement():
    assert not has_no_transaction_marker("SELECT 1;\n-- drizzle-lsp: no-transaction\n")
    assert has_no_transaction_marker("\n  --   DRIZZLE-LSP:   no-transaction  \nSELECT 1;")


def test_a_commit_breakpoint_for_drizzles_migrator_ends_the_transaction_here_too():
    text = ('ALTER TABLE "t" ADD COLUMN "c" text;--> statement-breakpoint\n'
            "COMMIT;--> statement-breakpoint\n"
            'CREATE INDEX CONCURRENTLY "t_c_idx" ON "t" ("c");')
    plan = plan_migration(_migration(text))
    assert [(q.line, q.transaction) for q in plan.queries] == [(1, 0), (3, None)]
    assert all("COMMIT" not in q.text for q in plan.queries)
    assert plan.units() == [[0], [1]]
    assert not plan.ledger_in_transaction and plan.problems == []


def test_begin_after_commit_opens_a_new_transaction_that_holds_the_ledger_row():
    text = ("COMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY \"i\" ON \"t\" (\"a\");--> statement-breakpoint\n"
            "BEGIN;--> statement-breakpoint\nSELECT 1;--> statement-breakpoint\nSELECT 2;")
    plan = plan_migration(_migration(text))
    assert [q.transaction for q in plan.queries] == [None, 1, 1]
    assert plan.units() == [[0], [1, 2]]
    assert plan.ledger_in_transaction


def test_concurrently_inside_a_transaction_is_a_problem_found_before_anything_runs():
    plan = plan_migration(_migration('CREATE INDEX CONCURRENTLY "i" ON "t" ("a");'))
    assert len(plan.problems) == 1
    assert "25001" in plan.problems[0] and "-- drizzle-lsp: no-transaction" in plan.problems[0]


def test_prefix_hash_ignores_the_queries_after_the_prefix():
    one = plan_migration(_migration("-- drizzle-lsp: no-transaction\nSELECT 1;\nSELECT 2;"))
    two = plan_migration(_migration("-- drizzle-lsp: no-transaction\nSELECT 1;\nSELECT 3;"))
    assert one.prefix_hash(1) == two.prefix_hash(1)
    assert one.prefix_hash(2) != two.prefix_hash(2)


def _rows_and_migrations():
    migrations = [_migration("SELECT 1;", "0000_a", 1000), _migration("SELECT 2;", "0001_b", 2000),
                  _migration("SELECT 3;", "0002_c", 3000)]
    hashes = {m.tag: file_hash(m.text) for m in migrations}
    return migrations, hashes


def test_pending_is_decided_per_migration_not_by_the_newest_row():
    migrations, hashes = _rows_and_migrations()
    rows = [LedgerRow(1, hashes["0000_a"], 1000), LedgerRow(2, hashes["0002_c"], 3000)]
    status = compare(migrations, rows, hashes)
    assert [m.tag for m in status.pending] == ["0001_b"]
    assert [m.tag for m in status.out_of_order] == ["0001_b"]
    assert status.newest[0].tag == "0002_c"
    assert not status.changed and not status.unknown_rows


def test_a_changed_file_is_matched_by_created_at_and_reported():
    migrations, hashes = _rows_and_migrations()
    rows = [LedgerRow(1, "0" * 64, 1000)]
    status = compare(migrations, rows, hashes)
    assert [(m.tag, row.id) for m, row, _ in status.changed] == [("0000_a", 1)]
    assert [m.tag for m in status.pending] == ["0001_b", "0002_c"] and not status.out_of_order


def test_rows_match_by_hash_when_the_journal_when_was_edited_and_unknown_rows_are_kept():
    migrations, hashes = _rows_and_migrations()
    rows = [LedgerRow(1, hashes["0000_a"], 999), LedgerRow(2, "f" * 64, 1500)]
    status = compare(migrations, rows, hashes)
    assert [m.tag for m, _ in status.applied] == ["0000_a"]
    assert [r.id for r in status.unknown_rows] == [2]
    assert [m.tag for m in status.pending] == ["0001_b", "0002_c"]


def test_v1_rows_match_by_name():
    migrations, hashes = _rows_and_migrations()
    rows = [LedgerRow(1, hashes["0001_b"], 5, name="0001_b")]
    status = compare(migrations, rows, hashes)
    assert [m.tag for m, _ in status.applied] == ["0001_b"]
    assert [m.tag for m in status.pending] == ["0000_a", "0002_c"]
