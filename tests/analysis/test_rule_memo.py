"""The language server reuses a rule's findings for a table or a migration between keystrokes (``rules/memo.py``).
Typing, one character at a time, must still give exactly what a fresh analysis of the same texts gives, and the
reuse must really happen (otherwise the server is as slow as before and nothing here would notice)."""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

import pytest

from drizzle_lsp.analysis.session import Session
from drizzle_lsp.rules.memo import TextChange, text_change
from drizzle_lsp.rules.registry import get_registry
from tests.analysis.test_session_incremental import _fresh

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
EXAMPLE = REPO / "examples" / "saas"


# --- the changed region ------------------------------------------------------------------------------------------

def _brute_force(old: str, new: str) -> TextChange:
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return TextChange(prefix, len(old) - suffix, len(new) - suffix)


def test_the_changed_region_is_the_shortest_one_between_common_prefix_and_suffix() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        old = "".join(rng.choice("ab\n") for _ in range(rng.randint(0, 30)))
        at = rng.randint(0, len(old))
        cut = rng.randint(0, min(4, len(old) - at))
        new = old[:at] + "".join(rng.choice("ab\n") for _ in range(rng.randint(0, 4))) + old[at + cut:]
        assert text_change(old, new) == _brute_force(old, new), (old, new)


def test_offsets_move_with_the_text_and_offsets_inside_the_change_do_not() -> None:
    change = text_change("abcdef", "abXXXcdef")  # inserted at 2
    assert (change.start, change.old_end, change.new_end, change.delta) == (2, 2, 5, 3)
    assert [change.move(i) for i in (0, 2, 3, 6)] == [0, 2, 6, 9]
    change = text_change("abcdef", "abZef")  # "cd" became "Z"
    assert change.move(3) is None and change.move(4) == 3 and change.move(2) == 2


# --- typing gives the findings of a fresh analysis ---------------------------------------------------------------

def _signature(findings: dict) -> dict:
    # Fixes compared by their edits (a split is compared by title: building it is what the memo must not change).
    return {path: sorted([(v.rule, v.message, v.range, v.severity, v.help, tuple(v.related), v.group,
                           (v.fix.title, v.fix.edits, v.fix.creations) if v.fix else None,
                           tuple(f.title for f in v.extra_fixes)) for v in vs], key=repr)
            for path, vs in findings.items()}


def _memo(session: Session):
    (memo,) = session.cache.rule_memos.values()
    return memo


def _typing(session: Session, root: Path, path: Path, at: int, typed: str) -> int:
    """Types ``typed`` at ``at`` one character at a time, then deletes it again with backspace, comparing with a
    fresh analysis after every keystroke. Returns how many units the memo reused over the whole sequence."""
    text = path.read_text()
    reused = 0
    steps = [text[:at] + typed[:i] + text[at:] for i in range(1, len(typed) + 1)]
    steps += list(reversed(steps[:-1])) + [text]
    for number, step in enumerate(steps):
        session.set_document(str(path), step)
        session.refresh({str(path)})
        reused += _memo(session).reused
        fresh = _fresh(root, dict(session.overrides))
        assert _signature(session.findings) == _signature(fresh), \
            f"keystroke {number} typing {typed!r} at {at} in {os.path.relpath(path, root)}"
    return reused


def _copy(source: Path, tmp_path: Path) -> Path:
    root = tmp_path / source.name
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("node_modules"))
    return root


def _session(root: Path) -> Session:
    session = Session([str(root)])
    session.reload_all()
    return session


def test_the_memo_is_live_for_rules_that_declare_a_narrow_scope() -> None:
    rules = get_registry().rules.values()
    schema = {rule.scope_on("schema") for rule in rules if rule.runs_on("schema")}
    migration = {rule.scope_on("migration") for rule in rules if rule.runs_on("migration")}
    assert "unit" in schema and "unit" in migration, "no rule declares a narrow scope: the memo would reuse nothing"


