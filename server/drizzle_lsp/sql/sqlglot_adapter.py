"""SQLite and MySQL migrations: the only module importing sqlglot.

sqlglot decides whether a statement is valid (and where it is not); the operations themselves are read from the
statement's tokens (``other_ops``), so that types and defaults keep the exact text drizzle-kit wrote and stored in its
snapshots (``decimal(10,2)``, ``DEFAULT (unixepoch())``), which sqlglot would re-spell.
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot.errors import ParseError, TokenError

from drizzle_lsp.model import Operation, OpKind, Problem, SourceRange, Statement
from drizzle_lsp.sql.other_ops import operations
from drizzle_lsp.sql.splitter import code_start, split_chunks, split_statements
from drizzle_lsp.sql.tokens import tokenize


class _QuietFallback(logging.Filter):
    """sqlglot logs a warning for every statement it keeps as an opaque command; that is our normal case."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "unsupported syntax" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_QuietFallback())


def parse_other(text: str, path: str, dialect: str) -> list[Statement]:
    statements: list[Statement] = []
    for lo, hi in split_chunks(text):
        spans = split_statements(text, lo, hi, dialect)
        if spans and all(code_start(text, s, e, dialect) >= e for s, e in spans) and text[lo:hi].strip():
            s = lo + len(text[lo:hi]) - len(text[lo:hi].lstrip())
            e = lo + len(text[lo:hi].rstrip())
            rng = SourceRange(path, s, e)
            statements.append(Statement(text[s:e], rng, [Operation(OpKind.COMMENT, rng, raw=text[s:e],
                                                                   statement_index=len(statements))],
                                        index=len(statements)))
            continue
        for s, e in spans:
            s = code_start(text, s, e, dialect)
            if s >= e:
                continue
            statements.append(_statement(text, path, s, e, dialect, len(statements)))
    return statements


def _statement(text: str, path: str, s: int, e: int, dialect: str, index: int) -> Statement:
    stmt_text = text[s:e]
    st = Statement(stmt_text, SourceRange(path, s, e), index=index)
    error = syntax_error(stmt_text, dialect)
    if error is not None:
        message, at = error
        at = s + min(at, len(stmt_text))
        st.error = Problem("syntax-error", message, SourceRange(path, at, min(at + 1, e) if at < e else e), "error")
        st.operations = [Operation(OpKind.UNKNOWN, st.range, raw=stmt_text, statement_index=index)]
        return st
    toks = tokenize(text, s, e, dialect)
    try:
        st.operations = operations(text, path, s, e, toks, dialect, index)
    except Exception as exc:  # noqa: BLE001 - a gap in the builders must not lose the statement
        st.operations = [Operation(OpKind.UNKNOWN, st.range, raw=stmt_text, statement_index=index)]
        st.error = Problem("sql-not-understood", f"statement parsed but not modelled: {exc}", st.range, "info")
    return st


def syntax_error(stmt_text: str, dialect: str) -> tuple[str, int] | None:
    """(message, character offset in ``stmt_text``) when sqlglot rejects the statement."""
    try:
        sqlglot.parse(stmt_text, read=dialect)
    except ParseError as exc:
        info = exc.errors[0] if exc.errors else {}
        line, col = info.get("line") or 1, info.get("col") or 0
        highlight = info.get("highlight") or ""
        lines = stmt_text.split("\n")
        at = sum(len(x) + 1 for x in lines[: line - 1]) + max(col - len(highlight), 0)
        return info.get("description") or str(exc), at
    except TokenError as exc:
        return str(exc), len(stmt_text)
    except Exception:  # noqa: BLE001 - a sqlglot crash is its gap, not a syntax error of the user
        return None
    return None
