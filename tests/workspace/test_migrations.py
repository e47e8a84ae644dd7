from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from drizzle_lsp.model.source import line_col
from drizzle_lsp.workspace.migrations import read_migrations_folder

FIXTURES = Path(__file__).parent / "fixtures"


def test_index_prefix_two_migrations():
    folder = read_migrations_folder(str(FIXTURES / "pg_0x_index/drizzle"), "postgresql")
    assert folder.layout == "0.x" and folder.problems == [] and folder.orphan_sql_files == []
    assert [m.tag for m in folder.migrations] == ["0000_init", "0001_posts"]
    first, second = folder.migrations
    assert (second.index, second.idx, second.breakpoints, second.missing) == (1, 1, True, False)
    assert first.when < second.when
    assert second.snapshot_path.endswith(os.path.join("meta", "0001_snapshot.json"))
    assert 'CREATE TABLE "posts"' in second.text
    text = (FIXTURES / "pg_0x_index/drizzle/meta/_journal.json").read_text()
    for entry in folder.journal_entries:
        assert json.loads(text[entry.range.start:entry.range.end])["tag"] == entry.tag


@pytest.mark.parametrize("name,stem", [("pg_0x_supabase", "2026"), ("sqlite_0x_timestamp", "2026"),
                                       ("mysql_0x_unix", "17")])
def test_snapshot_named_by_tag_prefix(name, stem):
    folder = read_migrations_folder(str(FIXTURES / name / "drizzle"), "postgresql")
    for migration in folder.migrations:
        assert os.path.basename(migration.snapshot_path) == migration.tag.split("_")[0] + "_snapshot.json"
        assert migration.tag.startswith(stem) and not migration.missing


def test_prefix_none_shares_one_snapshot():
    folder = read_migrations_folder(str(FIXTURES / "pg_0x_none/drizzle"), "postgresql", "none")
    assert [m.tag for m in folder.migrations] == ["_init", "_posts"]
    assert folder.migrations[0].snapshot_path is None
    assert folder.migrations[1].snapshot_path.endswith("_snapshot.json")


def test_v1_layout():
    folder = read_migrations_folder(str(FIXTURES / "pg_v1/drizzle"), "postgresql")
    assert folder.layout == "v1" and folder.problems == [] and folder.journal_path is None
    (migration,) = folder.migrations
    assert migration.tag == "20261125083035_init" and migration.sql_path.endswith("migration.sql")
    assert migration.when == int(datetime(2026, 11, 25, 8, 30, 35, tzinfo=timezone.utc).timestamp() * 1000)
    assert migration.snapshot_path.endswith("snapshot.json") and "CREATE TABLE" in migration.text


def _copy(tmp_path: Path, name: str = "pg_0x_index") -> Path:
    dst = tmp_path / "drizzle"
    shutil.copytree(FIXTURES / name / "drizzle", dst)
    return dst


def test_missing_file_and_orphan(tmp_path):
    out = _copy(tmp_path)
    (out / "0001_posts.sql").unlink()
    (out / "0002_hand_written.sql").write_text("SELECT 1;")
    folder = read_migrations_folder(str(out), "postgresql")
    assert folder.migrations[1].missing and not folder.migrations[0].missing
    assert [os.path.basename(p) for p in folder.orphan_sql_files] == ["0002_hand_written.sql"]


def test_malformed_journal_reports_line(tmp_path):
    out = _copy(tmp_path)
    journal = out / "meta/_journal.json"
    text = journal.read_text().replace('"idx": 1,', '"idx": 1,,')
    journal.write_text(text)
    folder = read_migrations_folder(str(out), "postgresql")
    (problem,) = folder.problems
    assert problem.code == "journal-invalid-json" and "line 13" in problem.message
    assert line_col(text, problem.range.start)[0] == 12  # 0-based
    assert folder.migrations == []


def test_bad_entries_are_located(tmp_path):
    out = _copy(tmp_path)
    journal = out / "meta/_journal.json"
    data = json.loads(journal.read_text())
    data["entries"][1]["when"] = "yesterday"
    del data["entries"][0]["idx"]
    data["entries"].append({"idx": 2, "when": 1})
    text = json.dumps(data, indent=2)
    journal.write_text(text)
    folder = read_migrations_folder(str(out), "postgresql")
    messages = {p.message: p for p in folder.problems}
    when = next(p for m, p in messages.items() if '"when" of 0001_posts' in m)
    assert line_col(text, when.range.start)[0] == text[:text.index('"yesterday"')].count("\n") - 3
    assert any('"idx" of 0000_init is missing' in m for m in messages)
    assert any("entry 2" in m and '"tag"' in m for m in messages)
    assert [m.tag for m in folder.migrations] == ["0000_init", "0001_posts"]


def test_non_utf8_sql(tmp_path):
    out = _copy(tmp_path)
    (out / "0000_init.sql").write_bytes(b"-- caf\xe9\nSELECT 1;")
    folder = read_migrations_folder(str(out), "postgresql")
    (problem,) = folder.migrations[0].problems
    assert problem.message.startswith("0000_init.sql is not valid UTF-8 at byte 6")
    assert "\ufffd" in folder.migrations[0].text


def test_sql_without_journal_and_empty_and_absent(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/0000_x.sql").write_text("SELECT 1;")
    folder = read_migrations_folder(str(tmp_path / "a"), "sqlite")
    assert folder.problems[0].code == "journal-missing" and len(folder.orphan_sql_files) == 1
    (tmp_path / "b").mkdir()
    assert read_migrations_folder(str(tmp_path / "b"), "sqlite").layout == "empty"
    assert read_migrations_folder(str(tmp_path / "nope"), "sqlite").migrations == []


@pytest.mark.parametrize("content", ["", "[]", '{"entries": 3}', '{"entries": [1, null, {"tag": 5}]}', "\x00\xff",
                                     '{"entries": [{"tag": "x", "idx": true, "when": 1.5, "breakpoints": "y"}]}'])
def test_odd_journals_never_raise(tmp_path, content):
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta/_journal.json").write_text(content)
    folder = read_migrations_folder(str(tmp_path), "postgresql")
    assert folder.problems


def test_journal_dialect_mismatch():
    folder = read_migrations_folder(str(FIXTURES / "pg_0x_index/drizzle"), "sqlite")
    assert [p.code for p in folder.problems] == ["journal-dialect-mismatch"]
