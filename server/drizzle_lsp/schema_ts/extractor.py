"""``SchemaExtractor``: the schema files of a project, kept parsed, read into a ``DatabaseSchema`` on demand.

Results are cached per top-level declaration together with the versions of every declaration they looked up, so
after an edit only the declarations whose text (or whose inputs' text) changed are read again.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Callable

import tree_sitter

from drizzle_lsp.model.schema import DatabaseSchema, Enum, Table
from drizzle_lsp.model.source import Problem
from drizzle_lsp.schema_ts.columns import enum_of
from drizzle_lsp.schema_ts.evaluation import BuilderOwners
from drizzle_lsp.schema_ts.parser import ParsedFile
from drizzle_lsp.schema_ts.ranges import shift_ranges
from drizzle_lsp.schema_ts.scope import Decl, FileIndex, Resolver, resolve_module
from drizzle_lsp.schema_ts.tables import read_table, schema_of, table_info
from drizzle_lsp.schema_ts.values import Ctx, Unresolved, unwrap

Node = tree_sitter.Node


@dataclass
class ExtractResult:
    schema: DatabaseSchema
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Entry:
    """What one declaration contributed, and what it depended on."""

    version: int
    deps: dict[tuple[str, str], object]
    table: Table | None = None
    enum: Enum | None = None
    schema_name: str | None = None
    problems: list[Problem] = field(default_factory=list)
    start: int = 0  # where the declaration started when it was read
    positional: set[tuple[str, str]] = field(default_factory=set)
    volatile: bool = False  # read again on every run (it depends on the order tables are built in)
    foreign_problems: bool = False  # holds problems located in other declarations: read again on every run


@dataclass
class _FileState:
    parsed: ParsedFile
    index: FileIndex | None = None
    syntax_problems: list[Problem] | None = None


# The file states long-lived extractors hold, by path: fix builders read the tree the extractor has just parsed
# (incrementally) instead of parsing the whole file again on every keystroke (``parsed_now``).
_LIVE: weakref.WeakValueDictionary[str, _FileState] = weakref.WeakValueDictionary()


def parsed_now(path: str, text: str) -> tuple[ParsedFile, FileIndex] | None:
    """The tree and declaration index an extractor holds for ``path`` while its text is ``text``, else None. They
    stay valid until that extractor's next ``update`` of the file: use them within the analysis that read ``text``."""
    state = _LIVE.get(path)
    if state is None or not (state.parsed.text is text or state.parsed.text == text):
        return None
    if state.index is None:
        state.index = FileIndex.build(state.parsed)
    return state.parsed, state.index


