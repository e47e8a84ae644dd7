"""A long-lived caller passes the parsed chunks of a file's previous text; the statements must be exactly those of a
fresh parse, and the chunks a keystroke did not touch must be taken over, not parsed again."""

from __future__ import annotations

import random
from pathlib import Path

from drizzle_lsp.sql import parse_migration

REPO = Path(__file__).resolve().parents[2]


def _migrations() -> list[Path]:
    return sorted((REPO / "tests" / "fixtures" / "corpus").glob("*-pg-*/drizzle/*.sql")) + sorted(
        (REPO / "examples" / "saas" / "drizzle").glob("*.sql"))


def test_reused_chunks_give_the_statements_of_a_fresh_parse() -> None:
    rng = random.Random(3)
    files = _migrations()
    assert files
    for path in files:
        text = path.read_text()
        chunks: dict = {}
        parse_migration(text, str(path), "postgresql", chunks)
        for _ in range(6):
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(["x", " ", ";", "\n--> statement-breakpoint\n", "'", "(", ""]) + \
                text[at + rng.randint(0, 2):]
            assert parse_migration(text, str(path), "postgresql", chunks) == parse_migration(text, str(path)), path


def test_a_same_length_edit_in_one_chunk_parses_only_that_chunk() -> None:
    path = REPO / "examples" / "saas" / "drizzle" / "0002_crazy_wind_dancer.sql"
    text = path.read_text()
    chunks: dict = {}
    before = parse_migration(text, str(path), "postgresql", chunks)
    assert len(before) > 3
    at = text.index(before[1].text) + 1
    edited = text[:at] + ("X" if text[at] != "X" else "Y") + text[at + 1:]
    after = parse_migration(edited, str(path), "postgresql", chunks)
    assert after[1] is not before[1]
    assert all(a is b for i, (a, b) in enumerate(zip(after, before)) if i != 1)
