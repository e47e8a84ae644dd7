"""The split as users get it: ``drizzle-lsp check --fix --unsafe-fixes`` on a migration the real drizzle-kit generated,
with the real recipes. Afterwards drizzle-kit accepts the folder, the findings the split addressed are gone and no lock
rule finds anything new, and drizzle-orm's migrator applies the steps to a table that holds rows."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from drizzle_lsp.analysis.project import load_workspace
from drizzle_lsp.rules.engine import run_rules
from tests.split.placement_helpers import KitProject, cli, drizzle_migrate, ensure_tools

BEFORE = """import { pgTable, bigint, text } from 'drizzle-orm/pg-core';

export const tenants = pgTable('tenants', {
  id: bigint({ mode: 'number' }).primaryKey(),
  name: text().notNull(),
});

export const orders = pgTable('orders', {
  id: bigint({ mode: 'number' }).primaryKey(),
  note: text(),
});
"""

# NOT NULL on a filled column, a validated foreign key and a unique constraint: each scans an existing table under a
# lock that blocks writes; the unique one needs a concurrent index, so a step that cannot run in a transaction.
AFTER = BEFORE.replace("  note: text(),\n", "  note: text().notNull(),\n"
                       "  tenantId: bigint('tenant_id', { mode: 'number' }).references(() => tenants.id),\n").replace(
    "  name: text().notNull(),\n", "  name: text().notNull().unique(),\n")
ADDRESSED = {"set-not-null-scans-table", "constraint-missing-not-valid", "unique-constraint-builds-index"}


@pytest.fixture(scope="module")
def node():
    return ensure_tools()


@pytest.fixture
def project(tmp_path, node):
    project = KitProject(str(tmp_path / "app"))
    project.generate(BEFORE, "init")
    shutil.copytree(project.out, str(tmp_path / "app" / "before"))
    project.generate(AFTER, "harden")
    return project


def findings(root: str):
    return run_rules(load_workspace([root]))


def test_check_unsafe_fixes_splits_the_last_migration_and_drizzle_kit_agrees(project):
    tag = project.journal["entries"][1]["tag"]
    migration_path = os.path.join(project.out, f"{tag}.sql")
    before = [f for f in findings(project.root) if f.group == "locks"]
    assert ADDRESSED <= {f.rule for f in before if f.path == migration_path}
    offered = [f for f in before if f.extra_fixes]
    assert {f.rule for f in offered} == ADDRESSED  # offered where it resolves something, nowhere else
    split = offered[0].extra_fixes[0]
    assert all(f.extra_fixes == (split,) for f in offered)  # one split for the migration, shared
    assert split.title.startswith(f"Split {tag} into ") and "COMMIT" in split.title

    code, out = cli("check", project.root)
    assert f"= fix (unsafe, apply with --unsafe-fixes): {split.title}" in out

    code, out = cli("check", project.root, "--format", "json")
    reported = [f for f in json.loads(out)["findings"] if f.get("otherFixes")]
    assert {f["rule"] for f in reported} == ADDRESSED
    assert reported[0]["otherFixes"][0]["title"] == split.title
    assert len(reported[0]["otherFixes"][0]["createsFiles"]) == len(split.creations)

    code, out = cli("check", project.root, "--fix", "--unsafe-fixes", "--ignore", "foreign-key-without-index")
    assert f"Split {tag} into" in out, out
    entries = project.journal["entries"]
    assert len(entries) == len(split.creations) // 2 + 2
    project.check_passes()
    project.generate_sees_no_change()

    concurrent = [e for e in entries[2:] if project.read(f"drizzle/{e['tag']}.sql").startswith(
        "-- drizzle-lsp: no-transaction\n")]
    assert len(concurrent) == 1

    after = [f for f in findings(project.root) if f.group == "locks"]
    new_files = {os.path.join(project.out, f"{e['tag']}.sql") for e in entries[2:]}
    assert not [f for f in after if f.rule in ADDRESSED], [f.message for f in after if f.rule in ADDRESSED]
    assert not [f for f in after if f.path in new_files], [(f.rule, f.message) for f in after if f.path in new_files]
    assert {f.rule for f in after} <= {f.rule for f in before}
    # Nor any other rule: the COMMIT/BEGIN boundary, the no-transaction marker and the breakpoints are all accepted.
    in_new_files = [(f.rule, f.message) for f in findings(project.root) if f.path in new_files]
    assert not in_new_files, in_new_files

    # Idempotent: a second run finds nothing left to split.
    code, out = cli("check", project.root, "--fix", "--unsafe-fixes", "--ignore", "foreign-key-without-index")
    assert "Split " not in out
    assert len(project.journal["entries"]) == len(entries)


def test_drizzles_migrator_applies_the_split_to_a_filled_table(project, postgres_uri, fresh_database, node):
    import psycopg

    url = fresh_database(postgres_uri)
    done = drizzle_migrate(node, url, os.path.join(project.root, "before"))
    assert done.returncode == 0, done.stderr[-3000:]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("INSERT INTO tenants VALUES (1, 'a'), (2, 'b')")
        connection.execute("INSERT INTO orders (id, note) SELECT g, 'n' || g FROM generate_series(1, 300) g")

    cli("check", project.root, "--fix", "--unsafe-fixes", "--ignore", "foreign-key-without-index")
    assert len(project.journal["entries"]) > 2
    done = drizzle_migrate(node, url, project.out)
    assert done.returncode == 0, done.stderr[-3000:]

    with psycopg.connect(url, autocommit=True) as connection:
        nullable = connection.execute("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'orders' "
                                      "AND column_name = 'note'").fetchone()
        assert nullable == ("NO",)
        constraints = dict(connection.execute(
            "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'orders'::regclass "
            "AND contype IN ('c', 'f', 'p', 'u')").fetchall())  # PostgreSQL 18 also lists NOT NULL as constraints
        assert constraints == {"orders_pkey": True, "orders_tenant_id_tenants_id_fk": True}
        unique = connection.execute(
            "SELECT c.contype, i.indisvalid FROM pg_constraint c JOIN pg_index i ON i.indexrelid = c.conindid "
            "WHERE c.conname = 'tenants_name_unique'").fetchall()
        assert unique == [("u", True)]  # built concurrently by the no-transaction step, then adopted
        ledger = connection.execute('SELECT count(*) FROM drizzle."__drizzle_migrations"').fetchone()
        assert ledger == (len(project.journal["entries"]),)
