"""One column: a builder call and its chain of modifiers, read into a ``Column`` plus what needs the table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter

from drizzle_lsp.model.schema import Column, Identity
from drizzle_lsp.schema_ts.defaults import DEFAULT_NOW, DEFAULT_RANDOM, serialize_default
from drizzle_lsp.schema_ts.parser import ParsedFile
from drizzle_lsp.schema_ts.types import PG_SERIALS, mysql_enum_type, sql_type
from drizzle_lsp.schema_ts.values import Ctx, Evaluator, SqlTemplate, Unresolved, unwrap

Node = tree_sitter.Node

_WORDS = re.compile(r"[\da-z]+|[A-Z]+(?![a-z])|[A-Z][\da-z]+")


def to_snake_case(key: str) -> str:
    return "_".join(w.lower() for w in _WORDS.findall(key.replace("'", "").replace("\u2019", "")))


def to_camel_case(key: str) -> str:
    words = _WORDS.findall(key.replace("'", "").replace("\u2019", ""))
    return "".join(w.lower() if i == 0 else w[0].upper() + w[1:] for i, w in enumerate(words))


def apply_casing(casing: str | None, key: str) -> str:
    if casing == "snake_case":
        return to_snake_case(key)
    if casing == "camelCase":
        return to_camel_case(key)
    return key


@dataclass
class EnumRef:
    name: str
    schema: str | None
    values: list[str]


@dataclass
class PendingReference:
    """``.references(() => other.col, actions)``: resolved once the whole table is known (it may point at itself)."""

    target: Node
    file: ParsedFile
    on_delete: str | None
    on_update: str | None
    range: Node


@dataclass
class ColumnDraft:
    column: Column
    raw_name: str  # drizzle's column.name: the explicit name, or the key (generated names use it)
    unique: bool = False
    unique_name: str | None = None
    nulls_not_distinct: bool = False
    references: list[PendingReference] = field(default_factory=list)
    generated_node: tuple[ParsedFile, Node] | None = None
    identity_options: dict[str, object] | None = None
    # (file, offset) of a builder declared outside the table (``...shared``): drizzle-orm builds it once per table
    # but keeps the name it gave it in the first one.
    shared_builder: tuple[str, int] | None = None


def builder_of(ctx: Ctx, file: ParsedFile, callee: Node, builder_params: set[str]) -> tuple[str | None, EnumRef | None]:
    """The drizzle builder a call uses (``varchar``), or the pgEnum it calls, following import aliases."""
    callee = unwrap(callee)
    if callee.type == "member_expression":
        obj = callee.child_by_field_name("object")
        prop = callee.child_by_field_name("property")
        if obj is not None and prop is not None and file.node_text(obj) in builder_params:
            return file.node_text(prop), None
        return None, None
    if callee.type != "identifier":
        return None, None
    name = file.node_text(callee)
    decl = ctx.resolver.lookup(file.path, name)
    if decl is not None:
        return None, enum_of(ctx, decl.file, decl.value)
    index_binding = ctx.resolver.imported_from(file.path, name)
    if index_binding is not None and index_binding.startswith("drizzle-orm"):
        imported = _imported_name(ctx, file, name)
        return imported or name, None
    return name, None


def _imported_name(ctx: Ctx, file: ParsedFile, local: str) -> str | None:
    index = ctx.resolver._index_of(file.path)  # noqa: SLF001 - same package
    binding = index.imports.get(local) if index else None
    return binding.imported if binding else None


def enum_of(ctx: Ctx, file: ParsedFile, node: Node) -> EnumRef | None:
    """When ``node`` is ``pgEnum(name, values)`` or ``schema.enum(name, values)``, the enum it declares."""
    node = unwrap(node)
    if node.type != "call_expression":
        return None
    callee = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    if callee is None or args is None:
        return None
    schema: str | None = None
    if callee.type == "identifier" and file.node_text(callee) == "pgEnum":
        pass
    elif callee.type == "member_expression" and file.node_text(callee.child_by_field_name("property")) == "enum":
        from drizzle_lsp.schema_ts.tables import schema_of  # local: tables imports this module

        schema = schema_of(ctx, file, callee.child_by_field_name("object"))
        if schema is None:
            return None
    else:
        return None
    values_args = [a for a in args.named_children if a.type != "comment"]
    evaluator = Evaluator(ctx)
    name = evaluator.value(file, values_args[0]) if values_args else None
    if not isinstance(name, str):
        raise Unresolved(file, node, "enum name cannot be read statically")
    values: list[str] = []
    if len(values_args) > 1:
        raw = evaluator.value(file, values_args[1])
        if isinstance(raw, dict):
            raw = list(raw.values())
        if not isinstance(raw, list):
            raise Unresolved(file, values_args[1], "enum values cannot be read statically")
        values = [str(v) for v in raw]
    return EnumRef(name, schema, values)


def _call_chain(node: Node) -> tuple[Node, list[tuple[str, Node, Node]]]:
    """Split ``base(...).a(...).b(...)`` into the base call and the modifier calls in application order."""
    modifiers: list[tuple[str, Node, Node]] = []
    node = unwrap(node)
    while node.type == "call_expression":
        callee = unwrap(node.child_by_field_name("function"))
        if callee.type != "member_expression":
            break
        obj = callee.child_by_field_name("object")
        prop = callee.child_by_field_name("property")
        if obj is None or prop is None:
            break
        inner = unwrap(obj)
        if inner.type != "call_expression":
            break  # t.integer() - the member is the builder itself, not a modifier
        modifiers.append((prop.text.decode("utf-8"), node.child_by_field_name("arguments"), node))
        node = inner
    modifiers.reverse()
    return node, modifiers


def _args(node: Node | None) -> list[Node]:
    if node is None:
        return []
    return [a for a in node.named_children if a.type != "comment"]


def read_column(ctx: Ctx, file: ParsedFile, key: str, key_node: Node, value: Node, whole: Node,
                builder_params: set[str]) -> ColumnDraft:
    base, modifiers = _call_chain(value)
    if base.type != "call_expression":
        raise Unresolved(file, value, f"column `{key}` is not a drizzle column builder call")
    builder, enum = builder_of(ctx, file, base.child_by_field_name("function"), builder_params)
    evaluator = Evaluator(ctx)
    args = _args(base.child_by_field_name("arguments"))
    explicit_name: str | None = None
    options: dict[str, object] = {}
    mysql_enum_values: list[str] | None = None
    if builder == "mysqlEnum":
        first = evaluator.value(file, args[0]) if args else None
        if isinstance(first, str) and len(args) > 1:
            explicit_name = first or None
            values = evaluator.value(file, args[1])
        else:
            values = first
        if isinstance(values, dict):
            values = list(values.values())
        mysql_enum_values = [str(v) for v in values] if isinstance(values, list) else []
    elif args:
        first = evaluator.value(file, args[0])
        if isinstance(first, str):
            explicit_name = first or None
            if len(args) > 1:
                second = evaluator.value(file, args[1])
                options = second if isinstance(second, dict) else {}
        elif isinstance(first, dict):
            options = first
    if enum is not None:
        type_string = enum.name
    elif mysql_enum_values is not None:
        type_string = mysql_enum_type(mysql_enum_values)
    else:
        type_string = sql_type(ctx.dialect, builder or "", options) if builder else None
        if type_string is None:
            raise Unresolved(file, base, f"`{_callee_text(file, base)}` is not a column builder this checker knows")
    raw_name = explicit_name or key
    name = explicit_name or apply_casing(ctx.casing, key)
    column = Column(
        name=name, type=type_string, key=key, builder=builder or (enum.name if enum else None), options=options,
        range=file.range(whole), type_range=file.range(base), name_range=file.range(args[0] if explicit_name
                                                                                     else key_node),
    )
    if enum is not None:
        column.type_schema = enum.schema or "public"
    if ctx.dialect == "postgresql" and builder in PG_SERIALS:
        column.not_null = True
    if ctx.dialect == "mysql" and builder == "serial":
        column.auto_increment = True
    draft = ColumnDraft(column, raw_name)
    for method, arg_list, call in modifiers:
        try:
            _apply_modifier(ctx, file, draft, method, _args(arg_list), call, evaluator)
        except Unresolved as error:
            ctx.report(error)
    return draft


def _apply_modifier(ctx: Ctx, file: ParsedFile, draft: ColumnDraft, method: str, args: list[Node], call: Node,
                    evaluator: Evaluator) -> None:
    column = draft.column
    if method == "notNull":
        column.not_null = True
    elif method == "primaryKey":
        column.primary_key = True
        column.not_null = True
        if args and ctx.dialect == "sqlite":
            config = evaluator.value(file, args[0])
            if isinstance(config, dict) and config.get("autoIncrement"):
                column.auto_increment = True
    elif method == "default" and args:
        value = evaluator.value(file, args[0])
        column.default = serialize_default(ctx.dialect, value, column.type)
    elif method == "defaultNow":
        column.default = DEFAULT_NOW.get(ctx.dialect, "now()")
    elif method == "defaultRandom":
        column.default = DEFAULT_RANDOM
    elif method == "unique":
        draft.unique = True
        if args:
            name = evaluator.value(file, args[0])
            draft.unique_name = name if isinstance(name, str) else None
            if len(args) > 1:
                config = evaluator.value(file, args[1])
                draft.nulls_not_distinct = isinstance(config, dict) and config.get("nulls") == "not distinct"
    elif method == "references" and args:
        actions = evaluator.value(file, args[1]) if len(args) > 1 else {}
        actions = actions if isinstance(actions, dict) else {}
        draft.references.append(PendingReference(args[0], file, actions.get("onDelete"), actions.get("onUpdate"),
                                                 call))
    elif method in ("generatedAlwaysAsIdentity", "generatedByDefaultAsIdentity"):
        options = evaluator.value(file, args[0]) if args else {}
        draft.identity_options = options if isinstance(options, dict) else {}
        column.identity = Identity(type="always" if method == "generatedAlwaysAsIdentity" else "byDefault")
        column.not_null = True
    elif method == "generatedAlwaysAs" and args:
        draft.generated_node = (file, args[0])
    elif method == "array":
        size = evaluator.value(file, args[0]) if args else None
        # .array() wraps the builder in a new one: modifiers written before it do not carry over.
        column.type = f"{column.type}[{'' if size is None else size}]"
        column.not_null = column.primary_key = False
        column.default = None
        column.identity = None
        draft.unique = False
        draft.references.clear()
    elif method == "autoincrement":
        column.auto_increment = True


def generated_expression(ctx: Ctx, draft: ColumnDraft, evaluator: Evaluator) -> str | None:
    """The text drizzle-kit records for ``.generatedAlwaysAs(...)``."""
    if draft.generated_node is None:
        return None
    file, node = draft.generated_node
    node = unwrap(node)
    if node.type == "arrow_function":
        body = node.child_by_field_name("body")
        node = unwrap(body) if body is not None else node
    value = evaluator.value(file, node)
    if isinstance(value, SqlTemplate):
        text = value.render(ctx.dialect, qualified=ctx.dialect != "sqlite")
    else:
        text = str(value)
    return f"({text})" if ctx.dialect == "sqlite" else text


def _callee_text(file: ParsedFile, call: Node) -> str:
    callee = call.child_by_field_name("function")
    return file.node_text(callee) if callee is not None else "?"
