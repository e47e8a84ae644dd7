"""The example project (examples/saas) carries Better Auth's tables for its auth config, as the generator writes them,
with exactly two deliberate deviations for the demo: two_factor's id is a uuid and its userId index is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from drizzle_lsp.analysis.project import load_workspace
from drizzle_lsp.better_auth import setup_for
from drizzle_lsp.better_auth.expected import index_name

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "saas"


@pytest.fixture(scope="module")
def example():
    workspace = load_workspace([str(EXAMPLE)])
    (analyzed,) = workspace.projects
    return analyzed, setup_for(analyzed)


def test_example_config_enables_two_plugins(example):
    _, setup = example
    assert setup is not None and not setup.problems
    assert set(setup.plugins) == {"twoFactor", "admin"}
    assert {t.model for t in setup.tables} == {"user", "session", "account", "verification", "twoFactor"}


def test_example_auth_tables_deviate_only_where_the_demo_means_to(example):
    analyzed, setup = example
    by_key = {t.key: t for t in analyzed.project.schema.tables.values()}
    deviations = []
    for expected in setup.tables:
        table = by_key[expected.export_key]
        columns = {c.key: c for c in table.columns.values()}
        if columns["id"].type != "text":
            deviations.append(f"{expected.export_key}.id is {columns['id'].type}")
        for field in expected.fields:
            column = columns[field.key]
            assert column.name == field.sql_name and column.not_null == field.required, field.key
            if field.index and not field.unique and index_name(expected, field) not in table.indexes:
                deviations.append(f"{expected.export_key}.{field.key} has no index")
    assert deviations == ["twoFactor.id is uuid", "twoFactor.userId has no index"]


def test_check_on_the_example_shows_the_better_auth_findings():
    from drizzle_lsp.rules.registry import get_registry
    from drizzle_lsp.rules.testing import lint_project

    expected = {"better-auth-column-type": "twoFactor.id", "better-auth-constraint": "twoFactor.userId"}
    registry = get_registry()
    present = {rule: subject for rule, subject in expected.items() if registry.get(rule) is not None}
    if not present:
        pytest.skip("the Better Auth rules are not registered yet")
    findings = [f for f in lint_project(str(EXAMPLE)) if f.rule.startswith("better-auth-")]
    assert sorted(f.rule for f in findings) == sorted(present)
    for finding in findings:
        assert present[finding.rule] in finding.message
