"""Tokens with character offsets into the migration file, shared by the PostgreSQL and sqlglot front ends.

Operations take exact source slices (types, defaults, CHECK bodies, index WHERE clauses) from tokens rather than from
a deparser, because drizzle-kit stores the text it wrote and replay must compare equal to its snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

QUOTES = {'"': '"', "`": "`", "[": "]"}


@dataclass(slots=True)
class Tok:
    kind: str  # "word" | "qword" (quoted identifier) | "string" | "number" | "punct" | "other"
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def name(self) -> str:
        """The identifier's value: quotes removed (doubled quotes undone), unquoted words folded to lower case."""
        if self.kind == "qword":
            close = QUOTES.get(self.text[0], self.text[0])
            return self.text[1:-1].replace(close * 2, close)
        if self.kind == "word":
            return self.text.lower()
        return self.text


def find(toks: list[Tok], start: int) -> int:
    """Index of the first token starting at or after character offset ``start`` (len(toks) when none)."""
    lo, hi = 0, len(toks)
    while lo < hi:
        mid = (lo + hi) // 2
        if toks[mid].start < start:
            lo = mid + 1
        else:
            hi = mid
    return lo


def match_paren(toks: list[Tok], i: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``toks[i]`` (or the last token when unbalanced)."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "(":
            depth += 1
        elif toks[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def element_end(toks: list[Tok], i: int) -> int:
    """Index of the first token after ``i`` that ends a list element: a ``,`` or ``)`` at depth 0, or the end."""
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            if depth == 0:
                return j
            depth -= 1
        elif t in (",", ";") and depth == 0:
            return j
    return len(toks)


def split_top(toks: list[Tok], lo: int, hi: int) -> list[tuple[int, int]]:
    """Split ``toks[lo:hi]`` on commas at depth 0 into (first, stop) index pairs."""
    parts: list[tuple[int, int]] = []
    depth, first = 0, lo
    for j in range(lo, hi):
        t = toks[j].text
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            depth -= 1
        elif t == "," and depth == 0:
            parts.append((first, j))
            first = j + 1
    if first < hi:
        parts.append((first, hi))
    return parts


def joined(toks: list[Tok], lo: int, hi: int, text: str, unquote: bool = False) -> str:
    """Source text of ``toks[lo:hi]`` with comments dropped and any whitespace run collapsed to one space."""
    out: list[str] = []
    prev_end = None
    for t in toks[lo:hi]:
        if prev_end is not None and t.start > prev_end and text[prev_end:t.start].strip(" \t\r\n") == "" :
            out.append(" ")
        elif prev_end is not None and t.start > prev_end:
            out.append(" ")  # a comment sat between the tokens
        out.append(t.name if unquote and t.kind == "qword" else t.text)
        prev_end = t.end
    return "".join(out)


def unquote_ident(text: str) -> str:
    text = text.strip()
    if text and text[0] in QUOTES and text.endswith(QUOTES[text[0]]):
        close = QUOTES[text[0]]
        return text[1:-1].replace(close * 2, close)
    return text.lower()


_TOKEN_RE = None


def tokenize(text: str, lo: int, hi: int, dialect: str) -> list[Tok]:
    """Code tokens of ``text[lo:hi]`` for SQLite and MySQL (comments dropped), with file offsets."""
    import re

    global _TOKEN_RE
    if _TOKEN_RE is None:
        _TOKEN_RE = re.compile(r"""
            (?P<ws>\s+) | (?P<comment>--[^\n]*|\#[^\n]*|/\*.*?(?:\*/|\Z)) |
            (?P<qword>"(?:[^"]|"")*(?:"|\Z)|`(?:[^`]|``)*(?:`|\Z)|\[[^\]]*(?:\]|\Z)) |
            (?P<string>[xXbBnN]?'(?:[^'\\]|''|\\.)*(?:'|\Z)) |
            (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?) |
            (?P<word>[A-Za-z_][A-Za-z0-9_$]*) |
            (?P<punct>::|<=|>=|<>|!=|\|\||[^\s])""", re.X | re.S)
    toks: list[Tok] = []
    pos = lo
    while pos < hi:
        m = _TOKEN_RE.match(text, pos, hi)
        if m is None:
            break
        kind = m.lastgroup or "punct"
        if kind == "comment" and text[m.start()] == "#" and dialect != "mysql":
            kind = "punct"
            m_end = m.start() + 1
        else:
            m_end = m.end()
        if kind == "qword" and text[m.start()] == "[" and dialect != "sqlite":
            kind, m_end = "punct", m.start() + 1
        if kind not in ("ws", "comment"):
            toks.append(Tok(kind, text[m.start():m_end], m.start(), m_end))
        pos = m_end
    return toks
