"""The integrity rules on projects drizzle-kit generated, broken the way real projects break, in both layouts."""

from __future__ import annotations

import json
import shutil

import pytest

from drizzle_lsp.rules.testing import assert_clean, assert_flags, lint_project

from .integrity_helpers import (
    apply_fix,
    copy_case,
    journal,
    merged_branches,
    to_v1,
    write_journal_entries,
)

INTEGRITY = ["integrity"]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="the branch-merge fixtures need git")


def lint(root):
    return lint_project(str(root), select=INTEGRITY)


@pytest.mark.parametrize("case", ["pg-base", "pg-branch-a", "pg-branch-b", "sqlite-notes"])
def test_generated_projects_are_clean(tmp_path, case):
    assert lint(copy_case(case, tmp_path)) == []


def test_generated_projects_are_clean_in_v1_layout(tmp_path):
    assert lint(to_v1(copy_case("pg-branch-a", tmp_path))) == []


# -- a real git merge of two branches --------------------------------------------------------------------------------

def test_merge_keeping_both_entries_forks_the_chain_and_breaks_the_order(tmp_path):
    root = merged_branches(tmp_path, "union")
    findings = lint(root)
    assert_flags(findings, "snapshot-chain-broken", message_contains="both have idx 1")
    late = assert_flags(findings, "journal-out-of-order", message_contains="0001_display_name")
    assert "0001_avatar_url" in late.message and "skips this one forever" in late.message


def test_rewriting_the_out_of_order_when_makes_the_journal_increasing(tmp_path):
    root = merged_branches(tmp_path, "union")
    finding = assert_flags(lint(root), "journal-out-of-order")
    assert finding.fix is not None and finding.fix.applicability == "unsafe"
    before = (root / "drizzle" / "meta" / "_journal.json").read_text()
    apply_fix(finding)
    after = (root / "drizzle" / "meta" / "_journal.json").read_text()
    whens = [e["when"] for e in journal(root)["entries"]]
    assert whens == sorted(whens) and len(set(whens)) == len(whens)
    assert len(after.splitlines()) == len(before.splitlines())  # only one value changed, formatting kept
    assert_clean(lint(root), "journal-out-of-order")


def test_merge_keeping_main_journal_leaves_the_branch_migration_out(tmp_path):
    root = merged_branches(tmp_path, "ours")
    finding = assert_flags(lint(root), "migration-not-in-journal", message_contains="0001_display_name")
    assert finding.range.path.endswith("0001_display_name.sql")
    last_when = journal(root)["entries"][-1]["when"]
    apply_fix(finding)
    entries = journal(root)["entries"]  # still valid JSON
    assert [e["idx"] for e in entries] == [0, 1, 2]
    assert entries[-1]["tag"] == "0001_display_name" and entries[-1]["breakpoints"] is True
    assert entries[-1]["when"] > last_when
    text = (root / "drizzle" / "meta" / "_journal.json").read_text()
    assert '    {\n      "idx": 2,\n      "version": "7",' in text  # drizzle-kit's own indentation
    assert_clean(lint(root), "migration-not-in-journal")


def test_v1_branches_with_the_same_parent_fork_unless_merged(tmp_path):
    root = merged_branches(tmp_path, "union")
    entries = journal(root)["entries"]
    # v1 keeps one folder per migration, so both branch migrations and their snapshots survive the merge.
    (root / "drizzle" / "meta" / "0002_snapshot.json").write_text(
        git_show(root, "a:drizzle/meta/0001_snapshot.json"))
    entries[2]["tag"] = "0002_display_name"
    (root / "drizzle" / "0001_display_name.sql").rename(root / "drizzle" / "0002_display_name.sql")
    entries[2]["idx"] = 2
    write_journal_entries(root, entries)
    to_v1(root)
    findings = lint(root)
    assert_flags(findings, "snapshot-chain-broken", message_contains="the chain forks")
    assert_clean(findings, "journal-out-of-order")  # v1 applies by name, not by timestamp


def git_show(root, spec):
    from .integrity_helpers import git

    return git(root, "show", spec).stdout


# -- journal entries and files ---------------------------------------------------------------------------------------

def test_entry_without_file_is_flagged_on_the_entry(tmp_path):
    root = copy_case("pg-branch-a", tmp_path)
    (root / "drizzle" / "0001_display_name.sql").unlink()
    finding = assert_flags(lint(root), "journal-entry-missing-file", message_contains="0001_display_name.sql")
    assert finding.range.path.endswith("_journal.json")
    text = (root / "drizzle" / "meta" / "_journal.json").read_text()
    assert '"tag": "0001_display_name"' in text[finding.range.start:finding.range.end]


def test_v1_folder_without_migration_sql_is_flagged_once(tmp_path):
    root = to_v1(copy_case("pg-branch-a", tmp_path))
    folder = next(p for p in (root / "drizzle").iterdir() if p.name.endswith("display_name"))
    (folder / "migration.sql").unlink()
    findings = lint_project(str(root))
    flagged = [f for f in findings if f.rule == "journal-entry-missing-file"]
    assert len(flagged) == 1 and "no migration.sql" in flagged[0].message
    assert not [f for f in findings if f.rule == "migration-file-missing"]  # the loader problem is not repeated


def test_loose_sql_next_to_v1_folders_is_flagged(tmp_path):
    root = to_v1(copy_case("pg-base", tmp_path))
    (root / "drizzle" / "add_bio.sql").write_text('ALTER TABLE "users" ADD COLUMN "bio" text;\n')
    assert_flags(lint(root), "migration-not-in-journal", message_contains="add_bio.sql")


