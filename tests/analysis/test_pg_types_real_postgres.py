"""``classify_type_change`` checked against a real PostgreSQL: for each pair, ALTER COLUMN TYPE without USING either
fails (42804) exactly when we say it needs USING, and changes the table's relfilenode (a rewrite) exactly when we say
it rewrites."""

import psycopg
import pytest

from drizzle_lsp.analysis.pg_types import classify_type_change, parse_type

PAIRS = [
    ("integer", "bigint"), ("bigint", "integer"), ("smallint", "integer"), ("integer", "numeric"),
    ("varchar(50)", "varchar(100)"), ("varchar(100)", "varchar(50)"), ("varchar(50)", "text"), ("text", "varchar"),
    ("text", "varchar(20)"), ("varchar(20)", "varchar"), ("char(5)", "char(5)"), ("char(5)", "text"),
    ("numeric(10, 2)", "numeric(12, 2)"), ("numeric(10, 2)", "numeric(12, 4)"), ("numeric(10, 2)", "numeric"),
    ("numeric(10, 2)", "numeric(8, 2)"), ("text", "integer"), ("text", "uuid"), ("text", "timestamp"),
    ("text", "jsonb"), ("text", "boolean"), ("integer", "uuid"), ("integer", "text"), ("uuid", "text"),
    ("integer", "boolean"), ("boolean", "integer"), ("json", "jsonb"), ("jsonb", "json"), ("date", "timestamp"),
    ("timestamp", "date"), ("timestamp (3)", "timestamp (6)"), ("timestamp (6)", "timestamp (3)"),
    ("timestamptz", "timestamp"), ("cidr", "inet"), ("inet", "cidr"), ("real", "double precision"),
    ("double precision", "numeric"), ("integer[]", "bigint[]"), ("text[]", "text"), ("varchar(10)[]", "text[]"),
    ("time", "timetz"), ("interval", "time"), ("bytea", "text"), ("text", "bytea"),
]


def _relfilenode(pg):
    return pg.execute("SELECT relfilenode FROM pg_class WHERE relname = 't'").fetchone()[0]


@pytest.mark.parametrize("old,new", PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_classification_matches_postgres(pg, old, new):
    expected = classify_type_change(old, new)
    pg.execute("SET TimeZone = 'America/New_York'")
    pg.execute(f"CREATE TABLE t (c {old})")
    pg.execute("INSERT INTO t VALUES (NULL)")
    before = _relfilenode(pg)
    try:
        pg.execute(f"ALTER TABLE t ALTER COLUMN c SET DATA TYPE {new}")
    except psycopg.errors.DatatypeMismatch:
        assert expected.needs_using, f"PostgreSQL refused {old} -> {new} without USING, we said it works"
        return
    assert not expected.needs_using, f"PostgreSQL cast {old} -> {new} without USING, we said it needs USING"
    rewrote = _relfilenode(pg) != before
    assert rewrote == expected.rewrites, f"{old} -> {new}: PostgreSQL rewrote={rewrote}, we said {expected.rewrites}"


@pytest.mark.parametrize("timezone,rewrites", [("UTC", False), ("Europe/Paris", True)])
def test_timestamp_to_timestamptz_depends_on_timezone(pg, timezone, rewrites):
    change = classify_type_change("timestamp", "timestamp with time zone")
    assert change.rewrites_unless_utc and not change.needs_using
    pg.execute(f"SET TimeZone = '{timezone}'")
    pg.execute("CREATE TABLE t (c timestamp)")
    before = _relfilenode(pg)
    pg.execute("ALTER TABLE t ALTER COLUMN c SET DATA TYPE timestamptz")
    assert (_relfilenode(pg) != before) == rewrites


def test_parse_type_spellings():
    assert parse_type("timestamp (3) with time zone") == parse_type("timestamptz(3)")
    assert parse_type('"public"."mood"').base == "mood" and not parse_type("mood").known
    assert parse_type("character varying(255)").args == (255,)
    assert parse_type("integer[][]").array_dims == 2
