"""The order in which drizzle-kit's ``require`` runs the schema modules, and what that order decides.

drizzle-kit loads each schema file in turn; loading a module first loads the modules it imports, in the order its
import and re-export statements are written, then runs its own top-level statements. Some of drizzle-orm's state is
set by whichever table is built first: a column builder spread into several tables (``...shared``) keeps the unique
constraint name it got in the first one. ``BuilderOwners`` answers "which table was built first with this builder".

TypeScript import elision matters here: drizzle-kit compiles each file with esbuild, which drops an import none of
whose bindings is used as a value, so that module does not run at that point (checked with drizzle-kit 0.31: an
unused ``import { tb } from "./b"`` does not build ``tb`` first). Side-effect imports and re-exports always run.
"""

from __future__ import annotations

from typing import Callable

import tree_sitter

from drizzle_lsp.schema_ts.scope import FileIndex, Resolver
from drizzle_lsp.schema_ts.values import Ctx

Node = tree_sitter.Node


def evaluation_order(paths: list[str], index_of: Callable[[str], FileIndex | None],
                     module_path: Callable[[str, str], str | None]) -> list[str]:
    """Files in the order their bodies run when ``paths`` are required one after the other."""
    order: list[str] = []
    visited: set[str] = set()
    stack: list[tuple[str, list[str]]] = []

    def enter(path: str) -> None:
        visited.add(path)
        index = index_of(path)
        deps = [] if index is None else [t for t in (module_path(path, spec) for spec in _module_specs(index))
                                         if t is not None]
        stack.append((path, deps))

    for root in paths:
        if root in visited:
            continue
        enter(root)
        while stack:  # iterative depth-first walk: deep import chains must not hit the recursion limit
            path, deps = stack[-1]
            while deps and deps[0] in visited:
                deps.pop(0)
            if deps:
                enter(deps.pop(0))
            else:
                stack.pop()
                order.append(path)
    return order


def _module_specs(index: FileIndex) -> list[str]:
    specs: list[str] = []
    file = index.file
    used: set[str] | None = None
    for statement in file.tree.root_node.named_children:
        if statement.type not in ("import_statement", "export_statement"):
            continue
        if any(child.type == "type" for child in statement.children[:2]):
            continue  # `import type …` / `export type … from` never runs the module
        source = statement.child_by_field_name("source")
        if source is None:
            continue
        if statement.type == "import_statement":
            bindings = _bindings(file, statement)
            if bindings:
                used = _value_references(file) if used is None else used
                if not bindings & used:
                    continue  # elided by esbuild
        text = file.node_text(source)
        specs.append(text[1:-1] if len(text) >= 2 else text)
    return specs


def _bindings(file, statement: Node) -> set[str]:
    """Local names an import statement binds (empty for a side-effect import)."""
    names: set[str] = set()
    stack = [c for c in statement.named_children if c.type == "import_clause"]
    while stack:
        node = stack.pop()
        if node.type == "identifier":
            names.add(file.node_text(node))
        elif node.type == "import_specifier":
            alias = node.child_by_field_name("alias") or node.child_by_field_name("name")
            if alias is not None and not any(c.type == "type" for c in node.children[:1]):
                names.add(file.node_text(alias))
        else:
            stack.extend(node.named_children)
    return names


def _value_references(file) -> set[str]:
    """Names used as values anywhere outside import statements (type positions use ``type_identifier``)."""
    found: set[str] = set()
    stack = [c for c in file.tree.root_node.named_children if c.type != "import_statement"]
    while stack:
        node = stack.pop()
        if node.type in ("identifier", "shorthand_property_identifier"):
            found.add(file.node_text(node))
        stack.extend(node.named_children)
    return found


class BuilderOwners:
    """For a shared column builder, identified by (file, offset of its builder expression): the name of the first
    table built with it. Computed once per extraction run, on first use."""

    def __init__(self, paths: list[str], index_of: Callable[[str], FileIndex | None],
                 module_path: Callable[[str, str], str | None], make_ctx: Callable[[Resolver], Ctx]):
        self._paths = paths
        self._index_of = index_of
        self._module_path = module_path
        self._make_ctx = make_ctx
        self._owners: dict[tuple[str, int], str] | None = None

    def __call__(self, key: tuple[str, int]) -> str | None:
        if self._owners is None:
            self._owners = self._compute()
        return self._owners.get(key)

    def _compute(self) -> dict[tuple[str, int], str]:
        from drizzle_lsp.schema_ts.tables import column_entries, parse_table_call

        owners: dict[tuple[str, int], str] = {}
        for path in evaluation_order(self._paths, self._index_of, self._module_path):
            index = self._index_of(path)
            for decl in index.decls.values() if index else []:
                ctx = self._make_ctx(Resolver(self._index_of, self._module_path))
                try:
                    call = parse_table_call(ctx, decl.file, decl.value)
                    if call is None:
                        continue
                    for entry_file, _key, _key_node, value, _whole in column_entries(ctx, call.file,
                                                                                     call.columns_node):
                        inside = entry_file.path == call.file.path and \
                            call.call.start_byte <= value.start_byte < call.call.end_byte
                        if not inside:
                            owners.setdefault((entry_file.path, value.start_byte), call.name)
                except Exception:  # noqa: BLE001 - a table this pass cannot read owns nothing; never fail the caller
                    continue
        return owners
