"""naming-convention, casing-mismatch and identifier-too-long reuse their TypeScript findings per table while their
``memo_key`` (the project-wide facts they read) is unchanged. Each test edits one of those facts from ANOTHER place
(another table, a migration, package.json) and checks that the findings of the unchanged tables follow: they fail
when the fact is missing from the rule's ``memo_key``."""

from __future__ import annotations

import json
from pathlib import Path

from drizzle_lsp.analysis.session import Session
from tests.analysis.test_rule_memo import _fresh, _memo, _session, _signature, _typing

CONFIG = """import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './drizzle',%s
});
"""
IMPORTS = 'import { pgTable, integer, text, timestamp, index } from "drizzle-orm/pg-core";\n\n'


def _project(tmp_path: Path, schema: str, casing: str | None = None, migrations: dict[str, str] | None = None,
             dependencies: dict[str, str] | None = None, imports: str = IMPORTS) -> tuple[Path, Path]:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "drizzle.config.ts").write_text(CONFIG % (f"\n  casing: '{casing}'," if casing else ""))
    (root / "package.json").write_text(json.dumps({"name": "p", "dependencies": dependencies or {}}))
    schema_path = root / "src" / "schema.ts"
    schema_path.write_text(imports + schema)
    if migrations:
        meta = root / "drizzle" / "meta"
        meta.mkdir(parents=True)
        entries = []
        for idx, (tag, sql) in enumerate(migrations.items()):
            (root / "drizzle" / f"{tag}.sql").write_text(sql)
            entries.append({"idx": idx, "version": "7", "when": 1700000000000 + idx, "tag": tag, "breakpoints": True})
        (meta / "_journal.json").write_text(json.dumps({"version": "7", "dialect": "postgresql", "entries": entries}))
    return root, schema_path


def _about(session: Session, rule: str, path: Path, where: str) -> list[tuple[str, str, object]]:
    """The findings of ``rule`` inside the ``pgTable("<where>", ...)`` call of ``path`` (the editor's text), or inside
    the helper ``where`` = ``"const <name>"`` (a spread's columns, reported by the first table using them)."""
    text = session.overrides.get(str(path)) or path.read_text()
    helper = where.startswith("const ")
    start = text.index(where if helper else f'pgTable("{where}"')
    end = text.index("\n}" if helper else ");\n", start)
    return sorted((v.message, v.help, v.fix.edits if v.fix else None)
                  for v in session.findings.get(str(path), [])
                  if v.rule == rule and v.range is not None and start <= v.range.start <= end)


def _typed(session: Session, root: Path, path: Path, at: int, typed: str, watch: list[tuple[str, str]]) -> dict:
    """The findings about the watched (rule, table) pairs once ``typed`` is in, from a fresh analysis: proves the
    edit changes them (else the test would prove nothing); then types it one character at a time (and back),
    comparing every keystroke with a fresh analysis, and checks the memo reused findings meanwhile."""
    text = path.read_text()
    before = {w: _about(session, w[0], path, w[1]) for w in watch}
    edited = Session([str(root)])
    edited.set_document(str(path), text[:at] + typed + text[at:])
    edited.reload_all()
    after = {w: _about(edited, w[0], path, w[1]) for w in watch}
    for w in watch:
        assert before[w] != after[w], f"typing {typed!r} does not change the findings of {w}: the test is vacuous"
    assert _typing(session, root, path, at, typed) > 0, "nothing was reused"
    return after


def _pasted(session: Session, root: Path, path: Path, at: int, typed: str, watch: list[tuple[str, str]]) -> None:
    """Like ``_typed``, with ``typed`` pasted in one edit (and taken out again in one): no invalid text in between,
    which would make the rules run again on every table anyway."""
    text = path.read_text()
    before = {w: _about(session, w[0], path, w[1]) for w in watch}
    reused = 0
    for step in (text[:at] + typed + text[at:], text):
        session.set_document(str(path), step)
        session.refresh({str(path)})
        reused += _memo(session).reused
        assert _signature(session.findings) == _signature(_fresh(root, dict(session.overrides))), step
        if step != text:
            assert all(_about(session, w[0], path, w[1]) != before[w] for w in watch), "the test is vacuous"
    assert reused > 0, "nothing was reused"


def _end_of_id(text: str, table: str) -> int:
    """Just after the ``id`` column of ``table``'s call (its last column in these schemas)."""
    line = "id: integer().primaryKey(),"
    return text.index(line + "\n}", text.index(f'pgTable("{table}"')) + len(line)


# --- naming-convention -----------------------------------------------------------------------------------------------

