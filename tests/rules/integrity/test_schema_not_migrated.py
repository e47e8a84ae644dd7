"""schema-not-migrated agrees with the real drizzle-kit.

The corpus (tests/fixtures/corpus) holds, for each case, the schema step by step and the migration the real
drizzle-kit 0.31.11 generated for each step. Putting step k+1's schema in front of the first k migrations is exactly
the state in which `drizzle-kit generate` wrote migration k, so the changes the rule previews must be the statements
of that committed migration (renames answered both ways are in the corpus: see each step's `answers`).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from drizzle_lsp.model import OpKind
from drizzle_lsp.model.migration import ConstraintType
from drizzle_lsp.rules._support.pending_changes import pending_changes
from drizzle_lsp.rules.testing import assert_flags, lint_project
from drizzle_lsp.sql import parse_migration

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
PG_CASES = ["01-pg-saas-snake-case", "05-pg-schemas-camel-case", "06-pg-timestamp-prefix", "08-pg-types-defaults",
            "09-pg-helpdesk-enums-renames", "10-pg-better-auth-plugins"]

_KINDS = {
    OpKind.ADD_COLUMN: "add_column", OpKind.DROP_COLUMN: "drop_column", OpKind.ALTER_COLUMN_TYPE: "alter_type",
    OpKind.SET_NOT_NULL: "set_not_null", OpKind.DROP_NOT_NULL: "drop_not_null", OpKind.SET_DEFAULT: "set_default",
    OpKind.DROP_DEFAULT: "drop_default", OpKind.CREATE_INDEX: "create_index", OpKind.DROP_INDEX: "drop_index",
    OpKind.CREATE_TABLE: "create_table", OpKind.DROP_TABLE: "drop_table", OpKind.ADD_ENUM_VALUE: "add_enum_value",
    OpKind.RENAME_COLUMN: "rename_candidate",
}


def _transitions():
    for case in PG_CASES:
        steps = sorted(int(p.name) for p in (CORPUS / case / "steps").iterdir() if p.name.isdigit())
        for k in steps[1:]:
            yield case, k


def _state(tmp_path: Path, case: str, step: int) -> tuple[Path, str]:
    """The case with step ``step``'s schema and the migrations generated before it; returns the next migration."""
    root = tmp_path / case
    shutil.copytree(CORPUS / case, root)
    schema_dir_file = root / "steps" / "schema-dir"
    schema_dir = root / (schema_dir_file.read_text().strip() if schema_dir_file.exists() else "schema")
    shutil.rmtree(schema_dir)
    shutil.copytree(root / "steps" / str(step), schema_dir, ignore=shutil.ignore_patterns("answers"))
    journal_path = root / "drizzle" / "meta" / "_journal.json"
    journal = json.loads(journal_path.read_text())
    next_entry = journal["entries"][step - 1]
    journal["entries"] = journal["entries"][: step - 1]
    journal_path.write_text(json.dumps(journal, indent=2))
    expected = (root / "drizzle" / f"{next_entry['tag']}.sql").read_text()
    for later in journal_path.parent.parent.glob("*.sql"):
        if later.stem >= next_entry["tag"]:
            later.unlink()
    return root, expected


def _expected_kinds(sql: str) -> Counter:
    kinds: Counter = Counter()
    for statement in parse_migration(sql, "next.sql", "postgresql"):
        for op in [o for s in [statement] for o in s.operations]:
            for inner in [op, *op.inner]:
                kind = _KINDS.get(inner.kind)
                if inner.kind is OpKind.ADD_CONSTRAINT and inner.constraint_type is ConstraintType.FOREIGN_KEY:
                    kind = "add_foreign_key"
                if kind:
                    kinds[kind] += 1
    return kinds


@pytest.mark.parametrize("case,step", list(_transitions()), ids=[f"{c}-step{s}" for c, s in _transitions()])
def test_preview_matches_what_drizzle_kit_generated(tmp_path, case, step):
    from drizzle_lsp.analysis.project import load_workspace

    root, sql = _state(tmp_path, case, step)
    project = load_workspace([str(root)]).projects[0].project
    previewed = {c.kind for c in pending_changes(project)}
    expected = set(_expected_kinds(sql))
    # a rename answered "rename" is previewed as a rename candidate; answered "create" it is an add + drop
    if "rename_candidate" in previewed:
        previewed |= {"add_column"} if "add_column" in expected else set()
        previewed |= {"drop_column"} if "drop_column" in expected else set()
    # an enum losing a value is one previewed change; drizzle-kit writes it as casts, type swap and default resets
    if "enum_recreated" in previewed:
        previewed |= {"alter_type", "set_default", "drop_default"}
    # a table rename answered "rename": drizzle-kit also drops and recreates the table's indexes under new names
    if {"create_table", "drop_table"} <= previewed:
        previewed |= {"drop_index"}
    missing = expected - previewed
    assert not missing, f"drizzle-kit emitted {sorted(expected)}, the preview shows {sorted(previewed)}\n{sql}"


def test_removed_column_is_reported_on_its_table_with_the_lock(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(Path(__file__).resolve().parents[2] / "fixtures" / "integrity" / "pg-base", root)
    schema = root / "src" / "schema.ts"
    text = schema.read_text()
    schema.write_text(text.replace("  email: text().notNull(),\n", ""))
    finding = assert_flags(lint_project(str(root), select=["schema-not-migrated"]), "schema-not-migrated",
                           message_contains="drops column `email` of the existing table `users`")
    assert finding.severity == "warning" and "ACCESS EXCLUSIVE" in finding.message
    table_at = schema.read_text().index('pgTable("users"')
    assert finding.range.path == str(schema) and finding.range.start <= table_at + 10
