from __future__ import annotations

import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from drizzle_lsp.model.source import line_col
from drizzle_lsp.workspace.settings import Settings, find_settings, read_settings

GOOD = """postgres-version = 15
migrator = "neon-http"
exclude = ["drizzle/0000_*.sql"]
config = "apps/api/drizzle.config.ts"

[rules]
select = ["locks", "prefer-text"]
ignore = ["drop-column"]

[rules.severity]
prefer-text = "off"
require-lock-timeout = "error"

[rules.options.identifier-too-long]
max = 60

[naming]
convention = "camelCase"
tables = "plural"

[migrate]
lock-timeout = "3s"
statement-timeout = 60000
retries = 5
"""


def _line(text, problem):
    return line_col(text, problem.range.start)[0] + 1


def test_every_key_read(tmp_path):
    path = tmp_path / ".drizzle-lsp.toml"
    s = read_settings(str(path), GOOD)
    assert s.problems == []
    assert (s.postgres_version, s.migrator, s.exclude) == (15, "neon-http", ["drizzle/0000_*.sql"])
    assert s.config_path == str(tmp_path / "apps/api/drizzle.config.ts")
    assert (s.select, s.ignore) == (["locks", "prefer-text"], ["drop-column"])
    assert s.severity == {"prefer-text": "off", "require-lock-timeout": "error"}
    assert s.rule_options == {"identifier-too-long": {"max": 60}}
    assert (s.naming_convention, s.naming_tables) == ("camelCase", "plural")
    assert (s.lock_timeout, s.statement_timeout, s.retries) == ("3s", "60000ms", 5)


def test_defaults():
    s = read_settings("x.toml", "")
    assert s.problems == [] and s == Settings(path="x.toml")
    assert (s.postgres_version, s.migrator, s.naming_convention) == (16, "auto", None)  # None: the drizzle config's casing decides


def test_unknown_key_with_suggestion_and_line():
    text = 'migrator = "auto"\npostgress-version = 16\n'
    (p,) = read_settings("s.toml", text).problems
    assert p.message == ("unknown key 'postgress-version' in .drizzle-lsp.toml (did you mean 'postgres-version'?): "
                         "it is ignored")
    assert _line(text, p) == 2 and text[p.range.start:p.range.end] == "postgress-version"


def test_bad_values_point_at_their_key():
    text = ('postgres-version = 11\nmigrator = "transactoin"\n[rules.severity]\nprefer-text = "loud"\n'
            '[naming]\nconvention = "kebab"\ntabels = "plural"\n[migrate]\nretries = -1\nlock-timeout = "soon"\n')
    problems = read_settings("s.toml", text).problems
    by_line = {_line(text, p): p.message for p in problems}
    assert "12 to 18" in by_line[1]
    assert "did you mean 'transaction'" in by_line[2]
    assert "severity of 'prefer-text'" in by_line[4]
    assert "convention must be one of" in by_line[6]
    assert "unknown key 'tabels' in [naming]" in by_line[7] and "did you mean 'tables'" in by_line[7]
    assert "retries" in by_line[9] and "duration" in by_line[10]
    assert len(problems) == 7


def test_wrong_table_type_and_nested_form():
    text = 'rules = 3\n[drizzle-lsp]\nmigrator = "d1"\n'
    s = read_settings("s.toml", text)
    assert s.migrator == "d1"
    assert [(_line(text, p), "[rules] must be a table" in p.message) for p in s.problems] == [(1, True)]


def test_syntax_error_has_line_and_column():
    text = 'migrator = "auto"\n\n[rules\nselect = []\n'
    (p,) = read_settings("s.toml", text).problems
    assert p.code == "settings-syntax-error" and "line 3" in p.message
    assert _line(text, p) == 3


@hyp_settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_never_raises(text):
    read_settings("s.toml", text)


def test_find_settings_walks_up(tmp_path):
    (tmp_path / "a/b/c").mkdir(parents=True)
    (tmp_path / "a/.drizzle-lsp.toml").write_text("")
    assert find_settings(str(tmp_path / "a/b/c/schema.ts")) == str(tmp_path / "a/.drizzle-lsp.toml")
    assert find_settings(str(tmp_path / "a/b/c"), stop_at=str(tmp_path / "a/b")) is None
    assert find_settings(str(tmp_path / "a")) == str(tmp_path / "a/.drizzle-lsp.toml")