def test_fix_into_an_empty_journal_is_valid_json(tmp_path):
    root = copy_case("pg-base", tmp_path)
    write_journal_entries(root, [])
    finding = assert_flags(lint(root), "migration-not-in-journal")
    apply_fix(finding)
    assert [e["tag"] for e in journal(root)["entries"]] == ["0000_init"]


# -- replay ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["0.x", "v1"])
def test_reference_to_missing_object_is_reported_once_with_help(tmp_path, layout):
    root = copy_case("pg-branch-a", tmp_path)
    (root / "drizzle" / "0001_display_name.sql").write_text('ALTER TABLE "user" ADD COLUMN "displayName" text;')
    if layout == "v1":
        to_v1(root)
    findings = lint_project(str(root))
    flagged = [f for f in findings if f.rule == "reference-to-missing-object"]
    assert len(flagged) == 1 and '"user"' in flagged[0].message and flagged[0].help
    assert flagged[0].severity == "error"


def test_reference_to_missing_object_can_be_turned_off(tmp_path):
    root = copy_case("pg-branch-a", tmp_path)
    (root / "drizzle" / "0001_display_name.sql").write_text('ALTER TABLE "user" ADD COLUMN "displayName" text;')
    findings = lint_project(str(root), ignore=["reference-to-missing-object"])
    assert_clean(findings, "reference-to-missing-object")


def test_migration_recreating_a_column_is_flagged(tmp_path):
    root = merged_branches(tmp_path, "union")
    (root / "drizzle" / "0001_display_name.sql").write_text('ALTER TABLE "users" ADD COLUMN "avatarUrl" text;')
    findings = lint_project(str(root))
    assert len([f for f in findings if f.rule == "object-already-exists"]) == 1


# -- breakpoints -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["0.x", "v1"])
def test_missing_breakpoint_in_sqlite_is_fixed(tmp_path, layout):
    root = copy_case("sqlite-notes", tmp_path)
    sql = root / "drizzle" / "0000_init.sql"
    sql.write_text(sql.read_text().replace("--> statement-breakpoint\n", ""))
    if layout == "v1":
        to_v1(root)
        sql = next((root / "drizzle").glob("*/migration.sql"))
    finding = assert_flags(lint(root), "missing-statement-breakpoints")
    apply_fix(finding)
    assert ");--> statement-breakpoint" in sql.read_text()
    assert_clean(lint(root), "missing-statement-breakpoints")


def test_no_breakpoints_journal_is_flagged_once_and_fixed(tmp_path):
    # drizzle-orm's readMigrationFiles splits on the marker whatever the journal's "breakpoints" says, so a
    # breakpoints: false file reaches SQLite as one multi-statement query
    root = copy_case("sqlite-notes", tmp_path)
    sql = root / "drizzle" / "0000_init.sql"
    sql.write_text(sql.read_text().replace("--> statement-breakpoint\n", ""))
    entries = journal(root)["entries"]
    entries[0]["breakpoints"] = False
    write_journal_entries(root, entries)
    findings = [f for f in lint(root) if f.rule == "missing-statement-breakpoints"]
    assert len(findings) == 1 and "breakpoints: false" in findings[0].message
    apply_fix(findings[0])
    assert sql.read_text().count("--> statement-breakpoint") >= 1
    assert_clean(lint(root), "missing-statement-breakpoints")


def test_no_breakpoints_journal_on_d1_is_not_flagged(tmp_path):
    # wrangler d1 migrations apply sends the whole file, which D1 accepts
    root = copy_case("sqlite-notes", tmp_path)
    sql = root / "drizzle" / "0000_init.sql"
    sql.write_text(sql.read_text().replace("--> statement-breakpoint\n", ""))
    entries = journal(root)["entries"]
    entries[0]["breakpoints"] = False
    write_journal_entries(root, entries)
    (root / "wrangler.toml").write_text('name = "w"\n[[d1_databases]]\nbinding = "DB"\nmigrations_dir = "drizzle"\n')
    assert_clean(lint(root), "missing-statement-breakpoints")


# -- custom migrations -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["0.x", "v1"])
def test_custom_migration_with_ddl_leaves_the_snapshot_stale(tmp_path, layout):
    root = copy_case("pg-custom", tmp_path)
    if layout == "v1":
        to_v1(root)
    finding = assert_flags(lint(root), "custom-migration-snapshot-stale", message_contains="nickname")
    assert finding.range.path.endswith(".sql")


def test_custom_migration_with_data_only_is_fine(tmp_path):
    root = copy_case("pg-custom", tmp_path)
    (root / "drizzle" / "0001_nickname.sql").write_text("UPDATE \"users\" SET \"email\" = lower(\"email\");\n")
    assert_clean(lint(root), "custom-migration-snapshot-stale")


def test_prev_id_pointing_nowhere(tmp_path):
    root = copy_case("pg-branch-a", tmp_path)
    snapshot = root / "drizzle" / "meta" / "0001_snapshot.json"
    data = json.loads(snapshot.read_text())
    data["prevId"] = "5b0c3f7e-0000-4000-8000-000000000000"
    snapshot.write_text(json.dumps(data, indent=2))
    assert_flags(lint(root), "snapshot-chain-broken", message_contains="is the id of no snapshot")
