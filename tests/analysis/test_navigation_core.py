"""analysis.navigation on in-memory projects: renames followed both ways, lens titles, the statements listed."""

from __future__ import annotations

from drizzle_lsp.analysis import navigation
from drizzle_lsp.model import SourceRange
from drizzle_lsp.rules._support.pending_changes import PendingChange
from drizzle_lsp.rules.testing import build_workspace

SQL = [
    ("0000_init", 'CREATE TABLE "customers" (\n\t"id" bigint PRIMARY KEY NOT NULL,\n\t"mail" text\n);\n'),
    ("0001_idx", 'CREATE INDEX "c_idx" ON "customers" USING btree ("mail");\n'),
    ("0002_rename", 'ALTER TABLE "customers" RENAME TO "clients";--> statement-breakpoint\n'
                    'ALTER TABLE "clients" RENAME COLUMN "mail" TO "email";\n'),
    ("0003_other", 'CREATE TABLE "notes" ("id" bigint PRIMARY KEY NOT NULL, "body" text);\n'),
]
TS = """import { pgTable, bigint, text } from "drizzle-orm/pg-core";

export const clients = pgTable("clients", {
  id: bigint({ mode: "number" }).primaryKey(),
  email: text("email"),
});

export const notes = pgTable("notes", {
  id: bigint({ mode: "number" }).primaryKey(),
  body: text("body"),
});
"""


def _project():
    analyzed = build_workspace(sql=SQL, ts=TS).projects[0]
    migrations = {m.tag: m for m in analyzed.project.migrations.migrations}
    return analyzed, migrations, analyzed.project.schema_files[0]


def _text(where: SourceRange, text: str) -> str:
    return text[where.start:where.end]


def test_definition_follows_later_renames_of_table_and_column():
    analyzed, migrations, _ = _project()
    init = migrations["0000_init"]
    table = navigation.definition(analyzed, init.sql_path, init.text.index('"customers"') + 2)
    assert _text(table, TS) == '"clients"'
    index = migrations["0001_idx"]
    column = navigation.definition(analyzed, index.sql_path, index.text.index('("mail"') + 3)
    assert _text(column, TS) == 'email: text("email")'


def test_definition_outside_a_name_is_none():
    analyzed, migrations, schema = _project()
    index = migrations["0001_idx"]
    assert navigation.definition(analyzed, index.sql_path, index.text.index("USING") + 1) is None
    assert navigation.definition(analyzed, schema, TS.index("clients")) is None


def test_table_references_include_statements_before_a_rename():
    analyzed, migrations, schema = _project()
    found = navigation.references(analyzed, schema, TS.index('"clients"') + 2)
    assert [(r.path, r.start) for r in found] == [
        (migrations["0000_init"].sql_path, 0),
        (migrations["0001_idx"].sql_path, 0),
        (migrations["0002_rename"].sql_path, 0),
        (migrations["0002_rename"].sql_path, migrations["0002_rename"].text.index('ALTER TABLE "clients"')),
    ]


def test_column_references_follow_the_column_rename_and_skip_other_tables():
    analyzed, migrations, schema = _project()
    found = navigation.references(analyzed, schema, TS.index("email:") + 1, include_declaration=True)
    assert _text(found[0], TS) == 'email: text("email")'
    rename = migrations["0002_rename"]
    assert [r.path for r in found[1:]] == [migrations["0000_init"].sql_path, migrations["0001_idx"].sql_path,
                                           rename.sql_path]
    assert found[-1].start == rename.text.index('ALTER TABLE "clients"')  # not the table rename


def test_lens_title_lists_changes_and_marks_breaking_ones():
    changes = [
        PendingChange("t", "add_column", 'ALTER TABLE "t" ADD COLUMN "sent_at" timestamp', None),
        PendingChange("t", "drop_column", 'ALTER TABLE "t" DROP COLUMN "email": removing this line drops column '
                      "`email`", None, breaking=True),
    ]
    assert navigation.lens_title(changes) == "2 pending changes: add column `sent_at`, drop column `email` (breaking)"
    many = [PendingChange("t", "create_index", f'CREATE INDEX "i{n}"', None) for n in range(6)]
    assert navigation.lens_title(many).endswith("create index `i3` and 2 more")
    assert navigation.lens_title(many[:1]) == "1 pending change: create index `i0`"


def test_no_lens_without_a_snapshot():
    analyzed, _, schema = _project()
    assert navigation.table_lenses(analyzed, schema) == []
