"""Exact edits on a Drizzle table declaration: entries of its extra config (``(t) => [index(...).on(t.a)]``), the
callback itself when the table has none, chained column modifiers, and the imports those entries need.

Edits follow the code around them: the array or the deprecated object form, the callback's parameter name, the
indentation, one entry per line or all on one, trailing commas, the quote character. Every node is found through
``ts_builders.schema_source``, which checks that the file's text still matches the model's ranges; when it does not,
or when the declaration is written in a way an exact edit would have to guess about (a config held in a variable, a
destructured parameter), no edit is produced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import tree_sitter

from drizzle_lsp.model import SourceRange, Table
from drizzle_lsp.rules._support.ts_builders import CORE_MODULES, SchemaSource, builder_call, file_quotes, schema_source
from drizzle_lsp.rules.framework import TextEdit
from drizzle_lsp.schema_ts.values import unwrap

Node = tree_sitter.Node

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_FUNCTIONS = ("arrow_function", "function_expression", "function")


# --- reading the text -------------------------------------------------------------------------------------------------

def node_spanning(source: SchemaSource, rng: SourceRange) -> Node | None:
    """The outermost node spanning exactly ``rng`` (None when the text no longer matches the model)."""
    if rng.end > len(source.text):
        return None
    start, end = source.byte_offset(rng.start), source.byte_offset(rng.end)
    node = source.parsed.tree.root_node.descendant_for_byte_range(start, end)
    if node is None or node.start_byte != start or node.end_byte != end:
        return None
    while node.parent is not None and node.parent.start_byte == start and node.parent.end_byte == end:
        node = node.parent
    return node


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_indent(text: str, offset: int) -> str:
    start = line_start(text, offset)
    line = text[start:offset]
    return line[: len(line) - len(line.lstrip(" \t"))]


def starts_line(text: str, offset: int) -> bool:
    return not text[line_start(text, offset):offset].strip()


_INDENTED = re.compile(r"\n( +)[^ \n]")


def indent_unit(text: str) -> str:
    """The file's indentation step: a tab, or the smallest run of leading spaces (2 when nothing is indented).

    It runs on every keystroke (the fixes that insert an entry read it): with lines ended by "\\n" alone, the lines
    starting with spaces are found by one regular expression; other line breaks take the line-by-line way."""
    if not text.isascii() or any(c in text for c in "\r\x0b\x0c\x1c\x1d\x1e"):
        return indent_unit_by_lines(text)
    if text.startswith("\t") or "\n\t" in text:
        return "\t"
    found = _INDENTED.findall("\n" + text)
    return " " * min(map(len, found)) if found else "  "


def indent_unit_by_lines(text: str) -> str:
    """``indent_unit`` for any line breaks ``str.splitlines`` knows."""
    widths = []
    for line in text.splitlines():
        if line.startswith("\t"):
            return "\t"
        stripped = line.lstrip(" ")
        if stripped and len(line) > len(stripped):
            widths.append(len(line) - len(stripped))
    return " " * min(widths) if widths else "  "


def quote_of(source: SchemaSource) -> str:
    """The quote character the file writes strings with: its drizzle-orm import's, else any import's."""
    drizzle, first = file_quotes(source.text)
    return drizzle or first or "'"


def string_literal(value: str, quote: str) -> str:
    return quote + value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


def member_access(param: str, key: str) -> str:
    """``t.authorId``, or ``t['author-id']`` for a key that is not an identifier."""
    return f"{param}.{key}" if _IDENTIFIER.match(key) else f"{param}[{string_literal(key, chr(39))}]"


def _next_non_space(text: str, offset: int, limit: int) -> int:
    while offset < limit and text[offset] in " \t\r\n":
        offset += 1
    return offset


def _end_of_line_if_blank(text: str, offset: int) -> int:
    """The end of the line holding ``offset`` when only blanks or a ``//`` comment follow it there, else ``offset``."""
    newline = text.find("\n", offset)
    newline = len(text) if newline < 0 else newline
    rest = text[offset:newline].strip()
    return newline if not rest or rest.startswith("//") else offset


# --- the table call and its extra config ------------------------------------------------------------------------------

@dataclass
class TableSource:
    source: SchemaSource
    call: Node  # pgTable(...) / schema.table(...) / creator(...)
    arguments: Node
    args: list[Node]

    @property
    def text(self) -> str:
        return self.source.text

    def start(self, node: Node) -> int:
        return self.source.parsed.start(node)

    def end(self, node: Node) -> int:
        return self.source.parsed.end(node)

    def insert(self, offset: int, text: str) -> TextEdit:
        return TextEdit.insert(self.source.path, offset, text)


