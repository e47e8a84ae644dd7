"""CREATE TABLE elements and constraints, shared by CREATE TABLE and ALTER TABLE ADD COLUMN / ADD CONSTRAINT."""

from __future__ import annotations

from typing import Any

from drizzle_lsp.model import (
    CheckConstraint, Column, ConstraintType, ForeignKey, Identity, PrimaryKey, Table, UniqueConstraint,
)
from drizzle_lsp.sql.pg_adapter import enum_name, node_kind
from drizzle_lsp.sql.pg_common import Ctx, const_text, names, sval
from drizzle_lsp.sql.pg_types import render_type, type_end
from drizzle_lsp.sql.tokens import element_end

FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default", "": "no action"}
_CONTYPES = {
    "CONSTR_FOREIGN": ConstraintType.FOREIGN_KEY, "CONSTR_CHECK": ConstraintType.CHECK,
    "CONSTR_UNIQUE": ConstraintType.UNIQUE, "CONSTR_PRIMARY": ConstraintType.PRIMARY_KEY,
    "CONSTR_EXCLUSION": ConstraintType.EXCLUDE, "CONSTR_NOTNULL": ConstraintType.NOT_NULL,
}
SEQ_OPTIONS = {"increment": "increment", "start": "start_with", "minvalue": "min_value", "maxvalue": "max_value",
                "cache": "cache"}


def column_from_def(ctx: Ctx, cd: Any, table: str, schema: str) -> tuple[Column, list[tuple[ConstraintType, Any]]]:
    """The column a ``ColumnDef`` describes, plus the named constraints it implies (inline UNIQUE, CHECK, REFERENCES)."""
    first = ctx.tok_index(cd.location)
    stop = element_end(ctx.toks, first)
    cons = [c.constraint for c in cd.constraints if node_kind(c) == "constraint"]
    con_idx = sorted(ctx.tok_index(c.location) for c in cons)
    type_stop = min([j for j in con_idx if j > first] + [stop])
    if cd.HasField("coll_clause"):
        type_stop = min(type_stop, ctx.tok_index(cd.coll_clause.location))
    col_type, type_schema = render_type(ctx, cd.type_name)
    tstart = ctx.at(cd.type_name.location)
    name_tok = ctx.toks[first] if first < len(ctx.toks) else None
    col = Column(
        name=cd.colname, type=col_type, type_schema=type_schema,
        range=ctx.rng(name_tok.start if name_tok else ctx.start, ctx.toks[stop - 1].end if stop > first else ctx.end),
        type_range=ctx.rng(tstart, type_end(ctx, cd.type_name, type_stop)),
        name_range=ctx.rng(name_tok.start, name_tok.end) if name_tok else None,
    )
    extra: list[tuple[ConstraintType, Any]] = []
    for con in cons:
        ci = ctx.tok_index(con.location)
        cstop = min([j for j in con_idx if j > ci] + [stop])
        kind = enum_name(con, "contype")
        if kind == "CONSTR_NOTNULL":
            col.not_null = True
        elif kind == "CONSTR_NULL":
            col.not_null = False
        elif kind == "CONSTR_DEFAULT":
            d = ctx.find_word("DEFAULT", ci, cstop)
            col.default = ctx.slice(d + 1, cstop) if d >= 0 else None
        elif kind == "CONSTR_PRIMARY":
            col.primary_key = True
            col.not_null = True
        elif kind == "CONSTR_IDENTITY":
            col.identity = identity_from(con, table, col.name, schema)
            col.not_null = True
        elif kind == "CONSTR_GENERATED":
            body = ctx.paren_body(ci)
            col.generated = body[0] if body else None
        elif kind in _CONTYPES:
            ctype, obj = constraint_object(ctx, con, table, [cd.colname], ci, cstop)
            if obj is not None:
                extra.append((ctype, obj))
    return col, extra


