"""Truncated, spliced or corrupted migrations never make parsing or replay raise, and stay fast."""

from __future__ import annotations

import glob
import os
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drizzle_lsp.analysis.replay import replay
from drizzle_lsp.model import Migration
from drizzle_lsp.sql import parse_migration

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
SOURCES = []
for path in sorted(glob.glob(os.path.join(FIXTURES, "*", "*.sql"))):
    dialect = "sqlite" if "sqlite" in path else "mysql" if "mysql" in path else "postgresql"
    with open(path, encoding="utf-8") as fh:
        SOURCES.append((fh.read(), dialect))


def _mangle(text: str, cut: int, cut2: int, junk: str, mode: int) -> str:
    a, b = sorted((cut % (len(text) + 1), cut2 % (len(text) + 1)))
    if mode == 0:
        return text[:a]
    if mode == 1:
        return text[:a] + text[b:]
    if mode == 2:
        return text[:a] + junk + text[a:]
    return text[:a] + text[b:] + text[a:b]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SOURCES) - 1), st.integers(0, 10**6), st.integers(0, 10**6),
       st.lists(st.sampled_from(list("'\"`$;()-/* \nÉé✓") + ["$$", "--> statement-breakpoint", "DO", "BEGIN", "END",
                                                             "CREATE TABLE", "ALTER TABLE t ADD"]),
                max_size=12).map("".join),
       st.integers(0, 3))
def test_mangled_migrations_never_raise(src, cut, cut2, junk, mode):
    text, dialect = SOURCES[src]
    mangled = _mangle(text, cut, cut2, junk, mode)
    started = time.perf_counter()
    statements = parse_migration(mangled, "m.sql", dialect)
    for s in statements:
        assert 0 <= s.range.start <= s.range.end <= len(mangled)
        if s.error is not None and s.error.range is not None:
            assert 0 <= s.error.range.start <= s.error.range.end <= len(mangled)
    migration = Migration(tag="0000_x", sql_path="m.sql", dialect=dialect, text=mangled, statements=statements)
    replay([migration, migration], dialect)
    assert time.perf_counter() - started < 5.0
