"""The type and index rules reuse their TypeScript findings for a table between keystrokes (``reads_on = {"schema":
"unit"}``) while their ``memo_key`` is unchanged; the key carries what those findings read beyond the table: the
migrated state, the tables sharing a spread column, the referenced key, the texts and layout of the files the fixes
edit. Each test edits one of those facts while the table the findings belong to stays the very same object, and the
findings must follow (a fresh analysis after every step); ``test_each_fact_is_needed`` checks that every scenario
shows stale findings when the rule's ``memo_key`` leaves its fact out."""

from __future__ import annotations

from pathlib import Path

import pytest

from drizzle_lsp.analysis.session import Session
from drizzle_lsp.model import Table
from drizzle_lsp.rules._support.table_facts import TableFacts
from drizzle_lsp.rules._support.ts_tables import indent_unit, indent_unit_by_lines
from drizzle_lsp.rules.registry import get_registry
from drizzle_lsp.rules.testing import write_project

from tests.analysis.test_rule_memo import _fresh, _memo, _signature

# --- scenarios: files, then the edits typed one after another -----------------------------------------------------

# A table another one references, and a later declaration that takes its name: the referencing table is not read
# again (it did not look that declaration up), but the referenced key is now another table's.
_COLLISION_TS = '''import { pgTable, integer, bigint, uuid } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: integer().primaryKey(),
});

export const posts = pgTable("posts", {
  id: bigint({ mode: "number" }).primaryKey(),
  authorId: integer("author_id").references(() => users.id),
});

export const accounts = pgTable("usersx", {
  id: uuid().primaryKey(),
});
'''

# Columns spread from a helper of another file: the first table reports them, naming every table sharing them.
_SPREAD_COLUMNS = '''import { json, serial, timestamp, varchar } from "drizzle-orm/pg-core";

export const shared = {
  id: serial("id").primaryKey(),
  code: varchar("code", { length: 8 }),
  data: json("data"),
  at: timestamp("at"),
};
'''
_SPREAD_TS = '''import { pgTable, text } from "drizzle-orm/pg-core";
import { shared } from "./columns";

export const alpha = pgTable("alpha", {
  ...shared,
  note: text(),
});

export const beta = pgTable("beta", {
  ...shared,
  note: text(),
});
'''

# A table whose columns no migration creates yet, and a hand-written migration typed in that creates them (and
# indexes the foreign key).
_HISTORY_TS = '''import { pgTable, integer, json, serial, timestamp, varchar } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: serial("id").primaryKey(),
  name: varchar("name", { length: 20 }),
  data: json("data"),
  at: timestamp("at"),
});

export const posts = pgTable("posts", {
  id: serial("id").primaryKey(),
  authorId: integer("author_id").references(() => users.id),
});
'''
_HISTORY_SQL = 'CREATE TABLE "other" ("id" bigint PRIMARY KEY);\n'
_HISTORY_TYPED = ('--> statement-breakpoint\nCREATE TABLE "users" ("id" serial PRIMARY KEY, "name" varchar(20), '
                  '"data" json, "at" timestamp);\n--> statement-breakpoint\nCREATE TABLE "posts" ("id" serial PRIMARY '
                  'KEY, "author_id" integer REFERENCES "users"("id"));\n--> statement-breakpoint\n'
                  'CREATE INDEX "posts_author_idx" ON "posts" ("author_id");\n')

# Tables without a config callback: the fix that adds one indents it by the file's indentation step, which a line
# typed in another table changes.
_INDENT_TS = '''import { pgTable, bigint, text } from "drizzle-orm/pg-core";

export const users = pgTable("users", {
  id: bigint({ mode: "number" }).primaryKey(),
});

export const posts = pgTable("posts", {
  id: bigint({ mode: "number" }).primaryKey(),
  authorId: bigint("author_id", { mode: "number" }).references(() => users.id),
});

export const notes = pgTable("notes", {
  id: bigint({ mode: "number" }).primaryKey(),
  body: text(),
});
'''


def _collision(root: Path) -> list[tuple[Path, str]]:
    write_project(str(root), ts=_COLLISION_TS)
    schema = root / "src" / "schema.ts"
    taken = _COLLISION_TS.replace('"usersx"', '"users"')
    return [(schema, taken), (schema, _COLLISION_TS)]


def _spread(root: Path) -> list[tuple[Path, str]]:
    write_project(str(root), ts=_SPREAD_TS)
    (root / "src" / "columns.ts").write_text(_SPREAD_COLUMNS)
    schema = root / "src" / "schema.ts"
    at = _SPREAD_TS.index('"beta"') + len('"bet')
    renamed = [_SPREAD_TS[:at] + "z" * n + _SPREAD_TS[at:] for n in (1, 2)]  # typing in the other table's name
    return [(schema, renamed[0]), (schema, renamed[1]), (schema, renamed[0]), (schema, _SPREAD_TS)]


def _helper_file(root: Path) -> list[tuple[Path, str]]:
    """Declarations added below the helper: the tables spreading it are not read again, but the fixes renaming a
    builder there can no longer import the new builder (the name is taken)."""
    write_project(str(root), ts=_SPREAD_TS)
    (root / "src" / "columns.ts").write_text(_SPREAD_COLUMNS)
    columns = root / "src" / "columns.ts"
    taken = "".join(f"\nexport const {name} = 1;" for name in ("text", "jsonb", "integer", "bigserial"))
    return [(columns, _SPREAD_COLUMNS + taken + "\n"), (columns, _SPREAD_COLUMNS)]


