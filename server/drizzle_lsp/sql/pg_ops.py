"""PostgreSQL statements (protobuf nodes from libpg_query) to typed operations."""

from __future__ import annotations

from typing import Any, Callable

from drizzle_lsp.model import Enum, Index, IndexColumn, Operation, OpKind, Policy
from drizzle_lsp.sql.pg_adapter import enum_name, node_kind
from drizzle_lsp.sql.pg_alter import alter_table, rename
from drizzle_lsp.sql.pg_common import Ctx, const_text, names, sval
from drizzle_lsp.sql.pg_tables import table_from_create
from drizzle_lsp.sql.tokens import match_paren, split_top

_TRANSACTIONS = {
    "TRANS_STMT_BEGIN": "begin", "TRANS_STMT_START": "begin", "TRANS_STMT_COMMIT": "commit",
    "TRANS_STMT_ROLLBACK": "rollback", "TRANS_STMT_SAVEPOINT": "savepoint", "TRANS_STMT_RELEASE": "release",
    "TRANS_STMT_ROLLBACK_TO": "rollback_to", "TRANS_STMT_PREPARE": "prepare",
    "TRANS_STMT_COMMIT_PREPARED": "commit_prepared", "TRANS_STMT_ROLLBACK_PREPARED": "rollback_prepared",
}
_DROP_KINDS = {"OBJECT_TABLE": OpKind.DROP_TABLE, "OBJECT_INDEX": OpKind.DROP_INDEX, "OBJECT_TYPE": OpKind.DROP_TYPE,
               "OBJECT_SCHEMA": OpKind.DROP_SCHEMA, "OBJECT_SEQUENCE": OpKind.DROP_SEQUENCE,
               "OBJECT_POLICY": OpKind.DROP_POLICY}


def operations(ctx: Ctx, node: Any, inner: Callable[[Ctx, str, int], list[Operation]] | None = None
               ) -> list[Operation]:
    kind = node_kind(node)
    st = getattr(node, kind) if kind else None
    handler = _HANDLERS.get(kind)
    if handler is None:
        if kind == "do_stmt" and inner is not None:
            return [_do_block(ctx, st, inner)]
        return [ctx.op(OpKind.UNKNOWN)]
    return handler(ctx, st)


def _rel(ctx: Ctx, rel: Any) -> dict:
    return dict(schema=rel.schemaname or "public", table=rel.relname, table_range=ctx.name_range_at(rel.location))


def _create_table(ctx: Ctx, st: Any) -> list[Operation]:
    table = table_from_create(ctx, st)
    return [ctx.op(OpKind.CREATE_TABLE, table_def=table, if_not_exists=st.if_not_exists, **_rel(ctx, st.relation))]


def _create_index(ctx: Ctx, st: Any) -> list[Operation]:
    toks = ctx.toks
    idx_kw = ctx.find_word("INDEX")
    conc = ctx.find_word("CONCURRENTLY")
    conc_at = toks[conc].start if conc >= 0 else (toks[idx_kw].end if idx_kw >= 0 else None)
    on = ctx.find_word("ON")
    open_i = on
    while open_i < len(toks) and toks[open_i].text != "(":
        open_i += 1
    close_i = match_paren(toks, open_i) if open_i < len(toks) else len(toks)
    pieces = split_top(toks, open_i + 1, close_i)
    cols: list[IndexColumn] = []
    for n, p in enumerate(st.index_params):
        el = p.index_elem
        opclass = names(el.opclass)
        ic = IndexColumn(expression=el.name, asc=enum_name(el, "ordering") != "SORTBY_DESC",
                         opclass=".".join(opclass) or None)
        ic.nulls = {"SORTBY_NULLS_FIRST": "first", "SORTBY_NULLS_LAST": "last"}.get(
            enum_name(el, "nulls_ordering"), "first" if not ic.asc else "last")
        if not el.name:
            ic.is_expression = True
            if n < len(pieces):
                lo, hi = pieces[n]
                hi = _strip_index_suffix(ctx, lo, hi, len(opclass))
                ic.expression = ctx.slice(lo, hi)
        cols.append(ic)
    where_i = ctx.find_word("WHERE", close_i + 1)
    where = ctx.slice(where_i + 1, len(toks) - (1 if toks and toks[-1].text == ";" else 0)) if where_i >= 0 else None
    with_ = {o.def_elem.defname: const_text(o.def_elem.arg) or "" for o in st.options}
    index = Index(name=st.idxname, columns=cols, unique=st.unique, method=st.access_method or "btree", where=where,
                  concurrently=st.concurrent, with_=with_, range=ctx.rng(ctx.start, ctx.end))
    return [ctx.op(OpKind.CREATE_INDEX, index=index, index_name=st.idxname or None, concurrently=st.concurrent,
                   concurrently_at=conc_at, if_not_exists=st.if_not_exists, **_rel(ctx, st.relation))]


