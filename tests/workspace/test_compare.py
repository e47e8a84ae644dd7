from __future__ import annotations

import copy
import json
from pathlib import Path

from drizzle_lsp.model.compare import canonical, diff, normalize_sql
from drizzle_lsp.model.schema import Column, DatabaseSchema, ForeignKey, Table
from drizzle_lsp.workspace.snapshots import read_snapshot

FIXTURES = Path(__file__).parent / "fixtures"


def _users(**fk_kw) -> DatabaseSchema:
    schema = DatabaseSchema()
    table = Table(name="users", schema="public")
    table.columns["id"] = Column("id", "integer", not_null=True, primary_key=True)
    table.columns["note"] = Column("note", "text", default="'a  b'")
    table.foreign_keys["fk"] = ForeignKey("fk", "users", ["id"], "orgs", ["id"], **fk_kw)
    schema.add_table(table)
    return schema


def test_canonical_is_json_and_stable():
    schema = read_snapshot(str(FIXTURES / "pg_0x/drizzle/meta/0000_snapshot.json")).schema
    form = canonical(schema)
    assert json.loads(json.dumps(form)) == form
    assert canonical(copy.deepcopy(schema)) == form
    assert list(form["tables"]) == sorted(form["tables"])
    assert form["tables"]["public.users"]["columns"]["active"]["default"] == "true"


def test_none_action_equals_no_action_and_case():
    a = canonical(_users(on_delete=None, on_update=None))
    b = canonical(_users(on_delete="NO ACTION", on_update="no action"))
    assert diff(a, b) == []
    c = canonical(_users(on_delete="cascade"))
    assert diff(a, c) == ["tables.public.users.foreign_keys.fk.on_delete: a='no action' != b='cascade'"]


def test_empty_pg_schema_is_public_and_schema_to_defaults():
    a = _users()
    b = _users(schema_to="public")
    b.tables["public.users"].schema = ""
    b.tables = {"users": b.tables["public.users"]}
    assert diff(canonical(a), canonical(b)) == []


def test_whitespace_outside_quotes_only():
    assert normalize_sql("  a  =\n  b ") == "a = b"
    assert normalize_sql("'a  b'  ||  \"x  y\"") == "'a  b' || \"x  y\""
    a = _users()
    b = _users()
    b.tables["public.users"].columns["note"].default = "'a b'"
    assert diff(canonical(a), canonical(b)) == [
        "tables.public.users.columns.note.default: a=\"'a  b'\" != b=\"'a b'\""]


def test_ranges_and_keys_ignored_but_quoting_kept():
    a = _users()
    b = _users()
    col = b.tables["public.users"].columns["id"]
    col.key, col.builder, col.options = "id", "integer", {"mode": "number"}
    assert diff(canonical(a), canonical(b)) == []
    b.tables["public.users"].columns["id"].default = '"x"'
    assert len(diff(canonical(a), canonical(b))) == 1


def test_diff_reports_missing_and_extra():
    a = _users()
    b = _users()
    del b.tables["public.users"].columns["note"]
    b.tables["public.users"].columns["extra"] = Column("extra", "text")
    lines = diff(canonical(a), canonical(b), "ts", "snapshot")
    assert any(line.startswith("tables.public.users.columns.note: only in ts") for line in lines)
    assert any(line.startswith("tables.public.users.columns.extra: only in snapshot") for line in lines)


def test_mysql_unique_index_and_unique_constraint_are_one_object():
    from drizzle_lsp.model.schema import Index, IndexColumn, UniqueConstraint

    def shop(as_index: bool, dialect: str) -> DatabaseSchema:
        schema = DatabaseSchema(dialect=dialect)
        table = Table(name="products", schema="" if dialect == "mysql" else "public")
        table.columns["sku"] = Column("sku", "varchar(32)", not_null=True)
        if as_index:
            table.indexes["products_sku_idx"] = Index("products_sku_idx", [IndexColumn("sku")], unique=True)
        else:
            table.unique_constraints["products_sku_idx"] = UniqueConstraint("products_sku_idx", ["sku"])
        schema.add_table(table)
        return schema

    assert diff(canonical(shop(True, "mysql")), canonical(shop(False, "mysql"))) == []
    # PostgreSQL keeps them apart: drizzle-kit emits different statements for each.
    assert diff(canonical(shop(True, "postgresql")), canonical(shop(False, "postgresql")))


def test_sqlite_key_names_are_compared_only_when_the_sql_can_state_them():
    from drizzle_lsp.model.schema import PrimaryKey

    def notes(fk_name: str, pk_name: str) -> DatabaseSchema:
        schema = DatabaseSchema(dialect="sqlite")
        table = Table(name="pages", schema="")
        table.columns["book_id"] = Column("book_id", "integer", not_null=True)
        table.columns["n"] = Column("n", "integer", not_null=True)
        table.foreign_keys[fk_name] = ForeignKey(fk_name, "pages", ["book_id"], "books", ["id"])
        table.primary_keys[pk_name] = PrimaryKey(pk_name, ["book_id", "n"])
        schema.add_table(table)
        return schema

    named, derived = notes("pages_book_fk", "my_pk"), notes("pages_book_id_books_id_fk", "pages_book_id_n_pk")
    # SQLite SQL carries no FK or PK name: replay compares what it can see...
    assert diff(canonical(named, sql_only=True), canonical(derived, sql_only=True)) == []
    # ...while the TypeScript-versus-snapshot comparison still checks the names drizzle-kit keeps.
    assert len(diff(canonical(named), canonical(derived))) == 4
