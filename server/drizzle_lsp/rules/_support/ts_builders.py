"""Exact edits on a Drizzle column builder call (``timestamp('at', { mode: 'date' })``) and on the imports it needs.

The type rules fix the TypeScript schema, where the fix belongs: rename the builder (``json`` -> ``jsonb``), add or
drop an option (``withTimezone: true``, ``length``), append a modifier (``.generatedAlwaysAsIdentity()``), and keep
the file's imports valid (import ``jsonb`` from ``drizzle-orm/pg-core`` when it is not imported yet), so the fixed
file still type-checks.

Rules do not get the schema file's text (``SchemaContext`` carries ranges only), so ``builder_call`` reads it: from
the context when a future framework offers ``file_text``, else from disk. Text read from disk may be older or newer
than the text the ranges came from (an editor's unsaved buffer), so every range is checked against the tree first:
when the column's builder call is not exactly where the model says, no fix is offered. A wrong edit is worse than
none.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter

from drizzle_lsp.model.source import SourceRange
from drizzle_lsp.rules.framework import Fix, TextEdit
from drizzle_lsp.schema_ts.extractor import parsed_now
from drizzle_lsp.schema_ts.parser import ParsedFile
from drizzle_lsp.schema_ts.scope import FileIndex

Node = tree_sitter.Node

CORE_MODULES = {
    "postgresql": "drizzle-orm/pg-core", "mysql": "drizzle-orm/mysql-core", "sqlite": "drizzle-orm/sqlite-core",
}


@dataclass(frozen=True)
class SchemaSource:
    path: str
    parsed: ParsedFile
    index: FileIndex

    @property
    def text(self) -> str:
        return self.parsed.text

    def byte_offset(self, char_offset: int) -> int:
        return len(self.text[:char_offset].encode("utf-8"))

    def node_at(self, rng: SourceRange, kind: str) -> Node | None:
        """The ``kind`` node spanning exactly ``rng``, or None when the text does not match the model."""
        if rng.end > len(self.text):
            return None
        start, end = self.byte_offset(rng.start), self.byte_offset(rng.end)
        node = self.parsed.tree.root_node.descendant_for_byte_range(start, end)
        while node is not None and node.start_byte == start and node.end_byte == end:
            if node.type == kind:
                return node
            node = node.parent
        return None

    def rng(self, node: Node) -> SourceRange:
        return self.parsed.range(node)

    def node_text(self, node: Node) -> str:
        return self.parsed.node_text(node)


_disk_cache: dict[str, tuple[tuple[int, int], str]] = {}


def _read_disk(path: str) -> str | None:
    try:
        stat = os.stat(path)
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = _disk_cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    if len(_disk_cache) > 64:
        _disk_cache.clear()
    _disk_cache[path] = (stamp, text)
    return text


@lru_cache(maxsize=4)  # a parse of a 3,000-line schema holds megabytes: keep few
def _parse(path: str, text: str) -> SchemaSource:
    parsed = ParsedFile(path, text)
    return SchemaSource(path, parsed, FileIndex.build(parsed))


def schema_source(ctx: object, path: str) -> SchemaSource | None:
    reader = getattr(ctx, "file_text", None)
    text = reader(path) if callable(reader) else None
    if text is None and os.path.isfile(path):
        text = _read_disk(path)
    if text is None:
        return None
    live = parsed_now(path, text)  # the extractor parsed this very text, incrementally
    return SchemaSource(path, *live) if live is not None else _parse(path, text)


_DRIZZLE_IMPORT_QUOTE = re.compile(r"from\s+(['\"])drizzle-orm")
_ANY_IMPORT_QUOTE = re.compile(r"from\s+(['\"])")


def file_quotes(text: str) -> tuple[str | None, str | None]:
    """The quote of the file's first drizzle-orm import and of its first import of anything (None where there is
    none): what fixes write names and strings with, so that they look like the code around them."""
    drizzle = _DRIZZLE_IMPORT_QUOTE.search(text)
    found = drizzle or _ANY_IMPORT_QUOTE.search(text)
    return (drizzle.group(1) if drizzle else None, found.group(1) if found else None)


@dataclass
class BuilderCall:
    """A column's base builder call, e.g. ``t.varchar('email', { length: 255 })``, read from the file's tree."""

    source: SchemaSource
    node: Node  # the call_expression
    callee: Node  # identifier, or member_expression (``t.varchar``, ``pg.varchar``)
    name_node: Node  # the identifier or property naming the builder
    arguments: Node
    args: list[Node]
    column_name: Node | None  # a string first argument
    options: Node | None  # an object literal argument

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def local_name(self) -> str:
        return self.source.node_text(self.name_node)

    def replace(self, node: Node, text: str) -> TextEdit:
        return TextEdit.replace(self.source.rng(node), text)

    def insert(self, char_offset: int, text: str) -> TextEdit:
        return TextEdit.insert(self.path, char_offset, text)

    def quote(self) -> str:
        """The quote character the file uses for strings, so inserted options look like the code around them."""
        if self.column_name is not None and self.source.node_text(self.column_name)[:1] in "'\"":
            return self.source.node_text(self.column_name)[0]
        return file_quotes(self.source.text)[0] or "'"

    def option_pairs(self) -> dict[str, Node]:
        if self.options is None:
            return {}
        pairs = {}
        for pair in self.options.named_children:
            if pair.type == "pair":
                key = pair.child_by_field_name("key")
                if key is not None:
                    pairs[self.source.node_text(key).strip("'\"")] = pair
        return pairs


def builder_call(ctx: object, type_range: SourceRange | None) -> BuilderCall | None:
    """The builder call at a column's ``type_range``, or None when the file's text does not match the model or the
    call is written in a way an exact edit cannot handle (options held in a variable, spread arguments)."""
    if type_range is None:
        return None
    source = schema_source(ctx, type_range.path)
    if source is None:
        return None
    node = source.node_at(type_range, "call_expression")
    if node is None:
        return None
    callee = node.child_by_field_name("function")
    arguments = node.child_by_field_name("arguments")
    if callee is None or arguments is None:
        return None
    if callee.type == "identifier":
        name_node = callee
    elif callee.type == "member_expression" and callee.child_by_field_name("property") is not None:
        name_node = callee.child_by_field_name("property")
    else:
        return None
    args = [a for a in arguments.named_children if a.type != "comment"]
    column_name = options = None
    for position, arg in enumerate(args):
        if position == 0 and arg.type in ("string", "template_string"):
            column_name = arg
        elif arg.type == "object" and options is None:
            options = arg
        else:
            return None  # a variable or an expression: an edit would have to guess what it holds
    return BuilderCall(source, node, callee, name_node, arguments, args, column_name, options)


# --- option edits ----------------------------------------------------------------------------------------------------

def set_option(call: BuilderCall, key: str, value: str) -> list[TextEdit]:
    """Make ``key: value`` part of the builder's options: replace the value, add the pair, or add the object."""
    pairs = call.option_pairs()
    if key in pairs:
        current = pairs[key].child_by_field_name("value")
        return [call.replace(current, value)] if current is not None else []
    if call.options is not None:
        members = [c for c in call.options.named_children if c.type != "comment"]
        if not members:
            return [call.replace(call.options, f"{{ {key}: {value} }}")]
        last = members[-1]
        return [call.insert(call.source.parsed.end(last), f", {key}: {value}")]
    if call.column_name is not None:
        return [call.insert(call.source.parsed.end(call.column_name), f", {{ {key}: {value} }}")]
    return [call.insert(call.source.parsed.start(call.arguments) + 1, f"{{ {key}: {value} }}")]


