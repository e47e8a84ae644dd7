"""The third argument of a table: indexes, foreign keys, composite primary keys, unique and check constraints."""

from __future__ import annotations

import tree_sitter

from drizzle_lsp.model.schema import CheckConstraint, ForeignKey, Index, IndexColumn, PrimaryKey, Table, \
    UniqueConstraint
from drizzle_lsp.schema_ts.columns import _call_chain
from drizzle_lsp.schema_ts.parser import ParsedFile
from drizzle_lsp.schema_ts.constraints import foreign_key_name, recased_name
from drizzle_lsp.schema_ts.tables import ColumnName, TableInfo, function_body
from drizzle_lsp.schema_ts.values import Ctx, Evaluator, SqlTemplate, Unresolved, js_number_text, unwrap

Node = tree_sitter.Node

_COLUMN_ORDER_METHODS = {"asc", "desc", "nullsFirst", "nullsLast", "op"}


def read_extra_config(ctx: Ctx, table: Table, info: TableInfo, file: ParsedFile, node: Node) -> None:
    body, params = function_body(node)
    if body is None:
        ctx.report(Unresolved(file, node, "table extra config cannot be read statically"))
        return
    evaluator = Evaluator(ctx, {p: info for p in params[:1]})
    if body.type == "array":
        items = [c for c in body.named_children if c.type not in ("comment", "ERROR")]
    elif body.type == "object":
        items = [c.child_by_field_name("value") for c in body.named_children if c.type == "pair"]
    else:
        ctx.report(Unresolved(file, body, "table extra config does not return an array or object"))
        return
    for item in items:
        if item is None:
            continue
        try:
            _read_item(ctx, table, info, file, item, evaluator)
        except Unresolved as error:
            ctx.report(error)
        except Exception as error:  # noqa: BLE001 - one odd entry must not lose the others
            ctx.report(Unresolved(file, item, f"table config entry could not be read: {error}"))


def _args(node: Node | None) -> list[Node]:
    return [a for a in (node.named_children if node is not None else []) if a.type != "comment"]


def _read_item(ctx: Ctx, table: Table, info: TableInfo, file: ParsedFile, item: Node, evaluator: Evaluator) -> None:
    base, modifiers = _call_chain(item)
    if base.type != "call_expression":
        raise Unresolved(file, item, "table config entry is not a call")
    callee = unwrap(base.child_by_field_name("function"))
    kind = file.node_text(callee)
    args = _args(base.child_by_field_name("arguments"))
    where = file.range(item)
    if kind in ("index", "uniqueIndex"):
        _index(ctx, table, info, file, item, kind == "uniqueIndex", args, modifiers, evaluator)
    elif kind == "foreignKey":
        _foreign_key(ctx, table, info, file, args, modifiers, evaluator, where)
    elif kind == "primaryKey":
        _primary_key(ctx, table, info, file, args, evaluator, where)
    elif kind == "unique":
        name = evaluator.value(file, args[0]) if args else None
        columns: list[ColumnName] = []
        nulls_not_distinct = False
        for method, method_args, _call in modifiers:
            if method == "on":
                columns = [_column(file, info, a) for a in _args(method_args)]
            elif method == "nullsNotDistinct":
                nulls_not_distinct = True
        names = [c.name for c in columns]
        # drizzle-orm names it when the builder is built, from the uncased names (the TS keys); drizzle-kit keeps it.
        key = name or f"{table.name}_{'_'.join(c.raw for c in columns)}_unique"
        if ctx.dialect == "sqlite":
            table.indexes[key] = Index(key, [IndexColumn(n) for n in names], unique=True, range=where)
        else:
            table.unique_constraints[key] = UniqueConstraint(key, names, nulls_not_distinct, where)
    elif kind == "check" and len(args) > 1:
        name = evaluator.value(file, args[0])
        value = evaluator.value(file, args[1])
        text = value.render(ctx.dialect) if isinstance(value, SqlTemplate) else str(value)
        table.checks[str(name)] = CheckConstraint(str(name), text, range=where)
    elif kind in ("pgPolicy", "policy"):
        return
    else:
        raise Unresolved(file, item, f"`{kind}` is not a table config entry this checker knows")


def _column(file: ParsedFile, info: TableInfo, node: Node) -> ColumnName:
    node = unwrap(node)
    if node.type == "member_expression":
        key = file.node_text(node.child_by_field_name("property"))
        if key in info.columns:
            return info.columns[key]
    raise Unresolved(file, node, f"`{file.node_text(node)}` is not a column of `{info.name}`")


def _index(ctx: Ctx, table: Table, info: TableInfo, file: ParsedFile, item: Node, unique: bool, args: list[Node],
           modifiers: list, evaluator: Evaluator) -> None:
    name = evaluator.value(file, args[0]) if args else None
    index = Index(name=str(name) if name else "", unique=unique, range=file.range(item))
    column_nodes: list[Node] = []
    for method, method_args, _call in modifiers:
        margs = _args(method_args)
        if method in ("on", "onOnly"):
            column_nodes = margs
        elif method == "using":
            if margs:
                index.method = str(evaluator.value(file, margs[0]))
                column_nodes = margs[1:]
        elif method == "concurrently":
            index.concurrently = True
        elif method == "where" and margs:
            value = evaluator.value(file, margs[0])
            index.where = value.render(ctx.dialect) if isinstance(value, SqlTemplate) else str(value)
        elif method == "with" and margs:
            options = evaluator.value(file, margs[0])
            if isinstance(options, dict):
                index.with_ = {k: _option_text(v) for k, v in options.items()}
    for node in column_nodes:
        index.columns.append(_index_column(ctx, file, info, node, evaluator))
    if not index.name:
        if any(c.is_expression for c in index.columns):
            raise Unresolved(file, item, "an index on an expression needs a name (drizzle-kit refuses to generate)")
        index.name = f"{table.name}_{'_'.join(c.expression for c in index.columns)}_index"
    table.indexes[index.name] = index


