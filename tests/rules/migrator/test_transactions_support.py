"""The shared transaction helpers (rules/_support/transactions.py and pending.py) on the cases the migrator rules rely
on: each file may be the first pending one, multi-statement chunks are implicit transaction blocks, and who opened a
statement's block."""

from __future__ import annotations

import pytest

from drizzle_lsp.model import Migration
from drizzle_lsp.rules._support.pending import earlier_in_window, later_in_window, pending_migrations
from drizzle_lsp.rules._support.transactions import EXPLICIT, IMPLICIT, MIGRATOR, TransactionMap
from drizzle_lsp.sql import parse_migration

A = 'ALTER TABLE "t" ADD COLUMN "a" integer;'
B = 'CREATE INDEX CONCURRENTLY "t_a_idx" ON "t" ("a");'
BP = "--> statement-breakpoint\n"


def _map(texts: list[str], mode: str) -> TransactionMap:
    migrations = []
    for index, text in enumerate(texts):
        path = f"/p/drizzle/000{index}_m.sql"
        migration = Migration(tag=f"000{index}_m", sql_path=path, index=index, text=text)
        migration.statements = parse_migration(text, path, "postgresql")
        migrations.append(migration)
    return TransactionMap(migrations, mode)


def _blocks(tmap: TransactionMap) -> list[tuple[int, str]]:
    return [(ref.transaction, ref.block) for ref in tmap.refs]


def test_each_file_may_be_the_first_pending_one():
    tmap = _map([f"{A}{BP}COMMIT;", B], "transaction")
    # the second file starts a transaction of its own even though the first ended the migrator's one
    assert _blocks(tmap) == [(0, MIGRATOR), (0, MIGRATOR), (1, MIGRATOR)]
    assert tmap.in_transaction_block(tmap.refs[2].statement)


def test_after_commit_statements_run_on_their_own():
    tmap = _map([f"{A}{BP}COMMIT;{BP}{B}"], "transaction")
    assert [ref.in_block for ref in tmap.refs] == [True, True, False]
    assert tmap.refs[2].block == ""


@pytest.mark.parametrize("mode", ["transaction", "per-file", "no-transaction"])
def test_a_chunk_with_several_statements_is_one_implicit_block(mode):
    tmap = _map([f"COMMIT;{BP}{A} {B}"], mode)
    second, third = tmap.refs[1], tmap.refs[2]
    assert second.transaction == third.transaction and third.in_block
    assert third.block == IMPLICIT


def test_a_file_without_breakpoints_is_one_query():
    tmap = _map([f"{A}\n{B}"], "no-transaction")
    assert all(ref.in_block and ref.block == IMPLICIT for ref in tmap.refs)
    assert tmap.refs[0].transaction == tmap.refs[1].transaction


def test_begin_after_commit_opens_an_explicit_block():
    tmap = _map([f"COMMIT;{BP}BEGIN;{BP}{B}{BP}COMMIT;{BP}{A}"], "transaction")
    assert [ref.block for ref in tmap.refs] == [MIGRATOR, EXPLICIT, EXPLICIT, EXPLICIT, ""]


def test_no_transaction_mode_ignores_begin():
    tmap = _map([f"BEGIN;{BP}{B}"], "no-transaction")
    assert not tmap.in_transaction_block(tmap.refs[1].statement)


def test_pending_window():
    tmap = _map([A, A, A, A], "transaction")
    last, first = tmap.refs[3], tmap.refs[0]
    assert [r.file for r in earlier_in_window(tmap, last, 2)] == [2]
    assert [r.file for r in earlier_in_window(tmap, last, 4)] == [2, 1, 0]
    assert [r.file for r in later_in_window(tmap, first, 3)] == [1, 2]
    assert list(earlier_in_window(tmap, last, 1)) == []


@pytest.mark.parametrize("options, expected", [
    ({}, 2), ({"pending-migrations": 5}, 5), ({"pending-migrations": 0}, 2), ({"pending-migrations": "3"}, 2),
    ({"pending-migrations": True}, 2),
])
def test_pending_migrations_option(options, expected):
    assert pending_migrations(options) == expected