def test_the_plural_majority_typed_in_another_table_reaches_the_unchanged_tables(tmp_path: Path) -> None:
    schema = "".join(f'export const {name}Table = pgTable("{name}", {{\n  id: integer().primaryKey(),\n}});\n\n'
                     for name in ("users", "posts", "tag", "category"))
    root, path = _project(tmp_path, schema)
    session = _session(root)
    text = path.read_text()
    # "tag" -> "tags": 3 plural tables against 1, so "category" (untouched) is now flagged.
    after = _typed(session, root, path, text.index('"tag"') + 4, "s", [("naming-convention", "category")])
    assert any("3 of 4 tables are plural" in message for message, _, _ in after[("naming-convention", "category")])


def test_a_table_created_by_a_migration_counts_in_the_majority(tmp_path: Path) -> None:
    schema = "".join(f'export const {name}Table = pgTable("{name}", {{\n  id: integer().primaryKey(),\n}});\n\n'
                     for name in ("users", "posts", "tag", "category"))
    first = 'CREATE TABLE "users" ("id" integer PRIMARY KEY);\n'
    root, path = _project(tmp_path, schema, migrations={"0000_init": first})
    session = _session(root)
    migration = root / "drizzle" / "0000_init.sql"
    text = migration.read_text()
    before = _about(session, "naming-convention", path, "category")
    # Only the migration changes: the schema's tables are the very same objects, yet "category" is now outvoted.
    typed = '--> statement-breakpoint\nCREATE TABLE "things" ("id" integer);\n'
    assert _typing(session, root, migration, len(text), typed) > 0
    session.set_document(str(migration), text + typed)
    session.refresh({str(migration)})
    assert _signature(session.findings) == _signature(_fresh(root, dict(session.overrides)))
    after = _about(session, "naming-convention", path, "category")
    assert before != after and any("3 of 5 tables are plural" in m for m, _, _ in after)


def test_better_auth_tables_completed_in_another_table_are_exempted_everywhere(tmp_path: Path) -> None:
    tables = [("user", ""), ("session", ', (t) => [index("session_userId_idx").on(t.id)]'), ("account", ""),
              ("verificatio", ""), ("posts", ""), ("comments", "")]
    schema = "".join(f'export const t{i} = pgTable("{name}", {{\n  id: integer().primaryKey(),\n}}{extra});\n\n'
                     for i, (name, extra) in enumerate(tables))
    root, path = _project(tmp_path, schema)
    session = _session(root)
    text = path.read_text()
    # "verificatio" -> "verification": Better Auth's four core tables exist, so they leave the plural/singular count
    # ("posts" and "comments" were the plural minority) and the index name of "session" is Better Auth's own.
    _typed(session, root, path, text.index('"verificatio"') + len('"verificatio'), "n",
           [("naming-convention", "posts"), ("naming-convention", "comments"), ("naming-convention", "session")])


def test_better_auth_as_a_dependency_in_package_json_reaches_the_tables(tmp_path: Path) -> None:
    schema = "".join(f'export const t{i} = pgTable("{name}", {{\n  id: integer().primaryKey(),\n}});\n\n'
                     for i, name in enumerate(("user", "posts", "comments")))
    root, path = _project(tmp_path, schema)
    session = _session(root)
    before = _about(session, "naming-convention", path, "user")
    assert before, "the singular \"user\" is the minority"
    manifest = root / "package.json"
    manifest.write_text(json.dumps({"name": "p", "dependencies": {"better-auth": "^1.2.0"}}))
    session.refresh({str(manifest)})
    assert _memo(session).reused > 0
    assert _signature(session.findings) == _signature(_fresh(root, dict(session.overrides)))
    assert _about(session, "naming-convention", path, "user") == []


def test_the_quote_of_an_added_name_follows_the_file_when_the_import_comes_last(tmp_path: Path) -> None:
    schema = """export const alpha = pgTable("alpha", {
  id: integer().primaryKey(),
  firstName: text(),
});

export const beta = pgTable("beta", {
  id: integer().primaryKey(),
});

import { pgTable, integer, text } from "drizzle-orm/pg-core";
"""
    root, path = _project(tmp_path, schema, imports="")
    session = _session(root)
    text = path.read_text()
    # The fix on "alpha" writes `text("first_name")` in the quote of the file's first `from "drizzle-orm`: a comment
    # in "beta" now comes first.
    _pasted(session, root, path, text.index("id: integer().primaryKey(),\n}", text.index('pgTable("beta"')),
            "// from 'drizzle-orm'\n  ", [("naming-convention", "alpha")])


# --- spread columns (all three rules) --------------------------------------------------------------------------------

LONG = "a_column_name_far_too_long_for_postgresql_which_keeps_sixty_three_bytes"
SPREAD = f"""export const stamps = {{
  createdAt: timestamp("createdAt"),
  longColumn: text("{LONG}"),
}};

export const alpha = pgTable("alpha", {{
  id: integer().primaryKey(),
  ...stamps,
}});

export const beta = pgTable("beta", {{
  id: integer().primaryKey(),
  ...stamps,
}});

export const gamma = pgTable("gamma", {{
  id: integer().primaryKey(),
}});
"""