def test_typing_inside_a_table_reuses_the_other_tables_and_matches_a_fresh_analysis(tmp_path: Path) -> None:
    root = _copy(EXAMPLE, tmp_path)
    session = _session(root)
    app = root / "src" / "db" / "schema" / "app.ts"
    text = app.read_text()
    # Inside a column's SQL name, inside a builder's name, and a new option in the middle of a table.
    name = re.search(r"text\('(\w+)'", text)
    assert name is not None
    reused = _typing(session, root, app, name.end(1), "_x")
    reused += _typing(session, root, app, name.start(1) - len('text("'), "var")
    options = text.index(".notNull()", len(text) // 2)
    reused += _typing(session, root, app, options, ".unique()")
    assert reused > 0, "typing inside one table re-ran the rules over every other table"


def test_typing_outside_tables_runs_the_file_again_and_matches_a_fresh_analysis(tmp_path: Path) -> None:
    root = _copy(EXAMPLE, tmp_path)
    session = _session(root)
    app = root / "src" / "db" / "schema" / "app.ts"
    text = app.read_text()
    first_import_end = text.index("\n", text.index("import ")) + 1
    _typing(session, root, app, first_import_end, "import { bigint } from 'drizzle-orm/pg-core';\n")
    between = text.index("\n\nexport const", len(text) // 3) + 1
    _typing(session, root, app, between, "\n// a comment\n")
    columns = root / "src" / "db" / "schema" / "columns.ts"
    _typing(session, root, columns, len(columns.read_text()) - 1, " ")


def test_typing_in_the_last_migration_reuses_the_earlier_ones_and_matches_a_fresh_analysis(tmp_path: Path) -> None:
    root = _copy(EXAMPLE, tmp_path)
    session = _session(root)
    migrations = sorted((root / "drizzle").glob("*.sql"))
    last = migrations[-1]
    text = last.read_text()
    reused = _typing(session, root, last, text.index(";"), " ")
    reused += _typing(session, root, last, len(text), "\nCREATE INDEX i ON \"user\" (id);")
    assert reused > 0, "an edit in the last migration re-ran the rules over every earlier migration"
    # An early migration: every later one sees another state and runs again, and must still match.
    _typing(session, root, migrations[1], migrations[1].read_text().index(";"), " ")


@pytest.mark.parametrize("case", sorted(p.name for p in CORPUS.iterdir() if (p / "drizzle.config.ts").is_file()))
def test_random_keystrokes_in_the_corpus_match_a_fresh_analysis(case: str, tmp_path: Path) -> None:
    root = _copy(CORPUS / case, tmp_path)
    session = _session(root)
    rng = random.Random(case)
    files = sorted(p for p in root.rglob("*") if p.suffix in (".sql", ".ts") and p.name != "drizzle.config.ts")
    for path in rng.sample(files, min(3, len(files))):
        text = path.read_text()
        _typing(session, root, path, rng.randint(0, len(text)), rng.choice(["x", "_a", " ", "(", "\n"]))


def test_replacing_one_character_of_a_table_name_matches_a_fresh_analysis(tmp_path: Path) -> None:
    """The language-server benchmark's edit: the same length, so nothing after it moves."""
    root = _copy(EXAMPLE, tmp_path)
    session = _session(root)
    app = root / "src" / "db" / "schema" / "app.ts"
    text = app.read_text()
    at = text.index("'projects'") + 3
    reused = 0
    for char in "xyx" + text[at]:
        edited = text[:at] + char + text[at + 1:]
        session.set_document(str(app), edited)
        session.refresh({str(app)})
        reused += _memo(session).reused
        assert _signature(session.findings) == _signature(_fresh(root, dict(session.overrides))), char
    assert reused > 0


def test_the_schema_scope_reuses_while_every_table_is_the_same_and_runs_again_when_one_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``reads_on = {"schema": "schema"}``: a table's findings may read every other table. Typing in a migration
    leaves every table the very same object (reused); typing in a table makes every table's findings run again."""
    rule = get_registry().rules["foreign-key-type-mismatch"]  # reads the referenced table's column
    monkeypatch.setattr(rule, "reads_on", {"schema": "schema"})
    monkeypatch.setattr(rule, "memo_key", lambda self, ctx: None)
    root = _copy(EXAMPLE, tmp_path)
    session = _session(root)
    reused_before = []
    original = type(_memo(session)).table

    def table(memo, t):
        view = original(memo, t)
        if view is not None:
            reused_before.append(view.findings(rule.name, "schema", None) is not None)
        return view

    monkeypatch.setattr(type(_memo(session)), "table", table)
    last = sorted((root / "drizzle").glob("*.sql"))[-1]
    _typing(session, root, last, last.read_text().index(";"), " ")
    assert reused_before and all(reused_before), "typing in a migration re-ran a schema-scope rule"
    reused_before.clear()
    app = root / "src" / "db" / "schema" / "app.ts"
    _typing(session, root, app, app.read_text().index("'projects'") + 3, "x")
    assert not any(reused_before), "a table changed, yet a schema-scope rule's findings were reused"


def test_a_d1_migrator_import_in_a_source_file_reaches_the_unchanged_migrations(tmp_path: Path) -> None:
    """The D1 rules read only their migration plus the migrator's mode and reason, which are part of every unit's
    environment: importing drizzle-orm/d1/migrator in an application file makes the SQLite project a D1 one, and the
    findings of migrations nobody touched must follow."""
    root = _copy(CORPUS / "03-sqlite-notes-rebuilds", tmp_path)
    session = _session(root)
    d1_rules = {"d1-foreign-keys-pragma-ignored", "d1-limits", "missing-statement-breakpoints"}

    def d1_findings() -> list:
        return [v.rule for vs in session.findings.values() for v in vs if v.rule in d1_rules]

    assert not d1_findings()
    worker = root / "src" / "worker.ts"
    worker.parent.mkdir()
    worker.write_text("import { migrate } from 'drizzle-orm/d1/migrator';\n")
    session.refresh({str(worker)})
    assert _signature(session.findings) == _signature(_fresh(root, {}))
    assert "d1-foreign-keys-pragma-ignored" in d1_findings()
    worker.unlink()
    session.file_deleted(str(worker))
    session.refresh({str(worker)})
    assert _signature(session.findings) == _signature(_fresh(root, {})) and not d1_findings()


def test_a_transaction_ended_by_an_earlier_migration_reaches_the_later_ones(tmp_path: Path) -> None:
    """``reads = "before"`` rules look back at earlier migrations: a COMMIT typed at the end of an earlier migration
    ends the migrator's transaction and changes nothing in the replayed state, yet the findings of the unchanged
    migration after it (its concurrent index no longer runs in a transaction) must follow."""
    from drizzle_lsp.rules.testing import write_project

    root = tmp_path / "open"
    write_project(str(root), sql=[
        ("0000_init", 'CREATE TABLE "t" ("id" integer PRIMARY KEY, "v" text);\n'),
        ("0001_middle", 'ALTER TABLE "t" ADD COLUMN "w" text;\n'),
        ("0002_index", 'CREATE INDEX CONCURRENTLY "t_v_idx" ON "t" ("v");\n'),
    ])
    session = _session(root)
    last = root / "drizzle" / "0002_index.sql"

    def messages() -> list[str]:
        return sorted(v.message for v in session.findings.get(str(last), []))

    before = messages()
    middle = root / "drizzle" / "0001_middle.sql"
    text = middle.read_text()
    reused = _typing(session, root, middle, len(text), "--> statement-breakpoint\nCOMMIT;\n")
    assert reused > 0
    session.set_document(str(middle), text + "--> statement-breakpoint\nCOMMIT;\n")
    session.refresh({str(middle)})
    assert messages() != before, "the COMMIT did not change the later migration's findings: the test proves nothing"
    assert _signature(session.findings) == _signature(_fresh(root, dict(session.overrides)))
