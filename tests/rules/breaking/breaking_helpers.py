"""Helpers shared by the breaking-change rule tests: lint a real drizzle-kit case or a snippet, read the text a finding
points at, apply a finding's fix."""

from __future__ import annotations

import os
import shutil

from drizzle_lsp.fixes import apply_edits
from drizzle_lsp.rules.framework import Violation
from drizzle_lsp.rules.testing import lint_memory, lint_project, split_migrations

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "corpus")


def case_path(case: str) -> str:
    local = os.path.join(FIXTURES, case)
    return local if os.path.isdir(local) else os.path.join(CORPUS, case)


def lint_case(case: str, rule: str, tmp_path, settings: str | None = None) -> list[Violation]:
    """Lint a copy of a fixture or corpus case (so no settings file above the repository can leak in)."""
    root = tmp_path / case
    shutil.copytree(case_path(case), root, ignore=shutil.ignore_patterns("steps"))
    if settings is not None:
        (root / ".drizzle-lsp.toml").write_text(settings)
    return [f for f in lint_project(str(root), select=[rule]) if f.rule == rule]


def migration_sql(case: str) -> list[str]:
    """The case's migrations, in order."""
    folder = os.path.join(case_path(case), "drizzle")
    names = sorted(n for n in os.listdir(folder) if n.endswith(".sql"))
    return [open(os.path.join(folder, n), encoding="utf-8").read() for n in names]


def lint_sql(sql: str, rule: str, **kwargs) -> list[Violation]:
    return [f for f in lint_memory(sql=sql, select=[rule], **kwargs) if f.rule == rule]


def migration_index(finding: Violation) -> int:
    """0 for the finding in 0000_*.sql, 1 for 0001_*.sql ..."""
    return int(os.path.basename(finding.range.path)[:4])


def source_of(finding: Violation, sql: str | None = None) -> str:
    if sql is not None:
        tag = os.path.basename(finding.range.path)[:-len(".sql")]
        return dict(split_migrations(sql))[tag]
    with open(finding.range.path, encoding="utf-8") as handle:
        return handle.read()


def flagged_text(finding: Violation, sql: str | None = None) -> str:
    return source_of(finding, sql)[finding.range.start:finding.range.end]


def fixed_file(finding: Violation, sql: str | None = None) -> str:
    assert finding.fix is not None, f"no fix on {finding.message}"
    return apply_edits(source_of(finding, sql), finding.fix.edits)
