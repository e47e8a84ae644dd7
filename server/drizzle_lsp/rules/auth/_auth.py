"""What the Better Auth rules share: the project's setup, which schema table serves which Better Auth model, which
column serves which field, and the column's builder chain as written (for facts the model does not keep, such as
``$defaultFn``, and for exact edits of ``.notNull()`` or ``.references(...)``).

The Drizzle adapter finds a model by the key of the schema object it is given and a field by its JS property key;
SQL names never matter to it. So matching here is by export key and column key only, after ``usePlural``,
``modelName``, ``fields`` and an explicit ``drizzleAdapter(db, { schema: { user: users } })`` are applied.

What a table's findings depend on beyond the table itself (the language server reuses them between keystrokes,
``rules/memo.py``): the setup, which table serves which model, and for some rules a few facts of the tables serving
other models. ``auth_memo_key`` summarises exactly that, once per analysis; in a project without Better Auth it is
None, and the rules' hooks learn that from one lookup per analysis.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
from dataclasses import dataclass, field

import tree_sitter

from drizzle_lsp.better_auth import AuthField, AuthSetup, AuthTable, setup_for
from drizzle_lsp.better_auth.locate import read_disk
from drizzle_lsp.better_auth.reader import SPREAD
from drizzle_lsp.model import Column, DatabaseSchema, SourceRange, Table
from drizzle_lsp.rules.memo import Same
from drizzle_lsp.rules._support.ts_builders import SchemaSource, file_quotes, schema_source
from drizzle_lsp.rules._support.ts_tables import indent_unit, node_spanning
from drizzle_lsp.schema_ts.values import unwrap

Node = tree_sitter.Node

# Better Auth's own words when the schema lacks what it looks up (quoted in messages: they are what users search).
MODEL_NOT_FOUND = 'The model "{model}" was not found in the schema object.'
FIELD_NOT_FOUND = 'The field "{field}" does not exist in the "{model}" Drizzle schema.'


@dataclass
class AuthMatch:
    setup: AuthSetup
    schema: DatabaseSchema
    by_key: dict[str, Table]  # key the adapter looks up -> table
    tables: dict[str, Table] = field(default_factory=dict)  # logical model -> table found for it
    models: dict[int, AuthTable] = field(default_factory=dict)  # id(table) -> the model it serves
    _keys: dict[bool, tuple] = field(default_factory=dict)  # memo_key(parents) -> the key, computed once

    def model_of(self, table: Table) -> AuthTable | None:
        return self.models.get(id(table))

    def table_of(self, model: str) -> Table | None:
        return self.tables.get(model)

    def memo_key(self, parents: bool) -> tuple:
        """What a table's findings read of the project beyond the table itself (see ``auth_memo_key``)."""
        key = self._keys.get(parents)
        if key is None:
            served = tuple((model, _unit(table) + (_parent_facts(table) if parents else ()))
                           for model, table in self.tables.items())
            key = self._keys[parents] = (Same(self.setup), served)
        return key


def _unit(table: Table) -> tuple:
    """The memo's name for a table's unit: which table serves a model, whatever its object."""
    return (table.range.path if table.range is not None else None, table.qualified_name)


def _parent_facts(table: Table) -> tuple:
    """What a referencing table's findings read of the table serving the referenced model: its export key and SQL
    name (messages, the foreign key's target), its id column's SQL name (``id_column``)."""
    parent_id = id_column(table)
    return (table.key, table.name, parent_id.name if parent_id is not None else None)


def auth_memo_key(ctx: object, *, parents: bool = False, layout: bool = False) -> Hashable:
    """The ``memo_key`` of the schema-side auth rules: None without Better Auth (every table's findings are empty);
    else the setup (the very same object while the auth config, package.json files, installed version and the
    schema facts detection reads are unchanged, ``better_auth.setup``) and which table (by file and name) serves
    each model, which decides ``model_of`` for every table. ``parents``: plus the export key, SQL name and id
    column of each table serving a model, for rules whose findings name the referenced table. ``layout``: plus the
    quotes and indentation step of the files holding those tables, which fixes adding an index or a column read
    from the whole file (``ts_tables.add_extra_config_entry``): typing in another table of the file can change
    them."""
    match = auth_match(ctx)
    if match is None:
        return None
    key = match.memo_key(parents)
    if not layout:
        return key
    project = getattr(ctx, "project", None)
    if _LAYOUT[0] is not project or _LAYOUT[1] is not match:
        paths = sorted({t.range.path for t in match.tables.values() if t.range is not None})
        read = getattr(ctx, "file_text", None) or _workspace_reader(ctx)
        _LAYOUT[:] = [project, match, tuple((path, _file_layout(path, read)) for path in paths)]
    return key + (_LAYOUT[2],)


_LAYOUT: list = [None, None, ()]  # the analysed project and match of the latest layout, and the layout


def _file_layout(path: str, read) -> tuple:
    """What fix builders read of a whole schema file: the quote of its imports, its indentation step."""
    text = read(path) if callable(read) else None
    if text is None:
        text = read_disk(path) or ""
    return file_quotes(text) + (indent_unit(text),)


def auth_match(ctx: object) -> AuthMatch | None:
    """The project's Better Auth setup matched against its schema; None when the project does not use Better Auth
    or no expected schema is available. Decided once per analysed project and schema: every later call of the
    analysis (one per table and column and rule) is one comparison."""
    project = getattr(ctx, "project", None)
    if project is None:
        return None
    schema = getattr(ctx, "schema", None) or project.project.schema
    last = _LAST
    if last[0] is project and last[1] is schema:
        return last[2]
    match = _match(ctx, project, schema)
    _LAST[:] = [project, schema, match]
    return match


