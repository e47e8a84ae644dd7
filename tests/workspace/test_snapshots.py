"""Snapshots written by real drizzle-kit (0.31.11 and 1.0.0-rc.5) read into the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from drizzle_lsp.model.compare import canonical, diff
from drizzle_lsp.workspace.snapshots import read_snapshot

FIXTURES = Path(__file__).parent / "fixtures"
PG_0X = FIXTURES / "pg_0x/drizzle/meta/0000_snapshot.json"
PG_V1 = next((FIXTURES / "pg_v1/drizzle").glob("*/snapshot.json"))


def test_pg_0x_tables_columns_and_defaults():
    result = read_snapshot(str(PG_0X))
    schema, problems = result
    assert problems == []
    assert result.info.format == "0.x" and result.info.version == "7"
    assert result.info.prev_id == "00000000-0000-0000-0000-000000000000"
    assert schema.dialect == "postgresql"
    users = schema.tables["public.users"]
    assert users.schema == "public"  # "" in the snapshot
    assert users.columns["active"].default == "true"  # JSON true
    assert users.columns["big"].default == "5"  # JSON number
    assert users.columns["score"].default == "'0'"
    assert users.columns["m"].type_schema == "public"
    ident = users.columns["id"].identity
    assert ident is not None and ident.type == "always" and ident.max_value == "2147483647" and ident.cache == "1"
    idx = users.indexes["users_email_idx"]
    assert idx.where == '"users"."active" = true' and idx.columns[0].expression == "email"
    assert users.checks["score_pos"].value == '"users"."score" > 0'
    assert users.unique_constraints["users_email_unique"].columns == ["email"]
    posts = schema.tables["public.posts"]
    fk = posts.foreign_keys["posts_author_id_users_id_fk"]
    assert (fk.columns_from, fk.table_to, fk.columns_to, fk.on_delete) == (["author_id"], "users", ["id"], "cascade")
    assert posts.indexes["posts_title_author_id_index"].unique
    assert schema.enums["public.mood"].values == ["sad", "ok", "happy"]


def test_pg_v1_ddl_matches_0x_where_drizzle_kit_agrees():
    result = read_snapshot(str(PG_V1))
    schema = result.schema
    assert result.problems == [] and result.info.format == "v1" and result.info.version == "9"
    assert result.info.prev_ids == ["00000000-0000-0000-0000-000000000000"]
    users = schema.tables["public.users"]
    assert users.columns["id"].primary_key  # from the pks entity
    assert users.primary_keys == {}
    assert users.columns["tags"].type == "text[]"  # dimensions: 1
    assert users.columns["active"].default == "true"
    fk = schema.tables["public.posts"].foreign_keys["posts_author_id_users_id_fkey"]
    assert fk.on_delete == "cascade" and fk.on_update == "no action"
    assert schema.enums["public.mood"].values == ["sad", "ok", "happy"]
    # v1 names constraints the PostgreSQL way and does not qualify check columns: a real difference, reported
    lines = diff(canonical(read_snapshot(str(PG_0X)).schema), canonical(schema), "0.x", "v1")
    assert any("users_email_key" in line for line in lines)
    assert any(line.startswith("tables.public.users.checks.score_pos.value") for line in lines)


def test_sqlite_0x_and_v1():
    s0 = read_snapshot(str(next((FIXTURES / "sqlite_0x_timestamp/drizzle/meta").glob("2*_snapshot.json")))).schema
    s1 = read_snapshot(str(next((FIXTURES / "sqlite_v1/drizzle").glob("*/snapshot.json")))).schema
    for schema in (s0, s1):
        assert schema.dialect == "sqlite"
        users = schema.tables["users"]
        assert users.schema == ""
        assert users.columns["id"].auto_increment and users.columns["id"].primary_key
        assert users.columns["n"].default == "5" and users.columns["active"].default == "true"
        assert users.columns["full"].generated == "(upper(name))"
        assert users.indexes["users_active_idx"].where == '"users"."active" = 1'
        assert list(schema.tables["members"].primary_keys.values())[0].columns == ["user_id", "group_id"]
    assert s0.tables["users"].indexes["users_email_unique"].unique
    assert s0.tables["users"].indexes["users_email_unique"].columns[0].expression == "email"


def test_mysql_0x_and_v1():
    s0 = read_snapshot(str(FIXTURES / "mysql_0x_unix/drizzle/meta/1795595452_snapshot.json")).schema
    s1 = read_snapshot(str(next((FIXTURES / "mysql_v1/drizzle").glob("*/snapshot.json")))).schema
    assert s0.dialect == s1.dialect == "mysql"
    assert s0.tables["users"].checks["n_pos"].value == "`users`.`n` > 0"  # "checkConstraint" in mysql 0.x
    assert s0.tables["users"].columns["updated"].options == {"onUpdate": True}
    assert s1.tables["users"].columns["updated"].options == {"onUpdate": True}
    assert s1.tables["users"].columns["id"].auto_increment


def test_old_pg_v5_shapes():
    text = json.dumps({
        "id": "a", "prevId": "b", "version": "5", "dialect": "pg",
        "tables": {"users": {"name": "users", "schema": "", "columns": {
            "id": {"name": "id", "type": "serial", "primaryKey": True, "notNull": True}},
            "indexes": {"users_id_idx": {"name": "users_id_idx", "columns": ["id"], "isUnique": False}},
            "foreignKeys": {}, "compositePrimaryKeys": {}, "uniqueConstraints": {}}},
        "enums": {"mood": {"name": "mood", "values": {"a": "a", "b": "b"}}},
        "schemas": {}, "_meta": {},
    })
    result = read_snapshot("x.json", text)
    assert result.problems == []
    assert result.schema.dialect == "postgresql"
    assert "public.users" in result.schema.tables
    assert result.schema.tables["public.users"].indexes["users_id_idx"].columns[0].expression == "id"
    assert result.schema.enums["public.mood"].values == ["a", "b"]


def test_malformed_json_gives_position():
    text = '{\n  "version": "7",\n  "tables": {,\n}'
    result = read_snapshot("snap.json", text)
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.code == "snapshot-invalid-json" and "line 3" in problem.message
    assert problem.range is not None and text[problem.range.start] == ","


@pytest.mark.parametrize("text", ["", "[]", "null", "42", '{"tables": 5}', '{"tables": {"t": 3}}',
                                  '{"ddl": [1, {"entityType": "columns", "table": "nope"}]}',
                                  '{"tables": {"t": {"columns": {"c": {"type": ["x"]}}, "indexes": {"i": 1}}}}'])
def test_odd_input_never_raises(text):
    result = read_snapshot("s.json", text)
    assert isinstance(result.problems, list)


def test_missing_file_is_a_problem(tmp_path):
    result = read_snapshot(str(tmp_path / "nope.json"))
    assert result.problems[0].code == "snapshot-unreadable"


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(
                        st.sampled_from(["tables", "ddl", "columns", "indexes", "entityType", "name", "table",
                                         "enums", "values", "identity", "dialect", "tables", "x"]), c, max_size=4),
                    max_leaves=30))
def test_fuzz_never_raises(data):
    read_snapshot("f.json", json.dumps(data))
