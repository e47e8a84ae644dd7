"""Top-level names of a schema file (consts, imports, exports) and cross-file lookup with dependency tracking.

Extraction results are cached per top-level declaration. A cached result stays valid while the declaration's own
text and the text of every declaration it looked up are unchanged, so the lookups record what they touched.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Callable

import tree_sitter

from drizzle_lsp.schema_ts.parser import ParsedFile

Node = tree_sitter.Node


@dataclass
class Decl:
    """``const name = value`` at the top of a file."""

    name: str
    value: Node
    statement: Node
    version: int  # hash of the declaring statement's text: the cache key of anything read from it
    file: ParsedFile
    exported: bool = False
    start: int = 0  # character offset of the statement: ranges copied from it move when it moves


@dataclass
class ImportBinding:
    local: str
    source: str  # the module specifier as written
    imported: str  # the exported name, "*" for a namespace import, "default" for a default import
    version: int


@dataclass
class FileIndex:
    file: ParsedFile
    decls: dict[str, Decl] = field(default_factory=dict)
    imports: dict[str, ImportBinding] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)  # exported name -> local name (export { a as b })
    reexport_all: list[str] = field(default_factory=list)  # export * from "..."

    @classmethod
    def build(cls, file: ParsedFile) -> FileIndex:
        index = cls(file)
        for statement in file.tree.root_node.named_children:
            try:
                index._add_statement(statement)
            except Exception:  # noqa: BLE001 - one unreadable statement must not hide the others
                continue
        return index

    def _version(self, statement: Node) -> int:
        return hash(self.file.node_text(statement))

    def _add_statement(self, statement: Node) -> None:
        kind = statement.type
        if kind == "export_statement":
            declaration = statement.child_by_field_name("declaration")
            source = statement.child_by_field_name("source")
            if declaration is not None:
                self._add_declaration(declaration, statement, exported=True)
            elif source is not None:
                self._add_reexport(statement, source)
            elif statement.child_by_field_name("value") is not None:
                value = statement.child_by_field_name("value")
                if value.type == "identifier":  # export default users: drizzle-kit sees exports.default
                    self.exports["default"] = self.file.node_text(value)
            else:
                for clause in statement.named_children:
                    if clause.type == "export_clause":
                        for spec in clause.named_children:
                            name = spec.child_by_field_name("name")
                            alias = spec.child_by_field_name("alias")
                            if name is not None:
                                local = self.file.node_text(name)
                                self.exports[self.file.node_text(alias) if alias else local] = local
        elif kind == "lexical_declaration":
            self._add_declaration(statement, statement, exported=False)
        elif kind == "import_statement":
            self._add_import(statement)

    def _add_declaration(self, declaration: Node, statement: Node, exported: bool) -> None:
        if declaration.type != "lexical_declaration":
            return
        version = self._version(statement)
        for declarator in declaration.named_children:
            if declarator.type != "variable_declarator":
                continue
            name = declarator.child_by_field_name("name")
            value = declarator.child_by_field_name("value")
            if name is None or value is None or name.type != "identifier":
                continue
            local = self.file.node_text(name)
            self.decls[local] = Decl(local, value, statement, version, self.file, exported, self.file.start(statement))
            if exported:
                self.exports[local] = local

    def _add_import(self, statement: Node) -> None:
        source = statement.child_by_field_name("source")
        if source is None:
            return
        spec = _string_content(self.file, source)
        version = self._version(statement)
        for clause in statement.named_children:
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "identifier":
                    local = self.file.node_text(part)
                    self.imports[local] = ImportBinding(local, spec, "default", version)
                elif part.type == "namespace_import":
                    ident = next((c for c in part.named_children if c.type == "identifier"), None)
                    if ident is not None:
                        local = self.file.node_text(ident)
                        self.imports[local] = ImportBinding(local, spec, "*", version)
                elif part.type == "named_imports":
                    for item in part.named_children:
                        if item.type != "import_specifier":
                            continue
                        name = item.child_by_field_name("name")
                        alias = item.child_by_field_name("alias")
                        if name is None:
                            continue
                        imported = self.file.node_text(name)
                        local = self.file.node_text(alias) if alias else imported
                        self.imports[local] = ImportBinding(local, spec, imported, version)

    def _add_reexport(self, statement: Node, source: Node) -> None:
        spec = _string_content(self.file, source)
        version = self._version(statement)
        clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
        namespace = next((c for c in statement.named_children if c.type == "namespace_export"), None)
        if namespace is not None:
            # export * as auth from "./auth": one export holding the module object, not its members
            ident = next((c for c in namespace.named_children if c.type in ("identifier", "string")), None)
            if ident is not None:
                exported = _string_content(self.file, ident)
                hidden = f"\0reexport:{exported}"
                self.imports[hidden] = ImportBinding(hidden, spec, "*", version)
                self.exports[exported] = hidden
            return
        if clause is None:
            self.reexport_all.append(spec)
            return
        for item in clause.named_children:
            name = item.child_by_field_name("name")
            alias = item.child_by_field_name("alias")
            if name is None:
                continue
            imported = self.file.node_text(name)
            exported = self.file.node_text(alias) if alias else imported
            # A re-export behaves like an import bound to a name no local code can see.
            hidden = f"\0reexport:{exported}"
            self.imports[hidden] = ImportBinding(hidden, spec, imported, version)
            self.exports[exported] = hidden


def _string_content(file: ParsedFile, node: Node) -> str:
    text = file.node_text(node)
    return text[1:-1] if len(text) >= 2 and text[0] in "'\"`" else text


def resolve_module(from_path: str, spec: str, exists: Callable[[str], bool]) -> str | None:
    """The file a relative import names, trying the extensions TypeScript would try."""
    if not spec.startswith("."):
        return None
    base = posixpath.normpath(posixpath.join(posixpath.dirname(from_path), spec))
    stem = base[:-3] if base.endswith((".js", ".ts")) else base
    for candidate in (base, stem + ".ts", stem + ".tsx", stem + "/index.ts", stem + "/index.tsx"):
        if candidate.endswith((".ts", ".tsx")) and exists(candidate):
            return candidate
    return None


class Resolver:
    """Looks names up across files and records every declaration touched, for cache validation."""

    def __init__(self, index_of: Callable[[str], FileIndex | None], module_path: Callable[[str, str], str | None]):
        self._index_of = index_of
        self._module_path = module_path
        self.deps: set[tuple[str, str]] = set()
        self.positional: set[tuple[str, str]] = set()  # lookups whose source ranges end up in the result

    def lookup(self, path: str, name: str, _depth: int = 0) -> Decl | None:
        """The declaration ``name`` refers to in file ``path``, following imports and re-exports."""
        if _depth > 16:
            return None
        index = self._index_of(path)
        if index is None:
            self.deps.add((path, name))
            return None
        decl = index.decls.get(name)
        if decl is not None:
            self.deps.add((path, name))
            return decl
        binding = index.imports.get(name)
        self.deps.add((path, name))
        if binding is None or binding.imported == "*":
            return None
        target = self._module_path(path, binding.source)
        if target is None:
            return None
        return self.lookup_export(target, binding.imported, _depth + 1)  # "default" is `export default x`'s name

    def lookup_export(self, path: str, exported: str, _depth: int = 0) -> Decl | None:
        index = self._index_of(path)
        if index is None:
            self.deps.add((path, "\0export:" + exported))
            return None
        local = index.exports.get(exported)
        if local is not None:
            return self.lookup(path, local, _depth)
        for spec in index.reexport_all:
            target = self._module_path(path, spec)
            if target is not None:
                found = self.lookup_export(target, exported, _depth + 1)
                if found is not None:
                    return found
        self.deps.add((path, "\0export:" + exported))
        return None

    def exported_decls(self, path: str) -> list[Decl]:
        """The declarations a module's exports object holds, as drizzle-kit sees them when it loads a schema file:
        its own exports, ``export { x } from`` and, recursively, ``export * from`` (which skips ``default`` and a
        name already exported, as the CommonJS output drizzle-kit runs does). ``export * as ns`` holds a module
        object, not a table, so nothing behind it is listed."""
        found: list[Decl] = []
        seen_names: set[str] = set()
        self._collect_exports(path, found, seen_names, set(), star=False)
        return found

    def _collect_exports(self, path: str, found: list[Decl], seen_names: set[str], visited: set[str],
                         star: bool) -> None:
        if path in visited or len(visited) > 64:
            return
        visited.add(path)
        index = self._index_of(path)
        if index is None:
            return
        for exported, local in index.exports.items():
            if exported in seen_names or (star and exported == "default"):
                continue
            binding = index.imports.get(local)
            if binding is not None and binding.imported == "*":
                continue
            seen_names.add(exported)
            decl = self.lookup(path, local)
            if decl is not None and all(d is not decl for d in found):
                found.append(decl)
        for spec in index.reexport_all:
            target = self._module_path(path, spec)
            if target is not None:
                self._collect_exports(target, found, seen_names, visited, star=True)

    def namespace_target(self, path: str, name: str) -> str | None:
        """For ``import * as ns from './x'``: the file ``ns`` stands for."""
        index = self._index_of(path)
        binding = index.imports.get(name) if index else None
        self.deps.add((path, name))
        if binding is None or binding.imported != "*":
            return None
        return self._module_path(path, binding.source)

    def imported_from(self, path: str, name: str) -> str | None:
        """The module specifier a name is imported from (e.g. ``drizzle-orm/pg-core``), or None if local."""
        index = self._index_of(path)
        if index is None or name in index.decls:
            return None
        binding = index.imports.get(name)
        return binding.source if binding else None