def _strip_index_suffix(ctx: Ctx, lo: int, hi: int, opclass_parts: int) -> int:
    toks = ctx.toks
    if hi - lo > 2 and toks[hi - 2].upper == "NULLS":
        hi -= 2
    if hi - lo > 1 and toks[hi - 1].upper in ("ASC", "DESC"):
        hi -= 1
    if opclass_parts and hi - lo > 2 * opclass_parts - 1:
        hi -= 2 * opclass_parts - 1
    return hi


def _drop(ctx: Ctx, st: Any) -> list[Operation]:
    kind = enum_name(st, "remove_type")
    op_kind = _DROP_KINDS.get(kind)
    if op_kind is None:
        return [ctx.op(OpKind.UNKNOWN)]
    cascade = enum_name(st, "behavior") == "DROP_CASCADE"
    ops = []
    search_from = 0
    for obj in st.objects:
        parts = names(obj.list.items) if node_kind(obj) == "list" else (
            names(obj.type_name.names) if node_kind(obj) == "type_name" else [sval(obj)])
        rng, search_from = _find_name(ctx, parts[-1] if parts else "", search_from)
        op = ctx.op(op_kind, if_exists=st.missing_ok, cascade=cascade, concurrently=st.concurrent)
        if op_kind is OpKind.DROP_TABLE:
            op.schema, op.table, op.table_range = (parts[-2] if len(parts) > 1 else "public"), parts[-1], rng
        elif op_kind is OpKind.DROP_INDEX:
            op.schema, op.index_name = (parts[-2] if len(parts) > 1 else "public"), parts[-1]
            conc = ctx.find_word("CONCURRENTLY")
            idx_kw = ctx.find_word("INDEX")
            op.concurrently_at = ctx.toks[conc].start if conc >= 0 else ctx.toks[idx_kw].end if idx_kw >= 0 else None
        elif op_kind is OpKind.DROP_TYPE:
            op.schema, op.type_name = (parts[-2] if len(parts) > 1 else "public"), parts[-1]
        elif op_kind is OpKind.DROP_SCHEMA:
            op.schema = parts[-1]
        elif op_kind is OpKind.DROP_SEQUENCE:
            op.schema, op.value = (parts[-2] if len(parts) > 1 else "public"), parts[-1]
        elif op_kind is OpKind.DROP_POLICY:
            # the policy name is the last item, the table comes before it
            op.constraint_name = parts[-1]
            op.table = parts[-2] if len(parts) > 1 else None
            op.schema = parts[-3] if len(parts) > 2 else "public"
            op.table_range = _find_name(ctx, op.table or "", 0)[0]
        ops.append(op)
    return ops or [ctx.op(OpKind.UNKNOWN)]


def _find_name(ctx: Ctx, name: str, start: int) -> tuple[Any, int]:
    for j in range(start, len(ctx.toks)):
        t = ctx.toks[j]
        if t.kind in ("word", "qword") and t.name == name:
            return ctx.rng(t.start, t.end), j + 1
    return None, start


