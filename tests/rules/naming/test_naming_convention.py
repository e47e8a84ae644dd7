"""naming-convention: database names off the project's convention (case, and plural or singular tables)."""

from __future__ import annotations

import pytest
from naming_helpers import fixed, fixture_project, flagged, lint, only, project

from drizzle_lsp.rules._support.naming_policy import NamingPolicy, number_of, other_number

RULE = "naming-convention"


def test_real_drizzle_kit_schema(tmp_path):
    findings = lint(fixture_project(tmp_path, "keys-and-names", migrations=1), RULE)
    assert sorted(f.message for f in findings) == sorted([
        'table "auditEntry" is not snake_case: the convention spells it "audit_entry"',
        'table "auditEntry" is singular but 4 of 5 tables are plural',
        'column "auditEntry"."orderId" is not snake_case: the convention spells it "order_id"',
        'column "auditEntry"."loggedAt" is not snake_case: the convention spells it "logged_at"',
    ])
    assert all(f.range.path.endswith("schema.ts") for f in findings)
    table = only(findings, "is not snake_case: the convention spells it \"audit_entry\"")
    assert flagged(table) == '"auditEntry"'
    assert fixed(table).count('pgTable("audit_entry", {') == 1
    column = only(findings, '"orderId"')
    assert flagged(column) == "orderId"
    assert "drizzle.config.ts sets no casing" in column.help
    assert 'orderId: integer("order_id").references(() => orders.id),' in fixed(column)
    plural = only(findings, "singular but")
    assert plural.fix is None and '"auditEntries"' in plural.help and 'tables = "plural"' in plural.help


def test_sql_only_project(tmp_path):
    findings = lint(fixture_project(tmp_path, "keys-and-names", typescript=False, migrations=1), RULE)
    assert len(findings) == 4
    column = only(findings, '"loggedAt"')
    assert column.range.path.endswith("0000_init.sql") and flagged(column) == '"loggedAt"'
    assert column.fix is None and "new migration" in column.help


HEAD = 'import { pgTable, integer, text, index, unique } from "drizzle-orm/pg-core";\n'


def test_generated_names_are_left_alone_and_written_ones_checked(tmp_path):
    ts = HEAD + '''
export const users = pgTable("users", {
  id: integer().primaryKey(),
  email: text().unique(),
  orgId: integer("org_id"),
}, (t) => [
  index().on(t.orgId),
  index("UsersEmailIdx").on(t.email),
  unique("usersOrgEmail").on(t.orgId, t.email),
]);
'''
    findings = lint(project(tmp_path, ts), RULE)
    assert sorted(f.message for f in findings) == [
        'index "UsersEmailIdx" on "users" is not snake_case: the convention spells it "users_email_idx"',
        'unique constraint "usersOrgEmail" on "users" is not snake_case: the convention spells it "users_org_email"',
    ]
    index = only(findings, "UsersEmailIdx")
    assert fixed(index) == ts.replace('index("UsersEmailIdx")', 'index("users_email_idx")')
    assert index.fix.applicability == "suggestion"


def test_sql_names_postgresql_made_up_are_not_checked(tmp_path):
    sql = 'CREATE TABLE "users" ("id" integer PRIMARY KEY, "org_id" integer REFERENCES "orgs"("id"), UNIQUE ("org_id"));\n'
    sql = 'CREATE TABLE "orgs" ("id" integer PRIMARY KEY);\n--> statement-breakpoint\n' + sql
    assert lint(project(tmp_path, sql=sql), RULE) == []


def test_camel_case_convention(tmp_path):
    ts = HEAD + '''
export const userProfiles = pgTable("userProfiles", {
  id: integer().primaryKey(),
  displayName: text(),
  avatar_url: text(),
}, (t) => [index("userProfiles_displayName_idx").on(t.displayName)]);
'''
    findings = lint(project(tmp_path, ts, settings='[naming]\nconvention = "camelCase"\n'), RULE)
    assert [f.message for f in findings] == [
        'column "userProfiles"."avatar_url" is not camelCase: the convention spells it "avatarUrl"',
    ]