def drop_option(call: BuilderCall, key: str) -> list[TextEdit]:
    """Remove ``key`` from the builder's options, and the whole object when nothing else is left in it."""
    pairs = call.option_pairs()
    if key not in pairs or call.options is None:
        return []
    parsed = call.source.parsed
    members = [c for c in call.options.named_children if c.type != "comment"]
    if len(members) == 1:
        # Nothing else in the object: remove it and the comma before it (`varchar('x', { length: 9 })` -> `text('x')`)
        start = parsed.end(call.column_name) if call.column_name is not None else parsed.start(call.options)
        return [TextEdit(call.path, start, parsed.end(call.options), "")]
    position = members.index(pairs[key])
    if position + 1 < len(members):
        return [TextEdit(call.path, parsed.start(members[position]), parsed.start(members[position + 1]), "")]
    return [TextEdit(call.path, parsed.end(members[position - 1]), parsed.end(members[position]), "")]


# --- renaming the builder and keeping imports valid ------------------------------------------------------------------

def rename_builder(call: BuilderCall, new_builder: str, dialect: str) -> list[TextEdit] | None:
    """Edits that make ``call`` use the drizzle builder ``new_builder`` instead of its own, imports included.

    ``t.json()`` (the table callback's column helpers) and ``pg.json()`` (a namespace import) only change the
    property. With named imports, the local name of ``new_builder`` is used when it is already imported; otherwise
    it is added to the import list the old builder comes from. Import edits are only ever additions, at a place
    and with a text that depend only on the builder: fixes of several columns are applied
    together by ``check --fix``, each computed on the original text, so two fixes adding ``bigint`` must produce the
    same edit (kept once), and a fix must never remove an import another fix may still need. The old builder's
    import is therefore left in place even when it becomes unused. None when the name cannot be made available
    (``new_builder`` is already a local name for something else, or the builder is a local wrapper).
    """
    if call.callee.type == "member_expression":
        return [call.replace(call.name_node, new_builder)]
    source = call.source
    module = CORE_MODULES.get(dialect, CORE_MODULES["postgresql"])
    old_binding = source.index.imports.get(call.local_name)
    if old_binding is None or not old_binding.source.startswith("drizzle-orm"):
        return None  # a local wrapper around a builder: renaming the call would not change the column
    existing = _local_name_for(source, new_builder, module)
    if existing is not None:
        return [call.replace(call.name_node, existing)]
    if new_builder in source.index.decls or new_builder in source.index.imports:
        return None
    old_spec = _import_specifier(source, call.local_name)
    if old_spec is None:
        return None
    return [call.replace(call.name_node, new_builder), _add_specifier(source, old_spec, new_builder)]


