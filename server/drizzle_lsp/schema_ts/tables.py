"""Table declarations: ``pgTable`` / ``mysqlTable`` / ``sqliteTable``, table creators, ``pgSchema(...).table``."""

from __future__ import annotations

from dataclasses import dataclass, field

import tree_sitter

from drizzle_lsp.model.schema import Table
from drizzle_lsp.model.source import Problem
from drizzle_lsp.schema_ts.columns import ColumnDraft, _call_chain, apply_casing, read_column
from drizzle_lsp.schema_ts.parser import ParsedFile
from drizzle_lsp.schema_ts.scope import Decl
from drizzle_lsp.schema_ts.values import Ctx, Evaluator, Unresolved, cook, property_key, unwrap

Node = tree_sitter.Node

TABLE_FUNCTIONS = {"pgTable": "postgresql", "mysqlTable": "mysql", "sqliteTable": "sqlite"}
CREATOR_FUNCTIONS = {"pgTableCreator", "mysqlTableCreator", "sqliteTableCreator"}
SCHEMA_FUNCTIONS = {"pgSchema", "mysqlSchema"}


@dataclass
class ColumnName:
    name: str  # database name, after casing
    raw: str  # drizzle's column.name before casing (explicit name or key)


@dataclass
class TableInfo:
    """Just enough of a table to resolve ``users.id`` from elsewhere: names, no constraints."""

    name: str
    schema: str | None  # None for the default schema, as drizzle keeps it
    columns: dict[str, ColumnName] = field(default_factory=dict)


@dataclass
class TableCall:
    file: ParsedFile
    call: Node
    name: str
    name_node: Node
    schema: str | None
    columns_node: Node | None
    builder_params: set[str]
    extra_node: Node | None
    rls: bool = False


def _callee_and_args(node: Node) -> tuple[Node | None, list[Node]]:
    callee = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    return callee, [a for a in (args.named_children if args else []) if a.type != "comment"]


def schema_of(ctx: Ctx, file: ParsedFile, node: Node | None, _depth: int = 0) -> str | None:
    """The schema name when ``node`` is (a const holding) ``pgSchema('x')``."""
    if node is None or _depth > 8:
        return None
    node = unwrap(node)
    if node.type == "identifier":
        decl = ctx.resolver.lookup(file.path, file.node_text(node))
        return schema_of(ctx, decl.file, decl.value, _depth + 1) if decl else None
    if node.type != "call_expression":
        return None
    callee, args = _callee_and_args(node)
    if callee is None or file.node_text(callee) not in SCHEMA_FUNCTIONS or not args:
        return None
    value = Evaluator(ctx).value(file, args[0])
    return value if isinstance(value, str) else None


def _creator_name(ctx: Ctx, file: ParsedFile, creator: Node, table_name: str) -> str:
    """Apply ``pgTableCreator((name) => `prefix_${name}`)`` to a table name."""
    fn = unwrap(creator)
    if fn.type not in ("arrow_function", "function_expression"):
        raise Unresolved(file, creator, "table creator is not an inline function")
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    param_names = [file.node_text(p) for p in _param_identifiers(params)] if params else []
    body = fn.child_by_field_name("body")
    if body is not None and body.type == "statement_block":
        body = _returned(body)
    body = unwrap(body) if body is not None else None
    if body is None or not param_names:
        raise Unresolved(file, creator, "table creator cannot be read statically")
    return _string_with_param(ctx, file, body, param_names[0], table_name)


def _string_with_param(ctx: Ctx, file: ParsedFile, node: Node, param: str, value: str) -> str:
    node = unwrap(node)
    if node.type == "identifier" and file.node_text(node) == param:
        return value
    if node.type == "template_string":
        out: list[str] = []
        cursor = node.start_byte + 1
        for child in node.named_children:
            if child.type != "template_substitution":
                continue
            out.append(cook(file.text[file.offsets.to_char(cursor):file.start(child)]))
            out.append(_string_with_param(ctx, file, child.named_children[0], param, value))
            cursor = child.end_byte
        out.append(cook(file.text[file.offsets.to_char(cursor):file.end(node) - 1]))
        return "".join(out)
    if node.type == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None:
            return _string_with_param(ctx, file, left, param, value) + _string_with_param(ctx, file, right, param,
                                                                                          value)
    result = Evaluator(ctx).value(file, node)
    return str(result)


def _param_identifiers(params: Node) -> list[Node]:
    if params.type == "identifier":
        return [params]
    found: list[Node] = []
    for p in params.named_children:
        pattern = p.child_by_field_name("pattern") if p.type in ("required_parameter", "optional_parameter") else p
        if pattern is not None and pattern.type == "identifier":
            found.append(pattern)
    return found


def _returned(block: Node) -> Node | None:
    for statement in block.named_children:
        if statement.type == "return_statement" and statement.named_child_count:
            return statement.named_children[0]
    return None


