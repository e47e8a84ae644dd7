"""A long-lived ``Session`` (the language server's view) must report, after any sequence of edits, exactly what a
fresh analysis of the same texts reports: the caches it keeps between edits (parsed files, the replay's unchanged
prefix, rule results) may save work, never change a finding."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from drizzle_lsp.analysis.session import Session

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "drizzle.config.ts").is_file())
BREAKPOINT = "--> statement-breakpoint"


def _fresh(root: Path, overrides: dict[str, str]) -> dict:
    session = Session([str(root)])
    for path, text in overrides.items():
        session.set_document(path, text)
    session.reload_all()
    return session.findings


def _assert_same(session: Session, root: Path, what: str) -> None:
    fresh = _fresh(root, dict(session.overrides))
    assert set(session.findings) == set(fresh), what
    for path, findings in fresh.items():
        assert session.findings[path] == findings, f"{what}: {os.path.relpath(path, root)} differs"


def _edits(text: str, path: str) -> list[str]:
    """Edits a user makes: drop the last statement (the end state changes), insert a new table and an index on it,
    change one character in the middle (a literal or a name), empty the file."""
    edits = []
    if path.endswith(".sql"):
        parts = text.split(BREAKPOINT)
        if len(parts) > 1:
            edits.append(BREAKPOINT.join(parts[:-1]))
        edits.append(text + f'\n{BREAKPOINT}\nCREATE TABLE "probe_t" ("id" integer PRIMARY KEY, "v" text);'
                            f'\n{BREAKPOINT}\nCREATE INDEX "probe_idx" ON "probe_t" ("v");\n')
    else:
        lines = text.splitlines(keepends=True)
        middle = [i for i, line in enumerate(lines) if "(" in line and ":" in line]
        if middle:
            i = middle[len(middle) // 2]
            edits.append("".join(lines[:i] + lines[i + 1:]))
        edits.append(text + '\nexport const probeT = pgTable("probe_t", { id: integer().primaryKey() });\n')
    at = len(text) // 2
    if text and text[at].isalnum():
        edits.append(text[:at] + ("x" if text[at] != "x" else "y") + text[at + 1:])
    edits.append("")
    return edits


@pytest.mark.parametrize("case", CASES)
def test_edits_give_the_findings_of_a_fresh_analysis(case: str, tmp_path: Path) -> None:
    root = tmp_path / case
    shutil.copytree(CORPUS / case, root)
    session = Session([str(root)])
    session.reload_all()
    _assert_same(session, root, "first index")
    files = sorted(str(p) for p in root.rglob("*") if p.suffix in (".sql", ".ts") and p.name != "drizzle.config.ts")
    for path in files:
        original = Path(path).read_text()
        for number, text in enumerate(_edits(original, path)):
            session.set_document(path, text)
            session.refresh({path})
            _assert_same(session, root, f"edit {number} of {os.path.relpath(path, root)}")
        session.set_document(path, None)  # closed unsaved: back to the disk's text
        session.refresh({path})
        _assert_same(session, root, f"after closing {os.path.relpath(path, root)}")


def test_an_edit_in_an_early_migration_is_seen_by_the_later_ones(tmp_path: Path) -> None:
    """The replay's reused prefix ends at the edited file: dropping the CREATE TABLE of an early migration makes
    the later statements on that table refer to a missing table."""
    root = tmp_path / "saas"
    shutil.copytree(REPO / "examples" / "saas", root, ignore=shutil.ignore_patterns("node_modules"))
    session = Session([str(root)])
    session.reload_all()
    first = sorted((root / "drizzle").glob("0000_*.sql"))[0]
    kept = [s for s in first.read_text().split(BREAKPOINT) if "CREATE TABLE" not in s or '"projects"' not in s]
    session.set_document(str(first), BREAKPOINT.join(kept))
    session.refresh({str(first)})
    _assert_same(session, root, "early migration edited")
    missing = [v for found in session.findings.values() for v in found if v.rule == "reference-to-missing-object"]
    assert any('"projects"' in v.message for v in missing)


def test_a_wrangler_file_written_on_disk_makes_the_project_d1(tmp_path: Path) -> None:
    """D1 is known from wrangler's d1_databases: adding that file turns the rebuild finding on, as a fresh analysis
    of the same files would (a wrangler file may sit above the project, so the whole workspace reloads)."""
    root = tmp_path / "d1"
    shutil.copytree(CORPUS / "13-sqlite-d1-wrangler-cascade", root, ignore=shutil.ignore_patterns("steps"))
    wrangler = root / "wrangler.toml"
    text = wrangler.read_text()
    wrangler.unlink()
    session = Session([str(root)])
    session.reload_all()

    def d1_findings() -> list:
        return [v for found in session.findings.values() for v in found if v.rule == "d1-foreign-keys-pragma-ignored"]

    assert d1_findings() == []
    wrangler.write_text(text)
    session.refresh({str(wrangler)})
    assert d1_findings()
    _assert_same(session, root, "wrangler.toml added")


def _replay_edits(tmp_path: Path, case: str, edits: list[tuple[str, int, int, str]]) -> None:
    """Applies (file, offset, characters removed, text inserted) edits one at a time, comparing with a fresh analysis
    after each."""
    root = tmp_path / case
    shutil.copytree(CORPUS / case, root)
    session = Session([str(root)])
    session.reload_all()
    texts: dict[str, str] = {}
    for number, (relative, at, removed, inserted) in enumerate(edits):
        path = str(root / relative)
        text = texts.get(path, Path(path).read_text())
        texts[path] = text[:at] + inserted + text[at + removed:]
        session.set_document(path, texts[path])
        session.refresh({path})
        _assert_same(session, root, f"edit {number} of {relative}")


def test_a_reference_to_a_column_whose_builder_is_broken_resolves_whatever_is_read_first(tmp_path: Path) -> None:
    """The referenced table's names came from its own reading when it was read first (a column whose builder does
    not read left out), else from a separate lookup (kept): re-reading only the referencing table flipped
    `.references(() => customers.id)` between resolved and not."""
    tables = "schema/billing/tables.ts"
    text = (CORPUS / "05-pg-schemas-camel-case" / tables).read_text()
    broken = text.index("id: uuid().primaryKey()") + len("id: uuid().prima")
    _replay_edits(tmp_path, "05-pg-schemas-camel-case", [
        (tables, broken, 0, ","),
        (tables, text.index("amount_due:") + 1 + len("amount_due"), 0, ";"),
    ])


def test_a_problem_found_in_a_referenced_table_moves_with_that_table(tmp_path: Path) -> None:
    """A broken import leaves a spread unresolved in `orders`; `order_items` references `orders`, and reading it
    reports that problem again, at `orders`' spread. A character typed above then moved `orders` but not the copy
    kept with `order_items`' cached entry (it moves only ranges inside its own declaration)."""
    orders = "schema/orders.ts"
    text = (CORPUS / "04-mysql-shop" / orders).read_text()
    at_from = text.index("} from './catalog'") + len("} f")
    _replay_edits(tmp_path, "04-mysql-shop", [
        (orders, at_from, 1, ""),
        (orders, text.index("displayName: varchar") - 1, 0, "'"),
    ])


