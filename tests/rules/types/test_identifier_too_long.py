"""identifier-too-long: names PostgreSQL cuts to 63 bytes (or MySQL refuses over 64 characters)."""

from __future__ import annotations

import psycopg
import pytest
from types_helpers import case_root, flagged, lint, lint_ts, migration_text, statements

from drizzle_lsp.rules.testing import write_project
from drizzle_lsp.rules.types.identifier_too_long import pg_truncated, shorter_name

RULE = "identifier-too-long"
CASE = "pg-types-fixed"
LONG_FK = "organization_membership_invitations_organization_membership_id_organization_memberships_id_fk"


def test_generated_foreign_key_name_is_flagged_on_its_references_call(tmp_path):
    [finding] = lint(case_root(tmp_path, CASE, step=1, migrations=1), RULE)
    assert finding.message == (
        f'foreign key name "{LONG_FK}" is 93 bytes: PostgreSQL silently truncates it to 63 '
        '("organization_membership_invitations_organization_membership_id_"), so the database and drizzle-kit\'s '
        "snapshot disagree on it"
    )
    assert flagged(finding) == '.references(() => organizationMemberships.id, { onDelete: "cascade" })'
    assert finding.fix is None
    # the help spells out the foreignKey() that step 3 of the case uses, with a name that fits
    assert ('`foreignKey({ name: "omi_organization_membership_id_fk", columns: [t.organizationMembershipId], '
            "foreignColumns: [organizationMemberships.id] })`") in finding.help


def test_the_named_foreign_key_of_step_3_is_clean_and_drizzle_kit_renames_the_constraint(tmp_path):
    root = case_root(tmp_path, CASE)
    # the TypeScript is fixed, and 0000's long name is gone from the database after 0002: the SQL side is quiet too
    assert lint(root, RULE) == []
    assert statements(migration_text(root, 2)) == [
        f'ALTER TABLE "organization_membership_invitations" DROP CONSTRAINT "{LONG_FK}";',
        'ALTER TABLE "organization_membership_invitations" ADD CONSTRAINT "omi_organization_membership_id_fk" '
        'FOREIGN KEY ("organization_membership_id") REFERENCES "public"."organization_memberships"("id") '
        "ON DELETE cascade ON UPDATE no action;",
    ]


def test_sql_only_project_flags_the_long_name_while_it_exists(tmp_path):
    [finding] = lint(case_root(tmp_path, CASE, migrations=1, typescript=False), RULE)
    assert flagged(finding) == f'"{LONG_FK}"'
    assert finding.message.endswith("and the database will know it only by that name")
    assert lint(case_root(tmp_path, CASE, typescript=False), RULE) == []


def test_two_generated_names_that_become_one(tmp_path):
    ts = ('import { pgTable, bigint } from "drizzle-orm/pg-core";\n\n'
          'export const accounts = pgTable("accounts", {\n  id: bigint({ mode: "number" }).primaryKey(),\n});\n'
          'export const accountTransferRequests = pgTable("account_transfer_requests", {\n'
          '  id: bigint({ mode: "number" }).primaryKey(),\n'
          '  primary: bigint("source_account_identifier_for_settlement_primary", { mode: "number" })\n'
          '    .references(() => accounts.id),\n'
          '  backup: bigint("source_account_identifier_for_settlement_backup", { mode: "number" })\n'
          '    .references(() => accounts.id),\n'
          '});\n')
    findings = lint_ts(tmp_path, RULE, ts)
    assert len(findings) == 2
    primary = [f for f in findings if "_primary_accounts_id_fk\" is" in f.message][0]
    assert primary.message.endswith(
        ', the same as foreign key "account_transfer_requests_source_account_identifier_for_settlement_backup_'
        'accounts_id_fk" becomes: creating the second fails with "already exists"')
    # the suggested names stay apart: the table part is shortened, the column part kept
    assert '"atr_source_account_identifier_for_settlement_primary_fk"' in primary.help
    assert '"atr_source_account_identifier_for_settlement_backup_fk"' in [f for f in findings if f is not primary][0].help