_LAST: list = [None, None, None]  # the analysed project and schema of the latest auth_match, and its answer


def _match(ctx: object, project: object, schema: DatabaseSchema) -> AuthMatch | None:
    setup = setup_for(project, getattr(ctx, "file_text", None) or _workspace_reader(ctx))
    if setup is None or not setup.tables:
        return None
    tables = schema.tables
    cached = _CACHE.get(id(setup))
    if cached is not None and cached.setup is setup and cached.schema is schema:
        return cached
    exported = {t.key: t for t in tables.values() if t.key}
    by_key = exported
    if setup.schema_keys:
        by_key = dict(exported) if SPREAD in setup.schema_keys else {}
        by_key.update({k: exported[v] for k, v in setup.schema_keys.items() if v in exported})
    match = AuthMatch(setup, schema, by_key)
    for auth_table in setup.tables:
        table = by_key.get(auth_table.export_key)
        if table is not None:
            match.tables[auth_table.model] = table
            match.models[id(table)] = auth_table
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[id(setup)] = match
    return match


_CACHE: dict[int, AuthMatch] = {}


def _workspace_reader(ctx: object):
    workspace = getattr(ctx, "workspace", None)
    return getattr(workspace, "file_text", None)


def columns_by_key(table: Table) -> dict[str, Column]:
    return {c.key or c.name: c for c in table.columns.values()}


def id_column(table: Table) -> Column | None:
    columns = columns_by_key(table)
    if "id" in columns:
        return columns["id"]
    return next((c for c in table.columns.values() if c.primary_key), None)


def norm(name: str) -> str:
    """Names compared loosely to recognise a near miss: case, underscores and a plural "s" ignored."""
    text = re.sub(r"[_\-\s]", "", name).lower()
    return text[:-1] if text.endswith("s") and len(text) > 3 else text


def expected_keys(auth_table: AuthTable) -> set[str]:
    return {"id"} | {f.key for f in auth_table.fields}


def near_column(table: Table, auth_table: AuthTable, wanted: AuthField) -> Column | None:
    """A column that is plainly meant as ``wanted`` but keyed differently (``email_verified``, or the logical name
    when ``fields`` renames it), and is not itself a field Better Auth reads."""
    taken = expected_keys(auth_table)
    for column in table.columns.values():
        key = column.key or column.name
        if key in taken:
            continue
        if norm(key) in (norm(wanted.key), norm(wanted.name)) or norm(column.name) == norm(wanted.sql_name):
            return column
    return None






def version_tuple(version: str | None) -> tuple[int, int, int] | None:
    """The version a declared range or an installed version means (the newest it allows), or None: unknown."""
    try:
        from drizzle_lsp.better_auth.expected import resolve_version
    except ImportError:
        resolve_version = None
    if resolve_version is not None:
        return resolve_version(version)
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", version or "")
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def home_file(match: AuthMatch, project: object) -> str | None:
    """The schema file new Better Auth tables belong in: the one holding the user table, else the one holding most
    auth tables, else the first schema file."""
    user = match.table_of("user")
    if user is not None and user.range is not None:
        return user.range.path
    counts: dict[str, int] = {}
    for table in match.tables.values():
        if table.range is not None:
            counts[table.range.path] = counts.get(table.range.path, 0) + 1
    if counts:
        return max(sorted(counts), key=lambda p: counts[p])
    files = getattr(getattr(project, "project", project), "schema_files", [])
    return os.path.abspath(files[0]) if files else None


# --- the builder chain of a column, as written ------------------------------------------------------------------------

@dataclass
class Chain:
    source: SchemaSource
    value: Node  # the whole column expression
    base: Node  # the builder call
    modifiers: list[tuple[str, Node]]  # (method, its call_expression), in application order

    def has(self, *methods: str) -> bool:
        return any(m in methods for m, _ in self.modifiers)

    def call(self, method: str) -> Node | None:
        return next((c for m, c in self.modifiers if m == method), None)

    def arguments(self, call: Node) -> list[Node]:
        args = call.child_by_field_name("arguments")
        return [a for a in args.named_children if a.type != "comment"] if args is not None else []

    def rng(self, node: Node) -> SourceRange:
        return self.source.rng(node)


def column_chain(ctx: object, column: Column) -> Chain | None:
    if column.range is None:
        return None
    source = schema_source(ctx, column.range.path)
    node = node_spanning(source, column.range) if source is not None else None
    if node is None:
        return None
    value = node.child_by_field_name("value") if node.type == "pair" else node
    if value is None:
        return None
    modifiers: list[tuple[str, Node]] = []
    current = unwrap(value)
    while current.type == "call_expression":
        callee = unwrap(current.child_by_field_name("function"))
        if callee.type != "member_expression":
            break
        obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        if obj is None or prop is None or unwrap(obj).type != "call_expression":
            break  # `t.text()`: the member is the builder itself
        modifiers.append((source.node_text(prop), current))
        current = unwrap(obj)
    modifiers.reverse()
    return Chain(source, value, current, modifiers)


def written_by_drizzle(chain: Chain | None) -> bool:
    """Drizzle fills the column on insert itself: ``$defaultFn``/``$default``, or ``$onUpdate`` (which drizzle
    also calls on insert when the column has no default)."""
    return chain is not None and chain.has("$defaultFn", "$default", "$onUpdate", "$onUpdateFn")