def _local_name_for(source: SchemaSource, builder: str, module: str) -> str | None:
    for local, binding in source.index.imports.items():
        if binding.source == module and binding.imported == builder:
            return local
    return None


def _import_specifier(source: SchemaSource, local: str) -> Node | None:
    # Every builder fix of a file asks for the same few specifiers (one walk of the imports each, ~400 per check of
    # a large schema); the answer only depends on the parsed file, so it is remembered per parsed source.
    known = _specifiers.get(id(source))
    if known is None or known[0] is not source:
        if len(_specifiers) > 8:
            _specifiers.clear()
        known = _specifiers[id(source)] = (source, {})
    if local not in known[1]:
        known[1][local] = _find_import_specifier(source, local)
    return known[1][local]


_specifiers: dict[int, tuple[SchemaSource, dict[str, Node | None]]] = {}  # the source is held, so its id stays unique


def _find_import_specifier(source: SchemaSource, local: str) -> Node | None:
    for statement in source.parsed.tree.root_node.named_children:
        if statement.type != "import_statement":
            continue
        stack = [statement]
        while stack:
            node = stack.pop()
            if node.type == "import_specifier":
                alias = node.child_by_field_name("alias") or node.child_by_field_name("name")
                if alias is not None and source.node_text(alias) == local:
                    return node
            stack.extend(node.named_children)
    return None


def _add_specifier(source: SchemaSource, beside: Node, name: str) -> TextEdit:
    """Insert ``name`` into the import list holding ``beside``, before the first name that sorts after it.

    The place depends only on ``name``, so two fixes adding ``bigint`` make the same edit (applied once), and fixes
    adding different builders usually touch different places and can be applied in the same run."""
    siblings = [c for c in beside.parent.named_children if c.type == "import_specifier"] if beside.parent else [beside]
    separator = ", "
    if len(siblings) > 1:  # follow the list's own layout: one per line stays one per line
        separator = source.text[source.parsed.end(siblings[0]):source.parsed.start(siblings[1])]
    for spec in siblings:
        if source.node_text(spec.child_by_field_name("name") or spec) > name:
            return TextEdit.insert(source.path, source.parsed.start(spec), name + separator)
    return TextEdit.insert(source.path, source.parsed.end(siblings[-1]), separator + name)


def append_modifier(call: BuilderCall, modifier: str) -> TextEdit:
    """Insert ``.modifier()`` right after the base call, before the existing chain (``.primaryKey()`` ...)."""
    return call.insert(call.source.parsed.end(call.node), modifier)


def replace_arguments(call: BuilderCall, text: str) -> TextEdit:
    return call.replace(call.arguments, text)


def rename_fix(ctx: object, type_range: SourceRange | None, builder: str, title: str, applicability: str,
               extra: Callable[[BuilderCall], list[TextEdit]] | None = None) -> Fix | None:
    """A fix renaming the column's builder call to ``builder`` (imported when needed), with ``extra``'s edits of the
    call after it; None when the call cannot be found or renamed."""
    call = builder_call(ctx, type_range)
    if call is None:
        return None
    edits = rename_builder(call, builder, ctx.dialect)
    if edits is None:
        return None
    if extra is not None:
        edits.extend(extra(call))
    return Fix(title, edits, applicability)
