"""The only module that talks to libpg_query (through postgast).

Everything it returns uses character offsets into the text it was given plus ``base``: libpg_query reports byte
offsets into UTF-8, which would drift after any non-ASCII character (a comment in another language, an accented
default) and put every later diagnostic in the wrong place.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Callable

import postgast
from postgast import pg_query_pb2

from drizzle_lsp.sql.tokens import Tok

def _TOKEN_NAME(token: int) -> str:
    # The scanner reports a lone character the grammar has no token for ("{", "}" ...) by its character code, which
    # the protobuf enum does not name: such a character is punctuation, never a reason to fail the whole file.
    try:
        return pg_query_pb2.Token.Name(token)
    except ValueError:
        return f"ASCII_{token}"


_COMMENTS = {"SQL_COMMENT", "C_COMMENT"}


def byte_to_char(text: str) -> Callable[[int], int]:
    """A function mapping a UTF-8 byte offset in ``text`` to a character offset."""
    if text.isascii():
        return lambda b: b
    starts: list[int] = []  # byte offset at which each character starts
    pos = 0
    for ch in text:
        starts.append(pos)
        pos += len(ch.encode("utf-8"))
    starts.append(pos)
    return lambda b: max(0, bisect_right(starts, b) - 1)


def scan(text: str, base: int = 0) -> tuple[list[Tok], list[Tok]] | None:
    """(code tokens, comment tokens) of ``text``, or None when the scanner rejects it (e.g. an open quote)."""
    try:
        result = postgast.scan(text)
    except Exception:  # noqa: BLE001 - any scanner failure means: fall back to the character splitter
        return None
    conv = byte_to_char(text)
    code: list[Tok] = []
    comments: list[Tok] = []
    for t in result.tokens:
        start, end = conv(t.start), conv(t.end)
        name = _TOKEN_NAME(t.token)
        piece = text[start:end]
        tok = Tok(_kind(name, piece, t.keyword_kind), piece, start + base, end + base)
        (comments if name in _COMMENTS else code).append(tok)
    return code, comments


def _kind(name: str, piece: str, keyword_kind: int) -> str:
    if name in ("IDENT", "UIDENT"):
        return "qword" if piece.startswith('"') or piece[:2] in ('U&', 'u&') else "word"
    if keyword_kind:
        return "word"
    if name in ("SCONST", "USCONST", "BCONST", "XCONST"):
        return "string"
    if name in ("ICONST", "FCONST"):
        return "number"
    if name.startswith("ASCII_") or name in ("TYPECAST", "DOT_DOT", "COLON_EQUALS", "EQUALS_GREATER", "LESS_EQUALS",
                                              "GREATER_EQUALS", "NOT_EQUALS", "Op"):
        return "punct"
    return "other"


@dataclass(slots=True)
class Parsed:
    """One statement's AST node (protobuf ``Node``), or the error with its character offset."""

    node: Any = None
    error: str | None = None
    error_at: int | None = None  # character offset into the statement text


def parse_one(text: str) -> Parsed:
    try:
        result = postgast.parse(text)
    except postgast.PgQueryError as exc:
        cursor = getattr(exc, "cursorpos", 0) or 0
        # unlike node locations (bytes), the error cursor is 1-based and counts characters, as PostgreSQL reports it
        at = max(cursor - 1, 0) if cursor else None
        return Parsed(error=getattr(exc, "message", None) or str(exc), error_at=at)
    except Exception as exc:  # noqa: BLE001 - a crash of the binding must not lose the migration
        return Parsed(error=f"parser failure: {exc}")
    if not result.stmts:
        return Parsed()
    return Parsed(node=result.stmts[0].stmt)


def node_kind(node: Any) -> str:
    """The oneof field set on a protobuf ``Node`` ("create_stmt", "a_const", ...), or ""."""
    return node.WhichOneof("node") or "" if node is not None else ""


def enum_name(message: Any, field: str) -> str:
    """Symbolic name of an enum field (``AT_AddColumn``) of a protobuf message."""
    value = getattr(message, field)
    return message.DESCRIPTOR.fields_by_name[field].enum_type.values_by_number[value].name