def _create_enum(ctx: Ctx, st: Any) -> list[Operation]:
    parts = names(st.type_name)
    schema = parts[-2] if len(parts) > 1 else "public"
    values = [sval(v) for v in st.vals]
    op = ctx.op(OpKind.CREATE_ENUM, schema=schema, type_name=parts[-1], values=values)
    op.constraint = Enum(name=parts[-1], values=values, schema=schema, range=op.range)
    return [op]


def _alter_enum(ctx: Ctx, st: Any) -> list[Operation]:
    parts = names(st.type_name)
    kw = dict(schema=parts[-2] if len(parts) > 1 else "public", type_name=parts[-1])
    if st.old_val:
        return [ctx.op(OpKind.RENAME_ENUM_VALUE, value=st.old_val, new_value=st.new_val, **kw)]
    op = ctx.op(OpKind.ADD_ENUM_VALUE, new_value=st.new_val, if_not_exists=st.skip_if_new_val_exists, **kw)
    if st.new_val_neighbor:
        if st.new_val_is_after:
            op.after_value = st.new_val_neighbor
        else:
            op.before_value = st.new_val_neighbor
    return [op]


def _create_schema(ctx: Ctx, st: Any) -> list[Operation]:
    return [ctx.op(OpKind.CREATE_SCHEMA, schema=st.schemaname, if_not_exists=st.if_not_exists)]


def _create_seq(ctx: Ctx, st: Any) -> list[Operation]:
    seq = st.sequence
    return [ctx.op(OpKind.CREATE_SEQUENCE, schema=seq.schemaname or "public", value=seq.relname,
                   if_not_exists=st.if_not_exists)]


def _policy(ctx: Ctx, st: Any, kind: OpKind) -> list[Operation]:
    roles = [r.role_spec.rolename or {"ROLESPEC_PUBLIC": "public", "ROLESPEC_CURRENT_USER": "current_user",
                                      "ROLESPEC_SESSION_USER": "session_user", "ROLESPEC_CURRENT_ROLE": "current_role"}
             .get(enum_name(r.role_spec, "roletype"), "") for r in st.roles]
    using = ctx.find_word("USING")
    check = ctx.find_word("CHECK")
    pol = Policy(name=st.policy_name, to=roles, using=ctx.paren_body(using)[0] if using >= 0 else None,
                 with_check=ctx.paren_body(check)[0] if check >= 0 else None, range=ctx.rng(ctx.start, ctx.end))
    if kind is OpKind.CREATE_POLICY:
        pol.as_ = "PERMISSIVE" if st.permissive else "RESTRICTIVE"
        pol.for_ = (st.cmd_name or "all").upper()
        pol.to = pol.to or ["public"]
    op = ctx.op(kind, constraint_name=st.policy_name, constraint=pol, **_rel(ctx, st.table))
    return [op]


def _dml(kind: OpKind) -> Callable[[Ctx, Any], list[Operation]]:
    def build(ctx: Ctx, st: Any) -> list[Operation]:
        op = ctx.op(kind, **_rel(ctx, st.relation))
        if kind is OpKind.INSERT:
            sel = st.select_stmt.select_stmt if node_kind(st.select_stmt) == "select_stmt" else None
            op.from_select = sel is not None and not len(sel.values_lists)
        else:
            op.has_where = st.HasField("where_clause")
        return [op]
    return build


def _truncate(ctx: Ctx, st: Any) -> list[Operation]:
    cascade = enum_name(st, "behavior") == "DROP_CASCADE"
    return [ctx.op(OpKind.TRUNCATE, cascade=cascade, **_rel(ctx, r.range_var)) for r in st.relations]


def _set(ctx: Ctx, st: Any) -> list[Operation]:
    if not st.name:
        return [ctx.op(OpKind.UNKNOWN)]
    value = ", ".join(filter(None, (const_text(a) for a in st.args)))
    if enum_name(st, "kind") in ("VAR_SET_DEFAULT", "VAR_RESET"):
        value = "DEFAULT"
    return [ctx.op(OpKind.SET_PARAMETER, parameter=st.name, value=value, local=st.is_local)]


