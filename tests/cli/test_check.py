"""``drizzle-lsp check`` end to end: formats, exit codes, fixes, and bad input that must never show a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest

from drizzle_lsp.cli.main import main
from drizzle_lsp.rules.testing import write_project

HERE = os.path.dirname(os.path.abspath(__file__))
SARIF_SCHEMA = os.path.join(HERE, "..", "data", "sarif-2.1.0.json")

BROKEN = (
    "-- 0000_init.sql\n"
    'CREATE TABLE "users" ("id" integer PRIMARY KEY);\n'
    "-- 0001_more.sql\n"
    "-- drizzle-lsp-ignore syntax-error\n"
    'CREATE TABLE "posts" ("id" integer PRIMARY KEY);\n'
    "--> statement-breakpoint\n"
    'CREATE TABLE "é" ("id" integer,);\n'
)


# Only the meta rules: these tests are about the CLI's behaviour, which must not change as catalogue rules are added.
META_ONLY = '[rules]\nselect = ["meta"]\n'


@pytest.fixture
def project(tmp_path):
    return write_project(str(tmp_path / "app"), sql=BROKEN, settings=META_ONLY)


def run_cli(argv, capsys, monkeypatch=None, cwd=None):
    if cwd and monkeypatch:
        monkeypatch.chdir(cwd)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output_has_code_frames_help_and_summary(project, capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)  # CI may set it; this test sets it itself below
    code, out, err = run_cli(["check", "--color", "always"], capsys, monkeypatch, cwd=project)
    assert code == 1
    assert "\x1b[" in out  # --color always on a pipe
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, err = run_cli(["check", "--color", "always"], capsys)
    assert "\x1b[" not in out, "NO_COLOR must win"
    assert os.path.join("drizzle", "0001_more.sql") + ":4:" in out
    assert "error[syntax-error]" in out
    assert "warning[unused-suppression]" in out
    assert ' | CREATE TABLE "é" ("id" integer,);' in out
    assert "= help:" in out and "fix (safe, apply with --fix)" in out
    assert out.rstrip().splitlines()[-1].startswith("Found 2 problems (1 error, 1 warning) in 1 file")


def test_fail_on_and_clean_exit(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert main(["check", "--ignore", "syntax-error", "--fail-on", "error"]) == 0
    assert main(["check", "--ignore", "syntax-error,unused-suppression"]) == 0
    assert "All checks passed" in capsys.readouterr().out


def test_json_positions_are_one_based(project, capsys, monkeypatch):
    code, out, _ = run_cli(["check", "--format", "json"], capsys, monkeypatch, cwd=project)
    document = json.loads(out)
    syntax = next(f for f in document["findings"] if f["rule"] == "syntax-error")
    # 'CREATE TABLE "é" ("id" integer,);' : the stray ")" after the comma is character 32 of line 4 (line 1 is the suppression)
    assert syntax["location"]["line"] == 4 and syntax["location"]["column"] == 32
    assert document["summary"] == {"total": 2, "error": 1, "warning": 1, "info": 0}
    unused = next(f for f in document["findings"] if f["rule"] == "unused-suppression")
    assert unused["fix"]["applicability"] == "safe" and unused["fix"]["edits"][0]["location"]["line"] == 1


def test_sarif_validates_against_the_official_schema(project, capsys, monkeypatch):
    code, out, _ = run_cli(["check", "--format", "sarif"], capsys, monkeypatch, cwd=project)
    log = json.loads(out)
    with open(SARIF_SCHEMA, encoding="utf-8") as handle:
        jsonschema.validate(log, json.load(handle))
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"syntax-error", "unused-suppression"}
    region = next(r for r in results if r["ruleId"] == "syntax-error")["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 4 and region["startColumn"] == 32


def test_github_annotations(project, capsys, monkeypatch):
    code, out, _ = run_cli(["check", "--format", "github"], capsys, monkeypatch, cwd=project)
    lines = out.strip().splitlines()
    assert any(l.startswith("::error file=drizzle/0001_more.sql,line=4,col=32,endLine=4") and "title=syntax-error::" in l
               for l in lines)
    assert any(l.startswith("::warning file=") for l in lines)


def test_fix_applies_safe_fixes_and_reports(project, capsys, monkeypatch):
    code, out, _ = run_cli(["check", "--fix"], capsys, monkeypatch, cwd=project)
    text = open(os.path.join(project, "drizzle", "0001_more.sql"), encoding="utf-8").read()
    assert "drizzle-lsp-ignore" not in text and text.startswith('CREATE TABLE "posts"')
    assert "Fixed 1 finding in 1 file" in out and "unused-suppression" in out
    assert code == 1  # the syntax error remains


def test_stdin_filename_checks_unsaved_text_and_fix_prints_it(project, capsys, monkeypatch):
    import io

    monkeypatch.chdir(project)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"-- drizzle-lsp-ignore syntax-error\nSELECT 1;\n")))
    code = main(["check", "--stdin-filename", "drizzle/0000_init.sql", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in document["findings"]] == ["unused-suppression"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"-- drizzle-lsp-ignore syntax-error\nSELECT 1;\n")))
    code = main(["check", "--stdin-filename", "drizzle/0000_init.sql", "--fix"])
    out, err = capsys.readouterr()
    assert out == "SELECT 1;\n" and code == 0


def test_unknown_select_is_a_usage_error_with_suggestion(project, capsys, monkeypatch):
    code, _, err = run_cli(["check", "--select", "syntax-eror"], capsys, monkeypatch, cwd=project)
    assert code == 2 and "Did you mean: syntax-error" in err


def test_missing_path(capsys, tmp_path):
    code, _, err = run_cli(["check", str(tmp_path / "nope")], capsys)
    assert code == 2 and "does not exist" in err and "drizzle.config.ts" in err


def test_malformed_settings_is_a_config_error(project, capsys, monkeypatch):
    with open(os.path.join(project, ".drizzle-lsp.toml"), "w") as handle:
        handle.write("[rules]\nselect = [locks]\n")
    code, _, err = run_cli(["check"], capsys, monkeypatch, cwd=project)
    assert code == 2 and ".drizzle-lsp.toml is not valid TOML" in err and "line 2" in err
    code, _, err = run_cli(["check", "--config", "missing.toml"], capsys)
    assert code == 2 and "no such file" in err


def test_non_utf8_file_on_the_command_line(project, capsys):
    path = os.path.join(project, "drizzle", "0002_latin1.sql")
    with open(path, "wb") as handle:
        handle.write("-- café\nSELECT 1;\n".encode("latin-1"))
    code, _, err = run_cli(["check", path], capsys)
    assert code == 2 and "not UTF-8" in err and "line 1" in err and "Save with Encoding" in err


def test_unreadable_file(project, capsys, monkeypatch):
    import drizzle_lsp.cli.check as check_module

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(check_module, "open", deny, raising=False)
    code, _, err = run_cli(["check", os.path.join(project, "drizzle", "0000_init.sql")], capsys)
    assert code == 2 and "permission denied" in err


def test_ten_megabyte_migration_is_checked_without_crashing(tmp_path, capsys, monkeypatch):
    statement = 'INSERT INTO "users" ("id", "name") VALUES (1, \'' + "x" * 1000 + "');\n"
    big = 'CREATE TABLE "users" ("id" integer PRIMARY KEY, "name" text);\n' + statement * (10 * 1024 * 1024 // len(statement))
    root = write_project(str(tmp_path / "big"), sql=[("0000_seed", big)])
    assert os.path.getsize(os.path.join(root, "drizzle", "0000_seed.sql")) > 10_000_000
    code, out, err = run_cli(["check"], capsys, monkeypatch, cwd=root)
    assert code in (0, 1) and "Traceback" not in err
    assert "1 project, 1 migration" in out


def _subprocess(argv, cwd, stdin=b""):
    script = (
        "import sys\n"
        "from drizzle_lsp.cli.main import main\n"
        "code = main(%r)\n"
        "lsp = [m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')]\n"
        "sys.stderr.write('LSP-MODULES=%%s\\n' %% lsp)\n"
        "sys.exit(code)\n" % (argv,)
    )
    env = {k: v for k, v in os.environ.items() if k != "DRIZZLE_LSP_DEBUG"}
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, input=stdin, capture_output=True, env=env)


def test_check_never_imports_the_lsp_stack(project):
    result = _subprocess(["check", "--format", "sarif"], project)
    assert result.returncode == 1, result.stderr.decode()
    assert b"LSP-MODULES=[]" in result.stderr


@pytest.mark.parametrize("argv, expected", [
    (["check", "no/such/folder"], "does not exist"),
    (["check", "--select", "nonsense"], "no rule or group"),
    (["explain", "no-such-rule"], "unknown rule"),
])
def test_bad_input_never_prints_a_traceback(project, argv, expected):
    result = _subprocess(argv, project)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr and expected.encode() in result.stderr
