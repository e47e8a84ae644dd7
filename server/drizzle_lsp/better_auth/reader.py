"""Static reading of a ``betterAuth({...})`` call: the options that change the schema Better Auth expects.

Nothing is executed. Values are read with the same small evaluator as ``drizzle.config.ts`` (literals, local
``const``s, spreads of local objects). Whatever cannot be read that way (an imported variable, a spread of one, a
value computed in code) keeps Better Auth's default and leaves a ``better-auth-config-unresolved`` problem at the
expression, saying which default was assumed: a finding computed from a guessed option must say it is a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import tree_sitter

from drizzle_lsp.model.source import Problem, SourceRange
from drizzle_lsp.workspace.tsvalues import EnvRef, Evaluator, Unresolved, parse

Node = tree_sitter.Node

UNRESOLVED = "better-auth-config-unresolved"
SPREAD = "..."  # in ReadOptions.schema_keys: the adapter's schema object spreads the exports into itself
MODELS = ("user", "session", "account", "verification")
PROVIDERS = {"pg": "pg", "postgres": "pg", "postgresql": "pg", "sqlite": "sqlite", "d1": "sqlite", "mysql": "mysql"}
# Modules Better Auth's entry point and its Drizzle adapter are imported from (the adapter moved between releases).
_CORE_MODULES = ("better-auth", "better-auth/minimal")
_PLUGIN_MODULE_PREFIXES = ("better-auth/plugins", "@better-auth/")


@dataclass(slots=True)
class ReadOptions:
    """What the call says, before it is combined with the project (dialect, version) into an ``AuthSetup``."""

    call_range: SourceRange | None = None
    # "drizzle" (drizzleAdapter, or not readable: assumed), "other" (a Pool, Kysely, Prisma ...: the Drizzle schema is
    # not Better Auth's), "none" (no `database` option: Better Auth keeps its data in memory)
    adapter: str = "drizzle"
    provider: str | None = None  # None: not written (the drizzle config's dialect decides)
    use_plural: bool = False
    generate_id: str = "default"
    rate_limit_storage: str | None = None
    plugins: list[str] = field(default_factory=list)
    plugin_options: dict[str, dict[str, object]] = field(default_factory=dict)
    model_names: dict[str, str] = field(default_factory=dict)
    field_names: dict[str, dict[str, str]] = field(default_factory=dict)
    additional_fields: dict[str, dict[str, bool]] = field(default_factory=dict)  # model -> {key -> required}
    schema_keys: dict[str, str] = field(default_factory=dict)  # adapter schema key -> exported table name
    # Models kept in `secondaryStorage` instead of the database (Better Auth's getAuthTables leaves session out
    # unless `session.storeSessionInDatabase`, and verification unless `verification.storeInDatabase`).
    not_in_database: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)


def has_call(text: str) -> bool:
    """The cheap check run on every candidate file before it is parsed."""
    return "betterAuth" in text


def read_auth_call(path: str, text: str) -> ReadOptions | None:
    """The options of the first ``betterAuth(...)`` call in ``text``, or None when the file holds none."""
    tree, data = parse(text)
    evaluator = Evaluator(tree.root_node, data, path, None, None)
    imports = _imports(evaluator, tree.root_node)
    callees = {local for local, (module, name) in imports.items() if name == "betterAuth" and module in _CORE_MODULES}
    callees.add("betterAuth")
    call = _find_call(evaluator, tree.root_node, callees)
    if call is None:
        return None
    return _CallReader(evaluator, imports).read(call)


def _imports(ev: Evaluator, root: Node) -> dict[str, tuple[str, str]]:
    """local name -> (module, exported name) for the file's named imports."""
    found: dict[str, tuple[str, str]] = {}
    for statement in root.named_children:
        if statement.type != "import_statement":
            continue
        source = statement.child_by_field_name("source")
        if source is None:
            continue
        module = ev.text(source).strip("'\"`")
        stack = [statement]
        while stack:
            node = stack.pop()
            if node.type == "import_specifier":
                name = node.child_by_field_name("name")
                alias = node.child_by_field_name("alias") or name
                if name is not None and alias is not None:
                    found[ev.text(alias)] = (module, ev.text(name).strip("'\""))
            stack.extend(node.named_children)
    return found


def _find_call(ev: Evaluator, root: Node, callees: set[str]) -> Node | None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and ev.text(function) in callees:
                return node
        stack.extend(reversed(node.named_children))
    return None


def _callee_name(ev: Evaluator, call: Node) -> str:
    function = call.child_by_field_name("function")
    if function is None:
        return ""
    if function.type == "member_expression":
        prop = function.child_by_field_name("property")
        return ev.text(prop) if prop is not None else ""
    return ev.text(function)


def _first_argument(call: Node) -> Node | None:
    arguments = call.child_by_field_name("arguments")
    args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
    return args[0] if args else None


