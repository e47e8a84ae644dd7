"""``drizzle-lsp explain`` and ``drizzle-lsp rules``."""

import json

from drizzle_lsp.cli.main import main


def test_explain_prints_the_rule_page(capsys):
    assert main(["explain", "unused-suppression"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# unused-suppression") and "## Why is this bad?" in out and "## Fix safety" in out


def test_explain_unknown_rule_suggests_close_names(capsys):
    assert main(["explain", "unused-supresion"]) == 2
    assert "Did you mean: unused-suppression" in capsys.readouterr().err


def test_rules_lists_text_and_json(capsys):
    assert main(["rules"]) == 0
    text = capsys.readouterr().out
    assert "syntax-error" in text and "meta" in text
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    unused = next(r for r in rows if r["name"] == "unused-suppression")
    assert unused["fix"] is True and unused["group"] == "meta" and unused["severity"] == "warning"


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert capsys.readouterr().out.startswith("drizzle-lsp ")
