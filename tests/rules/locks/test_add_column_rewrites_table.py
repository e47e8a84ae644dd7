"""add-column-rewrites-table: ADD COLUMN with a volatile default, serial, identity or a stored generated column."""

from __future__ import annotations

import pytest

from locks_helpers import flagged_text, help_statements, lint_case, lint_sql, only

RULE = "add-column-rewrites-table"

EXISTING = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "orders" ("id" integer PRIMARY KEY, "total" numeric(12, 2));\n'
    "-- 0001_add.sql\n"
)


def test_real_drizzle_kit_columns(tmp_path):
    findings = lint_case("pg-lock-changes", RULE, tmp_path)
    # tenant_id (no default), created_at (now()), is_paid (false) and currency ('EUR') do not rewrite
    assert sorted(flagged_text(f).split('"')[3] for f in findings) == ["legacy_no", "number", "public_id", "total_cents"]

    volatile = only(findings, 'ALTER TABLE "orders" ADD COLUMN "public_id"')
    assert volatile.message == (
        'ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid() on existing table "orders" rewrites the whole table '
        'and its indexes under an ACCESS EXCLUSIVE lock: reads and writes to "orders" are blocked until the rewrite '
        "ends, because the volatile default gen_random_uuid() is computed separately for every existing row"
    )
    assert flagged_text(volatile) == (
        'ALTER TABLE "orders" ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid() NOT NULL;'
    )
    assert help_statements(volatile) == [
        'ALTER TABLE "orders" ALTER COLUMN "public_id" SET DEFAULT gen_random_uuid();',
    ]

    identity = only(findings, 'ALTER TABLE "orders" ADD COLUMN "number"')
    assert "because an identity column gives every existing row its own value" in identity.message
    assert 'ALTER TABLE "orders" ALTER COLUMN "number" ADD GENERATED ALWAYS AS IDENTITY;' in identity.help

    serial = only(findings, 'ALTER TABLE "orders" ADD COLUMN "legacy_no"')
    assert "because serial fills every existing row from its sequence" in serial.message

    generated = only(findings, 'ALTER TABLE "orders" ADD COLUMN "total_cents"')
    assert 'ADD COLUMN "total_cents" integer GENERATED ALWAYS AS (…) STORED' in generated.message
    assert "VIRTUAL" in generated.help


@pytest.mark.parametrize("column", [
    '"a" integer DEFAULT 0 NOT NULL',
    "\"b\" text DEFAULT 'x'",
    '"c" boolean DEFAULT true',
    '"d" timestamp with time zone DEFAULT now() NOT NULL',
    '"e" timestamp DEFAULT CURRENT_TIMESTAMP',
    "\"f\" jsonb DEFAULT '{}'::jsonb",
    '"g" integer GENERATED ALWAYS AS ("id" * 2) VIRTUAL',
    '"h" integer',
])
def test_constant_stable_and_virtual_columns_are_not_flagged(column):
    assert lint_sql(EXISTING + f'ALTER TABLE "orders" ADD COLUMN {column};', RULE) == []


@pytest.mark.parametrize("column,function", [
    ('"r" double precision DEFAULT random()', "random()"),
    ('"t" timestamp with time zone DEFAULT clock_timestamp()', "clock_timestamp()"),
    ("\"n\" bigint DEFAULT nextval('orders_n_seq'::regclass)", "nextval()"),
])
def test_other_volatile_defaults_are_flagged(column, function):
    sql = EXISTING + f'ALTER TABLE "orders" ADD COLUMN {column};'
    finding = only(lint_sql(sql, RULE), "ALTER TABLE", sql)
    assert f"the volatile default {function} is computed" in finding.message


def test_not_flagged_on_a_table_created_in_the_same_migration():
    sql = EXISTING.replace("-- 0001_add.sql\n", "--> statement-breakpoint\n") + (
        'ALTER TABLE "orders" ADD COLUMN "public_id" uuid DEFAULT gen_random_uuid() NOT NULL;'
    )
    assert lint_sql(sql, RULE) == []


def _relfilenode(pg) -> int:
    return pg.execute("SELECT relfilenode FROM pg_class WHERE relname = 'orders'").fetchone()[0]


def test_what_is_flagged_rewrites_on_postgres_and_what_is_not_does_not(pg):
    """Every column of the two parametrized lists above, added to a table with a row on a real PostgreSQL."""
    pg.execute('CREATE TABLE "orders" ("id" integer PRIMARY KEY, "total" numeric(12, 2))')
    pg.execute('INSERT INTO "orders" VALUES (1, 10)')
    pg.execute("CREATE SEQUENCE orders_n_seq")
    cases = [
        ('"a" integer DEFAULT 0 NOT NULL', False),
        ('"d" timestamp with time zone DEFAULT now() NOT NULL', False),
        ('"g" integer GENERATED ALWAYS AS ("id" * 2) VIRTUAL', False),
        ('"p" uuid DEFAULT gen_random_uuid() NOT NULL', True),
        ('"s" serial', True),
        ('"i" integer GENERATED ALWAYS AS IDENTITY', True),
        ('"x" integer GENERATED ALWAYS AS ("id" * 2) STORED', True),
        ("\"n\" bigint DEFAULT nextval('orders_n_seq'::regclass)", True),
    ]
    for column, rewrites in cases:
        statement = f'ALTER TABLE "orders" ADD COLUMN {column};'
        flagged = bool(lint_sql(EXISTING + statement, RULE, settings="postgres-version = 18\n"))
        before = _relfilenode(pg)
        pg.execute(statement)
        assert (_relfilenode(pg) != before) == rewrites == flagged, column


def test_identity_help_attaches_without_rewrite_on_postgres(pg):
    """The identity recipe: a plain column, backfilled and NOT NULL, then ADD GENERATED … AS IDENTITY: no rewrite."""
    pg.execute('CREATE TABLE "orders" ("id" integer PRIMARY KEY, "number" integer)')
    pg.execute('INSERT INTO "orders" VALUES (1, 1)')
    pg.execute('ALTER TABLE "orders" ALTER COLUMN "number" SET NOT NULL')
    before = _relfilenode(pg)
    pg.execute('ALTER TABLE "orders" ALTER COLUMN "number" ADD GENERATED ALWAYS AS IDENTITY')
    assert _relfilenode(pg) == before
