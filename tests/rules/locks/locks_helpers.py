"""Helpers shared by the lock-rule tests: lint a real drizzle-kit case or a snippet, find a finding by its statement,
apply a finding's fix."""

from __future__ import annotations

import os
import shutil

from drizzle_lsp.fixes import apply_edits
from drizzle_lsp.rules.framework import Violation
from drizzle_lsp.rules.testing import lint_memory, lint_project

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def lint_case(case: str, rule: str, tmp_path, settings: str | None = None) -> list[Violation]:
    """Lint a copy of a fixture case (so no settings file above the repository can leak in)."""
    root = tmp_path / case
    shutil.copytree(os.path.join(FIXTURES, case), root, ignore=shutil.ignore_patterns("steps"))
    if settings is not None:
        (root / ".drizzle-lsp.toml").write_text(settings)
    return [f for f in lint_project(str(root), select=[rule]) if f.rule == rule]


def lint_sql(sql: str, rule: str, **kwargs) -> list[Violation]:
    return [f for f in lint_memory(sql=sql, select=[rule], **kwargs) if f.rule == rule]


def source_of(finding: Violation, sql: str | None = None) -> str:
    """The full text of the file the finding points into (a snippet's last migration, or a file on disk)."""
    if sql is not None:
        from drizzle_lsp.rules.testing import split_migrations

        tag = os.path.basename(finding.range.path)[:-len(".sql")]
        return dict(split_migrations(sql))[tag]
    with open(finding.range.path, encoding="utf-8") as handle:
        return handle.read()


def flagged_text(finding: Violation, sql: str | None = None) -> str:
    return source_of(finding, sql)[finding.range.start:finding.range.end]


def only(findings: list[Violation], statement_start: str, sql: str | None = None) -> Violation:
    """The one finding whose flagged statement starts with ``statement_start``."""
    matching = [f for f in findings if flagged_text(f, sql).startswith(statement_start)]
    assert len(matching) == 1, f"expected one finding on {statement_start!r}; got {[f.message for f in findings]}"
    return matching[0]


def fixed_statement(finding: Violation, sql: str | None = None) -> str:
    """The flagged statement after applying the finding's fix."""
    assert finding.fix is not None, f"no fix on {finding.message}"
    text = source_of(finding, sql)
    fixed = apply_edits(text, finding.fix.edits)
    grown = len(fixed) - len(text)
    return fixed[finding.range.start:finding.range.end + grown]


def help_statements(finding: Violation) -> list[str]:
    """The SQL statements quoted in a finding's help (between backticks, ending with a semicolon), in order."""
    import re

    return [s for s in re.findall(r"`([^`]+;)`", finding.help)]
