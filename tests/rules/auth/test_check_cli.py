"""The Better Auth rules through `drizzle-lsp check`, as CI runs them: exit codes, the JSON report, and --fix."""

from __future__ import annotations

import json
import os

from drizzle_lsp.cli.main import main
from tests.rules.auth.auth_helpers import FIXTURES, SCHEMA, auth_findings, copy_case, edit, read


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_generated_schema_passes_check(capsys):
    code, out, _ = run(["check", os.path.join(FIXTURES, "plugins"), "--select", "auth", "--format", "json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["findings"] == [] and report["summary"]["total"] == 0


def test_a_dropped_column_fails_check_with_the_rule_and_place(tmp_path, capsys):
    root = copy_case(tmp_path, "plugins")
    edit(root, SCHEMA, '  twoFactorEnabled: boolean("two_factor_enabled").default(false),\n', "")
    code, out, _ = run(["check", root, "--select", "auth"], capsys)
    assert code == 1
    assert f"{os.path.join(root, SCHEMA)}:11:" in out  # the line of pgTable("user", ...)
    assert "error[better-auth-missing-column]" in out
    assert 'The field "twoFactorEnabled" does not exist in the "user" Drizzle schema.' in out


def test_check_fix_puts_the_column_back(tmp_path, capsys):
    root = copy_case(tmp_path, "plugins")
    edit(root, SCHEMA, '  banReason: text("ban_reason"),\n', "")
    code, out, _ = run(["check", root, "--select", "auth", "--fix"], capsys)
    assert code == 0, out
    assert 'banReason: text("ban_reason"),' in read(os.path.join(root, SCHEMA))
    assert auth_findings(root) == []