def test_names_are_measured_in_bytes(tmp_path):
    # 33 characters but 66 bytes: too long for PostgreSQL, fine for MySQL's 64-character limit
    name = "é" * 33
    ts = ('import { pgTable, text } from "drizzle-orm/pg-core";\n\n'
          f'export const things = pgTable("things", {{\n  label: text("{name}"),\n}});\n')
    [finding] = lint_ts(tmp_path, RULE, ts)
    assert finding.message == (f'column name "{name}" is 66 bytes: PostgreSQL silently truncates it to 63 '
                               f'("{"é" * 31}"), so the database and drizzle-kit\'s snapshot disagree on it')
    assert flagged(finding) == f'"{name}"'
    mysql = ts.replace("pg-core", "mysql-core").replace("pgTable", "mysqlTable")
    assert lint_ts(tmp_path / "m", RULE, mysql, dialect="mysql") == []


def test_other_names_the_schema_generates(tmp_path):
    long_table = "customer_subscription_plan_feature_entitlements"
    ts = ('import { pgTable, bigint, integer, index } from "drizzle-orm/pg-core";\n\n'
          f'export const entitlements = pgTable("{long_table}", {{\n'
          '  id: integer().generatedAlwaysAsIdentity().primaryKey(),\n'
          '  subscriptionPlanFeatureId: bigint("subscription_plan_feature_id", { mode: "number" }).unique(),\n'
          '}, (t) => [index().on(t.subscriptionPlanFeatureId)]);\n')
    findings = lint_ts(tmp_path, RULE, ts)
    messages = sorted(f.message.split(" is ")[0] for f in findings)
    assert messages == [
        f'index name "{long_table}_subscription_plan_feature_id_index"',
        f'unique constraint name "{long_table}_subscription_plan_feature_id_unique"',
    ]
    index = [f for f in findings if f.message.startswith("index")][0]
    assert flagged(index) == "index().on(t.subscriptionPlanFeatureId)"
    assert 'index("cspfe_subscription_plan_feature_id_index")' in index.help


def test_exactly_63_bytes_is_fine(tmp_path):
    name = "c" * 63
    ts = ('import { pgTable, text } from "drizzle-orm/pg-core";\n\n'
          f'export const things = pgTable("things", {{\n  label: text("{name}"),\n}});\n')
    assert lint_ts(tmp_path, RULE, ts) == []


def test_hand_written_migration_collides_with_an_existing_constraint(tmp_path):
    prefix = "orders_customer_reference_" + "x" * 37  # 63 bytes
    sql = ('-- 0000_init.sql\nCREATE TABLE "orders" ("id" bigint PRIMARY KEY, "customer_id" bigint, "a" bigint);\n'
           f'ALTER TABLE "orders" ADD CONSTRAINT "{prefix}_one" CHECK ("a" > 0);\n'
           f'-- 0001_more.sql\nALTER TABLE "orders" ADD CONSTRAINT "{prefix}_two" CHECK ("a" < 10);\n'
           f'CREATE INDEX "{prefix}_index" ON "orders" ("customer_id");\n')
    write_project(str(tmp_path / "p"), sql=sql)
    findings = lint(str(tmp_path / "p"), RULE)
    messages = {flagged(f): f.message for f in findings}
    assert messages[f'"{prefix}_two"'].endswith(
        f', which check constraint "{prefix}" already has: this statement fails with "already exists"')
    # an index is a relation, not a constraint of "orders": no clash, only the cut
    assert messages[f'"{prefix}_index"'].endswith("and the database will know it only by that name")


