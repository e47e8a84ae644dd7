"""A tiny static evaluator for the values written in a ``drizzle.config.*``: literals, local ``const``s, template
strings, ``path.join``/``path.resolve`` of literals and ``process.env`` references. It never runs the user's code;
anything else is ``Unresolved`` so the caller can say so and fall back to a default.
"""

from __future__ import annotations

import codecs
import os
import posixpath
from dataclasses import dataclass
from typing import Any, Mapping

import tree_sitter
import tree_sitter_typescript

from drizzle_lsp.model.source import SourceRange

_LANGUAGE = tree_sitter.Language(tree_sitter_typescript.language_typescript())
_MAX_DEPTH = 40  # const chains longer than this are treated as unresolvable (and cycles end here)
_WRAPPERS = {"parenthesized_expression", "satisfies_expression", "as_expression", "non_null_expression",
             "type_assertion", "await_expression"}


@dataclass(frozen=True, slots=True)
class Unresolved:
    node: tree_sitter.Node
    reason: str = "it is computed in code"


@dataclass(frozen=True, slots=True)
class EnvRef:
    """``process.env.X`` (or ``env.X``) with no value known statically."""

    name: str
    fallback: Any = None  # the right side of ``process.env.X ?? "..."`` when written


def parse(text: str) -> tuple[tree_sitter.Tree, bytes]:
    data = text.encode("utf-8", errors="surrogatepass")
    return tree_sitter.Parser(_LANGUAGE).parse(data), data