def function_body(node: Node) -> tuple[Node | None, list[str]]:
    """For ``(t) => expr`` or ``function (t) { return expr }``: the returned expression and parameter names."""
    node = unwrap(node)
    if node.type not in ("arrow_function", "function_expression", "function"):
        return node, []
    params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
    names = [p.text.decode("utf-8") for p in _param_identifiers(params)] if params else []
    body = node.child_by_field_name("body")
    if body is not None and body.type == "statement_block":
        body = _returned(body)
    return (unwrap(body) if body is not None else None), names


def parse_table_call(ctx: Ctx, file: ParsedFile, node: Node) -> TableCall | None:
    """Read the head of a table declaration, or None when ``node`` does not declare a table."""
    node = unwrap(node)
    rls = False
    while node.type == "call_expression":
        callee = unwrap(node.child_by_field_name("function"))
        if callee.type == "member_expression" and file.node_text(callee.child_by_field_name("property")) in (
                "enableRLS", "withRLS"):
            rls = True
            node = unwrap(callee.child_by_field_name("object"))
            continue
        break
    if node.type != "call_expression":
        return None
    callee, args = _callee_and_args(node)
    if callee is None:
        return None
    callee = unwrap(callee)
    schema: str | None = None
    creator: Node | None = None
    if callee.type == "identifier":
        name = file.node_text(callee)
        decl = ctx.resolver.lookup(file.path, name)
        if decl is not None:
            creator_call = unwrap(decl.value)
            if creator_call.type != "call_expression":
                return None
            c_callee, c_args = _callee_and_args(creator_call)
            if c_callee is None or decl.file.node_text(c_callee) not in CREATOR_FUNCTIONS or not c_args:
                return None
            creator = c_args[0]
            creator_file = decl.file
        elif _imported_as(ctx, file, name) not in TABLE_FUNCTIONS:
            return None
    elif callee.type == "member_expression":
        prop = callee.child_by_field_name("property")
        if prop is None or file.node_text(prop) != "table":
            return None
        schema = schema_of(ctx, file, callee.child_by_field_name("object"))
        if schema is None:
            return None
    else:
        return None
    if not args:
        raise Unresolved(file, node, "table has no name")
    table_name = Evaluator(ctx).value(file, args[0])
    if not isinstance(table_name, str):
        raise Unresolved(file, args[0], "table name is not a string")
    if creator is not None:
        table_name = _creator_name(ctx, creator_file, creator, table_name)
    columns_node, builder_params = (function_body(args[1]) if len(args) > 1 else (None, []))
    return TableCall(file, node, table_name, args[0], schema, columns_node, set(builder_params),
                     args[2] if len(args) > 2 else None, rls)


def _imported_as(ctx: Ctx, file: ParsedFile, local: str) -> str:
    index = ctx.resolver._index_of(file.path)  # noqa: SLF001 - same package
    binding = index.imports.get(local) if index else None
    return binding.imported if binding else local


def column_entries(ctx: Ctx, file: ParsedFile, node: Node | None, _depth: int = 0):
    """Yield (file, key, key_node, value_node, whole_node) for each column, following ``...spreads``."""
    if node is None or _depth > 8:
        return
    node = unwrap(node)
    if node.type != "object":
        raise Unresolved(file, node, "columns are not an object literal")
    for child in node.named_children:
        if child.type == "pair":
            key_node, value = child.child_by_field_name("key"), child.child_by_field_name("value")
            if key_node is not None and value is not None:
                yield file, property_key(file, key_node), key_node, value, child
                if value.has_error:
                    yield from _salvage_swallowed_columns(file, value)
        elif child.type == "spread_element" and child.named_child_count:
            target = unwrap(child.named_children[0])
            if target.type == "object":
                yield from column_entries(ctx, file, target, _depth + 1)
                continue
            decl = _decl_of(ctx, file, target)
            if decl is not None:
                ctx.resolver.positional.add((decl.file.path, decl.name))
            if decl is None:
                ctx.report(Unresolved(file, child, f"spread `{file.node_text(target)}` cannot be resolved"))
                continue
            yield from column_entries(ctx, decl.file, decl.value, _depth + 1)
        elif child.type == "shorthand_property_identifier":
            decl = _decl_of(ctx, file, child)
            if decl is not None:
                ctx.resolver.positional.add((decl.file.path, decl.name))
                yield decl.file, file.node_text(child), child, decl.value, child
        elif child.type == "ERROR":
            continue


def _salvage_swallowed_columns(file: ParsedFile, value: Node):
    """After a missing ``)``, tree-sitter reads the following ``key: builder()`` columns as extra call arguments with
    each ``key:`` in an ERROR node; read them back as columns so one typo loses one column, not the rest."""
    stack = [value]
    while stack:
        node = stack.pop()
        if node.type == "arguments":
            children = node.named_children
            for i, child in enumerate(children[:-1]):
                if child.type == "ERROR" and child.named_child_count == 1 and child.named_children[0].type in (
                        "identifier", "property_identifier") and file.node_text(child).rstrip().endswith(":"):
                    key_node, column_value = child.named_children[0], children[i + 1]
                    yield file, file.node_text(key_node), key_node, column_value, column_value
        stack.extend(c for c in node.named_children if c.has_error)


