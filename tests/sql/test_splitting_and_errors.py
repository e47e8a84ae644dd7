"""Splitting, character offsets and syntax errors: one bad statement never loses the others."""

from __future__ import annotations

from drizzle_lsp.model import OpKind
from drizzle_lsp.sql import parse_migration


def test_syntax_error_in_statement_two_of_four_keeps_the_rest():
    sql = ('CREATE TABLE "a" ("id" integer);--> statement-breakpoint\n'
           'ALTER TABLE "a" ADD COLUMN "x" integr NOT NUL;--> statement-breakpoint\n'
           'CREATE INDEX "i" ON "a" ("id");--> statement-breakpoint\n'
           'DROP TABLE "b";')
    sts = parse_migration(sql, "m.sql")
    assert len(sts) == 4
    assert [s.error is None for s in sts] == [True, False, True, True]
    err = sts[1].error
    assert err.code == "syntax-error" and err.severity == "error"
    assert sql[err.range.start:err.range.end] == "NUL"
    assert [s.operations[0].kind for s in (sts[0], sts[2], sts[3])] == [
        OpKind.CREATE_TABLE, OpKind.CREATE_INDEX, OpKind.DROP_TABLE]


def test_offsets_are_characters_after_non_ascii_comments():
    sql = ("-- créer la table des utilisateurs — très important ✓\n"
           'CREATE TABLE "naïve" ("é" text DEFAULT \'ça\');--> statement-breakpoint\n'
           "/* 日本語 */ ALTER TABLE \"naïve\" ADD COLUMN \"ü\" integer;")
    sts = parse_migration(sql, "m.sql")
    create, alter = sts[0].operations[0], sts[1].operations[0]
    assert sql[create.table_range.start:create.table_range.end] == '"naïve"'
    col = create.table_def.columns["é"]
    assert sql[col.name_range.start:col.name_range.end] == '"é"' and col.default == "'ça'"
    assert sql[alter.column_range.start:alter.column_range.end] == '"ü"'
    assert sql[sts[1].range.start:].startswith("ALTER TABLE")


def test_syntax_error_position_after_non_ascii():
    sql = "-- ✓✓✓\nSELECT 'é' FRM t;"
    err = parse_migration(sql, "m.sql")[0].error
    assert sql[err.range.start:err.range.end] == "t"


def test_several_statements_in_one_chunk_and_statement_breakpoint_spacing():
    sql = ("BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;\n"
           "--> statement-breakpoint\nCREATE INDEX CONCURRENTLY i ON t (c);")
    sts = parse_migration(sql, "m.sql")
    assert [s.operations[0].kind for s in sts] == [
        OpKind.TRANSACTION, OpKind.SET_PARAMETER, OpKind.ADD_COLUMN, OpKind.TRANSACTION, OpKind.CREATE_INDEX]
    assert [s.index for s in sts] == [0, 1, 2, 3, 4]
    for s in sts:
        assert sql[s.range.start:s.range.end] == s.text


def test_comment_only_migration():
    sql = "-- Custom SQL migration file, put your code below! --\n"
    sts = parse_migration(sql, "m.sql")
    assert len(sts) == 1 and sts[0].operations[0].kind is OpKind.COMMENT and sts[0].error is None


def test_dollar_quoted_semicolons_do_not_split():
    sql = "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nSELECT 1;"
    sts = parse_migration(sql, "m.sql")
    assert len(sts) == 2 and sts[0].error is None


def test_unterminated_string_is_an_error_not_a_crash():
    sql = "CREATE TABLE a (b int);--> statement-breakpoint\nINSERT INTO a VALUES ('oops);"
    sts = parse_migration(sql, "m.sql")
    assert sts[0].error is None and sts[1].error is not None


def test_empty_text():
    assert parse_migration("", "m.sql") == []


def test_a_character_the_scanner_has_no_token_for_is_a_syntax_error_of_its_statement_only() -> None:
    """libpg_query's scanner reports "{" by its character code, which its token enum does not name: that once
    failed the parse of the whole file."""
    sts = parse_migration('CREATE TABLE "a" ("id" integer);\n--> statement-breakpoint\nSELECT {;\n'
                          '--> statement-breakpoint\nCREATE INDEX "i" ON "a" ("id");', "m.sql")
    assert [s.error is not None for s in sts] == [False, True, False]
    assert sts[1].error.code == "syntax-error"
