"""A PostgreSQL migration file to statements: breakpoint chunks, scanner split, one libpg_query parse each."""

from __future__ import annotations

from drizzle_lsp.model import Operation, OpKind, Problem, SourceRange, Statement
from drizzle_lsp.sql.pg_adapter import byte_to_char, parse_one, scan
from drizzle_lsp.sql.pg_common import Ctx
from drizzle_lsp.sql.pg_ops import operations
from drizzle_lsp.sql.splitter import code_start, split_chunks, split_statements
from drizzle_lsp.sql.tokens import Tok, find

_BLOCK_OPENERS = {"IF", "ELSIF", "ELSE", "WHEN", "LOOP", "FOR", "WHILE", "CASE"}


def parse_pg(text: str, path: str, chunks: dict[tuple[str, int, int], list[Statement]] | None = None) -> list[Statement]:
    """The statements of a migration file. ``chunks`` (kept by a long-lived caller between two parses of the same
    file) maps (breakpoint chunk text, its offset, its first statement's index) to the statements parsed from it,
    and is updated to this text's chunks: a keystroke in a 200-statement migration parses one chunk, not 200. A
    chunk's statements depend on nothing outside it; one that moved or whose statements were renumbered is parsed
    again rather than shifted, so no offset is ever left behind."""
    statements: list[Statement] = []
    fresh: dict[tuple[str, int, int], list[Statement]] = {}
    for lo, hi in split_chunks(text):
        key = (text[lo:hi], lo, len(statements))
        found = chunks.get(key) if chunks is not None else None
        if found is None:
            found = [_statement(text, path, s, e, toks, len(statements) + i)
                     for i, (s, e, toks) in enumerate(_spans(text, lo, hi))]
        fresh[key] = found
        statements.extend(found)
    if chunks is not None:
        chunks.clear()
        chunks.update(fresh)
    return statements


def _spans(text: str, lo: int, hi: int) -> list[tuple[int, int, list[Tok]]]:
    """(start, end, tokens) per statement; a comment-only chunk gives one span with no tokens."""
    scanned = scan(text[lo:hi], base=lo)
    out: list[tuple[int, int, list[Tok]]] = []
    if scanned is None:
        for s, e in split_statements(text, lo, hi, "postgresql"):
            cs = code_start(text, s, e)
            if cs < e:
                out.append((cs, e, []))
            elif text[s:e].strip() and not out:
                out.append((s + len(text[s:e]) - len(text[s:e].lstrip()), e, []))
        return out
    code, comments = scanned
    if not code:
        if comments:
            out.append((comments[0].start, comments[-1].end, []))
        return out
    current: list[Tok] = []
    for t in code:
        current.append(t)
        if t.text == ";":
            if len(current) > 1:
                out.append((current[0].start, t.end, current))
            current = []
    if current:
        out.append((current[0].start, current[-1].end, current))
    return out


def _statement(text: str, path: str, s: int, e: int, toks: list[Tok], index: int) -> Statement:
    stmt_text = text[s:e]
    st = Statement(text=stmt_text, range=SourceRange(path, s, e), index=index)
    if not toks and code_start(text, s, e) >= e:
        st.operations = [Operation(OpKind.COMMENT, range=st.range, raw=stmt_text, statement_index=index)]
        return st
    parsed = parse_one(stmt_text)
    if parsed.error is not None:
        at = s + parsed.error_at if parsed.error_at is not None else e
        at = min(at, e)
        i = find(toks, at)
        end = toks[i].end if i < len(toks) and toks[i].start == at else min(at + 1, e)
        st.error = Problem("syntax-error", parsed.error, SourceRange(path, at, max(end, at)), severity="error")
        st.operations = [Operation(OpKind.UNKNOWN, range=st.range, raw=stmt_text, statement_index=index)]
        return st
    if parsed.node is None:
        return st
    ctx = Ctx(path, text, s, e, toks, byte_to_char(stmt_text), statement_index=index)
    try:
        st.operations = operations(ctx, parsed.node, _inner_ops)
    except Exception as exc:  # noqa: BLE001 - a gap in the operation builders must not lose the statement
        st.operations = [Operation(OpKind.UNKNOWN, range=st.range, raw=stmt_text, statement_index=index)]
        st.error = Problem("sql-not-understood", f"statement parsed but not modelled: {exc}", st.range, "info")
    return st


def _inner_ops(outer: Ctx, body: str, base: int) -> list[Operation]:
    """Operations for the SQL statements inside a PL/pgSQL block body (``DO $$ BEGIN ...; EXCEPTION ... END $$``).

    PL/pgSQL control lines (``IF ... THEN``, ``END IF``) are stepped over; exception handlers are skipped, since
    drizzle-kit's only use of them is ``WHEN duplicate_object THEN null``.
    """
    scanned = scan(body, base=base)
    if scanned is None:
        return []
    toks = scanned[0]
    ops: list[Operation] = []
    segment: list[Tok] = []
    for t in toks + [Tok("punct", ";", base + len(body), base + len(body))]:
        if t.text != ";":
            segment.append(t)
            continue
        seg, segment = _strip_control(segment), []
        if not seg:
            continue
        if seg[0].upper == "EXCEPTION":
            break
        s, e = seg[0].start, seg[-1].end
        parsed = parse_one(outer.text[s:e])
        if parsed.node is None:
            continue
        ctx = Ctx(outer.path, outer.text, s, e, seg, byte_to_char(outer.text[s:e]),
                  statement_index=outer.statement_index)
        try:
            ops.extend(operations(ctx, parsed.node, _inner_ops))
        except Exception:  # noqa: BLE001 - best effort inside procedural code
            continue
    return ops


def _strip_control(seg: list[Tok]) -> list[Tok]:
    """Drop leading PL/pgSQL block syntax (DECLARE ..., BEGIN, IF ... THEN, ELSE) before a SQL statement."""
    i = 0
    while i < len(seg):
        word = seg[i].upper
        if word in ("BEGIN", "DECLARE"):
            i += 1
        elif word in _BLOCK_OPENERS:
            j = next((k for k in range(i, len(seg)) if seg[k].upper in ("THEN", "LOOP")), -1)
            if j < 0:
                if word == "ELSE":
                    i += 1
                    continue
                return []
            i = j + 1
        elif word == "END":
            return []
        else:
            break
    return seg[i:]