@pytest.mark.parametrize("case", CASES)
def test_random_interleaved_edits_across_files_match_a_fresh_analysis(case: str, tmp_path: Path) -> None:
    """Characters inserted, deleted and replaced anywhere, in the schema files and the migrations in turn (syntax
    errors included): after each, the session must equal a fresh analysis. (This found the two cases above.)"""
    import random

    root = tmp_path / case
    shutil.copytree(CORPUS / case, root)
    session = Session([str(root)])
    session.reload_all()
    rng = random.Random(f"interleaved-{case}")
    files = sorted(str(p) for p in root.rglob("*") if p.suffix in (".sql", ".ts") and p.name != "drizzle.config.ts"
                   and "steps" not in p.parts)
    texts: dict[str, str] = {}
    for number in range(20):
        path = rng.choice(files)
        text = texts.get(path, Path(path).read_text())
        at = rng.randint(0, len(text))
        kind = rng.random()
        if kind < 0.5:
            text = text[:at] + rng.choice(["x", "_", " ", "\n", "(", "'", ";", "1", ","]) + text[at:]
        elif kind < 0.8:
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + rng.choice(["a", "Z", "9"]) + text[at + 1:]
        texts[path] = text
        session.set_document(path, text)
        session.refresh({path})
        _assert_same(session, root, f"edit {number} ({os.path.relpath(path, root)} at {at})")
