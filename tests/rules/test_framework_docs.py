"""Every rule documents itself completely, its docs page is current, and its example really shows the problem."""

from __future__ import annotations

import pytest

from drizzle_lsp.rules.docs import default_docs_dir, missing_sections, parse_doc, stale_pages
from drizzle_lsp.rules.registry import all_rules, get_registry
from drizzle_lsp.rules.testing import lint_blocks

RULES = all_rules()
IDS = [rule.name for rule in RULES]


def _dialect(rule) -> str:
    return "postgresql" if "postgresql" in rule.dialects else rule.dialects[0]


def test_registry_loaded_every_rule_module():
    assert get_registry().load_errors == [], "a rule module failed to import"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_docstring_has_every_section(rule):
    assert missing_sections(rule) == [], f"{rule.__module__}.{rule.__qualname__} docstring lacks these"


def test_docs_pages_are_current():
    stale = stale_pages(default_docs_dir(), RULES)
    assert not stale, f"docs/rules is stale ({', '.join(stale)}): run python -m drizzle_lsp.rules.docs --write"


@pytest.mark.parametrize("rule", [r for r in RULES if r.example_testable], ids=[r.name for r in RULES if r.example_testable])
def test_example_triggers_and_use_instead_does_not(rule):
    doc = parse_doc(rule)
    settings = [(b.lang, b.code) for b in doc.example + doc.use_instead if b.lang == "toml"]
    bad = [(b.lang, b.code) for b in doc.example if b.lang != "toml"] + settings
    good = [(b.lang, b.code) for b in doc.use_instead if b.lang != "toml"] + settings
    flagged = lint_blocks(bad, dialect=_dialect(rule), select=[rule.name])
    assert rule.name in [f.rule for f in flagged], (
        f"the ## Example of {rule.name} does not trigger it; findings: {[(f.rule, f.message) for f in flagged]}"
    )
    clean = lint_blocks(good, dialect=_dialect(rule), select=[rule.name])
    assert rule.name not in [f.rule for f in clean], (
        f"the 'Use instead:' of {rule.name} still triggers it: {[f.message for f in clean if f.rule == rule.name]}"
    )