def _option_text(value: object) -> str:
    if isinstance(value, (bool, int, float)):
        return js_number_text(value)
    return str(value)


def _index_column(ctx: Ctx, file: ParsedFile, info: TableInfo, node: Node, evaluator: Evaluator) -> IndexColumn:
    expression = unwrap(node)
    if expression.type == "call_expression" and file.node_text(expression.child_by_field_name("function")) == "sql":
        value = evaluator.value(file, expression)
        if isinstance(value, SqlTemplate):
            return IndexColumn(value.render(ctx.dialect, qualified=False), is_expression=True)
    # t.col.asc() is a call on t.col, which _call_chain leaves as the member's call; unwrap by hand.
    chain: list[tuple[str, list[Node]]] = []
    current = unwrap(node)
    while current.type == "call_expression":
        callee = unwrap(current.child_by_field_name("function"))
        if callee.type != "member_expression":
            break
        method = file.node_text(callee.child_by_field_name("property"))
        if method not in _COLUMN_ORDER_METHODS:
            break
        chain.append((method, _args(current.child_by_field_name("arguments"))))
        current = unwrap(callee.child_by_field_name("object"))
    column = _column(file, info, current)
    order, nulls, opclass = "asc", None, None
    for method, margs in reversed(chain):
        if method in ("asc", "desc"):
            order = method
        elif method == "nullsFirst":
            nulls = "first"
        elif method == "nullsLast":
            nulls = "last"
        elif method == "op" and margs:
            opclass = str(evaluator.value(file, margs[0]))
    return IndexColumn(column.name, asc=order == "asc", nulls=nulls or "last",
                       opclass=opclass)


def _column_list(file: ParsedFile, info: TableInfo, node: Node | None) -> list[ColumnName]:
    if node is None:
        return []
    node = unwrap(node)
    if node.type != "array":
        raise Unresolved(file, node, "columns must be an array literal")
    return [_column(file, info, c) for c in node.named_children if c.type != "comment"]


def _object_fields(node: Node, file: ParsedFile) -> dict[str, Node]:
    node = unwrap(node)
    fields: dict[str, Node] = {}
    if node.type == "object":
        for pair in node.named_children:
            if pair.type == "pair":
                fields[file.node_text(pair.child_by_field_name("key")).strip("'\"")] = pair.child_by_field_name(
                    "value")
    return fields


def _foreign_key(ctx: Ctx, table: Table, info: TableInfo, file: ParsedFile, args: list[Node], modifiers: list,
                 evaluator: Evaluator, where) -> None:
    if not args:
        raise Unresolved(file, None, "foreignKey() without config")
    fields = _object_fields(args[0], file)
    columns = _column_list(file, info, fields.get("columns"))
    foreign_node = fields.get("foreignColumns")
    if foreign_node is None or not columns:
        raise Unresolved(file, args[0], "foreignKey() needs columns and foreignColumns")
    foreign_items = [c for c in unwrap(foreign_node).named_children if c.type != "comment"]
    target: TableInfo | None = None
    foreign: list[ColumnName] = []
    for item in foreign_items:
        item = unwrap(item)
        obj = unwrap(item.child_by_field_name("object")) if item.type == "member_expression" else None
        if obj is None:
            raise Unresolved(file, item, "foreign column is not `table.column`")
        found = evaluator.table_of(file, obj)
        if found is None:
            raise Unresolved(file, obj, f"`{file.node_text(obj)}` is not a table this checker can find")
        target = found
        key = file.node_text(item.child_by_field_name("property"))
        if key not in found.columns:
            raise Unresolved(file, item, f"table `{found.name}` has no column `{key}`")
        foreign.append(found.columns[key])
    assert target is not None
    explicit = evaluator.value(file, fields["name"]) if "name" in fields else None
    name = foreign_key_name(ctx, table.name, columns, target, foreign, str(explicit) if explicit else None)
    on_delete = on_update = "no action"
    for method, method_args, _call in modifiers:
        margs = _args(method_args)
        if method == "onDelete" and margs:
            on_delete = str(evaluator.value(file, margs[0]))
        elif method == "onUpdate" and margs:
            on_update = str(evaluator.value(file, margs[0]))
    default_schema = "public" if ctx.dialect == "postgresql" else None
    table.foreign_keys[name] = ForeignKey(name, table.name, [c.name for c in columns], target.name,
                                          [c.name for c in foreign], schema_to=target.schema or default_schema,
                                          on_delete=on_delete, on_update=on_update, range=where)


def _primary_key(ctx: Ctx, table: Table, info: TableInfo, file: ParsedFile, args: list[Node], evaluator: Evaluator,
                 where) -> None:
    explicit = None
    if args and unwrap(args[0]).type == "object":
        fields = _object_fields(args[0], file)
        columns = _column_list(file, info, fields.get("columns"))
        if "name" in fields:
            explicit = evaluator.value(file, fields["name"])
    else:
        columns = [_column(file, info, a) for a in args]
    if ctx.dialect == "sqlite" and len(columns) == 1:
        column = table.columns.get(columns[0].name)
        if column is not None:
            column.primary_key = True
        return
    name = recased_name(ctx, str(explicit) if explicit else f"{table.name}_{'_'.join(c.raw for c in columns)}_pk",
                        columns)
    table.primary_keys[name] = PrimaryKey(name, [c.name for c in columns], where)
    if ctx.dialect == "mysql":
        for c in columns:
            if c.name in table.columns:
                table.columns[c.name].not_null = True
