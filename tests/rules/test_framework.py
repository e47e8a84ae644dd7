"""The rule engine: selection, severities, exclusions, failure isolation and suppression comments."""

from __future__ import annotations

import pytest

from drizzle_lsp.model import OpKind
from drizzle_lsp.rules.engine import run_rules
from drizzle_lsp.rules.framework import Fix, Rule, TextEdit
from drizzle_lsp.rules.registry import Registry, get_registry
from drizzle_lsp.rules.testing import build_workspace, split_migrations

CREATE_AND_INDEX = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "customer_id" bigint);\n'
    "-- 0001_index.sql\n"
    'CREATE INDEX "orders_customer_idx" ON "orders" ("customer_id");\n'
)


class FlagIndex(Rule):
    """Flags CREATE INDEX on an existing table (a stand-in for the real lock rule)."""

    name = "test-flag-index"
    group = "locks"
    severity = "warning"
    dialects = ("postgresql",)

    def check_operation(self, ctx):
        if ctx.op.kind == OpKind.CREATE_INDEX and not ctx.table_is_new:
            yield self.violation(f"index on existing table {ctx.op.table}", ctx.op.range, help="add CONCURRENTLY",
                                 fix=Fix("Add CONCURRENTLY", [TextEdit.insert(ctx.path, ctx.op.concurrently_at,
                                                                              " CONCURRENTLY")]))


class Explodes(Rule):
    """Always raises."""

    name = "test-explodes"
    group = "types"

    def check_operation(self, ctx):
        raise RuntimeError("boom")


class SqliteOnly(Rule):
    """Only for SQLite."""

    name = "test-sqlite-only"
    group = "types"
    dialects = ("sqlite",)

    def check_operation(self, ctx):
        yield self.violation("sqlite", ctx.op.range)


def registry_with(*rules: type[Rule]) -> Registry:
    """The meta rules (the engine's own findings) plus ``rules``: the real rules would flag the same examples."""
    base = get_registry()
    meta = {name: rule for name, rule in base.rules.items() if rule.group == "meta"}
    return Registry(rules={**meta, **{r.name: r for r in rules}})


def run(sql: str, *rules: type[Rule], **kwargs):
    settings = kwargs.pop("settings", None)
    workspace = build_workspace(sql=sql, settings=settings)
    return run_rules(workspace, registry=registry_with(*rules), **kwargs)


def names(findings):
    return [f.rule for f in findings]


def test_rule_sees_table_created_earlier_as_existing_and_same_migration_as_new():
    assert names(run(CREATE_AND_INDEX, FlagIndex)) == ["test-flag-index"]
    same_file = CREATE_AND_INDEX.replace("-- 0001_index.sql\n", "")
    assert names(run(same_file, FlagIndex)) == []


def test_failing_rule_becomes_internal_error_once_per_file_and_others_still_run():
    findings = run(CREATE_AND_INDEX, FlagIndex, Explodes)
    internal = [f for f in findings if f.rule == "internal-error"]
    assert len(internal) == 2  # one per migration file, not one per operation
    assert "test-explodes" in internal[0].message and "boom" in internal[0].message
    assert "test-flag-index" in names(findings)


def test_dialect_filter():
    assert "test-sqlite-only" not in names(run(CREATE_AND_INDEX, SqliteOnly))


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"select": ["syntax-error"]}, []),
        ({"select": ["locks"]}, ["test-flag-index"]),
        ({"ignore": ["test-flag-index"]}, []),
        ({"ignore": ["locks"]}, []),
        ({"settings": {"rules": {"ignore": ["locks"]}}}, []),
        ({"settings": {"rules": {"severity": {"test-flag-index": "off"}}}}, []),
        ({"settings": {"exclude": ["drizzle/0001_*"]}}, []),
    ],
)
def test_selection(kwargs, expected):
    assert names(run(CREATE_AND_INDEX, FlagIndex, **kwargs)) == expected