def _decl_of(ctx: Ctx, file: ParsedFile, node: Node) -> Decl | None:
    if node.type in ("identifier", "shorthand_property_identifier"):
        return ctx.resolver.lookup(file.path, file.node_text(node))
    if node.type == "member_expression":
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        if obj is not None and prop is not None and obj.type == "identifier":
            target = ctx.resolver.namespace_target(file.path, file.node_text(obj))
            if target is not None:
                return ctx.resolver.lookup_export(target, file.node_text(prop))
    return None


def table_info(ctx: Ctx, file: ParsedFile, node: Node) -> TableInfo | None:
    """Names of the table ``node`` refers to (``users`` or ``schema.users``), without reading its constraints."""
    decl = _decl_of(ctx, file, unwrap(node))
    if decl is None:
        return None
    cache = ctx.memo
    cache_key = (decl.file.path, decl.name, decl.version)
    if cache_key in cache:
        info, deps = cache[cache_key]
        ctx.resolver.deps |= deps  # the caller depends on what that table's names depended on
        return info
    cache[cache_key] = (None, set())  # a table whose names depend on itself resolves to nothing, not forever
    deps_before = set(ctx.resolver.deps)
    info = _table_info_uncached(ctx, decl)
    cache[cache_key] = (info, ctx.resolver.deps - deps_before)
    return info


def _table_info_uncached(ctx: Ctx, decl: Decl) -> TableInfo | None:
    try:
        call = parse_table_call(ctx, decl.file, decl.value)
    except Unresolved:
        call = None
    if call is None:
        return None
    info = TableInfo(call.name, call.schema)
    for entry_file, key, _key_node, value, _whole in column_entries(ctx, call.file, call.columns_node):
        info.columns[key] = _column_name(ctx, entry_file, key, value, call.builder_params)
    return info


def _column_name(ctx: Ctx, file: ParsedFile, key: str, value: Node, builder_params: set[str]) -> ColumnName:
    base, _ = _call_chain(value)
    explicit: str | None = None
    if base.type == "call_expression":
        _, args = _callee_and_args(base)
        if args:
            try:
                first = Evaluator(ctx).value(file, args[0])
            except Unresolved:
                first = None
            explicit = first if isinstance(first, str) and first else None
    return ColumnName(explicit or apply_casing(ctx.casing, key), explicit or key)


def read_table(ctx: Ctx, decl: Decl) -> Table | None:
    call = parse_table_call(ctx, decl.file, decl.value)
    if call is None:
        return None
    file = call.file
    default_schema = "public" if ctx.dialect == "postgresql" else ""
    table = Table(name=call.name, schema=call.schema or default_schema, key=decl.name, range=file.range(call.call),
                  name_range=file.range(call.name_node), rls_enabled=call.rls,
                  extra_config_range=file.range(call.extra_node) if call.extra_node is not None else None)
    info = TableInfo(call.name, call.schema)
    drafts: list[ColumnDraft] = []
    entries = column_entries(ctx, file, call.columns_node)
    while True:
        try:
            entry = next(entries)
        except StopIteration:
            break
        except Unresolved as error:
            ctx.report(error)
            break
        entry_file, key, key_node, value, whole = entry
        try:
            draft = read_column(ctx, entry_file, key, key_node, value, whole, call.builder_params)
        except Unresolved as error:
            ctx.report(error)
            continue
        except Exception as error:  # noqa: BLE001 - one odd column must not lose the table
            ctx.problems.append(Problem("schema-unresolved", f"column `{key}` could not be read: {error}",
                                        entry_file.range(whole)))
            continue
        if not (entry_file.path == file.path and call.call.start_byte <= value.start_byte < call.call.end_byte):
            draft.shared_builder = (entry_file.path, value.start_byte)
        drafts.append(draft)
        info.columns[key] = ColumnName(draft.column.name, draft.raw_name)
    # No shortcut into ``table_info``'s memo from here: its names come from one function whatever the order tables are
    # read in (a column whose builder does not read is skipped here but still has a name there, and a language server
    # that re-read only the referencing table resolved `.references()` differently from a fresh analysis).
    from drizzle_lsp.schema_ts.constraints import finish_column  # constraints imports this module

    evaluator = Evaluator(ctx, {})
    for draft in drafts:
        try:
            finish_column(ctx, table, info, draft, evaluator)
        except Unresolved as error:
            ctx.report(error)
        table.columns[draft.column.name] = draft.column
    if call.extra_node is not None:
        from drizzle_lsp.schema_ts.extra_config import read_extra_config

        read_extra_config(ctx, table, info, file, call.extra_node)
    return table
