"""Static evaluation of TypeScript expressions: literals, consts, and ``sql`...``` templates.

Nothing is executed. An expression that needs running code raises ``Unresolved`` with the node to point at; the
caller turns it into a ``schema-unresolved`` problem and drops only the construct that needed it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

import tree_sitter

from drizzle_lsp.model.source import Problem
from drizzle_lsp.schema_ts.parser import ParsedFile
from drizzle_lsp.schema_ts.scope import Resolver

if TYPE_CHECKING:
    from drizzle_lsp.schema_ts.tables import TableInfo

Node = tree_sitter.Node

# Wrappers that change the type, not the value.
TRANSPARENT = {"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression",
               "type_assertion"}


class Unresolved(Exception):
    def __init__(self, file: ParsedFile, node: Node | None, message: str):
        super().__init__(message)
        self.file = file
        self.node = node
        self.message = message


@dataclass
class Ctx:
    """What extraction of one declaration needs: where names live, the dialect, and where problems go."""

    resolver: Resolver
    dialect: str
    casing: str | None
    problems: list[Problem] = field(default_factory=list)
    table_info: object = None  # callable (ctx, file, node) -> TableInfo | None, set by the extractor
    memo: dict = field(default_factory=dict)  # per-extraction lookups (table names by declaration)
    builder_owner: object = None  # callable (key) -> name of the first table built with a shared builder, or None
    volatile: bool = False  # the result depends on other tables' declarations in ways deps do not record

    def report(self, error: Unresolved, code: str = "schema-unresolved") -> None:
        where = error.file.range(error.node) if error.node is not None else None
        self.problems.append(Problem(code, error.message, where, "warning"))


def unwrap(node: Node) -> Node:
    while node.type in TRANSPARENT and node.named_child_count:
        node = node.named_children[0]
    return node


@dataclass(frozen=True)
class ColumnRef:
    """A column written inside ``sql`...``` (``${t.email}``): rendered per context as drizzle does."""

    table: str
    schema: str | None
    name: str


@dataclass(frozen=True)
class Param:
    value: object


SqlPart = Union[str, ColumnRef, Param]


@dataclass
class SqlTemplate:
    parts: list[SqlPart]

    def render(self, dialect: str, qualified: bool = True) -> str:
        quote = "`" if dialect == "mysql" else '"'
        out: list[str] = []
        params = 0
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, ColumnRef):
                col = f"{quote}{part.name}{quote}"
                if qualified:
                    prefix = f"{quote}{part.schema}{quote}." if part.schema else ""
                    col = f"{prefix}{quote}{part.table}{quote}.{col}"
                out.append(col)
            else:
                params += 1
                out.append(f"${params}" if dialect == "postgresql" else "?")
        return "".join(out)


def js_number_text(value: float | int) -> str:
    """String(value) as JavaScript writes it, for the values schemas use."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def js_json(value: object) -> str:
    """JSON.stringify for plain values: no spaces, non-ASCII kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def cook(raw: str) -> str:
    """The value of a JS string body with its escapes applied."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt == "u" and raw[i + 2:i + 3] == "{":
                close = raw.find("}", i)
                out.append(chr(int(raw[i + 3:close], 16)))
                i = close + 1
                continue
            if nxt == "u":
                out.append(chr(int(raw[i + 2:i + 6], 16)))
                i += 6
                continue
            if nxt == "x":
                out.append(chr(int(raw[i + 2:i + 4], 16)))
                i += 4
                continue
            if nxt == "\n":
                i += 2
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


class Evaluator:
    """Evaluates expressions to Python values; ``bindings`` maps callback parameters to the tables they stand for."""

    def __init__(self, ctx: Ctx, bindings: dict[str, TableInfo] | None = None):
        self.ctx = ctx
        self.bindings = bindings or {}

    def value(self, file: ParsedFile, node: Node, _depth: int = 0) -> object:
        if _depth > 32:
            raise Unresolved(file, node, "expression nests too deeply to read statically")
        node = unwrap(node)
        kind = node.type
        if kind == "string":
            return cook(file.node_text(node)[1:-1])
        if kind == "number":
            return _number(file.node_text(node), file, node)
        if kind == "true":
            return True
        if kind == "false":
            return False
        if kind in ("null", "undefined"):
            return None
        if kind == "template_string":
            if any(c.type == "template_substitution" for c in node.named_children):
                raise Unresolved(file, node, "template string with substitutions cannot be read statically")
            return cook(file.node_text(node)[1:-1])
        if kind == "unary_expression":
            operand = node.child_by_field_name("argument")
            operator = node.child_by_field_name("operator")
            op = file.node_text(operator) if operator else ""
            if operand is not None and op in ("-", "+"):
                inner = self.value(file, operand, _depth + 1)
                if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                    return -inner if op == "-" else inner
        if kind == "array":
            items: list[object] = []
            for child in node.named_children:
                if child.type == "spread_element":
                    spread = self.value(file, child.named_children[0], _depth + 1)
                    if not isinstance(spread, list):
                        raise Unresolved(file, child, "spread of a value that is not an array")
                    items.extend(spread)
                elif child.type != "comment":
                    items.append(self.value(file, child, _depth + 1))
            return items
        if kind == "object":
            return self.object_value(file, node, _depth)
        if kind == "identifier":
            name = file.node_text(node)
            if name == "undefined":
                return None
            decl = self.ctx.resolver.lookup(file.path, name)
            if decl is None:
                raise Unresolved(file, node, f"`{name}` is not a constant this checker can read")
            return self.value(decl.file, decl.value, _depth + 1)
        if kind == "call_expression" and _callee_name(file, node) == "sql":
            return self.sql(file, node, _depth)
        if kind == "member_expression":
            obj = node.child_by_field_name("object")
            prop = node.child_by_field_name("property")
            if obj is not None and prop is not None:
                base = self.value(file, obj, _depth + 1)
                key = file.node_text(prop)
                if isinstance(base, dict) and key in base:
                    return base[key]
        raise Unresolved(file, node, f"`{_short(file.node_text(node))}` cannot be read statically")

    def object_value(self, file: ParsedFile, node: Node, _depth: int = 0) -> dict[str, object]:
        result: dict[str, object] = {}
        for child in node.named_children:
            if child.type == "pair":
                key_node = child.child_by_field_name("key")
                value_node = child.child_by_field_name("value")
                if key_node is None or value_node is None:
                    continue
                result[property_key(file, key_node)] = self.value(file, value_node, _depth + 1)
            elif child.type == "shorthand_property_identifier":
                name = file.node_text(child)
                decl = self.ctx.resolver.lookup(file.path, name)
                if decl is None:
                    raise Unresolved(file, child, f"`{name}` is not a constant this checker can read")
                result[name] = self.value(decl.file, decl.value, _depth + 1)
            elif child.type == "spread_element":
                spread = self.value(file, child.named_children[0], _depth + 1)
                if not isinstance(spread, dict):
                    raise Unresolved(file, child, "spread of a value that is not an object")
                result.update(spread)
        return result

    def sql(self, file: ParsedFile, node: Node, _depth: int = 0) -> SqlTemplate:
        """``sql`...```, with ``${t.col}`` kept as column references and nested templates inlined."""
        template = node.child_by_field_name("arguments")
        if template is None or template.type != "template_string":
            raise Unresolved(file, node, "sql must be used as a tagged template")
        parts: list[SqlPart] = []
        body_start = template.start_byte + 1
        cursor = body_start
        for child in template.named_children:
            if child.type != "template_substitution":
                continue
            parts.append(cook(_slice_bytes(file, cursor, child.start_byte)))
            expr = child.named_children[0] if child.named_child_count else None
            if expr is not None:
                parts.extend(self._sql_substitution(file, expr, _depth + 1))
            cursor = child.end_byte
        parts.append(cook(_slice_bytes(file, cursor, template.end_byte - 1)))
        return SqlTemplate([p for p in parts if p != ""])

    def _sql_substitution(self, file: ParsedFile, expr: Node, _depth: int) -> list[SqlPart]:
        expr = unwrap(expr)
        if expr.type == "member_expression":
            ref = self.column_ref(file, expr)
            if ref is not None:
                return [ref]
        if expr.type == "call_expression":
            callee = expr.child_by_field_name("function")
            if callee is not None and file.node_text(callee) == "sql.raw":
                args = expr.child_by_field_name("arguments")
                if args is not None and args.named_child_count:
                    return [str(self.value(file, args.named_children[0], _depth))]
            if callee is not None and file.node_text(callee) == "sql.identifier":
                args = expr.child_by_field_name("arguments")
                quote = "`" if self.ctx.dialect == "mysql" else '"'
                if args is not None and args.named_child_count:
                    return [f"{quote}{self.value(file, args.named_children[0], _depth)}{quote}"]
        value = self.value(file, expr, _depth)
        if isinstance(value, SqlTemplate):
            return list(value.parts)
        return [Param(value)]

    def column_ref(self, file: ParsedFile, expr: Node) -> ColumnRef | None:
        """``t.email`` or ``users.email`` -> the column it names, or None when it is not a table column."""
        obj = expr.child_by_field_name("object")
        prop = expr.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        key = file.node_text(prop)
        info = self.table_of(file, unwrap(obj))
        if info is None:
            return None
        column = info.columns.get(key)
        if column is None:
            raise Unresolved(file, expr, f"table `{info.name}` has no column `{key}`")
        return ColumnRef(info.name, info.schema, column.name)

    def table_of(self, file: ParsedFile, node: Node) -> TableInfo | None:
        if node.type == "identifier":
            name = file.node_text(node)
            if name in self.bindings:
                return self.bindings[name]
        finder = self.ctx.table_info
        return finder(self.ctx, file, node) if finder else None


def property_key(file: ParsedFile, key_node: Node) -> str:
    text = file.node_text(key_node)
    if key_node.type == "string":
        return cook(text[1:-1])
    return text


def _number(text: str, file: ParsedFile, node: Node) -> int | float:
    clean = text.replace("_", "")
    try:
        if clean.endswith("n"):
            return int(clean[:-1], 0)
        if clean.lower().startswith(("0x", "0o", "0b")):
            return int(clean, 0)
        as_float = float(clean)
        return int(clean) if clean.isdigit() else as_float
    except ValueError as exc:
        raise Unresolved(file, node, f"number `{text}` cannot be read") from exc


def _slice_bytes(file: ParsedFile, start: int, end: int) -> str:
    return file.text[file.offsets.to_char(start):file.offsets.to_char(end)]


def _callee_name(file: ParsedFile, call: Node) -> str | None:
    callee = call.child_by_field_name("function")
    if callee is None:
        return None
    return file.node_text(callee)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
