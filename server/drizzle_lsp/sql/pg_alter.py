"""ALTER TABLE sub-commands and renames, one operation per sub-command."""

from __future__ import annotations

from typing import Any

from drizzle_lsp.model import ConstraintType, Operation, OpKind
from drizzle_lsp.sql.pg_adapter import enum_name, node_kind
from drizzle_lsp.sql.pg_common import Ctx, const_text, names
from drizzle_lsp.sql.pg_tables import SEQ_OPTIONS, column_from_def, constraint_object, identity_from
from drizzle_lsp.sql.pg_types import render_type, type_end
from drizzle_lsp.sql.tokens import element_end

_SIMPLE = {
    "AT_SetNotNull": OpKind.SET_NOT_NULL, "AT_DropNotNull": OpKind.DROP_NOT_NULL,
    "AT_DropIdentity": OpKind.DROP_IDENTITY, "AT_EnableRowSecurity": OpKind.ENABLE_RLS,
    "AT_DisableRowSecurity": OpKind.DISABLE_RLS, "AT_ForceRowSecurity": OpKind.ENABLE_RLS,
}


def alter_table(ctx: Ctx, st: Any) -> list[Operation]:
    rel = st.relation
    if enum_name(st, "objtype") not in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"):
        return [ctx.op(OpKind.UNKNOWN, table=rel.relname)]
    schema = rel.schemaname or "public"
    base = dict(schema=schema, table=rel.relname, table_range=ctx.name_range_at(rel.location))
    ops: list[Operation] = []
    # sub-commands carry no location of their own: find each one's first token by walking the commas
    starts = _command_starts(ctx, rel.location)
    last = len(ctx.toks) - 1 if ctx.toks and ctx.toks[-1].text == ";" else len(ctx.toks)
    for n, cmd_node in enumerate(st.cmds):
        cmd = cmd_node.alter_table_cmd
        lo = starts[n] if n < len(starts) else ctx.tok_index(rel.location)
        hi = starts[n + 1] - 1 if n + 1 < len(starts) else last
        op = _command(ctx, cmd, base, lo, hi, st.missing_ok)
        op.range = ctx.rng(ctx.toks[lo].start, ctx.toks[max(lo, hi - 1)].end) if lo < len(ctx.toks) else op.range
        op.range = ctx.rng(ctx.start, ctx.end) if len(st.cmds) == 1 else op.range
        ops.append(op)
    return ops


def _command_starts(ctx: Ctx, rel_location: int) -> list[int]:
    i = ctx.tok_index(rel_location)
    while i + 2 < len(ctx.toks) and ctx.toks[i + 1].text == ".":
        i += 2
    starts = [i + 1]
    j = i + 1
    while j < len(ctx.toks):
        j = element_end(ctx.toks, j)
        if j < len(ctx.toks) and ctx.toks[j].text == ",":
            starts.append(j + 1)
            j += 1
        else:
            break
    return starts


def _column_range(ctx: Ctx, lo: int, hi: int, name: str):
    for t in ctx.toks[lo:hi]:
        if t.kind in ("word", "qword") and t.name == name and t.upper not in ("COLUMN", "ALTER", "DROP"):
            return ctx.rng(t.start, t.end)
    return None