def table_source(ctx: object, table: Table) -> TableSource | None:
    if table.range is None:
        return None
    source = schema_source(ctx, table.range.path)
    if source is None:
        return None
    call = source.node_at(table.range, "call_expression")
    arguments = call.child_by_field_name("arguments") if call is not None else None
    if call is None or arguments is None:
        return None
    args = [a for a in arguments.named_children if a.type != "comment"]
    return TableSource(source, call, arguments, args)


@dataclass
class ExtraConfig:
    function: Node
    param: str | None  # None when the callback takes no parameter
    parameters: Node | None
    container: Node  # the returned array or object literal
    entries: list[Node]  # array elements, or the object's pairs

    @property
    def is_object(self) -> bool:
        return self.container.type == "object"


def extra_config(table_src: TableSource) -> ExtraConfig | None:
    """The third argument of the table call when it is an inline callback returning an array or object literal."""
    if len(table_src.args) < 3:
        return None
    function = unwrap(table_src.args[2])
    if function.type not in _FUNCTIONS:
        return None
    parameters = function.child_by_field_name("parameters") or function.child_by_field_name("parameter")
    param: str | None = None
    if parameters is not None and parameters.type == "identifier":
        param = table_src.source.node_text(parameters)
    elif parameters is not None:
        first = next((p for p in parameters.named_children if p.type != "comment"), None)
        if first is not None:
            pattern = first.child_by_field_name("pattern") if first.type == "required_parameter" else None
            if pattern is None or pattern.type != "identifier":
                return None  # destructured or optional: an entry could not name the columns reliably
            param = table_src.source.node_text(pattern)
    body = function.child_by_field_name("body")
    if body is not None and body.type == "statement_block":
        returned = [s for s in body.named_children if s.type == "return_statement" and s.named_child_count]
        body = returned[0].named_children[0] if len(returned) == 1 else None
    if body is None:
        return None
    container = unwrap(body)
    if container.type not in ("array", "object"):
        return None
    entries = [c for c in container.named_children if c.type != "comment"]
    return ExtraConfig(function, param, parameters, container, entries)


# --- inserting an entry -----------------------------------------------------------------------------------------------

def add_extra_config_entry(ctx: object, table: Table, dialect: str, import_name: str,
                           entry: Callable[[str, str], str], object_key: str) -> list[TextEdit] | None:
    """Edits that add ``entry(param, local_import_name)`` to the table's extra config, creating the callback when
    the table has none, and importing ``import_name`` from the dialect's core module when needed."""
    table_src = table_source(ctx, table)
    if table_src is None:
        return None
    imported = ensure_import(table_src.source, CORE_MODULES.get(dialect, CORE_MODULES["postgresql"]), import_name)
    if imported is None:
        return None
    local, import_edits = imported
    if len(table_src.args) == 2:
        edits = _add_callback(table_src, entry("t", local))
    elif len(table_src.args) == 3:
        edits = _add_to_existing(table_src, entry, local, object_key)
    else:
        return None
    return None if edits is None else import_edits + edits


def _add_callback(table_src: TableSource, entry_text: str) -> list[TextEdit]:
    text = table_src.text
    columns = table_src.args[1]
    close = table_src.end(table_src.arguments) - 1
    after = _next_non_space(text, table_src.end(columns), close)
    trailing_comma = after < close and text[after] == ","
    unit = indent_unit(text)
    if starts_line(text, table_src.start(table_src.args[0])):
        # One argument per line (prettier's layout for a table with a config): the callback gets its own line.
        indent = line_indent(text, table_src.start(columns))
        block = f"(t) => [\n{indent}{unit}{entry_text},\n{indent}]"
        if trailing_comma:
            return [table_src.insert(_end_of_line_if_blank(text, after + 1), f"\n{indent}{block},")]
        return [table_src.insert(table_src.end(columns), f",\n{indent}{block}")]
    indent = line_indent(text, table_src.start(table_src.call))
    block = f"(t) => [\n{indent}{unit}{entry_text},\n{indent}]"
    if trailing_comma:
        return [table_src.insert(after + 1, f" {block}")]
    return [table_src.insert(table_src.end(columns), f", {block}")]


