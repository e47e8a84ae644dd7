"""Character offsets (the core's positions) to and from LSP positions, in the encoding negotiated at initialize."""

from __future__ import annotations

from bisect import bisect_right
from urllib.parse import quote, unquote, urlparse

from lsprotocol import types


class LineIndex:
    """Line starts of one text, to turn offsets into positions without rescanning the text each time."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = (encoding or "utf-16").lower()
        self.starts = [0]
        for i, char in enumerate(text):
            if char == "\n":
                self.starts.append(i + 1)

    def _units(self, chunk: str) -> int:
        if self.encoding == "utf-8":
            return len(chunk.encode("utf-8"))
        if self.encoding == "utf-32":
            return len(chunk)
        return len(chunk) + sum(1 for c in chunk if ord(c) > 0xFFFF)

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset) - 1
        return types.Position(line=line, character=self._units(self.text[self.starts[line]:offset]))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(max(start, end)))

    def offset(self, position: types.Position) -> int:
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[position.line]
        end = self.starts[position.line + 1] - 1 if position.line + 1 < len(self.starts) else len(self.text)
        units = 0
        for i in range(start, end):
            if units >= position.character:
                return i
            units += self._units(self.text[i])
        return end


def uri_to_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path)


def path_to_uri(path: str) -> str:
    return "file://" + quote(path)
