"""The ``drizzle(...)`` calls of a project's source, read statically, and the ``casing`` each one passes.

drizzle-kit names columns with the config's ``casing``; the runtime names them in queries with the ``casing`` given
to ``drizzle({ casing })`` (or ``drizzle(client, { casing })``). When the two differ, the migrations create
``first_name`` and the queries ask for ``"firstName"``. Finding the calls means reading source files beyond the
schema: every ``.ts``/``.js`` file under the project root except dependencies and build output, and only those that
import ``drizzle`` from a ``drizzle-orm/<driver>`` module are parsed. Nothing is executed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import tree_sitter

from drizzle_lsp.model import SourceRange
from drizzle_lsp.rules._support.ts_builders import SchemaSource, schema_source
from drizzle_lsp.schema_ts.values import unwrap

Node = tree_sitter.Node

_EXTENSIONS = (".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx")
_SKIP_DIRS = {"node_modules", "dist", "build", "out", ".next", ".turbo", ".wrangler", ".vercel", "coverage"}
_SCAN_LIMIT = 2000  # files: a monorepo scan must stay fast


@dataclass(frozen=True)
class RuntimeCall:
    source: SchemaSource
    call: Node  # the drizzle(...) call_expression
    arguments: list[Node]
    casing: str | None  # the casing it passes, None when it passes none
    casing_pair: Node | None  # the `casing: "..."` pair
    resolved: bool  # False when casing is given but not as a string literal
    options: Node | None  # the object literal holding (or able to hold) the casing

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def range(self) -> SourceRange:
        return self.source.rng(self.casing_pair if self.casing_pair is not None else self.call)


def source_files(root: str) -> list[str]:
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(_EXTENSIONS) and not name.endswith(".d.ts"):
                found.append(os.path.join(folder, name))
                if len(found) >= _SCAN_LIMIT:
                    return found
    return found


def drizzle_calls(root: str, reader: object) -> list[RuntimeCall]:
    """Every ``drizzle(...)`` call under ``root``; ``reader`` offers ``file_text(path)`` (editor buffers first)."""
    read: Callable[[str], str | None] | None = getattr(reader, "file_text", None)
    calls: list[RuntimeCall] = []
    for path in source_files(root):
        text = read(path) if callable(read) else None
        if not text or "drizzle-orm/" not in text or "drizzle" not in text.replace("drizzle-orm", ""):
            continue
        source = schema_source(reader, path)
        if source is not None:
            calls.extend(_calls_in(source))
    return calls


def _calls_in(source: SchemaSource) -> list[RuntimeCall]:
    locals_ = {local for local, binding in source.index.imports.items()
               if binding.imported == "drizzle" and binding.source.startswith("drizzle-orm/")}
    if not locals_:
        return []
    found: list[RuntimeCall] = []
    stack = [source.parsed.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type == "identifier" and source.node_text(callee) in locals_:
                found.append(_read_call(source, node))
        stack.extend(reversed(node.named_children))
    return found


def _read_call(source: SchemaSource, call: Node) -> RuntimeCall:
    arguments_node = call.child_by_field_name("arguments")
    args = [a for a in (arguments_node.named_children if arguments_node else []) if a.type != "comment"]
    objects = [unwrap(a) for a in args if unwrap(a).type == "object"]
    options = objects[-1] if objects else None
    for obj in objects:
        for pair in obj.named_children:
            if pair.type != "pair":
                continue
            key = pair.child_by_field_name("key")
            if key is None or source.node_text(key).strip("'\"") != "casing":
                continue
            value = unwrap(pair.child_by_field_name("value"))
            literal = source.node_text(value)
            if value.type == "string" and len(literal) >= 2:
                return RuntimeCall(source, call, args, literal[1:-1], pair, True, obj)
            return RuntimeCall(source, call, args, None, pair, False, obj)
    return RuntimeCall(source, call, args, None, None, True, options)
