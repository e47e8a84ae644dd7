"""One tree-sitter tree per schema file, re-parsed incrementally, with byte -> character offset conversion."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import tree_sitter
import tree_sitter_typescript

from drizzle_lsp.model.source import SourceRange

_LANGUAGE = tree_sitter.Language(tree_sitter_typescript.language_typescript())
_LANGUAGE_TSX = tree_sitter.Language(tree_sitter_typescript.language_tsx())


def _parser_for(path: str) -> tree_sitter.Parser:
    return tree_sitter.Parser(_LANGUAGE_TSX if path.endswith(".tsx") else _LANGUAGE)


def _common_prefix_len(a: str, b: str) -> int:
    # Binary search on slice equality runs in C; a Python character loop is far slower on 100 KB files.
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix_len(a: str, b: str, limit: int) -> int:
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _point_at(text: str, char_offset: int) -> tuple[int, int]:
    """tree-sitter point (row, byte column) of a character offset."""
    row = text.count("\n", 0, char_offset)
    line_start = text.rfind("\n", 0, char_offset) + 1
    return row, len(text[line_start:char_offset].encode("utf-8"))


@dataclass
class OffsetMap:
    """Converts UTF-8 byte offsets to character offsets; free for ASCII text."""

    byte_starts: list[int] = field(default_factory=list)  # byte offset just after each non-ASCII character
    extra: list[int] = field(default_factory=list)  # cumulative extra bytes up to and including that character

    @classmethod
    def build(cls, text: str) -> OffsetMap:
        result = cls()
        if text.isascii():
            return result
        byte = 0
        total_extra = 0
        for ch in text:
            width = 1 if ch < "\x80" else len(ch.encode("utf-8"))
            byte += width
            if width > 1:
                total_extra += width - 1
                result.byte_starts.append(byte)
                result.extra.append(total_extra)
        return result

    def to_char(self, byte_offset: int) -> int:
        if not self.byte_starts:
            return byte_offset
        i = bisect_right(self.byte_starts, byte_offset)
        return byte_offset - (self.extra[i - 1] if i else 0)


class ParsedFile:
    """A schema file's text and tree. ``update`` re-parses incrementally from the previous tree."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self._parser = _parser_for(path)
        self.text = text
        self.tree = self._parser.parse(text.encode("utf-8"))
        self.offsets = OffsetMap.build(text)

    def update(self, new_text: str) -> None:
        old_text = self.text
        if new_text == old_text:
            return
        prefix = _common_prefix_len(old_text, new_text)
        suffix = _common_suffix_len(old_text, new_text, min(len(old_text), len(new_text)) - prefix)
        old_end = len(old_text) - suffix
        new_end = len(new_text) - suffix
        start_byte = len(old_text[:prefix].encode("utf-8"))
        self.tree.edit(
            start_byte=start_byte,
            old_end_byte=start_byte + len(old_text[prefix:old_end].encode("utf-8")),
            new_end_byte=start_byte + len(new_text[prefix:new_end].encode("utf-8")),
            start_point=_point_at(old_text, prefix),
            old_end_point=_point_at(old_text, old_end),
            new_end_point=_point_at(new_text, new_end),
        )
        self.tree = self._parser.parse(new_text.encode("utf-8"), self.tree)
        self.text = new_text
        self.offsets = OffsetMap.build(new_text)

    # --- node helpers -------------------------------------------------------------------------------------------

    def start(self, node: tree_sitter.Node) -> int:
        return self.offsets.to_char(node.start_byte)

    def end(self, node: tree_sitter.Node) -> int:
        return self.offsets.to_char(node.end_byte)

    def range(self, node: tree_sitter.Node) -> SourceRange:
        return SourceRange(self.path, self.start(node), self.end(node))

    def node_text(self, node: tree_sitter.Node) -> str:
        return self.text[self.start(node):self.end(node)]