class Evaluator:
    def __init__(self, root: tree_sitter.Node, data: bytes, path: str, env: Mapping[str, str] | None,
                 base_dir: str | None, char_shift: int = 0) -> None:
        self.data = data
        self.path = path
        self.env = env
        self.base_dir = base_dir
        self._ascii = data.isascii()
        self._shift = char_shift
        self.consts: dict[str, tree_sitter.Node] = {}
        self.path_modules: set[str] = {"path"}
        self.path_functions: set[str] = set()
        self._collect(root)

    # -- positions ----------------------------------------------------------------------------------------------------
    def char(self, byte_offset: int) -> int:
        if self._ascii:
            return max(0, byte_offset - self._shift)
        chars = len(self.data[:byte_offset].decode("utf-8", errors="replace"))
        return max(0, chars - self._shift)

    def range(self, node: tree_sitter.Node) -> SourceRange:
        return SourceRange(self.path, self.char(node.start_byte), self.char(node.end_byte))

    def text(self, node: tree_sitter.Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", errors="replace")

    # -- declarations -------------------------------------------------------------------------------------------------
    def _collect(self, root: tree_sitter.Node) -> None:
        for stmt in root.named_children:
            decl = stmt
            if stmt.type == "export_statement":
                decl = stmt.child_by_field_name("declaration") or stmt
            if decl.type == "lexical_declaration" and decl.children and self.text(decl.children[0]) == "const":
                for declarator in decl.named_children:
                    name = declarator.child_by_field_name("name")
                    value = declarator.child_by_field_name("value")
                    if name is not None and value is not None and name.type == "identifier":
                        self.consts[self.text(name)] = value
            elif stmt.type == "import_statement":
                self._collect_import(stmt)

    def _collect_import(self, stmt: tree_sitter.Node) -> None:
        source = stmt.child_by_field_name("source")
        if source is None or self.text(source).strip("'\"") not in ("path", "node:path", "path/posix", "node:path/posix"):
            return
        for node in _walk(stmt):
            if node.type == "import_clause":
                for child in node.named_children:
                    if child.type == "identifier":  # default import: import path from "path"
                        self.path_modules.add(self.text(child))
            elif node.type == "namespace_import":
                for child in node.named_children:
                    if child.type == "identifier":
                        self.path_modules.add(self.text(child))
            elif node.type == "import_specifier":
                alias = node.child_by_field_name("alias") or node.child_by_field_name("name")
                name = node.child_by_field_name("name")
                if name is not None and self.text(name) in ("join", "resolve") and alias is not None:
                    self.path_functions.add(self.text(alias))

    # -- values -------------------------------------------------------------------------------------------------------
    def unwrap(self, node: tree_sitter.Node, depth: int = 0) -> tree_sitter.Node:
        """Strip parentheses, ``satisfies``, ``as``, ``!``, ``defineConfig(...)`` and const indirections."""
        while depth < _MAX_DEPTH:
            depth += 1
            if node.type in _WRAPPERS and node.named_children:
                node = node.named_children[0]
            elif node.type == "call_expression" and self._callee(node) == "defineConfig":
                args = node.child_by_field_name("arguments")
                if args is None or not args.named_children:
                    return node
                node = args.named_children[0]
            elif node.type == "identifier" and self.text(node) in self.consts:
                node = self.consts[self.text(node)]
            else:
                return node
        return node

    def object_pairs(self, node: tree_sitter.Node, depth: int = 0) -> dict[str, tuple[tree_sitter.Node, tree_sitter.Node]]:
        """key -> (key node, value node) of an object literal, following spreads of local consts."""
        node = self.unwrap(node)
        pairs: dict[str, tuple[tree_sitter.Node, tree_sitter.Node]] = {}
        if node.type != "object" or depth > _MAX_DEPTH:
            return pairs
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                if key is None or value is None:
                    continue
                name = self._key_name(key)
                if name is not None:
                    pairs[name] = (key, value)
            elif child.type == "shorthand_property_identifier":
                name = self.text(child)
                target = self.consts.get(name)
                pairs[name] = (child, target if target is not None else child)
            elif child.type == "spread_element" and child.named_children:
                pairs.update(self.object_pairs(child.named_children[0], depth + 1))
        return pairs

    def _key_name(self, key: tree_sitter.Node) -> str | None:
        if key.type in ("property_identifier", "identifier"):
            return self.text(key)
        if key.type == "string":
            value = self.value(key)
            return value if isinstance(value, str) else None
        if key.type == "number":
            return self.text(key)
        return None

    def value(self, node: tree_sitter.Node, depth: int = 0) -> Any:
        """A Python value for ``node``: str, int, float, bool, None, list, dict, ``EnvRef`` or ``Unresolved``."""
        if depth > _MAX_DEPTH:
            return Unresolved(node, "it refers to itself or goes through too many constants")
        start = node
        node = self.unwrap(node)
        kind = node.type
        if kind == "string":
            return self._string(node)
        if kind == "template_string":
            parts: list[str] = []
            for child in node.named_children:
                if child.type == "string_fragment":
                    parts.append(self.text(child))
                elif child.type == "escape_sequence":
                    parts.append(_unescape(self.text(child)))
                elif child.type == "template_substitution" and child.named_children:
                    inner = self.value(child.named_children[0], depth + 1)
                    if isinstance(inner, EnvRef):
                        return Unresolved(child, f"it builds the value from process.env.{inner.name}")
                    if isinstance(inner, bool) or not isinstance(inner, (str, int, float)):
                        return inner if isinstance(inner, Unresolved) else Unresolved(child)
                    parts.append(str(inner))
            return "".join(parts)
        if kind == "number":
            raw = self.text(node).replace("_", "")
            try:
                return int(raw, 0) if raw.isdigit() or raw[:2].lower() in ("0x", "0o", "0b") else float(raw)
            except ValueError:
                return Unresolved(node)
        if kind in ("true", "false"):
            return kind == "true"
        if kind in ("null", "undefined"):
            return None
        if kind == "identifier":
            name = self.text(node)
            if name == "undefined":
                return None
            if name == "__dirname" and self.base_dir:
                return self.base_dir
            return Unresolved(start, f"'{name}' is not a constant defined in this file")
        if kind == "array":
            return [self.value(child, depth + 1) for child in node.named_children if child.type != "comment"]
        if kind == "object":
            return {k: self.value(v, depth + 1) for k, (_, v) in self.object_pairs(node).items()}
        env_name = self._env_name(node)
        if env_name is not None:
            if self.env is not None and env_name in self.env:
                return self.env[env_name]
            return EnvRef(env_name)
        if kind == "binary_expression":
            return self._binary(node, depth)
        if kind == "call_expression":
            return self._call(node, depth)
        if kind == "member_expression" and self.text(node) == "import.meta.dirname" and self.base_dir:
            return self.base_dir
        return Unresolved(start)

    def _string(self, node: tree_sitter.Node) -> str:
        parts = []
        for child in node.named_children:
            if child.type == "string_fragment":
                parts.append(self.text(child))
            elif child.type == "escape_sequence":
                parts.append(_unescape(self.text(child)))
        return "".join(parts)

    def _env_name(self, node: tree_sitter.Node) -> str | None:
        if node.type == "member_expression":
            obj = node.child_by_field_name("object")
            prop = node.child_by_field_name("property")
            if obj is None or prop is None:
                return None
            if _is_env_object(self.text(obj)):
                return self.text(prop)
        elif node.type == "subscript_expression":
            obj = node.child_by_field_name("object")
            index = node.child_by_field_name("index")
            if obj is not None and index is not None and _is_env_object(self.text(obj)) and index.type == "string":
                return self._string(index)
        return None

    def _binary(self, node: tree_sitter.Node, depth: int) -> Any:
        op_node = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op_node is None or left is None or right is None:
            return Unresolved(node)
        op = self.text(op_node)
        lv = self.value(left, depth + 1)
        if op in ("??", "||"):
            rv = self.value(right, depth + 1)
            if isinstance(lv, EnvRef):
                return EnvRef(lv.name, rv if not isinstance(rv, (Unresolved, EnvRef)) else None)
            if isinstance(lv, Unresolved):
                return lv
            if lv is None or (op == "||" and not lv):
                return rv
            return lv
        if op == "+":
            rv = self.value(right, depth + 1)
            if isinstance(lv, str) and isinstance(rv, (str, int, float)) and not isinstance(rv, bool):
                return lv + str(rv)
            if isinstance(rv, str) and isinstance(lv, (int, float)) and not isinstance(lv, bool):
                return str(lv) + rv
            return lv if isinstance(lv, (Unresolved, EnvRef)) else rv if isinstance(rv, (Unresolved, EnvRef)) else Unresolved(node)
        return Unresolved(node)

    def _callee(self, node: tree_sitter.Node) -> str:
        function = node.child_by_field_name("function")
        return self.text(function) if function is not None else ""

    def _call(self, node: tree_sitter.Node, depth: int) -> Any:
        callee = self._callee(node)
        module, _, func = callee.rpartition(".")
        is_path = (module in self.path_modules and func in ("join", "resolve")) or (
            not module and callee in self.path_functions)
        if not is_path:
            return Unresolved(node)
        func = func or ("resolve" if callee in self.path_functions and callee.endswith("resolve") else "join")
        args_node = node.child_by_field_name("arguments")
        args = []
        for arg in args_node.named_children if args_node is not None else []:
            value = self.value(arg, depth + 1)
            if not isinstance(value, str):
                return value if isinstance(value, (Unresolved, EnvRef)) else Unresolved(arg)
            args.append(value)
        if func == "resolve":
            # drizzle-kit runs from the config's folder in practice; resolve against it
            base = self.base_dir or "."
            return os.path.normpath(os.path.join(base, *args)) if args else base
        return posixpath.normpath(posixpath.join(*args)) if args else "."


def _is_env_object(text: str) -> bool:
    compact = "".join(text.split())
    return compact in ("process.env", "env", "Bun.env", "import.meta.env", "Deno.env")


def _unescape(seq: str) -> str:
    try:
        return codecs.decode(seq, "unicode_escape")
    except Exception:  # a malformed escape: keep it as written
        return seq


def _walk(node: tree_sitter.Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))
