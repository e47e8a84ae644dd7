"""A replay given the previous one resumes inside the first changed migration, after its leading statements that are
the very same objects (the parse cache reuses unchanged breakpoint chunks). What it gives must be exactly what a
replay from scratch gives: every operation's context (state before, table new or not), the states after each
migration and the problems."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from drizzle_lsp.analysis.replay import replay
from drizzle_lsp.model import Migration
from drizzle_lsp.model.compare import canonical
from drizzle_lsp.sql import parse_migration

REPO = Path(__file__).resolve().parents[2]
CASES = sorted(p for p in (REPO / "tests" / "fixtures" / "corpus").glob("*-pg-*") if (p / "drizzle").is_dir()) + [
    REPO / "examples" / "saas"]


def _load(texts: list[tuple[str, str]], chunks: dict) -> list[Migration]:
    """The migrations, parsed as the language server's cache does: an unchanged file keeps its statements list, a
    changed one reuses its unchanged chunks."""
    out = []
    for index, (name, text) in enumerate(texts):
        migration = Migration(tag=name, sql_path=f"/p/{name}.sql", index=index, text=text)
        parsed = chunks.setdefault(name, {"chunks": {}, "last": None})
        if parsed["last"] is None or parsed["last"][0] != text:
            parsed["last"] = (text, parse_migration(text, migration.sql_path, "postgresql", parsed["chunks"]))
        migration.statements = parsed["last"][1]
        out.append(migration)
    return out


def _summary(result) -> tuple:
    contexts = [(ctx.migration.tag, ctx.op.range, ctx.op.kind, ctx.table_is_new, canonical(ctx.state_before))
                for ctx in result.contexts]
    return (contexts, {tag: canonical(state) for tag, state in result.after.items()},
            [(p.code, p.message, p.range) for p in result.problems])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_resuming_inside_a_migration_equals_a_replay_from_scratch(case: Path) -> None:
    files = sorted((case / "drizzle").glob("*.sql"))
    texts = [(f.stem, f.read_text()) for f in files]
    rng = random.Random(case.name)
    chunks: dict = {}
    previous = replay(_load(texts, chunks), "postgresql")
    resumed_somewhere = False
    for _ in range(8):
        which = rng.randrange(len(texts))
        name, text = texts[which]
        at = rng.randint(len(text) // 3, len(text))
        text = text[:at] + rng.choice(["x", " ", ";", "\n--> statement-breakpoint\nDROP TABLE \"t\";", ""]) + \
            text[at + rng.randint(0, 1):]
        texts[which] = (name, text)
        migrations = _load(texts, chunks)
        again = replay(migrations, "postgresql", previous=previous)
        fresh = replay(_load(texts, {}), "postgresql")
        assert _summary(again) == _summary(fresh)
        resumed_somewhere |= any(a is b for a, b in zip(again.contexts, previous.contexts[:len(again.contexts)])
                                 if a.migration.tag == name)
        previous = again
    assert resumed_somewhere, "no replay resumed inside a changed migration: the test proves nothing"
