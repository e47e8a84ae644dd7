"""What a long-lived caller (the language server) keeps between two loads of the same project.

A keystroke in one migration must not re-parse the other 299, and a keystroke in ``schema.ts`` should re-parse only
that file, incrementally. Parsed migrations and snapshots are kept by path and reused while their text is unchanged;
TypeScript extractors are kept per project (tree-sitter re-parses only the edited region and the extractor re-reads
only the edited declarations). The CLI loads once and passes no cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable

from drizzle_lsp.model import Statement


@dataclass(slots=True)
class AnalysisCache:
    migrations: dict[tuple[str, str], tuple[str, list[Statement]]] = field(default_factory=dict)
    chunks: dict[tuple[str, str], dict] = field(default_factory=dict)  # (path, dialect) -> parsed breakpoint chunks
    snapshots: dict[str, tuple[bytes, Any]] = field(default_factory=dict)
    extractors: dict[tuple[str, str, str | None], Any] = field(default_factory=dict)
    replays: dict[str, Any] = field(default_factory=dict)  # project root -> its last analysis.replay.Replay
    rule_memos: dict[str, Any] = field(default_factory=dict)  # project root -> its rules.memo.RuleMemo

    def rule_memo(self, root: str):
        """The findings of the last analysis of the project at ``root``, reusable unit by unit."""
        if root not in self.rule_memos:
            from drizzle_lsp.rules.memo import RuleMemo

            self.rule_memos[root] = RuleMemo()
        return self.rule_memos[root]

    def parse_migration(self, text: str, path: str, dialect: str, parse: Callable[..., list[Statement]]):
        key = (path, dialect)
        cached = self.migrations.get(key)
        if cached is not None and cached[0] == text:
            return cached[1]
        # The file changed: its unchanged breakpoint chunks are taken over from the last parse (``parse_pg``).
        statements = parse(text, path, dialect, chunks=self.chunks.setdefault(key, {}))
        self.migrations[key] = (text, statements)
        return statements

    def read_snapshot(self, path: str, text: str | None, read: Callable[[str, str | None], Any]):
        # Keyed by a digest, not the text: a long history's snapshots are too large to keep twice.
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest() if text is not None else None
        cached = self.snapshots.get(path)
        if cached is not None and digest is not None and cached[0] == digest:
            return cached[1]
        result = read(path, text)
        if digest is not None:
            self.snapshots[path] = (digest, result)
        return result

    def extractor(self, root: str, dialect: str, casing: str | None, factory: Callable[[], Any]):
        key = (root, dialect, casing)
        if key not in self.extractors:
            self.extractors[key] = factory()
        return self.extractors[key]

    def forget(self, path: str) -> None:
        """A file was deleted: drop what was parsed from it."""
        for key in [k for k in self.migrations if k[0] == path]:
            del self.migrations[key]
            self.chunks.pop(key, None)
        self.snapshots.pop(path, None)
        for extractor in self.extractors.values():
            extractor.remove(path)
