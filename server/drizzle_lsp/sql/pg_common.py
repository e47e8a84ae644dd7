"""What every PostgreSQL operation builder needs: the statement's tokens and offset conversions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from drizzle_lsp.model import Operation, OpKind, SourceRange
from drizzle_lsp.sql.tokens import Tok, find, match_paren


@dataclass(slots=True)
class Ctx:
    path: str
    text: str  # the whole file
    start: int  # character offset of the statement text handed to libpg_query
    end: int
    toks: list[Tok]  # code tokens of the statement, file offsets
    conv: Callable[[int], int]  # byte offset in the statement -> character offset in the statement
    statement_index: int = 0
    dialect: str = "postgresql"
    extra: dict[str, Any] = field(default_factory=dict)

    def at(self, location: int) -> int:
        """File character offset of a libpg_query ``location`` (-1 means unknown: the statement start)."""
        return self.start + self.conv(location) if location is not None and location >= 0 else self.start

    def rng(self, a: int, b: int) -> SourceRange:
        return SourceRange(self.path, a, b)

    def tok_index(self, location: int) -> int:
        return find(self.toks, self.at(location))

    def op(self, kind: OpKind, **kw: Any) -> Operation:
        return Operation(kind=kind, range=self.rng(self.start, self.end), raw=self.text[self.start:self.end],
                         statement_index=self.statement_index, **kw)

    def name_range_at(self, location: int) -> SourceRange | None:
        """Range of the last identifier of a possibly qualified name starting at ``location``."""
        i = self.tok_index(location)
        if i >= len(self.toks):
            return None
        while i + 2 < len(self.toks) and self.toks[i + 1].text == "." and self.toks[i + 2].kind in ("word", "qword"):
            i += 2
        t = self.toks[i]
        return self.rng(t.start, t.end)

    def find_word(self, word: str, lo: int = 0, hi: int | None = None, depth0: bool = True) -> int:
        """Index of the first token equal to keyword ``word`` in ``toks[lo:hi]`` (at paren depth 0), or -1."""
        depth = 0
        for j in range(lo, len(self.toks) if hi is None else hi):
            t = self.toks[j]
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif t.upper == word and (depth == 0 or not depth0):
                return j
        return -1

    def paren_body(self, i: int) -> tuple[str, int, int] | None:
        """Text inside the first ``(...)`` at or after token ``i``, with its file offsets."""
        while i < len(self.toks) and self.toks[i].text != "(":
            i += 1
        if i >= len(self.toks):
            return None
        j = match_paren(self.toks, i)
        a, b = self.toks[i].end, self.toks[j].start
        body = self.text[a:b]
        stripped = body.strip()
        lead = len(body) - len(body.lstrip())
        return stripped, a + lead, a + lead + len(stripped)

    def slice(self, lo: int, hi: int) -> str:
        """Source text from token ``lo`` up to (not including) token ``hi``."""
        if lo >= hi or lo >= len(self.toks):
            return ""
        return self.text[self.toks[lo].start:self.toks[min(hi, len(self.toks)) - 1].end]


def sval(node: Any) -> str:
    """The string held by a ``String`` node (or a ``Node`` wrapping one)."""
    if hasattr(node, "WhichOneof") and node.WhichOneof("node") == "string":
        return node.string.sval
    return getattr(node, "sval", "")


def names(nodes: Any) -> list[str]:
    return [sval(n) for n in nodes]


def const_text(node: Any) -> str | None:
    """A literal value (``A_Const``, ``Integer``, ``String``, ``Float``) as text, for sequence options and typmods."""
    kind = node.WhichOneof("node") if hasattr(node, "WhichOneof") else None
    inner = getattr(node, kind) if kind else node
    if kind == "a_const":
        which = inner.WhichOneof("val")
        if which is None:
            return None
        inner = getattr(inner, which)
        kind = which
    if kind == "integer" or kind == "ival":
        return str(inner.ival)
    if kind in ("float", "fval"):
        return inner.fval
    if kind in ("string", "sval"):
        return inner.sval
    if kind in ("boolean", "boolval"):
        return "true" if inner.boolval else "false"
    if kind == "type_cast":
        return const_text(inner.arg)
    return None