class _CallReader:
    def __init__(self, ev: Evaluator, imports: dict[str, tuple[str, str]]) -> None:
        self.ev = ev
        self.imports = imports
        self.out = ReadOptions()

    def problem(self, node: Node, message: str) -> None:
        self.out.problems.append(Problem(UNRESOLVED, message, self.ev.range(node), "info"))

    def pairs(self, node: Node, where: str) -> dict[str, tuple[Node, Node]]:
        """An object literal's pairs; spreads of anything but a local object are reported, not guessed."""
        node = self.ev.unwrap(node)
        if node.type != "object":
            return {}
        for child in node.named_children:
            if child.type == "spread_element" and child.named_children:
                target = self.ev.unwrap(child.named_children[0])
                if target.type != "object":
                    self.problem(child, f"`{self.ev.text(child)}` in {where} cannot be read statically: the options it "
                                 "holds are not known, and Better Auth's defaults are assumed for them")
        return self.ev.object_pairs(node)

    def literal(self, node: Node, option: str, default_text: str) -> object:
        value = self.ev.value(node)
        if isinstance(value, (Unresolved, EnvRef)):
            why = f"it comes from process.env.{value.name}" if isinstance(value, EnvRef) else value.reason
            self.problem(node, f"cannot read `{option}` statically ({why}): Better Auth's default ({default_text}) is "
                         "assumed for the schema check. Write a literal there to have it checked as configured")
            return _UNKNOWN
        return value

    def read(self, call: Node) -> ReadOptions:
        out = self.out
        out.call_range = self.ev.range(call)
        options = _first_argument(call)
        if options is None:
            return out
        if self.ev.unwrap(options).type != "object":
            self.problem(options, "the options of betterAuth(...) are not an object literal drizzle-lsp can read: "
                         "Better Auth's defaults are assumed (core tables only, no plugins, singular model names)")
            return out
        pairs = self.pairs(options, "betterAuth(...)")
        if "database" in pairs:
            self._database(pairs["database"][1])
        elif not out.problems:  # no spread that might hold it either
            out.adapter = "none"
        if "advanced" in pairs:
            self._advanced(pairs["advanced"][1])
        for model in MODELS:
            if model in pairs:
                self._model(model, pairs[model][1])
        if "rateLimit" in pairs:
            self._rate_limit(pairs["rateLimit"][1])
        if "plugins" in pairs:
            self._plugins(pairs["plugins"][1])
        if "secondaryStorage" in pairs:
            for model, option in (("session", "storeSessionInDatabase"), ("verification", "storeInDatabase")):
                spec = self.pairs(pairs[model][1], model) if model in pairs else {}
                stored = self.literal(spec[option][1], f"{model}.{option}", "false") if option in spec else False
                if stored is not True:
                    out.not_in_database.add(model)
        return out

    # -- database: drizzleAdapter(db, { provider, usePlural, schema }) ---------------------------------------------
    def _database(self, node: Node) -> None:
        target = self.ev.unwrap(node)
        callee = _callee_name(self.ev, target) if target.type == "call_expression" else ""
        if callee != "drizzleAdapter" and self.imports.get(callee, ("", ""))[1] != "drizzleAdapter":
            if target.type in ("new_expression", "object", "call_expression"):
                # `new Pool(...)`, `{ dialect, type }`, `prismaAdapter(...)`: Better Auth's own tables are then not
                # read from the Drizzle schema at all, so there is nothing here to check against.
                self.out.adapter = "other"
                return
            self.problem(node, "`database` is not a drizzleAdapter(db, {...}) call drizzle-lsp can read: the provider "
                         "is taken from the drizzle config's dialect and usePlural is assumed false")
            return
        arguments = target.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        if len(args) < 2:
            return
        pairs = self.pairs(args[1], "drizzleAdapter(...)")
        if "provider" in pairs:
            value = self.literal(pairs["provider"][1], "provider", "the drizzle config's dialect")
            if isinstance(value, str):
                self.out.provider = PROVIDERS.get(value, value)
        if "usePlural" in pairs:
            value = self.literal(pairs["usePlural"][1], "usePlural", "false")
            self.out.use_plural = value is True
        if "schema" in pairs:
            self._schema_object(pairs["schema"][1])

    def _schema_object(self, node: Node) -> None:
        """``schema: { user: users, ... }`` renames what the adapter looks up; a namespace import keeps the names."""
        target = self.ev.unwrap(node)
        if target.type != "object":
            return
        for child in target.named_children:
            if child.type == "pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                if key is not None and value is not None:
                    value = self.ev.unwrap(value)
                    name = self.ev.text(value)
                    if value.type == "member_expression":  # schema.users
                        prop = value.child_by_field_name("property")
                        name = self.ev.text(prop) if prop is not None else name
                    self.out.schema_keys[self.ev.text(key).strip("'\"")] = name
            elif child.type == "shorthand_property_identifier":
                name = self.ev.text(child)
                self.out.schema_keys[name] = name
            elif child.type == "spread_element":
                # `{ ...schema, user: users }`: every export stays a key, the pairs add or override some
                self.out.schema_keys[SPREAD] = SPREAD

    # -- advanced.database.generateId ------------------------------------------------------------------------------
    def _advanced(self, node: Node) -> None:
        pairs = self.pairs(node, "advanced")
        generate = None
        if "database" in pairs:
            database = self.pairs(pairs["database"][1], "advanced.database")
            generate = database.get("generateId")
        if generate is None and "generateId" in pairs:  # the option's place before Better Auth 1.3
            generate = pairs["generateId"]
        if generate is None:
            return
        value_node = self.ev.unwrap(generate[1])
        if value_node.type in ("arrow_function", "function_expression", "function"):
            self.out.generate_id = "custom"
            return
        value = self.literal(generate[1], "generateId", '"default": Better Auth generates text ids')
        if value is False:
            self.out.generate_id = "false"
        elif value in ("uuid", "serial"):
            self.out.generate_id = str(value)

    # -- user / session / account / verification: { modelName, fields, additionalFields } --------------------------
    def _model(self, model: str, node: Node) -> None:
        pairs = self.pairs(node, model)
        self._model_schema(model, pairs)
        if "additionalFields" in pairs:
            extra = self.pairs(pairs["additionalFields"][1], f"{model}.additionalFields")
            for key, (_, value) in extra.items():
                spec = self.ev.value(value)
                required = isinstance(spec, dict) and spec.get("required") is True
                self.out.additional_fields.setdefault(model, {})[key] = required

    def _model_schema(self, model: str, pairs: dict[str, tuple[Node, Node]]) -> None:
        if "modelName" in pairs:
            value = self.literal(pairs["modelName"][1], f"{model}.modelName", f'"{model}"')
            if isinstance(value, str) and value:
                self.out.model_names[model] = value
        if "fields" in pairs:
            for logical, (_, value_node) in self.pairs(pairs["fields"][1], f"{model}.fields").items():
                value = self.literal(value_node, f"{model}.fields.{logical}", f'"{logical}"')
                if isinstance(value, str) and value:
                    self.out.field_names.setdefault(model, {})[logical] = value

    def _rate_limit(self, node: Node) -> None:
        pairs = self.pairs(node, "rateLimit")
        if "storage" in pairs:
            value = self.literal(pairs["storage"][1], "rateLimit.storage", '"memory": no rateLimit table')
            if isinstance(value, str):
                self.out.rate_limit_storage = value
        if "modelName" in pairs:
            value = self.literal(pairs["modelName"][1], "rateLimit.modelName", '"rateLimit"')
            if isinstance(value, str) and value:
                self.out.model_names["rateLimit"] = value

    # -- plugins: [twoFactor(), organization({ teams: { enabled: true } }), ...] -----------------------------------
    def _plugins(self, node: Node, depth: int = 0) -> None:
        array = self.ev.unwrap(node)
        if array.type != "array" or depth > 8:
            self.problem(node, "the `plugins` list cannot be read statically: no plugin tables or fields are "
                         "expected. Write the plugins as an array literal in the betterAuth({...}) call")
            return
        for element in array.named_children:
            if element.type == "comment":
                continue
            if element.type == "spread_element" and element.named_children:
                inner = self.ev.unwrap(element.named_children[0])
                if inner.type == "array":
                    self._plugins(inner, depth + 1)
                else:
                    self.problem(element, f"`{self.ev.text(element)}` cannot be read statically: the tables and "
                                 "fields of the plugins it adds are not checked")
                continue
            self._plugin(element)

    def _plugin(self, element: Node) -> None:
        call = self.ev.unwrap(element)
        if call.type != "call_expression":
            self.problem(element, f"plugin `{self.ev.text(element)}` is not a call drizzle-lsp can read: the tables "
                         "and fields it adds are not checked")
            return
        local = _callee_name(self.ev, call)
        module, imported = self.imports.get(local, ("", local))
        name = imported if module.startswith(_PLUGIN_MODULE_PREFIXES) or module.startswith("better-auth") else local
        if name not in self.out.plugins:
            self.out.plugins.append(name)
        options_node = _first_argument(call)
        if options_node is None:
            return
        pairs = self.pairs(options_node, f"{name}(...)")
        flags: dict[str, object] = {}
        for key, (_, value_node) in pairs.items():
            if key == "schema":
                for model, (_, spec) in self.pairs(value_node, f"{name}({{ schema }})").items():
                    self._model_schema(model, self.pairs(spec, f"{name} schema.{model}"))
                continue
            value = self.ev.value(value_node)
            if isinstance(value, dict) and isinstance(value.get("enabled"), bool):
                flags[key] = value["enabled"]  # teams: { enabled: true }
            elif isinstance(value, (bool, int, float, str)):
                flags[key] = value
        if flags:
            self.out.plugin_options[name] = flags


class _Unknown:
    def __repr__(self) -> str:
        return "<unknown>"


_UNKNOWN = _Unknown()
