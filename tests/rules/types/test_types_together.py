"""The type rules as a team sees them: every fix applied in the schema gives the file drizzle-kit accepted (step 2
of the real case), and a fixed project reports nothing twice, on neither side."""

from __future__ import annotations

import os

from types_helpers import FIXTURES, case_root, read

from drizzle_lsp.analysis.project import load_workspace
from drizzle_lsp.fixes import apply_fixes
from drizzle_lsp.rules.engine import run_rules

CASE = "pg-types-fixed"
RULES = ["prefer-timestamptz", "prefer-identity", "prefer-bigint-primary-key", "prefer-text", "prefer-jsonb",
         "identifier-too-long"]


def test_all_fixes_applied_until_none_is_left_give_step_2(tmp_path):
    root = case_root(tmp_path, CASE, step=1, migrations=1)
    for _ in range(5):  # fixes that touch the same spot wait for the next round, as with `check --fix`
        workspace = load_workspace([root])
        findings = run_rules(workspace, select=RULES)
        report, _ = apply_fixes(findings, roots=[root], read_text=workspace.file_text,
                                applicabilities=("safe", "unsafe", "suggestion"))
        if not report.applied:
            break
    for name in ("schema.ts", "columns.ts"):
        assert read(os.path.join(root, "schema", name)) == read(os.path.join(FIXTURES, CASE, "steps", "2", name)), name
    # what is left is the long foreign key name, which has no automatic fix (step 3 names it by hand)
    assert [f.rule for f in findings] == ["identifier-too-long"]


def test_the_fixed_project_reports_nothing_on_either_side(tmp_path):
    # the schema of step 3 and all three migrations: the SQL of 0000 still holds serial, json, varchar, timestamp
    # and the long name, but the schema declares those columns (and 0001/0002 changed them)
    findings = run_rules(load_workspace([case_root(tmp_path, CASE)]), select=RULES)
    assert [(f.rule, f.message) for f in findings] == []


def test_the_sql_of_a_schema_project_is_not_reported_again(tmp_path):
    # step 1 with its migration: each finding is in the schema files, none in the SQL drizzle-kit generated from it
    findings = run_rules(load_workspace([case_root(tmp_path, CASE, step=1, migrations=1)]), select=RULES)
    assert findings and all(f.range.path.endswith(".ts") for f in findings)
