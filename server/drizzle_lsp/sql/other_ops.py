"""SQLite and MySQL statements to typed operations, read from tokens (the DDL subset drizzle-kit emits and people
write by hand; anything else becomes ``unknown`` with its text kept)."""

from __future__ import annotations

from drizzle_lsp.model import (
    CheckConstraint, Column, ConstraintType, ForeignKey, Index, IndexColumn, Operation, OpKind, PrimaryKey,
    SourceRange, Table, UniqueConstraint,
)
from drizzle_lsp.sql.tokens import Tok, element_end, match_paren, split_top

_COLUMN_STOP = {"NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "AUTOINCREMENT",
                "AUTO_INCREMENT", "GENERATED", "AS", "COLLATE", "ON", "CONSTRAINT", "COMMENT"}
_TABLE_CONSTRAINT = {"CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "INDEX", "KEY"}


class _Reader:
    def __init__(self, text: str, path: str, s: int, e: int, toks: list[Tok], dialect: str, index: int) -> None:
        self.text, self.path, self.s, self.e, self.toks, self.dialect, self.index = text, path, s, e, toks, dialect, index
        if toks and toks[-1].text == ";":
            self.toks = toks[:-1]

    def rng(self, a: int, b: int) -> SourceRange:
        return SourceRange(self.path, a, b)

    def trng(self, i: int) -> SourceRange | None:
        return self.rng(self.toks[i].start, self.toks[i].end) if i < len(self.toks) else None

    def op(self, kind: OpKind, **kw) -> Operation:
        return Operation(kind, self.rng(self.s, self.e), raw=self.text[self.s:self.e], statement_index=self.index, **kw)

    def word(self, i: int) -> str:
        return self.toks[i].upper if i < len(self.toks) else ""

    def slice(self, lo: int, hi: int) -> str:
        hi = min(hi, len(self.toks))
        return self.text[self.toks[lo].start:self.toks[hi - 1].end] if lo < hi else ""

    def skip_words(self, i: int, *words: str) -> int:
        while self.word(i) in words:
            i += 1
        return i

    def name_at(self, i: int) -> tuple[str, int, int]:
        """(name, token index of the name, next index) of a possibly qualified name at ``i``."""
        while i + 2 < len(self.toks) and self.toks[i + 1].text == ".":
            i += 2
        return (self.toks[i].name if i < len(self.toks) else ""), i, i + 1

    def paren_names(self, i: int) -> tuple[list[str], int]:
        """Identifiers inside ``(...)`` starting at token ``i`` and the index after ``)``."""
        if i >= len(self.toks) or self.toks[i].text != "(":
            return [], i
        j = match_paren(self.toks, i)
        return [t.name for t in self.toks[i + 1:j] if t.kind in ("word", "qword")], j + 1


def operations(text: str, path: str, s: int, e: int, toks: list[Tok], dialect: str, index: int) -> list[Operation]:
    r = _Reader(text, path, s, e, toks, dialect, index)
    w0, w1 = r.word(0), r.word(1)
    if w0 == "CREATE" and r.word(r.skip_words(1, "TEMP", "TEMPORARY")) == "TABLE":
        return [_create_table(r, r.skip_words(1, "TEMP", "TEMPORARY") + 1)]
    if w0 == "CREATE" and (w1 == "INDEX" or (w1 == "UNIQUE" and r.word(2) == "INDEX")):
        return [_create_index(r)]
    if w0 == "ALTER" and w1 == "TABLE":
        return _alter_table(r)
    if w0 == "DROP" and w1 in ("TABLE", "INDEX"):
        i = 2
        if_exists = r.word(2) == "IF"
        i = 4 if if_exists else 2
        name, ni, after = r.name_at(i)
        if w1 == "TABLE":
            return [r.op(OpKind.DROP_TABLE, table=name, table_range=r.trng(ni), if_exists=if_exists, schema="")]
        op = r.op(OpKind.DROP_INDEX, index_name=name, if_exists=if_exists, schema="")
        if r.word(after) == "ON":
            t, ti, _ = r.name_at(after + 1)
            op.table, op.table_range = t, r.trng(ti)
        return [op]
    if w0 == "RENAME" and w1 == "TABLE":
        return _rename_tables(r)
    if w0 == "PRAGMA":
        name, _, after = r.name_at(1)
        value = r.slice(after + 1, len(r.toks)) if after < len(r.toks) else None
        return [r.op(OpKind.PRAGMA, parameter=name.lower(), value=value.strip("()") if value else None)]
    if w0 in ("BEGIN", "COMMIT", "ROLLBACK", "START", "END", "SAVEPOINT", "RELEASE"):
        kind = {"START": "begin", "END": "commit"}.get(w0, w0.lower())
        return [r.op(OpKind.TRANSACTION, transaction=kind)]
    if w0 in ("INSERT", "REPLACE"):
        i = r.skip_words(1, "OR", "REPLACE", "IGNORE", "ABORT", "FAIL", "ROLLBACK", "INTO")
        name, ni, after = r.name_at(i)
        sel = any(t.upper == "SELECT" for t in r.toks[after:]) and not any(t.upper == "VALUES" for t in r.toks[after:])
        return [r.op(OpKind.INSERT, table=name, table_range=r.trng(ni), from_select=sel, schema="")]
    if w0 in ("UPDATE", "DELETE"):
        i = r.skip_words(1, "OR", "REPLACE", "IGNORE", "ABORT", "FAIL", "ROLLBACK", "LOW_PRIORITY", "QUICK", "FROM")
        name, ni, _ = r.name_at(i)
        where = any(t.upper == "WHERE" for t in r.toks)
        return [r.op(OpKind.UPDATE if w0 == "UPDATE" else OpKind.DELETE, table=name, table_range=r.trng(ni),
                     has_where=where, schema="")]
    if w0 == "TRUNCATE":
        name, ni, _ = r.name_at(r.skip_words(1, "TABLE"))
        return [r.op(OpKind.TRUNCATE, table=name, table_range=r.trng(ni), schema="")]
    if w0 == "VACUUM":
        return [r.op(OpKind.TABLE_REWRITE, rewrite="vacuum_full")]
    if w0 == "REINDEX":
        return [r.op(OpKind.TABLE_REWRITE, rewrite="reindex")]
    return [r.op(OpKind.UNKNOWN)]


def _create_table(r: _Reader, i: int) -> Operation:
    if_not_exists = r.word(i) == "IF"
    i = i + 3 if if_not_exists else i
    name, ni, i = r.name_at(i)
    table = Table(name=name, schema="", range=r.rng(r.s, r.e), name_range=r.trng(ni))
    if i < len(r.toks) and r.toks[i].text == "(":
        close = match_paren(r.toks, i)
        for lo, hi in split_top(r.toks, i + 1, close):
            if r.word(lo) in _TABLE_CONSTRAINT and not (r.word(lo) == "KEY" and r.toks[lo].kind == "qword"):
                _table_constraint(r, table, lo, hi)
            else:
                col, extra = _column(r, lo, hi, name)
                table.columns[col.name] = col
                for ctype, obj in extra:
                    _add(table, ctype, obj)
    return r.op(OpKind.CREATE_TABLE, table=name, table_range=r.trng(ni), table_def=table,
                if_not_exists=if_not_exists, schema="")


def _column(r: _Reader, lo: int, hi: int, table: str) -> tuple[Column, list]:
    name_tok = r.toks[lo]
    j = lo + 1
    depth = 0
    while j < hi:
        t = r.toks[j]
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif depth == 0 and t.upper in _COLUMN_STOP:
            break
        j += 1
    col = Column(name=name_tok.name, type=r.slice(lo + 1, j), range=r.rng(name_tok.start, r.toks[hi - 1].end),
                 name_range=r.rng(name_tok.start, name_tok.end),
                 type_range=r.rng(r.toks[lo + 1].start, r.toks[j - 1].end) if j > lo + 1 else None)
    extra: list = []
    while j < hi:
        w = r.word(j)
        if w == "NOT" and r.word(j + 1) == "NULL":
            col.not_null, j = True, j + 2
        elif w == "NULL":
            j += 1
        elif w == "DEFAULT":
            k = j + 1
            k = match_paren(r.toks, k) + 1 if r.toks[k].text == "(" else k + 1
            while k < hi and r.toks[k].text in ("::", "(", "[") or (k < hi and r.toks[k - 1].text == "::"):
                k = match_paren(r.toks, k) + 1 if r.toks[k].text == "(" else k + 1
            col.default, j = r.slice(j + 1, k), k
        elif w == "PRIMARY":
            col.primary_key, col.not_null, j = True, True, j + 2
        elif w in ("AUTOINCREMENT", "AUTO_INCREMENT"):
            col.auto_increment, j = True, j + 1
        elif w == "UNIQUE":
            extra.append((ConstraintType.UNIQUE, UniqueConstraint(f"{table}_{col.name}_unique", [col.name])))
            j += 1
        elif w == "REFERENCES":
            fk, j = _references(r, j, table, [col.name], None)
            extra.append((ConstraintType.FOREIGN_KEY, fk))
        elif w in ("CHECK", "AS") or (w == "GENERATED"):
            k = j
            while k < hi and r.toks[k].text != "(":
                k += 1
            end = match_paren(r.toks, k) if k < hi else hi - 1
            body = r.slice(k + 1, end)
            if w == "CHECK":
                extra.append((ConstraintType.CHECK, CheckConstraint(f"{table}_{col.name}_check", body)))
            else:
                col.generated = body
            j = end + 1
        elif w == "ON" and r.word(j + 1) == "UPDATE":
            col.options["on_update"] = True
            j += 3
        else:
            j += 1
    return col, extra


def _references(r: _Reader, j: int, table: str, cols: list[str], name: str | None) -> tuple[ForeignKey, int]:
    ref, _, k = r.name_at(j + 1)
    to_cols, k = r.paren_names(k)
    fk = ForeignKey(name=name or f"{table}_{'_'.join(cols)}_{ref}_{'_'.join(to_cols)}_fk", table_from=table,
                    columns_from=cols, table_to=ref, columns_to=to_cols, on_delete="no action", on_update="no action")
    while r.word(k) == "ON":
        action_words = []
        m = k + 2
        while r.word(m) in ("CASCADE", "RESTRICT", "NO", "ACTION", "SET", "NULL", "DEFAULT"):
            action_words.append(r.word(m).lower())
            m += 1
        if r.word(k + 1) == "DELETE":
            fk.on_delete = " ".join(action_words)
        else:
            fk.on_update = " ".join(action_words)
        k = m
    return fk, k


def _table_constraint(r: _Reader, table: Table, lo: int, hi: int) -> tuple[ConstraintType, object] | None:
    name = None
    if r.word(lo) == "CONSTRAINT":
        name, lo = r.toks[lo + 1].name, lo + 2
    w = r.word(lo)
    got: tuple[ConstraintType, object] | None = None
    if w == "PRIMARY":
        cols, _ = r.paren_names(lo + 2)
        got = ConstraintType.PRIMARY_KEY, PrimaryKey(name or f"{table.name}_{'_'.join(cols)}_pk", cols)
    elif w == "UNIQUE":
        k = r.skip_words(lo + 1, "KEY", "INDEX")
        if k < hi and r.toks[k].text != "(":
            name, k = name or r.toks[k].name, k + 1
        cols, _ = r.paren_names(k)
        got = ConstraintType.UNIQUE, UniqueConstraint(name or f"{table.name}_{'_'.join(cols)}_unique", cols)
    elif w == "FOREIGN":
        cols, k = r.paren_names(lo + 2)
        fk, _ = _references(r, k, table.name, cols, name)
        got = ConstraintType.FOREIGN_KEY, fk
    elif w == "CHECK":
        k = lo + 1
        end = match_paren(r.toks, k)
        got = ConstraintType.CHECK, CheckConstraint(name or f"{table.name}_check", r.slice(k + 1, end))
    if got is not None:
        got[1].range = r.rng(r.toks[lo].start, r.toks[hi - 1].end)  # type: ignore[attr-defined]
        _add(table, *got)
    return got


def _add(table: Table, ctype: ConstraintType, obj) -> None:
    {ConstraintType.PRIMARY_KEY: table.primary_keys, ConstraintType.UNIQUE: table.unique_constraints,
     ConstraintType.FOREIGN_KEY: table.foreign_keys, ConstraintType.CHECK: table.checks}[ctype][obj.name] = obj


def _create_index(r: _Reader) -> Operation:
    unique = r.word(1) == "UNIQUE"
    i = 3 if unique else 2
    if_not_exists = r.word(i) == "IF"
    i = i + 3 if if_not_exists else i
    name, _, i = r.name_at(i)
    table, ti, i = r.name_at(i + 1)
    cols: list[IndexColumn] = []
    close = i
    if i < len(r.toks) and r.toks[i].text == "(":
        close = match_paren(r.toks, i)
        for lo, hi in split_top(r.toks, i + 1, close):
            asc = r.word(hi - 1) != "DESC"
            hi = hi - 1 if r.word(hi - 1) in ("ASC", "DESC") else hi
            simple = hi - lo == 1 and r.toks[lo].kind in ("word", "qword")
            cols.append(IndexColumn(r.toks[lo].name if simple else r.slice(lo, hi), is_expression=not simple, asc=asc))
    where = r.slice(close + 2, len(r.toks)) if r.word(close + 1) == "WHERE" else None
    index = Index(name=name, columns=cols, unique=unique, where=where, range=r.rng(r.s, r.e))
    return r.op(OpKind.CREATE_INDEX, table=table, table_range=r.trng(ti), index=index, index_name=name,
                if_not_exists=if_not_exists, schema="")


def _rename_tables(r: _Reader) -> list[Operation]:
    """MySQL's ``RENAME TABLE a TO b[, c TO d]``, the form drizzle-kit writes for a MySQL table rename."""
    ops: list[Operation] = []
    i = 2
    while i < len(r.toks):
        old, oi, after = r.name_at(i)
        if r.word(after) != "TO" or after + 1 >= len(r.toks):
            break
        new, _, i = r.name_at(after + 1)
        ops.append(r.op(OpKind.RENAME_TABLE, table=old, table_range=r.trng(oi), new_name=new, schema=""))
        if i < len(r.toks) and r.toks[i].text == ",":
            i += 1
        else:
            break
    return ops or [r.op(OpKind.UNKNOWN)]


def _alter_table(r: _Reader) -> list[Operation]:
    table, ti, i = r.name_at(2)
    base = dict(table=table, table_range=r.trng(ti), schema="")
    ops: list[Operation] = []
    while i < len(r.toks):
        hi = element_end(r.toks, i)
        ops.append(_alter_command(r, base, i, hi))
        i = hi + 1
    return ops or [r.op(OpKind.UNKNOWN, **base)]


def _alter_command(r: _Reader, base: dict, lo: int, hi: int) -> Operation:
    w, w1 = r.word(lo), r.word(lo + 1)
    if w == "RENAME":
        if w1 == "TO" or w1 == "AS":
            return r.op(OpKind.RENAME_TABLE, new_name=r.toks[lo + 2].name, **base)
        k = lo + 2 if w1 == "COLUMN" else lo + 1
        if w1 in ("INDEX", "KEY"):
            return r.op(OpKind.RENAME_INDEX, index_name=r.toks[k].name, new_name=r.toks[k + 2].name, **base)
        return r.op(OpKind.RENAME_COLUMN, column=r.toks[k].name, column_range=r.trng(k),
                    new_name=r.toks[k + 2].name, **base)
    if w == "ADD":
        if w1 in _TABLE_CONSTRAINT and not (w1 == "KEY" and r.toks[lo + 1].kind == "qword"):
            holder = Table(name=base["table"], schema="")
            got = _table_constraint(r, holder, lo + 1, hi)
            if got is None:
                return r.op(OpKind.UNKNOWN, **base)
            return r.op(OpKind.ADD_CONSTRAINT, constraint_type=got[0], constraint=got[1],
                        constraint_name=getattr(got[1], "name", None), **base)
        k = lo + 2 if w1 == "COLUMN" else lo + 1
        col, extra = _column(r, k, hi, base["table"])
        op = r.op(OpKind.ADD_COLUMN, column=col.name, column_range=col.name_range, column_def=col,
                  new_type=col.type, type_range=col.type_range, default=col.default, **base)
        if extra:
            op.constraint_type, op.constraint = extra[0]
        return op
    if w in ("MODIFY", "CHANGE"):
        k = lo + 2 if w1 == "COLUMN" else lo + 1
        old = r.toks[k].name
        if w == "CHANGE":
            k += 1
        col, _ = _column(r, k, hi, base["table"])
        op = r.op(OpKind.ALTER_COLUMN_TYPE, column=old, column_range=r.trng(k), column_def=col, new_type=col.type,
                  type_range=col.type_range, **base)
        op.value = "modify"
        if w == "CHANGE" and col.name != old:
            op.new_name = col.name
        return op
    if w == "DROP":
        if w1 in ("CONSTRAINT", "FOREIGN", "CHECK", "INDEX", "KEY"):
            k = lo + 3 if w1 == "FOREIGN" else lo + 2
            if w1 in ("INDEX", "KEY"):
                return r.op(OpKind.DROP_INDEX, index_name=r.toks[k].name, **base)
            return r.op(OpKind.DROP_CONSTRAINT, constraint_name=r.toks[k].name, **base)
        if w1 == "PRIMARY":
            return r.op(OpKind.DROP_CONSTRAINT, constraint_type=ConstraintType.PRIMARY_KEY, **base)
        k = lo + 2 if w1 == "COLUMN" else lo + 1
        return r.op(OpKind.DROP_COLUMN, column=r.toks[k].name, column_range=r.trng(k), **base)
    if w == "ALTER":
        k = lo + 2 if w1 == "COLUMN" else lo + 1
        kw = dict(base, column=r.toks[k].name, column_range=r.trng(k))
        if r.word(k + 1) == "SET" and r.word(k + 2) == "DEFAULT":
            return r.op(OpKind.SET_DEFAULT, default=r.slice(k + 3, hi), **kw)
        if r.word(k + 1) == "DROP" and r.word(k + 2) == "DEFAULT":
            return r.op(OpKind.DROP_DEFAULT, **kw)
    return r.op(OpKind.UNKNOWN, **base)
