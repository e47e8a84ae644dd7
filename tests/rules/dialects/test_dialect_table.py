"""docs/dialects.md tells users which rules run on which dialect: it must say what the code does."""

from __future__ import annotations

from pathlib import Path

from drizzle_lsp.rules.registry import all_rules

TABLE = Path(__file__).resolve().parents[3] / "docs" / "dialects.md"
COLUMNS = ("postgresql", "sqlite", "mysql")


def _rows() -> dict[str, set[str]]:
    marked: dict[str, set[str]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0].startswith(("**", "rule", "---")):
            continue
        dialects = {name for name, cell in zip(COLUMNS, cells[1:4]) if cell == "✓"}
        for rule in cells[0].split(","):
            marked[rule.strip()] = dialects
    return marked


def test_every_row_matches_the_rules_dialects():
    rules = {rule.name: rule for rule in all_rules()}
    rows = _rows()
    unknown = sorted(set(rows) - set(rules))
    assert not unknown, f"docs/dialects.md names rules that do not exist: {unknown}"
    wrong = {name: (sorted(marks), sorted(rules[name].dialects)) for name, marks in rows.items()
             if marks != set(rules[name].dialects)}
    assert not wrong, f"docs/dialects.md disagrees with the code (table, code): {wrong}"


def test_every_rule_has_a_row():
    # the Better Auth rules are described together below the table
    missing = sorted(rule.name for rule in all_rules() if rule.group != "auth" and rule.name not in _rows())
    assert not missing, f"add these rules to docs/dialects.md: {missing}"