def _command(ctx: Ctx, cmd: Any, base: dict, lo: int, hi: int, table_if_exists: bool) -> Operation:
    sub = enum_name(cmd, "subtype")
    col = cmd.name or None
    colr = _column_range(ctx, lo, hi, col) if col else None
    kw = dict(base, column=col, column_range=colr)
    if sub == "AT_AddColumn":
        cd = getattr(cmd, "def").column_def
        column, extra = column_from_def(ctx, cd, base["table"], base["schema"])
        kw.update(column=column.name, column_range=column.name_range)
        op = ctx.op(OpKind.ADD_COLUMN, column_def=column, if_not_exists=cmd.missing_ok, type_range=column.type_range,
                    new_type=column.type, default=column.default, **kw)
        if extra:
            op.constraint_type, op.constraint = extra[0]
            op.constraint_name = getattr(extra[0][1], "name", None)
        return op
    d = getattr(cmd, "def")
    if sub == "AT_DropColumn":
        return ctx.op(OpKind.DROP_COLUMN, if_exists=cmd.missing_ok, cascade=_cascade(cmd), **kw)
    if sub == "AT_AlterColumnType":
        cd = d.column_def
        new_type, type_schema = render_type(ctx, cd.type_name)
        ti = ctx.tok_index(cd.type_name.location)
        u = ctx.find_word("USING", ti, hi)
        tstop = u if u >= 0 else hi
        using = ctx.slice(u + 1, hi) if u >= 0 else None
        op = ctx.op(OpKind.ALTER_COLUMN_TYPE, new_type=new_type, using=using,
                    type_range=ctx.rng(ctx.at(cd.type_name.location), type_end(ctx, cd.type_name, tstop)), **kw)
        op.type_name = type_schema
        return op
    if sub == "AT_ColumnDefault":
        if node_kind(d):
            i = ctx.find_word("DEFAULT", lo, hi)
            return ctx.op(OpKind.SET_DEFAULT, default=ctx.slice(i + 1, hi) if i >= 0 else None, **kw)
        return ctx.op(OpKind.DROP_DEFAULT, **kw)
    if sub in ("AT_AddConstraint", "AT_AddIndexConstraint"):
        con = d.constraint
        ci = ctx.tok_index(con.location) if con.location >= 0 else lo
        ctype, obj = constraint_object(ctx, con, base["table"], [], ci, hi)
        if ctype is ConstraintType.NOT_NULL:
            # PostgreSQL 18: ADD CONSTRAINT name NOT NULL column [NOT VALID] is SET NOT NULL with a name, and with
            # NOT VALID it skips the scan until a later VALIDATE CONSTRAINT.
            keys = names(con.keys)
            column = keys[0] if keys else col
            return ctx.op(OpKind.SET_NOT_NULL, constraint_name=con.conname or None, not_valid=con.skip_validation,
                          **dict(kw, column=column,
                                 column_range=_column_range(ctx, ci, hi, column) if column else None))
        return ctx.op(OpKind.ADD_CONSTRAINT, constraint_type=ctype, constraint=obj,
                      constraint_name=con.conname or getattr(obj, "name", None), not_valid=con.skip_validation,
                      using_index=con.indexname or None, **dict(kw, column=None, column_range=None))
    if sub == "AT_ValidateConstraint":
        return ctx.op(OpKind.VALIDATE_CONSTRAINT, constraint_name=cmd.name, **dict(kw, column=None, column_range=None))
    if sub == "AT_DropConstraint":
        return ctx.op(OpKind.DROP_CONSTRAINT, constraint_name=cmd.name, if_exists=cmd.missing_ok,
                      cascade=_cascade(cmd), **dict(kw, column=None, column_range=None))
    if sub == "AT_AddIdentity":
        ident = identity_from(d.constraint, base["table"], col or "", base["schema"])
        op = ctx.op(OpKind.ADD_IDENTITY, **kw)
        op.value = ident.type
        op.constraint = ident
        return op
    if sub == "AT_SetIdentity" and node_kind(d) == "list":
        return _alter_identity(ctx, d, kw)
    if sub in _SIMPLE:
        return ctx.op(_SIMPLE[sub], if_exists=cmd.missing_ok, **kw)
    if sub in ("AT_SetLogged", "AT_SetUnLogged"):
        return ctx.op(OpKind.TABLE_REWRITE, rewrite="set_logged" if sub == "AT_SetLogged" else "set_unlogged", **kw)
    return ctx.op(OpKind.UNKNOWN, **kw)


def _cascade(cmd: Any) -> bool:
    return enum_name(cmd, "behavior") == "DROP_CASCADE"


def _alter_identity(ctx: Ctx, d: Any, kw: dict) -> Operation:
    """``SET GENERATED ALWAYS``, ``SET INCREMENT BY 2``, ``SET NO CYCLE``…: the new identity type in ``value`` and
    the changed sequence options in ``constraint``, named as ``Identity``'s fields."""
    op = ctx.op(OpKind.ALTER_IDENTITY, **kw)
    changes: dict[str, object] = {}
    for item in d.list.items:
        de = item.def_elem
        if de.defname == "generated":
            op.value = "always" if de.arg.integer.ival == ord("a") else "byDefault"
        elif de.defname in SEQ_OPTIONS:
            changes[SEQ_OPTIONS[de.defname]] = const_text(de.arg) if de.HasField("arg") else None
        elif de.defname == "cycle":
            changes["cycle"] = const_text(de.arg) in ("true", "1") if de.HasField("arg") else True
    op.constraint = changes
    return op


def rename(ctx: Ctx, st: Any) -> list[Operation]:
    kind = enum_name(st, "rename_type")
    rel = st.relation if st.HasField("relation") else None
    kw: dict = {}
    if rel is not None:
        kw = dict(schema=rel.schemaname or "public", table=rel.relname, table_range=ctx.name_range_at(rel.location))
    if kind == "OBJECT_TABLE":
        return [ctx.op(OpKind.RENAME_TABLE, new_name=st.newname, if_exists=st.missing_ok, **kw)]
    if kind == "OBJECT_COLUMN":
        i = ctx.find_word("RENAME")
        return [ctx.op(OpKind.RENAME_COLUMN, column=st.subname, new_name=st.newname,
                       column_range=_column_range(ctx, i + 1, len(ctx.toks), st.subname), **kw)]
    if kind == "OBJECT_TABCONSTRAINT":
        return [ctx.op(OpKind.RENAME_CONSTRAINT, constraint_name=st.subname, new_name=st.newname, **kw)]
    if kind == "OBJECT_TYPE" and node_kind(st.object) == "list":
        parts = names(st.object.list.items)
        return [ctx.op(OpKind.RENAME_TYPE, schema=parts[-2] if len(parts) > 1 else "public", type_name=parts[-1],
                       new_name=st.newname)]
    if kind == "OBJECT_INDEX":
        return [ctx.op(OpKind.RENAME_INDEX, index_name=rel.relname if rel else None, new_name=st.newname,
                       schema=kw.get("schema"))]
    return [ctx.op(OpKind.UNKNOWN)]