def identity_from(con: Any, table: str, column: str, schema: str) -> Identity:
    ident = Identity(type="always" if con.generated_when == "a" else "byDefault")
    ident.schema = schema
    for opt in con.options:
        de = opt.def_elem
        if de.defname == "sequence_name":
            parts = names(de.arg.list.items) if node_kind(de.arg) == "list" else [sval(de.arg)]
            ident.name = parts[-1] if parts else None
            ident.schema = parts[-2] if len(parts) > 1 else schema
        elif de.defname in SEQ_OPTIONS:
            setattr(ident, SEQ_OPTIONS[de.defname], const_text(de.arg) if de.HasField("arg") else None)
        elif de.defname == "cycle":
            ident.cycle = const_text(de.arg) in ("true", "1") if de.HasField("arg") else True
    return ident


def constraint_object(ctx: Ctx, con: Any, table: str, columns: list[str], ci: int, cstop: int
                      ) -> tuple[ConstraintType, Any]:
    """A model constraint for a ``Constraint`` node written between tokens ``ci`` and ``cstop``."""
    kind = enum_name(con, "contype")
    ctype = _CONTYPES.get(kind, ConstraintType.CHECK)
    rng = ctx.rng(ctx.toks[ci].start if ci < len(ctx.toks) else ctx.start,
                  ctx.toks[cstop - 1].end if 0 < cstop <= len(ctx.toks) and cstop > ci else ctx.end)
    keys = names(con.keys) or columns
    if kind == "CONSTR_FOREIGN":
        cols = names(con.fk_attrs) or columns
        pk = con.pktable
        to_cols = names(con.pk_attrs)
        name = con.conname or f"{table}_{'_'.join(cols)}_fkey"
        return ctype, ForeignKey(
            name=name, table_from=table, columns_from=cols, table_to=pk.relname, columns_to=to_cols,
            schema_to=pk.schemaname or None, on_delete=FK_ACTIONS.get(con.fk_del_action, "no action"),
            on_update=FK_ACTIONS.get(con.fk_upd_action, "no action"), not_valid=con.skip_validation, range=rng)
    if kind == "CONSTR_CHECK":
        body = ctx.paren_body(ci)
        name = con.conname or f"{table}_{columns[0] if len(columns) == 1 else ''}_check".replace("__", "_")
        return ctype, CheckConstraint(name=name, value=body[0] if body else "", not_valid=con.skip_validation,
                                      range=rng)
    if kind == "CONSTR_UNIQUE":
        name = con.conname or f"{table}_{'_'.join(keys)}_key"
        return ctype, UniqueConstraint(name=name, columns=keys, nulls_not_distinct=con.nulls_not_distinct, range=rng)
    if kind == "CONSTR_PRIMARY":
        return ctype, PrimaryKey(name=con.conname or f"{table}_pkey", columns=keys, range=rng)
    return ctype, None


def table_from_create(ctx: Ctx, cs: Any) -> Table:
    rel = cs.relation
    schema = rel.schemaname or "public"
    table = Table(name=rel.relname, schema=schema, range=ctx.rng(ctx.start, ctx.end),
                  name_range=ctx.name_range_at(rel.location))
    for elt in cs.table_elts:
        kind = node_kind(elt)
        if kind == "column_def":
            col, extra = column_from_def(ctx, elt.column_def, table.name, schema)
            table.columns[col.name] = col
            for ctype, obj in extra:
                add_constraint(table, ctype, obj)
        elif kind == "constraint":
            con = elt.constraint
            ci = ctx.tok_index(con.location)
            ctype, obj = constraint_object(ctx, con, table.name, [], ci, element_end(ctx.toks, ci))
            if ctype is ConstraintType.PRIMARY_KEY and not con.conname and len(obj.columns) == 1 \
                    and obj.columns[0] in table.columns:
                # an unnamed one-column key reads as the column's own PRIMARY KEY, as drizzle-kit models it
                table.columns[obj.columns[0]].primary_key = True
                table.columns[obj.columns[0]].not_null = True
            elif obj is not None:
                add_constraint(table, ctype, obj)
    return table


def add_constraint(table: Table, ctype: ConstraintType, obj: Any) -> None:
    if ctype is ConstraintType.FOREIGN_KEY:
        table.foreign_keys[obj.name] = obj
    elif ctype is ConstraintType.CHECK:
        table.checks[obj.name] = obj
    elif ctype is ConstraintType.UNIQUE:
        table.unique_constraints[obj.name] = obj
    elif ctype is ConstraintType.PRIMARY_KEY:
        table.primary_keys[obj.name] = obj
