"""TypeScript for Better Auth columns and tables, written the way Better Auth's generator (``auth generate``) writes
them: ``text("name").notNull()``, ``boolean("email_verified").default(false).notNull()``, ``timestamp("created_at")
.defaultNow().notNull()``, ``.$onUpdate(() => /* @__PURE__ */ new Date())``, references with
``{ onDelete: "cascade" }``, ``<export key>_<field key>_idx`` indexes, SQLite's ``mode``s, MySQL's ``varchar``
where an index needs a length; in the file's quotes, semicolons and indentation, with the builders imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drizzle_lsp.better_auth import AuthField, AuthSetup, AuthTable
from drizzle_lsp.rules._support.ts_builders import CORE_MODULES, SchemaSource
from drizzle_lsp.rules._support.ts_tables import _value_import_of, ensure_import, indent_unit, member_access, quote_of, \
    string_literal
from drizzle_lsp.rules.framework import TextEdit

_PROVIDER_DIALECT = {"pg": "postgresql", "sqlite": "sqlite", "mysql": "mysql"}
TABLE_FUNCTION = {"pg": "pgTable", "sqlite": "sqliteTable", "mysql": "mysqlTable"}
_ON_UPDATE = ".$onUpdate(() => /* @__PURE__ */ new Date())"
_SQLITE_NOW = "(cast(unixepoch('subsecond') * 1000 as integer))"


def core_module(setup: AuthSetup) -> str:
    return CORE_MODULES[_PROVIDER_DIALECT.get(setup.provider, "postgresql")]


def index_name(auth_table: AuthTable, auth_field: AuthField) -> str:
    try:
        from drizzle_lsp.better_auth.expected import index_name as expected_index_name
    except ImportError:
        return f"{auth_table.export_key}_{auth_field.key}_idx"
    return expected_index_name(auth_table, auth_field)


@dataclass
class Writer:
    """Code for one file. ``names`` collects the builders the written code calls (imported by ``import_edits``)."""

    setup: AuthSetup
    source: SchemaSource
    names: dict[str, set[str]] = field(default_factory=dict)  # module -> builder names used

    @property
    def quote(self) -> str:
        return quote_of(self.source)

    @property
    def unit(self) -> str:
        return indent_unit(self.source.text)

    def semicolon(self) -> str:
        statements = [s for s in self.source.parsed.tree.root_node.named_children if s.type != "comment"]
        if not statements:
            return ";"
        ends = sum(1 for s in statements if self.source.node_text(s).rstrip().endswith(";"))
        return ";" if ends * 2 >= len(statements) else ""

    def s(self, text: str) -> str:
        return string_literal(text, self.quote)

    def use(self, name: str, module: str | None = None) -> str:
        self.names.setdefault(module or core_module(self.setup), set()).add(name)
        return f"\0{name}\0"  # replaced by the local name once imports are known

    # -- one column ----------------------------------------------------------------------------------------------
    def base(self, auth_table: AuthTable, auth_field: AuthField, ref_kind: str | None) -> str:
        """The builder call for a field: its type, per provider; a reference takes the referenced id's type."""
        provider, name = self.setup.provider, self.s(auth_field.sql_name)
        kind = auth_field.type
        if ref_kind == "uuid" and provider == "pg":
            return f"{self.use('uuid')}({name})"
        if kind == "string" or kind not in ("boolean", "date", "number", "json", "string[]", "number[]"):
            # MySQL cannot index or key TEXT without a prefix length: the generator uses varchar there. (It also
            # uses varchar(255) for fields Better Auth marks sortable, which the expected-schema data does not
            # record; text serves them as well.)
            if provider == "mysql" and (auth_field.unique or auth_field.index or auth_field.references):
                return f"{self.use('varchar')}({name}, {{ length: {36 if auth_field.references else 255} }})"
            return f"{self.use('text')}({name})"
        if kind == "boolean":
            if provider == "sqlite":
                return f"{self.use('integer')}({name}, {{ mode: {self.s('boolean')} }})"
            return f"{self.use('boolean')}({name})"
        if kind == "date":
            if provider == "sqlite":
                return f"{self.use('integer')}({name}, {{ mode: {self.s('timestamp_ms')} }})"
            if provider == "mysql":
                return f"{self.use('timestamp')}({name}, {{ fsp: 3 }})"
            return f"{self.use('timestamp')}({name})"
        if kind == "number":
            if auth_field.bigint and provider != "sqlite":
                return f"{self.use('bigint')}({name}, {{ mode: {self.s('number')} }})"
            return f"{self.use('int' if provider == 'mysql' else 'integer')}({name})"
        if kind == "json":
            if provider == "sqlite":
                return f"{self.use('text')}({name}, {{ mode: {self.s('json')} }})"
            return f"{self.use('json' if provider == 'mysql' else 'jsonb')}({name})"
        # arrays: JSON text, as the generator stores them outside PostgreSQL
        if provider == "pg":
            return f"{self.use('text' if kind == 'string[]' else 'integer')}({name}).array()"
        return f"{self.use('text')}({name}, {{ mode: {self.s('json')} }})"

    def column(self, auth_table: AuthTable, auth_field: AuthField, ref_key: str | None, ref_kind: str | None) -> str:
        """``key: builder(...)...`` for one field."""
        code = self.base(auth_table, auth_field, ref_kind)
        if auth_field.default == "now":
            if self.setup.provider == "sqlite":
                code += f".default({self.use('sql', 'drizzle-orm')}`{_SQLITE_NOW}`)"
            else:
                code += ".defaultNow()"
        elif auth_field.default is not None:
            code += f".default({_literal(auth_field.default, self.quote)})"
        if auth_field.on_update_now:
            code += _ON_UPDATE
        if auth_field.required:
            code += ".notNull()"
        if auth_field.unique:
            code += ".unique()"
        if auth_field.references is not None and ref_key is not None:
            on_delete = auth_field.references.on_delete or "cascade"
            code += f".references(() => {member_access(ref_key, 'id')}, {{ onDelete: {self.s(on_delete)} }})"
        return f"{_key(auth_field.key, self.quote)}: {code}"

    def id_column(self, auth_table: AuthTable) -> str:
        name = self.s("id")
        if auth_table.id_kind == "uuid" and self.setup.provider == "pg":
            random = f"{self.use('sql', 'drizzle-orm')}`pg_catalog.gen_random_uuid()`"
            return f"id: {self.use('uuid')}({name}).default({random}).primaryKey()"
        if auth_table.id_kind == "serial":
            builder = "int" if self.setup.provider == "mysql" else "integer"
            if self.setup.provider == "pg":
                return f"id: {self.use(builder)}({name}).generatedByDefaultAsIdentity().primaryKey()"
            if self.setup.provider == "sqlite":
                return f"id: {self.use(builder)}({name}).primaryKey({{ autoIncrement: true }})"
            return f"id: {self.use(builder)}({name}).autoincrement().primaryKey()"
        if self.setup.provider == "mysql":
            return f"id: {self.use('varchar')}({name}, {{ length: 36 }}).primaryKey()"
        return f"id: {self.use('text')}({name}).primaryKey()"

    def index_entry(self, auth_table: AuthTable, auth_field: AuthField, param: str, local_index: str) -> str:
        return f"{local_index}({self.s(index_name(auth_table, auth_field))}).on({member_access(param, auth_field.key)})"

    # -- a whole table -------------------------------------------------------------------------------------------
    def table(self, auth_table: AuthTable, refs: dict[str, tuple[str, str]]) -> str:
        """``export const key = pgTable("name", {...}, (table) => [...]);`` with the file's layout."""
        unit, semi = self.unit, self.semicolon()
        lines = [self.id_column(auth_table)]
        for auth_field in auth_table.fields:
            ref = refs.get(auth_field.references.model) if auth_field.references else None
            lines.append(self.column(auth_table, auth_field, ref[0] if ref else None, ref[1] if ref else None))
        body = "".join(f"{unit}{unit}{line},\n" for line in lines)
        indexed = [f for f in auth_table.fields if f.index and not f.unique]
        function = self.use(TABLE_FUNCTION.get(self.setup.provider, "pgTable"))
        head = f"export const {auth_table.export_key} = {function}(\n{unit}{self.s(auth_table.sql_name)},\n"
        if not indexed:
            return f"{head}{unit}{{\n{body}{unit}}},\n){semi}"
        index = self.use("index")
        entries = "".join(f"{unit}{unit}{self.index_entry(auth_table, f, 'table', index)},\n" for f in indexed)
        return f"{head}{unit}{{\n{body}{unit}}},\n{unit}(table) => [\n{entries}{unit}],\n){semi}"

    # -- imports ----------------------------------------------------------------------------------------------------
    def finish(self, edits: list[TextEdit]) -> list[TextEdit] | None:
        """The edits with builder placeholders replaced by their local names, plus the import edits; None when a
        builder cannot be imported under any free name."""
        locals_: dict[str, str] = {}
        import_edits: list[TextEdit] = []
        for module in sorted(self.names):
            names = sorted(self.names[module])
            imported = _import_all(self.source, module, names)
            if imported is None:
                return None
            module_locals, module_edits = imported
            locals_.update(module_locals)
            import_edits.extend(module_edits)
        out = []
        for edit in edits:
            text = edit.new_text
            for name, local in locals_.items():
                text = text.replace(f"\0{name}\0", local)
            out.append(TextEdit(edit.path, edit.start, edit.end, text))
        return merge_insertions(import_edits + out)