def _add_to_existing(table_src: TableSource, entry: Callable[[str, str], str], local: str,
                     object_key: str) -> list[TextEdit] | None:
    config = extra_config(table_src)
    if config is None:
        return None
    edits: list[TextEdit] = []
    param = config.param
    if param is None:
        # `() => [...]`: the callback needs a parameter to name the columns.
        if config.parameters is None or config.parameters.type != "formal_parameters":
            return None
        param = "t"
        edits.append(TextEdit.replace(table_src.source.rng(config.parameters), "(t)"))
    new = entry(param, local)
    if config.is_object:
        keys = {table_src.source.node_text(p.child_by_field_name("key")) for p in config.entries
                if p.type == "pair" and p.child_by_field_name("key") is not None}
        key, suffix = object_key, 2
        while key in keys:
            key, suffix = f"{object_key}{suffix}", suffix + 1
        new = f"{key}: {new}"
    edits.extend(append_to_list(table_src.source, config.container, config.entries, new))
    return edits


def append_to_list(source: SchemaSource, container: Node, entries: list[Node], new: str) -> list[TextEdit]:
    """Edits appending ``new`` to an array or object literal, in the literal's own layout."""
    text, parsed = source.text, source.parsed
    opening, closing = parsed.start(container), parsed.end(container) - 1
    if not entries:
        inner = text[opening + 1:closing]
        if "\n" in inner:
            indent = line_indent(text, closing) + indent_unit(text)
            return [TextEdit.insert(source.path, opening + 1, f"\n{indent}{new},")]
        padding = " " if container.type == "object" else ""
        return [TextEdit(source.path, opening + 1, closing, f"{padding}{new}{padding}")]
    last = entries[-1]
    last_end = parsed.end(last)
    after = _next_non_space(text, last_end, closing)
    trailing_comma = after < closing and text[after] == ","
    if "\n" in text[opening:closing] and starts_line(text, parsed.start(last)):
        indent = line_indent(text, parsed.start(last))
        if trailing_comma:
            return [TextEdit.insert(source.path, _end_of_line_if_blank(text, after + 1), f"\n{indent}{new},")]
        line_end = _end_of_line_if_blank(text, last_end)
        if line_end == last_end:
            return [TextEdit.insert(source.path, last_end, f",\n{indent}{new}")]
        return [TextEdit.insert(source.path, last_end, ","), TextEdit.insert(source.path, line_end, f"\n{indent}{new}")]
    if trailing_comma:
        return [TextEdit.insert(source.path, after + 1, f" {new},")]
    return [TextEdit.insert(source.path, last_end, f", {new}")]


# --- removing an entry or a modifier ----------------------------------------------------------------------------------

def remove_list_entry(ctx: object, rng: SourceRange, inside: SourceRange) -> TextEdit | None:
    """Delete the array element (or object pair) at ``rng`` together with its comma, and its line when it has one
    of its own. The list must lie within ``inside`` (a table's extra config), so a range that turned out to be a
    column's is never taken for an entry."""
    source = schema_source(ctx, rng.path)
    return remove_entry_in(source, rng, inside) if source is not None else None


def remove_entry_in(source: SchemaSource, rng: SourceRange, inside: SourceRange) -> TextEdit | None:
    if rng.path != inside.path or not (inside.start <= rng.start and rng.end <= inside.end):
        return None
    node = node_spanning(source, rng)
    if node is None or node.parent is None:
        return None
    if node.parent.type == "pair":
        node = node.parent
    container = node.parent
    if container is None or container.type not in ("array", "object") or source.parsed.start(container) < inside.start:
        return None
    entries = [c for c in container.named_children if c.type != "comment"]
    if node not in entries:
        return None
    text, parsed = source.text, source.parsed
    position = entries.index(node)
    start, end = parsed.start(node), parsed.end(node)
    closing = parsed.end(container) - 1
    after = _next_non_space(text, end, closing)
    has_comma = after < closing and text[after] == ","
    if starts_line(text, start) and "\n" in text[parsed.start(container):closing]:
        cut_end = after + 1 if has_comma else end
        line_end = _end_of_line_if_blank(text, cut_end)
        if line_end != cut_end or text[cut_end:cut_end + 1] == "\n":
            return TextEdit(source.path, line_start(text, start), min(line_end + 1, len(text)), "")
        return TextEdit(source.path, start, cut_end, "")
    if has_comma:
        return TextEdit(source.path, start, _next_non_space(text, after + 1, closing), "")
    if position > 0:
        return TextEdit(source.path, parsed.end(entries[position - 1]), end, "")
    return TextEdit(source.path, start, end, "")