def test_a_spread_added_to_another_table_reaches_the_table_that_reports_the_shared_column(tmp_path: Path) -> None:
    root, path = _project(tmp_path, SPREAD, casing="snake_case")
    session = _session(root)
    text = path.read_text()
    at = _end_of_id(text, "gamma")
    # "alpha" reports the shared columns (at the helper), naming every table sharing them: now "gamma" too.
    after = _typed(session, root, path, at, "\n  ...stamps,",
                   [("naming-convention", "const stamps"), ("casing-mismatch", "const stamps")])
    assert any('shared by "alpha", "beta", "gamma"' in m for m, _, _ in after[("casing-mismatch", "const stamps")])


def test_the_first_table_dropping_a_spread_hands_its_report_to_the_next_one(tmp_path: Path) -> None:
    root, path = _project(tmp_path, SPREAD, casing="snake_case")
    session = _session(root)
    text = path.read_text()
    at = text.index("...stamps", text.index('pgTable("alpha"'))
    # Commenting the spread out of "alpha" makes "beta" (untouched) the first table sharing the columns: it reports
    # them, naming only itself.
    _typed(session, root, path, at, "//", [("naming-convention", "const stamps"), ("casing-mismatch", "const stamps")])


# --- casing-mismatch -------------------------------------------------------------------------------------------------

HAND_MAPPED = """export const people = pgTable("people", {
  id: integer().primaryKey(),
  firstName: text("first_name"),
  lastName: text("last_name"),
  nickName: text("nick_name"),
});

export const profiles = pgTable("profiles", {
  id: integer().primaryKey(),
  displayName: text(),
});

export const notes = pgTable("notes", {
  id: integer().primaryKey(),
});
"""


def test_columns_named_after_their_keys_in_another_table_reach_the_hand_mapping_finding(tmp_path: Path) -> None:
    root, path = _project(tmp_path, HAND_MAPPED)
    session = _session(root)
    text = path.read_text()
    at = _end_of_id(text, "notes")
    # One more column named after its key in "notes": the finding on "profiles" names it and its fix names it too;
    # with two more, as many keys are left as mapped by hand, and the finding goes.
    _typed(session, root, path, at, "\n  fullName: text(),", [("casing-mismatch", "profiles")])
    _typed(session, root, path, at, "\n  fullName: text(),\n  middleName: text(),", [("casing-mismatch", "profiles")])


def test_a_hand_mapped_name_dropped_in_another_table_reaches_the_hand_mapping_finding(tmp_path: Path) -> None:
    root, path = _project(tmp_path, HAND_MAPPED)
    session = _session(root)
    text = path.read_text()
    # "2 of 3 camelCase keys" instead of "3 of 4": the count of hand-mapped names is read from "people".
    _typed(session, root, path, text.index("firstName"), "//", [("casing-mismatch", "profiles")])


def test_a_kept_column_edited_in_its_own_table_reaches_the_fix_on_another(tmp_path: Path) -> None:
    schema = HAND_MAPPED.replace('  id: integer().primaryKey(),\n});\n', '  id: integer().primaryKey(),\n'
                                 '  fullName: text(),\n});\n')
    root, path = _project(tmp_path, schema)
    session = _session(root)
    text = path.read_text()
    # The fix on "profiles" also names "notes"."fullName", inserting the name into its builder call: with options
    # there, it inserts `"full_name", ` instead. Nothing else about the column changes.
    _pasted(session, root, path, text.index("fullName: text(") + len("fullName: text("), "{}",
            [("casing-mismatch", "profiles")])
    _typed(session, root, path, text.index("fullName: text(") + len("fullName: text("), '"full_name"',
           [("casing-mismatch", "profiles")])


# --- identifier-too-long ---------------------------------------------------------------------------------------------

PREFIX = "an_index_name_that_shares_its_first_sixty_three_bytes_with_another"


def test_a_name_colliding_from_another_table_reaches_the_finding(tmp_path: Path) -> None:
    schema = f"""export const first = pgTable("first", {{
  id: integer().primaryKey(),
}}, (t) => [index("{PREFIX}_one").on(t.id)]);

export const second = pgTable("second", {{
  id: integer().primaryKey(),
}}, (t) => [index("{PREFIX}_two").on(t.id)]);
"""
    root, path = _project(tmp_path, schema)
    session = _session(root)
    text = path.read_text()
    before = _about(session, "identifier-too-long", path, "first")
    assert any("the same as index" in m for m, _, _ in before)
    # A character early in the second name: the two no longer share their first 63 bytes.
    _typed(session, root, path, text.index(f'"{PREFIX}_two"') + 5, "x", [("identifier-too-long", "first")])