def _import_all(source: SchemaSource, module: str, names: list[str]) -> tuple[dict[str, str], list[TextEdit]] | None:
    """Every name imported from ``module``: one new import statement when the file has no named import of it yet,
    else each missing name added to the existing list (same-point insertions merged, in order)."""
    existing = {binding.imported: local for local, binding in source.index.imports.items()
                if binding.source == module}
    namespace = next((local for local, b in source.index.imports.items() if b.source == module and b.imported == "*"),
                     None)
    missing = [n for n in names if n not in existing]
    if missing and _value_import_of(source, module) is None and namespace is None:
        taken = set(source.index.imports) | set(source.index.decls)
        if any(n in taken for n in missing):
            return None
        quote = quote_of(source)
        imports = [s for s in source.parsed.tree.root_node.named_children if s.type == "import_statement"]
        semicolon = ";" if not imports or source.node_text(imports[-1]).rstrip().endswith(";") else ""
        line = f"import {{ {', '.join(missing)} }} from {quote}{module}{quote}{semicolon}"
        result = {n: existing.get(n, n) for n in names}
        if imports:
            return result, [TextEdit.insert(source.path, source.parsed.end(imports[-1]), "\n" + line)]
        gap = "\n" if source.text.startswith("\n") else "\n\n"  # a blank line between imports and code
        return result, [TextEdit.insert(source.path, 0, line + gap)]
    result: dict[str, str] = {}
    edits: list[TextEdit] = []
    for name in names:
        imported = ensure_import(source, module, name)
        if imported is None:
            return None
        result[name], name_edits = imported
        edits.extend(name_edits)
    return result, edits


def merge_insertions(edits: list[TextEdit]) -> list[TextEdit]:
    """Insertions at one point joined into one edit (the edit applier refuses two insertions at the same place)."""
    merged: dict[tuple[str, int, int], TextEdit] = {}
    for edit in edits:
        key = (edit.path, edit.start, edit.end)
        if key in merged and edit.start == edit.end:
            previous = merged[key]
            merged[key] = TextEdit(edit.path, edit.start, edit.end, previous.new_text + edit.new_text)
        else:
            merged[key] = edit
    return list(merged.values())


def _key(key: str, quote: str) -> str:
    return key if member_access("t", key) == f"t.{key}" else string_literal(key, quote)


def _literal(default: str, quote: str) -> str:
    """The generator's default text, in the file's quote style (``"pending"`` -> ``'pending'``)."""
    if len(default) >= 2 and default[0] == default[-1] == '"' and quote != '"':
        return string_literal(default[1:-1], quote)
    return default