def _transaction(ctx: Ctx, st: Any) -> list[Operation]:
    return [ctx.op(OpKind.TRANSACTION, transaction=_TRANSACTIONS.get(enum_name(st, "kind"), "other"))]


def _vacuum(ctx: Ctx, st: Any) -> list[Operation]:
    full = any(o.def_elem.defname == "full" for o in st.options)
    if not full or not st.is_vacuumcmd:
        return [ctx.op(OpKind.UNKNOWN)]
    rels = [r.vacuum_relation.relation for r in st.rels]
    if not rels:
        return [ctx.op(OpKind.TABLE_REWRITE, rewrite="vacuum_full")]
    return [ctx.op(OpKind.TABLE_REWRITE, rewrite="vacuum_full", **_rel(ctx, r)) for r in rels]


def _cluster(ctx: Ctx, st: Any) -> list[Operation]:
    kw = _rel(ctx, st.relation) if st.HasField("relation") else {}
    return [ctx.op(OpKind.TABLE_REWRITE, rewrite="cluster", index_name=st.indexname or None, **kw)]


def _reindex(ctx: Ctx, st: Any) -> list[Operation]:
    conc = any(p.def_elem.defname == "concurrently" for p in st.params)
    kind = enum_name(st, "kind")
    kw = _rel(ctx, st.relation) if st.HasField("relation") else {}
    op = ctx.op(OpKind.TABLE_REWRITE, rewrite="reindex", concurrently=conc, **kw)
    if kind == "REINDEX_OBJECT_INDEX" and kw:
        op.index_name, op.table, op.table_range = op.table, None, None
    return [op]


def _alter_schema(ctx: Ctx, st: Any) -> list[Operation]:
    if enum_name(st, "object_type") == "OBJECT_TABLE":
        return [ctx.op(OpKind.SET_TABLE_SCHEMA, new_name=st.newschema, if_exists=st.missing_ok,
                       **_rel(ctx, st.relation))]
    if enum_name(st, "object_type") == "OBJECT_TYPE" and node_kind(st.object) == "list":
        parts = names(st.object.list.items)
        return [ctx.op(OpKind.SET_TYPE_SCHEMA, schema=parts[-2] if len(parts) > 1 else "public",
                       type_name=parts[-1], new_name=st.newschema, if_exists=st.missing_ok)]
    return [ctx.op(OpKind.UNKNOWN)]


def _do_block(ctx: Ctx, st: Any, inner: Callable[[Ctx, str, int], list[Operation]]) -> Operation:
    op = ctx.op(OpKind.DO_BLOCK)
    body_tok = next((t for t in ctx.toks if t.kind == "string"), None)
    for a in st.args:
        if a.def_elem.defname == "as" and body_tok is not None:
            text = body_tok.text
            opener = text[: text.find("$", 1) + 1] if text.startswith("$") else "'"
            op.inner = inner(ctx, text[len(opener): len(text) - len(opener)], body_tok.start + len(opener))
    return op


_HANDLERS: dict[str, Callable[[Ctx, Any], list[Operation]]] = {
    "create_stmt": _create_table, "index_stmt": _create_index, "alter_table_stmt": alter_table, "rename_stmt": rename,
    "drop_stmt": _drop, "create_enum_stmt": _create_enum, "alter_enum_stmt": _alter_enum,
    "create_schema_stmt": _create_schema, "create_seq_stmt": _create_seq,
    "create_policy_stmt": lambda c, s: _policy(c, s, OpKind.CREATE_POLICY),
    "alter_policy_stmt": lambda c, s: _policy(c, s, OpKind.ALTER_POLICY),
    "update_stmt": _dml(OpKind.UPDATE), "delete_stmt": _dml(OpKind.DELETE), "insert_stmt": _dml(OpKind.INSERT),
    "truncate_stmt": _truncate, "variable_set_stmt": _set, "transaction_stmt": _transaction,
    "vacuum_stmt": _vacuum, "cluster_stmt": _cluster, "reindex_stmt": _reindex,
    "alter_object_schema_stmt": _alter_schema,
}