def _history(root: Path) -> list[tuple[Path, str]]:
    write_project(str(root), ts=_HISTORY_TS, sql=[("0000_init", _HISTORY_SQL)])
    migration = root / "drizzle" / "0000_init.sql"
    steps = [(migration, _HISTORY_SQL + _HISTORY_TYPED[:n]) for n in (40, 140, 240, len(_HISTORY_TYPED))]
    return steps + [(migration, _HISTORY_SQL)]


def _indent(root: Path) -> list[tuple[Path, str]]:
    write_project(str(root), ts=_INDENT_TS)
    schema = root / "src" / "schema.ts"
    at = _INDENT_TS.index("  body: text(),")
    typed = "\n // a comment"  # a line indented by one space, inside another table
    steps = [_INDENT_TS[:at] + typed[:n] + _INDENT_TS[at:] for n in range(1, len(typed) + 1)]
    return [(schema, text) for text in steps + steps[-2::-1] + [_INDENT_TS]]


SCENARIOS = {"collision": _collision, "spread": _spread, "helper_file": _helper_file, "history": _history,
             "indent": _indent}


def _replay(root: Path, steps: list[tuple[Path, str]], rules: set[str]) -> list[dict]:
    """Applies ``steps`` one at a time, comparing the session's findings with a fresh analysis after each. Returns
    the findings of ``rules`` before and after each step, to check that the scenario changes them."""
    session = Session([str(root)])
    session.reload_all()
    seen = [_of(session.findings, rules)]
    reused = 0
    for number, (path, text) in enumerate(steps):
        session.set_document(str(path), text)
        session.refresh({str(path)})
        reused += _memo(session).reused
        assert _signature(session.findings) == _signature(_fresh(root, dict(session.overrides))), f"step {number}"
        seen.append(_of(session.findings, rules))
    assert reused > 0, "the memo reused nothing: the scenario proves nothing"
    return seen


def _of(findings: dict, rules: set[str]) -> dict:
    return _signature({path: [v for v in vs if v.rule in rules] for path, vs in findings.items()})


# The rules whose TypeScript findings each scenario changes (through the fact their memo_key carries).
CHANGED = {
    "collision": {"prefer-bigint-primary-key", "foreign-key-type-mismatch"},
    "spread": {"prefer-text", "prefer-jsonb", "prefer-timestamptz", "prefer-identity", "prefer-bigint-primary-key"},
    "helper_file": {"prefer-text", "prefer-jsonb", "prefer-identity", "prefer-bigint-primary-key"},
    "history": {"prefer-text", "prefer-jsonb", "prefer-timestamptz", "prefer-identity", "prefer-bigint-primary-key",
                "foreign-key-without-index"},
    "indent": {"foreign-key-without-index"},
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_findings_follow_the_facts_beyond_the_table(scenario: str, tmp_path: Path) -> None:
    root = tmp_path / scenario
    steps = SCENARIOS[scenario](root)
    seen = _replay(root, steps, CHANGED[scenario])
    for rule in CHANGED[scenario]:
        per_rule = [_of_rule(s, rule) for s in seen]
        assert any(a != b for a, b in zip(per_rule, per_rule[1:])), f"{scenario} does not change {rule}'s findings"


def _of_rule(signature: dict, rule: str) -> dict:
    return {path: [entry for entry in entries if entry[0] == rule] for path, entries in signature.items()}


# helper_file is left out: the memo itself runs a unit again when another file its findings name changed (the helper
# the spread columns are written in), so the helper texts in memo_key are a second guard that no test can isolate.
@pytest.mark.parametrize("scenario,rule", sorted((s, r) for s, rules in CHANGED.items() for r in rules
                                                 if s != "helper_file"))
def test_each_fact_is_needed(scenario: str, rule: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without its memo_key, the rule shows the findings of before the edit: the scenarios above test something."""
    monkeypatch.setattr(get_registry().rules[rule], "memo_key", lambda self, ctx: None)
    root = tmp_path / scenario
    steps = SCENARIOS[scenario](root)
    with pytest.raises(AssertionError, match="step"):
        _replay(root, steps, CHANGED[scenario])


# --- the pieces --------------------------------------------------------------------------------------------------

def test_table_facts_compare_only_the_tables_both_hold() -> None:
    a, b, c = Table("a"), Table("b"), Table("c")
    old = TableFacts({id(a): (a, 1), id(b): (b, 2)})
    assert old == TableFacts({id(a): (a, 1), id(c): (c, 5)})  # b is gone, c is new: their findings run again
    assert old != TableFacts({id(a): (a, 3), id(c): (c, 5)})
    assert old != TableFacts({id(a): (Table("a"), 1), id(b): (b, 7)})
    assert old == TableFacts({id(a): (Table("a"), 9), id(b): (b, 2)})  # another object under a's id is not a
    assert (None, old) == (None, TableFacts({id(b): (b, 2)}))


@pytest.mark.parametrize("text", [
    "", "a", "\tx", "x\n\ty", "a\n  b\n    c\n", "a\n    b\n  \n", "a\n   \n", " a", "a\n \tb\n  c", "\n\n  a",
    "a\r\n b\r\n", "a\n\x0b b\n  c", "a\u2028 b\n  c", "é\n   x", "a\n  ",
])
def test_the_fast_indent_unit_is_the_line_by_line_one(text: str) -> None:
    assert indent_unit(text) == indent_unit_by_lines(text)


def test_a_change_in_another_file_the_findings_name_runs_the_unit_again(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The memo's own guard, without any rule's memo_key: the spread columns' findings point into the helper file,
    so an edit there runs the tables spreading it again."""
    rules = CHANGED["helper_file"]
    for rule in rules:
        monkeypatch.setattr(get_registry().rules[rule], "memo_key", lambda self, ctx: None)
    root = tmp_path / "helper_file"
    seen = _replay(root, _helper_file(root), rules)
    assert any(a != b for a, b in zip(seen, seen[1:]))
