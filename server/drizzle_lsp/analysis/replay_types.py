"""How enum types change under replay: create, add/rename values, rename, move to another schema, drop.

A mixin of ``Applier``: it uses the applier's ``state``, ``_schema`` and ``_problem``.
"""

from __future__ import annotations

from typing import Callable

from drizzle_lsp.model import DatabaseSchema, Enum, Operation, qualify

MISSING, EXISTS = "reference-to-missing-object", "object-already-exists"


class TypeOps:
    # Provided by ``Applier``, which mixes this class in.
    state: DatabaseSchema
    _schema: Callable[[Operation], str]
    _problem: Callable[..., None]

    def _create_enum(self, op: Operation) -> None:
        key = qualify(self._schema(op), op.type_name or "")
        if key in self.state.enums:
            self._problem(EXISTS, f'type "{op.type_name}" already exists', op)
            return
        self.state.enums[key] = Enum(name=op.type_name or "", values=list(op.values), schema=self._schema(op))

    def _enum(self, op: Operation) -> Enum | None:
        found = self.state.enums.get(qualify(self._schema(op), op.type_name or ""))
        if found is None and not op.if_exists:
            self._problem(MISSING, f'type "{op.type_name}" does not exist at this point', op)
        return found

    def _add_enum_value(self, op: Operation) -> None:
        enum = self._enum(op)
        if enum is None or op.new_value is None:
            return
        if op.new_value in enum.values:
            if not op.if_not_exists:
                self._problem(EXISTS, f'enum value "{op.new_value}" already exists in "{enum.name}"', op)
            return
        anchor = op.before_value or op.after_value
        if anchor is not None and anchor in enum.values:
            at = enum.values.index(anchor) + (1 if op.after_value else 0)
            enum.values.insert(at, op.new_value)
        else:
            enum.values.append(op.new_value)

    def _rename_enum_value(self, op: Operation) -> None:
        enum = self._enum(op)
        if enum is not None and op.value in enum.values:
            enum.values[enum.values.index(op.value)] = op.new_value or op.value
        elif enum is not None:
            self._problem(MISSING, f'enum value "{op.value}" does not exist in "{enum.name}"', op)

    def _drop_type(self, op: Operation) -> None:
        if self._enum(op) is not None:
            del self.state.enums[qualify(self._schema(op), op.type_name or "")]

    def _rename_type(self, op: Operation) -> None:
        self._move_type(op, self._schema(op), op.new_name or op.type_name or "")

    def _set_type_schema(self, op: Operation) -> None:
        self._move_type(op, op.new_name or self._schema(op), op.type_name or "")

    def _move_type(self, op: Operation, schema: str, name: str) -> None:
        """Rename an enum or move it to another schema; columns of that type follow, as they do in PostgreSQL."""
        old_schema, old_name = self._schema(op), op.type_name or ""
        enum = self._enum(op)
        if enum is None:
            return
        if qualify(schema, name) in self.state.enums:
            self._problem(EXISTS, f'type "{name}" already exists in schema "{schema}"', op)
            return
        del self.state.enums[qualify(old_schema, old_name)]
        enum.name, enum.schema = name, schema
        self.state.enums[qualify(schema, name)] = enum
        for table in self.state.tables.values():
            for col in table.columns.values():
                base, bracket, rest = col.type.partition("[")
                if base == old_name and (col.type_schema or "public") == old_schema:
                    col.type = name + bracket + rest
                    col.type_schema = schema