class SchemaExtractor:
    def __init__(self, dialect: str = "postgresql", casing: str | None = None,
                 read_file: Callable[[str], str | None] | None = None):
        self.dialect = {"turso": "sqlite", "singlestore": "mysql", "gel": "postgresql"}.get(dialect, dialect)
        self.casing = casing
        self._read_file = read_file
        self._files: dict[str, _FileState] = {}
        self._loaded: dict[str, _FileState | None] = {}  # files read through read_file to resolve imports
        self._loaded_this_run: set[str] = set()
        self._cache: dict[tuple[str, str], _Entry] = {}
        self._owners: BuilderOwners | None = None

    def set_reader(self, read_file: Callable[[str], str | None] | None) -> None:
        """A long-lived extractor reads imported files through the current load's reader (unsaved editor text)."""
        self._read_file = read_file

    # --- files ----------------------------------------------------------------------------------------------------

    def update(self, path: str, text: str) -> None:
        state = self._files.get(path)
        if state is None:
            state = self._files[path] = _FileState(ParsedFile(path, text))
        elif state.parsed.text != text:
            state.parsed.update(text)
            state.index = None
            state.syntax_problems = None
        _LIVE[path] = state

    def remove(self, path: str) -> None:
        self._files.pop(path, None)
        for key in [k for k in self._cache if k[0] == path]:
            del self._cache[key]

    def _state(self, path: str) -> _FileState | None:
        state = self._files.get(path)
        if state is not None:
            return state
        if self._read_file is None:
            return None
        if path not in self._loaded_this_run:
            self._loaded_this_run.add(path)
            try:
                text = self._read_file(path)
            except Exception:  # noqa: BLE001 - an unreadable import is just unresolved
                text = None
            previous = self._loaded.get(path)
            if text is None:
                self._loaded[path] = None
            elif previous is None:
                self._loaded[path] = _FileState(ParsedFile(path, text))
            elif previous.parsed.text != text:
                previous.parsed.update(text)
                previous.index = None
            if self._loaded.get(path) is not None:
                _LIVE[path] = self._loaded[path]
        return self._loaded.get(path)

    def _index_of(self, path: str) -> FileIndex | None:
        state = self._state(path)
        if state is None:
            return None
        if state.index is None:
            state.index = FileIndex.build(state.parsed)
        return state.index

    def _module_path(self, from_path: str, spec: str) -> str | None:
        return resolve_module(from_path, spec, lambda p: self._state(p) is not None)

    def _version_of(self, key: tuple[str, str], positional: bool = False) -> object:
        path, name = key
        if positional:
            decl = self._index_of(path).decls.get(name) if self._index_of(path) else None
            return (decl.version, decl.start) if decl else self._version_of(key)
        index = self._index_of(path)
        if index is None:
            return None
        if name.startswith("\0export:"):
            return (index.exports.get(name[8:]), tuple(index.reexport_all))
        decl = index.decls.get(name)
        if decl is not None:
            return decl.version
        binding = index.imports.get(name)
        return ("import", binding.version) if binding else None

    # --- extraction -----------------------------------------------------------------------------------------------

    def extract(self, paths: list[str] | None = None) -> ExtractResult:
        self._loaded_this_run = set()
        schema = DatabaseSchema(dialect=self.dialect)
        problems: list[Problem] = []
        memo: dict = {}
        self._owners = BuilderOwners(paths if paths is not None else list(self._files), self._index_of,
                                     self._module_path, lambda resolver: Ctx(resolver, self.dialect, self.casing,
                                                                             memo=memo))
        done: set[tuple[str, str]] = set()  # drizzle-kit collects tables in a Set: one table exported twice is one
        for path in (paths if paths is not None else list(self._files)):
            state = self._state(path)
            if state is None:
                problems.append(Problem("schema-unresolved", f"schema file {path} could not be read", None))
                continue
            problems.extend(self._syntax_problems(state))
            index = self._index_of(path)
            assert index is not None
            # drizzle-kit loads each schema file and keeps what its exports object holds, including what it
            # re-exports from other files; a table a schema file declares without exporting is left out.
            try:
                exported = Resolver(self._index_of, self._module_path).exported_decls(path)
            except Exception as error:  # noqa: BLE001 - fall back to the file's own exports rather than fail
                problems.append(Problem("schema-unresolved", f"exports of {path} could not be followed: {error}",
                                        None))
                exported = [index.decls[n] for n in index.exports.values() if n in index.decls]
            local = [d for d in index.decls.values() if all(d is not e for e in exported)]
            for decl, is_exported in [*((d, True) for d in exported), *((d, False) for d in local)]:
                key = (decl.file.path, decl.name)
                if key in done or unwrap(decl.value).type != "call_expression":
                    continue
                if is_exported:
                    done.add(key)
                entry = self._entry(decl, memo)
                if is_exported or decl.file.path == path:
                    problems.extend(entry.problems)
                if not is_exported:
                    continue
                if entry.table is not None:
                    schema.add_table(entry.table)
                if entry.enum is not None:
                    schema.enums[entry.enum.qualified_name] = entry.enum
                if entry.schema_name is not None and entry.schema_name != "public":
                    schema.schemas.add(entry.schema_name)
        return ExtractResult(schema, problems)

    def _entry(self, decl: Decl, memo: dict) -> _Entry:
        key = (decl.file.path, decl.name)
        cached = self._cache.get(key)
        reusable = cached is not None and not cached.volatile and not cached.foreign_problems
        if reusable and cached.version == decl.version and all(
                self._version_of(dep, dep in cached.positional) == version for dep, version in cached.deps.items()):
            if cached.start != decl.start:
                shift_ranges(cached, decl.file.path, cached.start, cached.start + len(decl.file.node_text(
                    decl.statement)), decl.start - cached.start)
                cached.start = decl.start
            return cached
        resolver = Resolver(self._index_of, self._module_path)
        ctx = Ctx(resolver, self.dialect, self.casing, memo=memo)
        ctx.table_info = table_info
        ctx.builder_owner = self._owners
        entry = _Entry(decl.version, {}, start=decl.start)
        try:
            self._read_declaration(ctx, decl, entry)
        except Unresolved as error:
            ctx.report(error)
        except Exception as error:  # noqa: BLE001 - never let one declaration stop the others
            ctx.problems.append(Problem("schema-unresolved", f"`{decl.name}` could not be read: {error}",
                                        decl.file.range(decl.value)))
        entry.problems = ctx.problems
        # A problem found in another declaration while reading this one (a spread that does not resolve in the table
        # a `.references()` points to) lies outside the ranges a reused entry moves: such an entry is read again.
        end = decl.start + len(decl.file.node_text(decl.statement))
        entry.foreign_problems = any(p.range is not None and (p.range.path != decl.file.path or not (
            decl.start <= p.range.start and p.range.end <= end)) for p in ctx.problems)
        entry.volatile = ctx.volatile
        entry.positional = resolver.positional
        entry.deps = {dep: self._version_of(dep, dep in resolver.positional) for dep in resolver.deps}
        self._cache[key] = entry
        return entry

    def _read_declaration(self, ctx: Ctx, decl: Decl, entry: _Entry) -> None:
        table = read_table(ctx, decl)
        if table is not None:
            entry.table = table
            return
        enum = enum_of(ctx, decl.file, decl.value)
        if enum is not None:
            entry.enum = Enum(enum.name, enum.values, enum.schema or "public", key=decl.name,
                              range=decl.file.range(decl.value))
            return
        entry.schema_name = schema_of(ctx, decl.file, decl.value)

    def _syntax_problems(self, state: _FileState) -> list[Problem]:
        if state.syntax_problems is None:
            state.syntax_problems = find_syntax_errors(state.parsed)
        return state.syntax_problems


def find_syntax_errors(parsed: ParsedFile, limit: int = 50) -> list[Problem]:
    root = parsed.tree.root_node
    if not root.has_error:
        return []
    found: list[Problem] = []
    stack = [root]
    while stack and len(found) < limit:
        node = stack.pop()
        if node.is_missing:
            found.append(Problem("syntax-error", f"Syntax error: missing `{node.type}`", parsed.range(node), "error"))
            continue
        if node.type == "ERROR":
            snippet = " ".join(parsed.node_text(node).split())[:40]
            found.append(Problem("syntax-error", f"Syntax error near `{snippet}`", parsed.range(node), "error"))
            continue
        if node.has_error:
            stack.extend(reversed(node.children))
    return found


def extract_schema(files: dict[str, str], dialect: str = "postgresql", casing: str | None = None,
                   read_file: Callable[[str], str | None] | None = None) -> ExtractResult:
    extractor = SchemaExtractor(dialect, casing, read_file)
    for path, text in files.items():
        extractor.update(path, text)
    return extractor.extract()
