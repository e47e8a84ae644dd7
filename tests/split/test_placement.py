"""Placing a split: the last migration is rewritten and followed by new migrations that the real drizzle-kit accepts
(``check`` passes, ``generate`` sees no change) and drizzle-orm's real migrator applies; any other migration gets a
preview; nothing is ever overwritten or written outside the project."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from drizzle_lsp.analysis.project import load_workspace
from drizzle_lsp.fixes import apply_fixes
from drizzle_lsp.fixes.split.placement import PlacementContext, place_split, render_step
from drizzle_lsp.fixes.split.plan import NO_TRANSACTION_MARKER, SplitPlan, SplitStep
from drizzle_lsp.model import SourceRange
from drizzle_lsp.rules.framework import Violation
from tests.split.placement_helpers import SCHEMA_V1, SCHEMA_V2, KitProject, ensure_tools

FK = "orders_tenant_id_tenants_id_fk"
ADD_COLUMN = 'ALTER TABLE "orders" ADD COLUMN "tenant_id" bigint;'
ADD_FK_NOT_VALID = (f'ALTER TABLE "orders" ADD CONSTRAINT "{FK}" FOREIGN KEY ("tenant_id") REFERENCES '
                    '"public"."tenants"("id") ON DELETE no action ON UPDATE no action NOT VALID;')
CONCURRENT_INDEX = 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_tenant_id_idx" ON "orders" USING btree ("tenant_id");'
VALIDATE = f'ALTER TABLE "orders" VALIDATE CONSTRAINT "{FK}";'


@pytest.fixture(scope="module")
def node():
    return ensure_tools()


def make_project(root, prefix: str = "index", *, keep_before: bool = False) -> KitProject:
    project = KitProject(str(root), prefix)
    project.generate(SCHEMA_V1, "init")
    if keep_before:
        shutil.copytree(project.out, os.path.join(str(root), "before"))
    if prefix != "index":
        time.sleep(1.1)  # timestamp and unix prefixes are seconds: two generations need two of them
    project.generate(SCHEMA_V2, "add_tenant")
    return project


def hand_plan(migration) -> SplitPlan:
    """The split the FK + index migration needs, written out, so placement is tested apart from the recipes."""
    return SplitPlan(migration, (
        SplitStep((ADD_COLUMN, ADD_FK_NOT_VALID), "original", "Add the column and the foreign key NOT VALID"),
        SplitStep((CONCURRENT_INDEX,), "concurrent_index", "Build the index without blocking writes",
                  no_transaction=True, notes=("CONCURRENTLY cannot run inside a transaction block.",)),
        SplitStep((VALIDATE,), "validate_fk", "Validate the foreign key without blocking writes"),
    ), addresses=(("constraint-missing-not-valid", 1), ("require-concurrent-index", 2)))


def load(root):
    workspace = load_workspace([str(root)])
    return workspace, workspace.projects[0]


def placed(root, pick=-1, plan_for=hand_plan):
    workspace, analyzed = load(root)
    folder = analyzed.project.migrations
    migration = folder.migrations[pick]
    context = PlacementContext(folder, analyzed.project.config.migrations_prefix, analyzed.migrator,
                               workspace.file_text)
    return workspace, place_split(plan_for(migration), context)


def apply(workspace, fix, roots):
    finding = Violation("constraint-missing-not-valid", "m", SourceRange(fix.edits[0].path if fix.edits else "", 0, 0),
                        group="locks", extra_fixes=(fix,))
    report, _ = apply_fixes([finding], roots=roots, read_text=workspace.file_text,
                            applicabilities=("safe", "unsafe"))
    return report


def _snapshot(project: KitProject, name: str) -> dict:
    return json.loads(project.read(f"drizzle/meta/{name}"))


@pytest.mark.parametrize("prefix", ["index", "timestamp", "unix"])
def test_last_migration_becomes_steps_drizzle_kit_accepts(tmp_path, node, prefix):
    project = make_project(tmp_path / "app", prefix)
    original_last = _snapshot(project, sorted(n for n in os.listdir(os.path.join(project.out, "meta"))
                                              if n.endswith("_snapshot.json"))[-1])
    workspace, fix = placed(project.root)
    assert fix.applicability == "unsafe" and not fix.is_preview
    assert fix.title.startswith("Split ") and "into 3 safe migrations" in fix.title and "COMMIT" in fix.title
    report = apply(workspace, fix, [project.root])
    assert report.applied and not report.skipped and not report.extra_skipped

    entries = project.journal["entries"]
    assert [e["idx"] for e in entries] == [0, 1, 2, 3]
    whens = [e["when"] for e in entries]
    assert whens == sorted(set(whens))  # strictly increasing: drizzle's migrator would skip an older one
    original_tag = entries[1]["tag"]
    name = original_tag.split("_", 1)[1]
    assert entries[2]["tag"].endswith(f"_{name}_step2_concurrent_index")
    assert entries[3]["tag"].endswith(f"_{name}_step3_validate_fk")
    if prefix == "index":
        assert [e["tag"][:4] for e in entries[2:]] == ["0002", "0003"]
    else:
        assert len({e["tag"].split("_", 1)[0] for e in entries}) == 4

    # One snapshot per entry, chained by prevId; the last holds the original's content.
    prefixes = [e["tag"].split("_", 1)[0] for e in entries]
    snapshots = [_snapshot(project, f"{p}_snapshot.json") for p in prefixes]
    for previous, current in zip(snapshots, snapshots[1:]):
        assert current["prevId"] == previous["id"]
    assert {k: v for k, v in snapshots[-1].items() if k not in ("id", "prevId")} == \
        {k: v for k, v in original_last.items() if k not in ("id", "prevId")}
    # In between: after step 1 the column and the foreign key exist, the index does not; after step 2 it does.
    orders_after_1 = snapshots[1]["tables"]["public.orders"]
    assert "tenant_id" in orders_after_1["columns"] and FK in orders_after_1["foreignKeys"]
    assert orders_after_1["indexes"] == {}
    assert "orders_tenant_id_idx" in snapshots[2]["tables"]["public.orders"]["indexes"]

    project.check_passes()
    project.generate_sees_no_change()


def test_concurrent_step_is_marked_and_commits_for_drizzles_migrator(tmp_path, node):
    project = make_project(tmp_path / "app")
    workspace, fix = placed(project.root)
    apply(workspace, fix, [project.root])
    concurrent = project.read(f"drizzle/{project.journal['entries'][2]['tag']}.sql")
    lines = concurrent.splitlines()
    assert lines[0] == NO_TRANSACTION_MARKER
    assert "COMMIT;--> statement-breakpoint" in lines
    assert lines.index("COMMIT;--> statement-breakpoint") < lines.index(CONCURRENT_INDEX)
    assert "committed early" in concurrent  # the file itself says what the COMMIT costs
    validate = project.read(f"drizzle/{project.journal['entries'][3]['tag']}.sql")
    assert ("COMMIT;--> statement-breakpoint\nBEGIN;--> statement-breakpoint\n"
            "SET LOCAL lock_timeout = '5s';--> statement-breakpoint\n" + VALIDATE) in validate
    rewritten = project.read(f"drizzle/{project.journal['entries'][1]['tag']}.sql")
    assert rewritten == f"{ADD_COLUMN}--> statement-breakpoint\n{ADD_FK_NOT_VALID}\n"


def test_steps_for_drizzle_lsps_own_runner_need_no_commit():
    step = SplitStep((CONCURRENT_INDEX,), "concurrent_index", "Build it", no_transaction=True)
    for migrator in ("per-file", "no-transaction"):
        text = render_step(step, migrator=migrator)
        assert text.startswith(NO_TRANSACTION_MARKER + "\n")
        assert "COMMIT" not in text and text.rstrip().endswith(CONCURRENT_INDEX)


def test_drizzles_migrator_applies_the_steps_to_a_table_with_rows(tmp_path, node, postgres_uri, fresh_database):
    import psycopg

    from tests.split.placement_helpers import drizzle_migrate

    project = make_project(tmp_path / "app", keep_before=True)
    url = fresh_database(postgres_uri)
    done = drizzle_migrate(node, url, os.path.join(project.root, "before"))
    assert done.returncode == 0, done.stderr[-3000:]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("INSERT INTO tenants VALUES (1, 'a'), (2, 'b')")
        connection.execute("INSERT INTO orders (id, note) SELECT g, 'n' FROM generate_series(1, 500) g")

    workspace, fix = placed(project.root)
    apply(workspace, fix, [project.root])
    done = drizzle_migrate(node, url, project.out)
    assert done.returncode == 0, done.stderr[-3000:]

    with psycopg.connect(url, autocommit=True) as connection:
        valid = connection.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                                   "WHERE c.relname = 'orders_tenant_id_idx'").fetchall()
        assert valid == [(True,)]
        assert connection.execute("SELECT convalidated FROM pg_constraint WHERE conname = %s",
                                  (FK,)).fetchall() == [(True,)]
        rows = connection.execute('SELECT created_at FROM drizzle."__drizzle_migrations" ORDER BY id').fetchall()
        assert [r[0] for r in rows] == [e["when"] for e in project.journal["entries"]]
        assert connection.execute("SELECT count(*) FROM orders").fetchone() == (500,)

    # Run again: nothing is pending, nothing fails.
    done = drizzle_migrate(node, url, project.out)
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_migration_that_is_not_the_last_gets_a_preview_and_nothing_changes(tmp_path, node):
    project = make_project(tmp_path / "app")
    project.generate(SCHEMA_V2.replace("note: text(),", "note: text(),\n  total: bigint({ mode: 'number' }),"),
                     "total")
    before = project.files()
    workspace, fix = placed(project.root, pick=1)
    assert fix.is_preview and fix.applicability == "suggestion"
    assert "is not the last migration" in fix.preview_reason and "_total" in fix.preview_reason
    for statement in (ADD_COLUMN, ADD_FK_NOT_VALID, CONCURRENT_INDEX, VALIDATE):
        assert statement in fix.preview
    assert NO_TRANSACTION_MARKER in fix.preview
    finding = Violation("constraint-missing-not-valid", "m", None, group="locks", extra_fixes=(fix,))
    report, _ = apply_fixes([finding], roots=[project.root], read_text=workspace.file_text,
                            applicabilities=("safe", "unsafe"))
    assert report.previews == [(finding, fix)] and not report.applied
    assert project.files() == before


def test_an_existing_file_is_never_overwritten(tmp_path, node):
    project = make_project(tmp_path / "app")
    taken = os.path.join(project.out, "0002_add_tenant_step2_concurrent_index.sql")
    with open(taken, "w") as handle:
        handle.write("-- mine\n")
    workspace, fix = placed(project.root)
    assert all(c.path != taken for c in fix.creations)
    apply(workspace, fix, [project.root])
    assert project.read("drizzle/0002_add_tenant_step2_concurrent_index.sql") == "-- mine\n"
    assert project.journal["entries"][2]["tag"] == "0002_add_tenant_split_step2_concurrent_index"
    project.check_passes()


def test_a_stray_snapshot_in_the_way_turns_the_split_into_a_preview(tmp_path, node):
    project = make_project(tmp_path / "app")
    project.write("drizzle/meta/0002_snapshot.json", "{}")
    before = project.files()
    _, fix = placed(project.root)
    assert fix.is_preview and "0002_snapshot.json already exists" in fix.preview_reason
    assert project.files() == before


def test_a_file_created_after_the_fix_was_computed_is_not_overwritten(tmp_path, node):
    project = make_project(tmp_path / "app")
    before = project.files()
    workspace, fix = placed(project.root)
    late = fix.creations[0].path
    with open(late, "w") as handle:
        handle.write("-- written meanwhile\n")
    report = apply(workspace, fix, [project.root])
    assert not report.applied and report.extra_skipped
    assert project.read(os.path.relpath(late, project.root)) == "-- written meanwhile\n"
    after = project.files()
    del after[os.path.relpath(late, project.out)]
    assert after == before  # the journal and the migration were left alone too


def test_the_split_never_writes_outside_the_project(tmp_path, node):
    project = make_project(tmp_path / "app")
    before = project.files()
    workspace, fix = placed(project.root)
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    report = apply(workspace, fix, [str(elsewhere)])
    assert not report.applied and "outside the project" in report.extra_skipped[0][2]
    assert project.files() == before


def test_comments_of_the_original_file_are_kept(tmp_path, node):
    project = make_project(tmp_path / "app")
    tag = project.journal["entries"][1]["tag"]
    original = project.read(f"drizzle/{tag}.sql")
    project.write(f"drizzle/{tag}.sql", "-- reviewed by ops on Monday\n" + original)
    workspace, fix = placed(project.root)
    apply(workspace, fix, [project.root])
    assert project.read(f"drizzle/{tag}.sql").startswith("-- reviewed by ops on Monday\n")


def test_v1_folders_get_later_timestamped_step_folders(tmp_path):
    out = tmp_path / "app" / "drizzle"
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "drizzle.config.ts").write_text(
        "import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', "
        "schema: './schema.ts', out: './drizzle' });\n")
    (tmp_path / "app" / "schema.ts").write_text(SCHEMA_V2)
    first = out / "20250101120000_init"
    second = out / "20250102120000_add_tenant"
    for folder, sql, ident, prev in (
        (first, 'CREATE TABLE "tenants" ("id" bigint PRIMARY KEY NOT NULL, "name" text NOT NULL);\n--> statement-'
                'breakpoint\nCREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "note" text);\n', "a", []),
        (second, f'{ADD_COLUMN}--> statement-breakpoint\n{ADD_FK_NOT_VALID.replace(" NOT VALID", "")}'
                 '--> statement-breakpoint\nCREATE INDEX "orders_tenant_id_idx" ON "orders" USING btree '
                 '("tenant_id");\n', "b", ["a"]),
    ):
        folder.mkdir(parents=True)
        (folder / "migration.sql").write_text(sql)
        (folder / "snapshot.json").write_text(json.dumps({"version": "8", "dialect": "postgres", "id": ident,
                                                          "prevIds": prev, "ddl": [], "renames": []}))
    workspace, fix = placed(tmp_path / "app")
    report = apply(workspace, fix, [str(tmp_path / "app")])
    assert report.applied
    names = sorted(os.listdir(out))
    assert names[:2] == ["20250101120000_init", "20250102120000_add_tenant"]
    assert names[2:] == ["20250102120001_add_tenant_step2_concurrent_index",
                         "20250102120002_add_tenant_step3_validate_fk"]
    ids = ["b"]
    for name in names[2:]:
        snapshot = json.loads((out / name / "snapshot.json").read_text())
        assert snapshot["prevIds"] == [ids[-1]] and snapshot["ddl"] == []
        ids.append(snapshot["id"])
        assert (out / name / "migration.sql").read_text().strip()
    _, analyzed = load(tmp_path / "app")
    assert [m.tag for m in analyzed.project.migrations.migrations] == names


def test_drizzle_lsps_own_runner_applies_the_same_steps(tmp_path, node, postgres_uri, fresh_database):
    """The files written for drizzle's migrator (COMMIT/BEGIN boundaries, the no-transaction marker) also run under
    ``drizzle-lsp migrate``, which gives each file its own transaction and runs the marked one statement by statement."""
    import psycopg

    from tests.split.placement_helpers import cli, drizzle_migrate

    project = make_project(tmp_path / "app", keep_before=True)
    url = fresh_database(postgres_uri)
    done = drizzle_migrate(node, url, os.path.join(project.root, "before"))
    assert done.returncode == 0, done.stderr[-3000:]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("INSERT INTO orders (id, note) SELECT g, 'n' FROM generate_series(1, 100) g")
    workspace, fix = placed(project.root)
    apply(workspace, fix, [project.root])
    code, out = cli("migrate", project.root, "--database-url", url)
    assert code == 0, out
    with psycopg.connect(url, autocommit=True) as connection:
        assert connection.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                                  "WHERE c.relname = 'orders_tenant_id_idx'").fetchall() == [(True,)]
        assert connection.execute("SELECT convalidated FROM pg_constraint WHERE conname = %s",
                                  (FK,)).fetchall() == [(True,)]
        rows = connection.execute('SELECT count(*) FROM drizzle."__drizzle_migrations"').fetchone()
        assert rows == (len(project.journal["entries"]),)
