"""Suppression comments: parsing and what each one covers."""

from drizzle_lsp.fixes import apply_edits
from drizzle_lsp.rules.framework import TextEdit
from drizzle_lsp.rules.suppressions import comment_removal, find_suppressions


def test_ts_comment_covers_next_code_line_or_its_own_line():
    text = "export const a = pgTable('a', {\n  // drizzle-lsp-ignore prefer-text\n\n  name: varchar(),\n  b: text(), // drizzle-lsp-ignore prefer-jsonb\n});\n"
    first, second = find_suppressions("s.ts", text, language="ts")
    assert text[first.covers[0]:first.covers[1]].strip() == "name: varchar(),"
    assert [n for n, _ in first.names] == ["prefer-text"]
    assert text[second.covers[0]:second.covers[1]].strip().startswith("b: text(),")


def test_sql_comment_markers_do_not_cross_languages():
    assert find_suppressions("a.sql", "// drizzle-lsp-ignore x\nSELECT 1;", language="sql") == []
    assert find_suppressions("a.ts", "-- drizzle-lsp-ignore x\nconst a = 1;", language="ts") == []


def test_names_list_and_reason():
    (s,) = find_suppressions("a.sql", "-- drizzle-lsp-ignore a-b, c  because reasons\nSELECT 1;", language="sql")
    assert [n for n, _ in s.names] == ["a-b", "c"]


def test_file_wide_bare_directive():
    (s,) = find_suppressions("a.sql", "SELECT 1;\n/* drizzle-lsp-ignore-file */\n", language="sql")
    assert s.file_wide and s.names == []
    assert s.matches("anything", "locks", None) == "*"


def _remove(text, language, name):
    (s,) = find_suppressions("f", text, language=language)
    start, end, new = comment_removal(text, s, name)
    return apply_edits(text, [TextEdit("f", start, end, new)])


def test_removal_of_one_name_keeps_the_others():
    assert _remove("-- drizzle-lsp-ignore a, b\nSELECT 1;", "sql", "a") == "-- drizzle-lsp-ignore b\nSELECT 1;"
    assert _remove("-- drizzle-lsp-ignore a, b\nSELECT 1;", "sql", "b") == "-- drizzle-lsp-ignore a\nSELECT 1;"


def test_removal_of_whole_comment_line_and_trailing_comment():
    assert _remove("-- drizzle-lsp-ignore a\nSELECT 1;", "sql", "a") == "SELECT 1;"
    assert _remove("  x: text(), // drizzle-lsp-ignore a\n", "ts", "a") == "  x: text(),\n"