def test_mysql_refuses_the_generated_name(tmp_path):
    [finding] = lint(case_root(tmp_path, "mysql-long-names", step=1), RULE)
    assert finding.message == (
        'foreign key name "warehouse_inventory_movements_source_warehouse_location_id_warehouse_locations_id_fk" is '
        "84 characters: MySQL rejects names over 64 (error 1059), so the migration fails"
    )
    assert flagged(finding).startswith(".references(() => warehouseLocations.id)")
    [sql] = lint(case_root(tmp_path, "mysql-long-names", typescript=False), RULE)
    assert flagged(sql) == "`warehouse_inventory_movements_source_warehouse_location_id_warehouse_locations_id_fk`"


def test_sqlite_has_no_limit(tmp_path):
    ts = ('import { sqliteTable, text } from "drizzle-orm/sqlite-core";\n\n'
          f'export const things = sqliteTable("things", {{\n  label: text("{"c" * 80}"),\n}});\n')
    assert lint_ts(tmp_path, RULE, ts, dialect="sqlite") == []


@pytest.mark.parametrize("name, dialect, table, expected", [
    ("a" * 70 + "_fk", "postgresql", None, "a" * 60 + "_fk"),
    ("big_table_name_col_fk", "postgresql", "big_table_name", "btn_col_fk"),
    ("é" * 40, "postgresql", None, "é" * 31),
])
def test_shorter_name(name, dialect, table, expected):
    assert shorter_name(name, dialect, table) == expected


# --- the claim on a real PostgreSQL -----------------------------------------------------------------------------------

def test_postgres_truncates_silently_to_63_bytes_and_prefixes_collide(pg):
    notices = []
    pg.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary))
    name = "t" * 70
    pg.execute(f'CREATE TABLE "{name}" ("id" integer)')
    assert notices == [f'identifier "{name}" will be truncated to "{"t" * 63}"']
    assert pg.execute("SELECT relname FROM pg_class WHERE relname LIKE 'ttt%'").fetchone() == ("t" * 63,)
    # the long name still works in later statements: PostgreSQL cuts it the same way every time
    pg.execute(f'INSERT INTO "{name}" VALUES (1)')

    prefix = "c" * 63
    pg.execute(f'ALTER TABLE "{name}" ADD CONSTRAINT "{prefix}_one" CHECK ("id" > 0)')
    with pytest.raises(psycopg.errors.DuplicateObject, match="already exists"):
        pg.execute(f'ALTER TABLE "{name}" ADD CONSTRAINT "{prefix}_two" CHECK ("id" < 10)')
    pg.execute(f'CREATE INDEX "{"i" * 63}_one" ON "{name}" ("id")')
    with pytest.raises(psycopg.errors.DuplicateTable, match="already exists"):
        pg.execute(f'CREATE INDEX "{"i" * 63}_two" ON "{name}" ("id")')

    # multi-byte characters are never split: 33 × "é" (66 bytes) keep 31 (62 bytes)
    pg.execute(f'ALTER TABLE "{name}" ADD COLUMN "{"é" * 33}" integer')
    stored = pg.execute(f"SELECT attname FROM pg_attribute WHERE attrelid = '\"{'t' * 63}\"'::regclass "
                        "AND attnum > 1").fetchone()[0]
    assert stored == "é" * 31 == pg_truncated("é" * 33)


def test_the_real_generated_name_is_stored_as_the_message_says(pg, tmp_path):
    root = case_root(tmp_path, CASE)
    for statement in statements(migration_text(root, 0)):
        pg.execute(statement)
    stored = pg.execute("SELECT conname FROM pg_constraint WHERE contype = 'f'").fetchone()[0]
    assert stored == pg_truncated(LONG_FK) == "organization_membership_invitations_organization_membership_id_"
    # drizzle-kit's later DROP CONSTRAINT spells the long name, which PostgreSQL cuts the same way: it works
    for statement in statements(migration_text(root, 2)):
        pg.execute(statement)
    assert pg.execute("SELECT conname FROM pg_constraint WHERE contype = 'f'").fetchall() == [
        ("omi_organization_membership_id_fk",)]