def test_severity_override_rule_beats_group():
    settings = {"rules": {"severity": {"locks": "info", "test-flag-index": "error"}}}
    assert [f.severity for f in run(CREATE_AND_INDEX, FlagIndex, settings=settings)] == ["error"]
    settings = {"rules": {"severity": {"locks": "hint"}}}
    assert [f.severity for f in run(CREATE_AND_INDEX, FlagIndex, settings=settings)] == ["info"]


def test_unknown_name_in_settings_is_reported_with_suggestion():
    findings = run(CREATE_AND_INDEX, FlagIndex, settings={"rules": {"ignore": ["test-flag-indx"]}})
    unknown = [f for f in findings if f.rule == "unknown-rule"]
    assert unknown and "test-flag-index" in unknown[0].help


def test_syntax_error_reported_and_rest_of_file_checked():
    sql = CREATE_AND_INDEX.replace("-- 0001_index.sql\n", "-- 0001_index.sql\nCREATE TABLE (;\n")
    findings = run(sql, FlagIndex)
    assert names(findings) == ["syntax-error", "test-flag-index"]
    assert findings[0].severity == "error"


def test_sql_suppression_covers_next_statement_only():
    sql = CREATE_AND_INDEX.replace(
        "-- 0001_index.sql\n",
        "-- 0001_index.sql\n-- drizzle-lsp-ignore test-flag-index: reviewed, table is small\n",
    ) + 'CREATE INDEX "second_idx" ON "orders" ("id");\n'
    findings = run(sql, FlagIndex)
    assert names(findings) == ["test-flag-index"]
    file_text = split_migrations(sql)[1][1]
    assert "second_idx" in file_text[findings[0].range.start:findings[0].range.end]


def test_group_name_and_file_wide_suppressions():
    sql = CREATE_AND_INDEX.replace("-- 0001_index.sql\n", "-- 0001_index.sql\n-- drizzle-lsp-ignore locks\n")
    assert names(run(sql, FlagIndex)) == []
    sql = CREATE_AND_INDEX + "-- drizzle-lsp-ignore-file test-flag-index\n"
    assert names(run(sql, FlagIndex)) == []
    sql = CREATE_AND_INDEX + "-- drizzle-lsp-ignore-file\n"
    assert names(run(sql, FlagIndex)) == []


def test_unknown_and_unused_suppressions():
    sql = CREATE_AND_INDEX.replace(
        "-- 0001_index.sql\n", "-- 0001_index.sql\n-- drizzle-lsp-ignore test-flag-indx, syntax-error\n"
    )
    findings = run(sql, FlagIndex)
    assert sorted(names(findings)) == ["test-flag-index", "unknown-suppression", "unused-suppression"]
    unknown = next(f for f in findings if f.rule == "unknown-suppression")
    assert "test-flag-index" in unknown.help
    unused = next(f for f in findings if f.rule == "unused-suppression")
    assert unused.fix is not None and unused.fix.applicability == "safe"


def test_suppression_of_disabled_rule_is_not_unused():
    sql = CREATE_AND_INDEX.replace("-- 0001_index.sql\n", "-- 0001_index.sql\n-- drizzle-lsp-ignore test-flag-index\n")
    assert names(run(sql, FlagIndex, ignore=["test-flag-index"])) == []


def test_only_paths_keeps_findings_of_those_files():
    workspace = build_workspace(sql=CREATE_AND_INDEX)
    path = workspace.projects[0].project.migrations.migrations[0].sql_path
    assert run_rules(workspace, registry=registry_with(FlagIndex), only_paths=[path]) == []


def test_rule_class_validation():
    with pytest.raises(TypeError, match="kebab-case"):
        class BadName(Rule):
            name = "BadName"
            group = "locks"
    with pytest.raises(TypeError, match="group"):
        class BadGroup(Rule):
            name = "bad-group"
            group = "nope"


def test_registry_discovers_meta_rules_without_load_errors():
    registry = get_registry()
    assert {"syntax-error", "internal-error", "unknown-suppression", "unused-suppression"} <= set(registry.rules)
    assert registry.load_errors == []
    assert registry.suggest("unused-supression")[0] == "unused-suppression"
