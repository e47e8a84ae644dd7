"""unique-constraint-builds-index: ADD UNIQUE / ADD PRIMARY KEY on an existing table builds an index under ACCESS
EXCLUSIVE."""

from __future__ import annotations

from locks_helpers import flagged_text, help_statements, lint_case, lint_sql, only

RULE = "unique-constraint-builds-index"

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" integer, "email" text NOT NULL, "tenant_id" integer);\n'
    "-- 0001_constraints.sql\n"
)


def test_real_drizzle_kit_unique_and_composite_primary_key(tmp_path):
    findings = lint_case("pg-lock-changes", RULE, tmp_path)
    # the inline UNIQUE of the new "shipments" table is not flagged
    assert len(findings) == 2
    unique = only(findings, 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique"')
    assert unique.message == (
        'ADD CONSTRAINT "users_email_unique" UNIQUE on existing table "users" builds a unique index under an ACCESS '
        'EXCLUSIVE lock: reads and writes to "users" are blocked for the whole build'
    )
    assert flagged_text(unique) == 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");'
    assert help_statements(unique) == [
        'CREATE UNIQUE INDEX CONCURRENTLY "users_email_unique" ON "users" ("email");',
        'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE USING INDEX "users_email_unique";',
    ]
    assert unique.fix is None

    pk = only(findings, 'ALTER TABLE "order_tags" ADD CONSTRAINT "order_tags_order_id_tag_pk"')
    assert pk.message.startswith('ADD CONSTRAINT "order_tags_order_id_tag_pk" PRIMARY KEY on existing table "order_tags"')
    assert 'PRIMARY KEY USING INDEX "order_tags_order_id_tag_pk";' in pk.help
    assert "nullable" not in pk.help  # both columns are NOT NULL already


def test_primary_key_on_nullable_columns_warns_about_the_implicit_set_not_null():
    sql = EXISTING + 'ALTER TABLE "users" ADD CONSTRAINT "users_id_tenant_id_pk" PRIMARY KEY("id","tenant_id");'
    finding = only(lint_sql(sql, RULE), "ALTER TABLE", sql)
    assert '"id", "tenant_id" are nullable' in finding.help


def test_column_added_with_inline_unique():
    sql = EXISTING + 'ALTER TABLE "users" ADD COLUMN "handle" text UNIQUE;'
    finding = only(lint_sql(sql, RULE), "ALTER TABLE", sql)
    assert finding.message.startswith('ADD COLUMN "handle" … UNIQUE on existing table "users" builds a unique index')
    assert finding.help.startswith("Add the column without UNIQUE")


def test_not_flagged_with_using_index_or_on_a_new_table():
    using = EXISTING + (
        'CREATE UNIQUE INDEX CONCURRENTLY "users_email_unique" ON "users" ("email");--> statement-breakpoint\n'
        'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE USING INDEX "users_email_unique";'
    )
    assert lint_sql(using, RULE) == []
    new_table = (
        'CREATE TABLE "users" ("id" integer, "email" text NOT NULL);\n--> statement-breakpoint\n'
        'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");'
    )
    assert lint_sql(new_table, RULE) == []


def test_help_recipe_runs_on_postgres(pg):
    """The two statements of the help build the same constraint on a table with rows."""
    pg.execute('CREATE TABLE "users" ("id" integer, "email" text NOT NULL, "tenant_id" integer)')
    pg.execute("INSERT INTO \"users\" VALUES (1, 'a@example.com', 1), (2, 'b@example.com', 1)")
    sql = EXISTING + 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");'
    for statement in help_statements(only(lint_sql(sql, RULE), "ALTER TABLE", sql)):
        pg.execute(statement)
    assert pg.execute(
        "SELECT contype FROM pg_constraint WHERE conname = 'users_email_unique'"
    ).fetchone() == ("u",)