@pytest.mark.parametrize("name, form", [
    ("users", "plural"), ("user", "singular"), ("user_profiles", "plural"), ("addresses", "plural"),
    ("address", "singular"), ("status", None), ("people", "plural"), ("person", "singular"),
    ("audit_log", None), ("metadata", None), ("categories", "plural"), ("userProfile", "singular"),
    ("analysis", "singular"), ("campus", "singular"),
])
def test_plural_or_singular(name, form):
    assert number_of(name) == form


@pytest.mark.parametrize("name, wanted, guess", [
    ("user_profile", "plural", "user_profiles"), ("category", "plural", "categories"), ("box", "plural", "boxes"),
    ("person", "plural", "people"), ("users", "singular", "user"), ("categories", "singular", "category"),
    ("addresses", "singular", "address"), ("auditEntry", "plural", "auditEntries"),
])
def test_other_number_guess(name, wanted, guess):
    assert other_number(name, wanted) == guess


def test_suggested_spelling():
    snake, camel = NamingPolicy("snake_case"), NamingPolicy("camelCase")
    assert snake.suggest("UserProfiles") == "user_profiles" and snake.suggest("userID") == "user_id"
    assert camel.suggest("user_profiles") == "userProfiles"
    assert camel.suggest("User_Profiles_Email_Idx", compound=True) == "user_profiles_email_idx"
    assert camel.fits("userProfiles_userId_idx", compound=True) and not camel.fits("userProfiles_userId_idx")


TABLES = HEAD + "".join(
    f'export const t{i} = pgTable("{name}", {{ id: integer().primaryKey() }});\n'
    for i, name in enumerate(["users", "orders", "invoices", "payment"])
)


def test_any_flags_only_the_minority(tmp_path):
    findings = lint(project(tmp_path, TABLES), RULE)
    assert [f.message for f in findings] == ['table "payment" is singular but 3 of 4 tables are plural']


def test_a_tie_flags_nothing(tmp_path):
    ts = TABLES.replace('"orders"', '"order_item"')
    assert lint(project(tmp_path, ts), RULE) == []


def test_stated_form_flags_every_other_table(tmp_path):
    findings = lint(project(tmp_path, TABLES, settings='[naming]\ntables = "singular"\n'), RULE)
    assert sorted(f.message.split('"')[1] for f in findings) == ["invoices", "orders", "users"]
    assert all('[naming] tables = "singular"' in f.message for f in findings)


BETTER_AUTH = HEAD + "".join(
    f'export const {name} = pgTable("{name}", {{ id: text().primaryKey(), userId: text("user_id") }}, '
    f'(t) => [index("{name}_userId_idx").on(t.userId)]);\n'
    for name in ["user", "session", "account", "verification"]
) + "".join(
    f'export const {name} = pgTable("{name}", {{ id: text().primaryKey() }});\n'
    for name in ["projects", "tasks", "comments"]
)


def test_better_auth_tables_are_singular_by_design(tmp_path):
    assert lint(project(tmp_path, BETTER_AUTH), RULE) == []


def test_better_auth_dependency_exempts_its_tables_alone(tmp_path):
    ts = HEAD + "".join(f'export const {n} = pgTable("{n}", {{ id: text().primaryKey() }});\n'
                        for n in ["user", "session", "projects", "tasks", "comments"])
    with_dependency = project(tmp_path, ts, package_json={"dependencies": {"better-auth": "^1.3.0"}})
    assert lint(with_dependency, RULE) == []
    findings = lint(project(tmp_path / "without", ts), RULE)
    assert sorted(f.message.split('"')[1] for f in findings) == ["session", "user"]


def test_convention_follows_the_drizzle_config_casing_when_not_set(tmp_path):
    # corpus case 05 uses casing: 'camelCase': its camelCase columns are the convention, not a violation
    import os

    from drizzle_lsp.analysis.project import load_workspace
    from drizzle_lsp.rules.engine import run_rules

    case = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "corpus", "05-pg-schemas-camel-case")
    workspace = load_workspace([case])
    assert not [f for f in run_rules(workspace, select=["naming-convention"]) if f.rule == "naming-convention"]
    # the same project under an explicit snake_case convention is flagged: the default really follows the config
    workspace.projects[0].settings.naming_convention = "snake_case"
    flagged = [f for f in run_rules(workspace, select=["naming-convention"]) if f.rule == "naming-convention"]
    assert any('"companyName" is not snake_case' in f.message for f in flagged)