def remove_modifier(ctx: object, column_range: SourceRange, method: str) -> TextEdit | None:
    """Delete ``.method(...)`` from the column's builder chain (``uuid().primaryKey().unique()``)."""
    source = schema_source(ctx, column_range.path)
    node = node_spanning(source, column_range) if source is not None else None
    if node is None:
        return None
    value = node.child_by_field_name("value") if node.type == "pair" else node
    current = unwrap(value) if value is not None else None
    while current is not None and current.type == "call_expression":
        callee = unwrap(current.child_by_field_name("function"))
        if callee.type != "member_expression":
            return None
        target = callee.child_by_field_name("object")
        if source.node_text(callee.child_by_field_name("property")) == method:
            return TextEdit(source.path, source.parsed.end(target), source.parsed.end(current), "")
        current = unwrap(target)
    return None


def insert_column_name(ctx: object, type_range: SourceRange | None, name: str) -> TextEdit | None:
    """Give a column named after its key an explicit name: ``text()`` -> ``text("first_name")``."""
    call = builder_call(ctx, type_range)
    if call is None or call.column_name is not None:
        return None
    opening = call.source.parsed.start(call.arguments) + 1
    return call.insert(opening, string_literal(name, call.quote()) + (", " if call.args else ""))


# --- imports ----------------------------------------------------------------------------------------------------------

def ensure_import(source: SchemaSource, module: str, name: str) -> tuple[str, list[TextEdit]] | None:
    """How the file can refer to ``name`` exported by ``module``, and the edits that import it when it does not yet.

    An existing import is reused (under its alias). Otherwise the name joins the module's named import, or, when
    the file only has a namespace import of the module, ``ns.name`` is used; failing both, a new import statement
    follows the last one. A local name already taken by something else gets an alias (``index as pgIndex``); None
    when that is taken too."""
    for local, binding in source.index.imports.items():
        if binding.source == module and binding.imported == name:
            return local, []
    local = name
    if _taken(source, local):
        local = "pg" + name[0].upper() + name[1:]
        if _taken(source, local):
            return None
    specifier = name if local == name else f"{name} as {local}"
    statement = _value_import_of(source, module)
    named = next((c for c in statement.named_children if c.type == "import_clause"), None) if statement else None
    named = next((c for c in named.named_children if c.type == "named_imports"), None) if named else None
    if named is not None:
        return local, [_add_specifier(source, named, specifier)]
    for namespace, binding in source.index.imports.items():
        if binding.source == module and binding.imported == "*":
            return f"{namespace}.{name}", []
    quote = quote_of(source)
    imports = [s for s in source.parsed.tree.root_node.named_children if s.type == "import_statement"]
    if imports:
        last = imports[-1]
        semicolon = ";" if source.node_text(last).rstrip().endswith(";") else ""
        line = f"import {{ {specifier} }} from {quote}{module}{quote}{semicolon}"
        return local, [TextEdit.insert(source.path, source.parsed.end(last), "\n" + line)]
    return local, [TextEdit.insert(source.path, 0, f"import {{ {specifier} }} from {quote}{module}{quote};\n")]


def _taken(source: SchemaSource, local: str) -> bool:
    return local in source.index.imports or local in source.index.decls


def _value_import_of(source: SchemaSource, module: str) -> Node | None:
    """The module's ``import { ... } from`` statement (not ``import type``, not a namespace import)."""
    for statement in source.parsed.tree.root_node.named_children:
        if statement.type != "import_statement" or source.node_text(statement).startswith("import type"):
            continue
        spec = statement.child_by_field_name("source")
        clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
        has_named = clause is not None and any(c.type == "named_imports" for c in clause.named_children)
        if spec is not None and source.node_text(spec)[1:-1] == module and has_named:
            return statement
    return None


def _add_specifier(source: SchemaSource, named: Node, specifier: str) -> TextEdit:
    specifiers = [c for c in named.named_children if c.type == "import_specifier"]
    parsed, text = source.parsed, source.text
    if not specifiers:
        return TextEdit.replace(parsed.range(named), f"{{ {specifier} }}")
    last = specifiers[-1]
    if len(specifiers) > 1:  # follow the list's own layout: one per line stays one per line
        separator = text[parsed.end(specifiers[-2]):parsed.start(last)]
    elif "\n" in source.node_text(named):
        separator = ",\n" + line_indent(text, parsed.start(last))
    else:
        separator = ", "
    return TextEdit.insert(source.path, parsed.end(last), separator + specifier)
