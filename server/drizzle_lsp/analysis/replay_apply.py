"""How each operation changes a ``DatabaseSchema`` (used by ``replay``)."""

from __future__ import annotations

import copy
import dataclasses
import enum
import re

from drizzle_lsp.analysis.replay_types import EXISTS, MISSING, TypeOps
from drizzle_lsp.model.source import SourceRange
from drizzle_lsp.model import (
    CheckConstraint, Column, ConstraintType, DatabaseSchema, ForeignKey, Operation, OpKind, PrimaryKey, Problem,
    Sequence, Table, UniqueConstraint, qualify,
)

READ_ONLY = {OpKind.UPDATE, OpKind.DELETE, OpKind.INSERT, OpKind.TRUNCATE, OpKind.SET_PARAMETER,
             OpKind.TRANSACTION, OpKind.TABLE_REWRITE, OpKind.PRAGMA, OpKind.COMMENT, OpKind.UNKNOWN,
             OpKind.DO_BLOCK}
MUTATING = set(OpKind) - READ_ONLY

_IMMUTABLE = (str, int, float, bool, type(None), SourceRange, Problem, enum.Enum)
_SLOTS: dict[type, tuple[str, ...]] = {}


def thaw(value):
    """A deep copy of a model value, several times faster than ``copy.deepcopy`` (no memo, no reduce protocol):
    the model is trees of slotted dataclasses, lists, dicts and immutable leaves, with no shared or cyclic parts."""
    kind = type(value)
    if isinstance(value, _IMMUTABLE):
        return value
    if kind is list:
        return [thaw(v) for v in value]
    if kind is dict:
        return {k: thaw(v) for k, v in value.items()}
    if kind is set or kind is frozenset:
        return kind(value)
    if kind is tuple:
        return tuple(thaw(v) for v in value)
    names = _SLOTS.get(kind)
    if names is None:
        if not (dataclasses.is_dataclass(kind) and hasattr(kind, "__slots__")):
            return copy.deepcopy(value)
        names = _SLOTS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    copied = object.__new__(kind)
    for name in names:
        object.__setattr__(copied, name, thaw(getattr(value, name)))
    return copied


class Applier(TypeOps):
    def __init__(self, state: DatabaseSchema, dialect: str) -> None:
        self.state = state
        self.dialect = dialect
        self.problems: list[Problem] = []
        self.inside_block = False  # drizzle-kit's DO blocks swallow duplicate_object

    # -- helpers ---------------------------------------------------------------------------------------------------
    def _schema(self, op: Operation) -> str:
        return (op.schema or "public") if self.dialect == "postgresql" else ""

    def _problem(self, code: str, message: str, op: Operation, rng=None) -> None:
        if code == EXISTS and self.inside_block:
            return
        self.problems.append(Problem(code, message, rng or op.table_range or op.range, "error"))

    def _table(self, op: Operation, name: str | None = None, schema: str | None = None) -> Table | None:
        name = name or op.table or ""
        table = self.state.tables.get(qualify(schema if schema is not None else self._schema(op), name))
        if table is None and not op.if_exists:
            self._problem(MISSING, f'table "{name}" does not exist at this point', op)
        return table

    def _column(self, op: Operation, table: Table, name: str | None = None):
        name = name or op.column or ""
        col = table.columns.get(name)
        if col is None and not op.if_exists:
            self._problem(MISSING, f'column "{name}" does not exist in table "{table.name}"', op,
                          op.column_range or op.table_range)
        return col

    def _resolve_enum(self, col) -> None:
        if self.dialect != "postgresql" or col is None or col.type_schema:
            return
        base = col.type.split("[")[0]
        if qualify("public", base) in self.state.enums:
            col.type_schema = "public"

    # -- dispatch --------------------------------------------------------------------------------------------------
    def apply(self, op: Operation) -> None:
        handler = getattr(self, "_" + op.kind.value, None)
        if handler is not None:
            handler(op)

    def _create_table(self, op: Operation) -> None:
        if op.table_def is None:
            return
        table = thaw(op.table_def)
        table.schema = self._schema(op)
        if table.qualified_name in self.state.tables:
            if not op.if_not_exists:
                self._problem(EXISTS, f'table "{table.name}" already exists', op)
            return
        for col in table.columns.values():
            self._resolve_enum(col)
        self.state.add_table(table)

    def _drop_table(self, op: Operation) -> None:
        table = self._table(op)
        if table is not None:
            del self.state.tables[table.qualified_name]

    def _rename_table(self, op: Operation) -> None:
        table = self._table(op)
        if table is None or not op.new_name:
            return
        old = table.name
        del self.state.tables[table.qualified_name]
        table.name = op.new_name
        if self.dialect == "sqlite":
            _carry_names(table, old, op.new_name)
        for other in self.state.tables.values():
            for fk in other.foreign_keys.values():
                if fk.table_to == old:
                    fk.table_to = op.new_name
        if table.qualified_name in self.state.tables:
            self._problem(EXISTS, f'table "{op.new_name}" already exists', op)
        self.state.add_table(table)

    def _set_table_schema(self, op: Operation) -> None:
        table = self._table(op)
        if table is not None and op.new_name:
            del self.state.tables[table.qualified_name]
            table.schema = op.new_name
            self.state.add_table(table)

    def _add_column(self, op: Operation) -> None:
        table = self._table(op)
        if table is None or op.column_def is None:
            return
        if op.column_def.name in table.columns:
            if not op.if_not_exists:
                self._problem(EXISTS, f'column "{op.column_def.name}" already exists in "{table.name}"', op,
                              op.column_range)
            return
        col = thaw(op.column_def)
        self._resolve_enum(col)
        table.columns[col.name] = col
        if op.constraint is not None and op.constraint_type is not None:
            _store(table, op.constraint_type, thaw(op.constraint))

    def _drop_column(self, op: Operation) -> None:
        table = self._table(op)
        if table is None or self._column(op, table) is None:
            return
        name = op.column
        del table.columns[name]
        # PostgreSQL drops indexes and constraints that use the column along with it
        table.indexes = {k: v for k, v in table.indexes.items() if name not in v.column_names}
        table.foreign_keys = {k: v for k, v in table.foreign_keys.items() if name not in v.columns_from}
        table.unique_constraints = {k: v for k, v in table.unique_constraints.items() if name not in v.columns}
        table.primary_keys = {k: v for k, v in table.primary_keys.items() if name not in v.columns}

    def _rename_column(self, op: Operation) -> None:
        table = self._table(op)
        if table is None or self._column(op, table) is None or not op.new_name:
            return
        old, new = op.column, op.new_name
        table.columns = {(new if k == old else k): v for k, v in table.columns.items()}
        table.columns[new].name = new
        ren = lambda cols: [new if c == old else c for c in cols]  # noqa: E731
        for ix in table.indexes.values():
            for c in ix.columns:
                if not c.is_expression and c.expression == old:
                    c.expression = new
        for fk in table.foreign_keys.values():
            fk.columns_from = ren(fk.columns_from)
        for u in table.unique_constraints.values():
            u.columns = ren(u.columns)
        for pk in table.primary_keys.values():
            pk.columns = ren(pk.columns)
        for other in self.state.tables.values():
            for fk in other.foreign_keys.values():
                if fk.table_to == table.name:
                    fk.columns_to = ren(fk.columns_to)

    def _alter_column_type(self, op: Operation) -> None:
        table = self._table(op)
        col = self._column(op, table) if table is not None else None
        if col is None:
            return
        if op.value == "modify" and op.column_def is not None:  # MySQL MODIFY/CHANGE restate the whole column
            new = thaw(op.column_def)
            new.primary_key = new.primary_key or col.primary_key
            table.columns = {(new.name if k == col.name else k): (new if k == col.name else v)
                             for k, v in table.columns.items()}
            return
        col.type = op.new_type or col.type
        col.type_schema = op.type_name
        self._resolve_enum(col)
        _strip_enum_cast(col)

    def _set_not_null(self, op: Operation) -> None:
        self._set_attr(op, "not_null", True)
        if op.constraint_name:  # PostgreSQL 18's named form, possibly NOT VALID
            self._set_attr(op, "not_null_constraint", op.constraint_name)
            self._set_attr(op, "not_null_not_valid", op.not_valid)

    def _drop_not_null(self, op: Operation) -> None:
        self._set_attr(op, "not_null", False)

    def _set_default(self, op: Operation) -> None:
        table = self._table(op)
        col = self._column(op, table) if table is not None else None
        if col is None:
            return
        col.default = op.default
        self._resolve_enum(col)
        _strip_enum_cast(col)

    def _drop_default(self, op: Operation) -> None:
        self._set_attr(op, "default", None)

    def _add_identity(self, op: Operation) -> None:
        self._set_attr(op, "identity", thaw(op.constraint))
        self._set_attr(op, "not_null", True)

    def _drop_identity(self, op: Operation) -> None:
        self._set_attr(op, "identity", None)

    def _alter_identity(self, op: Operation) -> None:
        table = self._table(op)
        col = self._column(op, table) if table is not None else None
        if col is None:
            return
        if col.identity is None:
            self._problem(MISSING, f'column "{col.name}" of table "{table.name}" is not an identity column', op,
                          op.column_range)
            return
        if op.value:
            col.identity.type = op.value
        for attr, value in (op.constraint or {}).items():
            setattr(col.identity, attr, value)

    def _set_attr(self, op: Operation, attr: str, value) -> None:
        table = self._table(op)
        col = self._column(op, table) if table is not None else None
        if col is not None:
            setattr(col, attr, value)

    def _add_constraint(self, op: Operation) -> None:
        table = self._table(op)
        if table is None or op.constraint is None or op.constraint_type is None:
            return
        con = thaw(op.constraint)
        name = getattr(con, "name", None)
        if name and _find_constraint(table, name) is not None:
            self._problem(EXISTS, f'constraint "{name}" already exists on "{table.name}"', op)
            return
        if isinstance(con, ForeignKey):
            target = self.state.tables.get(qualify(con.schema_to or self._schema(op), con.table_to))
            if target is None and con.table_to != table.name:
                self._problem(MISSING, f'referenced table "{con.table_to}" does not exist at this point', op)
            con.not_valid = op.not_valid
            if con.schema_to == "public":
                con.schema_to = None  # drizzle-kit writes schemaTo only for other schemas
        if isinstance(con, CheckConstraint):
            con.not_valid = op.not_valid
        if op.using_index and isinstance(con, (UniqueConstraint, PrimaryKey)):
            ix = _pop_index(self.state, op.using_index)
            if ix is None:
                self._problem(MISSING, f'index "{op.using_index}" does not exist at this point', op)
            else:
                con.columns = ix.column_names
        _store(table, op.constraint_type, con)

    def _validate_constraint(self, op: Operation) -> None:
        table = self._table(op)
        con = _find_constraint(table, op.constraint_name or "") if table is not None else None
        not_null = _not_null_column(table, op.constraint_name) if table is not None and con is None else None
        if not_null is not None:
            not_null.not_null_not_valid = False
        elif table is not None and con is None:
            self._problem(MISSING, f'constraint "{op.constraint_name}" does not exist on "{table.name}"', op)
        elif con is not None and hasattr(con, "not_valid"):
            con.not_valid = False

    def _drop_constraint(self, op: Operation) -> None:
        table = self._table(op)
        if table is None:
            return
        if op.constraint_type is ConstraintType.PRIMARY_KEY and not op.constraint_name:
            table.primary_keys.clear()
            for col in table.columns.values():
                col.primary_key = False
            return
        for store in (table.foreign_keys, table.checks, table.unique_constraints, table.primary_keys):
            if store.pop(op.constraint_name or "", None) is not None:
                return
        not_null = _not_null_column(table, op.constraint_name)
        if not_null is not None:  # dropping a named NOT NULL constraint (PostgreSQL 18) drops the NOT NULL
            not_null.not_null, not_null.not_null_constraint, not_null.not_null_not_valid = False, None, False
            return
        if not op.if_exists:
            self._problem(MISSING, f'constraint "{op.constraint_name}" does not exist on "{table.name}"', op)

    def _rename_constraint(self, op: Operation) -> None:
        table = self._table(op)
        if table is None:
            return
        for store in (table.foreign_keys, table.checks, table.unique_constraints, table.primary_keys):
            if op.constraint_name in store:
                con = store.pop(op.constraint_name)
                con.name = op.new_name
                store[op.new_name] = con
                return
        self._problem(MISSING, f'constraint "{op.constraint_name}" does not exist on "{table.name}"', op)

    def _create_index(self, op: Operation) -> None:
        table = self._table(op)
        if table is None or op.index is None:
            return
        if _find_index(self.state, op.index.name, table.schema) is not None:
            if not op.if_not_exists:
                self._problem(EXISTS, f'index "{op.index.name}" already exists', op)
            return
        for c in op.index.columns:
            if not c.is_expression and c.expression not in table.columns:
                self._problem(MISSING, f'column "{c.expression}" does not exist in table "{table.name}"', op)
        table.indexes[op.index.name] = thaw(op.index)

    def _drop_index(self, op: Operation) -> None:
        if self.dialect == "mysql" and op.table:
            # MySQL names indexes per table, and a UNIQUE constraint is an index: DROP INDEX removes either.
            table = self._table(op)
            name = op.index_name or ""
            if table is not None and name in table.indexes:
                del table.indexes[name]
            elif table is not None and name in table.unique_constraints:
                del table.unique_constraints[name]
            elif table is not None and not op.if_exists:
                self._problem(MISSING, f'index "{name}" does not exist in table "{table.name}"', op)
            return
        found = _find_index(self.state, op.index_name or "", self._schema(op))
        if found is None:
            if not op.if_exists:
                self._problem(MISSING, f'index "{op.index_name}" does not exist at this point', op)
            return
        del found[0].indexes[found[1].name]

    def _rename_index(self, op: Operation) -> None:
        found = _find_index(self.state, op.index_name or "", self._schema(op))
        if found is None:
            self._problem(MISSING, f'index "{op.index_name}" does not exist at this point', op)
            return
        table, ix = found
        del table.indexes[ix.name]
        ix.name = op.new_name or ix.name
        table.indexes[ix.name] = ix

    def _create_schema(self, op: Operation) -> None:
        if op.schema in self.state.schemas and not op.if_not_exists:
            self._problem(EXISTS, f'schema "{op.schema}" already exists', op)
        self.state.schemas.add(op.schema or "")

    def _drop_schema(self, op: Operation) -> None:
        if op.schema not in self.state.schemas and not op.if_exists:
            self._problem(MISSING, f'schema "{op.schema}" does not exist at this point', op)
        self.state.schemas.discard(op.schema or "")

    def _create_sequence(self, op: Operation) -> None:
        key = qualify(self._schema(op), op.value or "")
        if key in self.state.sequences and not op.if_not_exists:
            self._problem(EXISTS, f'sequence "{op.value}" already exists', op)
        self.state.sequences[key] = Sequence(name=op.value or "", schema=self._schema(op))

    def _drop_sequence(self, op: Operation) -> None:
        key = qualify(self._schema(op), op.value or "")
        if self.state.sequences.pop(key, None) is None and not op.if_exists:
            self._problem(MISSING, f'sequence "{op.value}" does not exist at this point', op)

    def _enable_rls(self, op: Operation) -> None:
        table = self._table(op)
        if table is not None:
            table.rls_enabled = True

    def _disable_rls(self, op: Operation) -> None:
        table = self._table(op)
        if table is not None:
            table.rls_enabled = False

    def _create_policy(self, op: Operation) -> None:
        table = self._table(op)
        if table is not None and op.constraint is not None:
            if op.constraint_name in table.policies:
                self._problem(EXISTS, f'policy "{op.constraint_name}" already exists on "{table.name}"', op)
            table.policies[op.constraint_name or ""] = thaw(op.constraint)

    def _alter_policy(self, op: Operation) -> None:
        table = self._table(op)
        pol = table.policies.get(op.constraint_name or "") if table is not None else None
        if table is not None and pol is None:
            self._problem(MISSING, f'policy "{op.constraint_name}" does not exist on "{table.name}"', op)
        elif pol is not None and op.constraint is not None:
            new = op.constraint
            pol.to = new.to or pol.to
            pol.using = new.using if new.using is not None else pol.using
            pol.with_check = new.with_check if new.with_check is not None else pol.with_check

    def _drop_policy(self, op: Operation) -> None:
        table = self._table(op)
        if table is not None and table.policies.pop(op.constraint_name or "", None) is None and not op.if_exists:
            self._problem(MISSING, f'policy "{op.constraint_name}" does not exist on "{table.name}"', op)

    def _references_table(self, op: Operation) -> None:
        self._table(op)

    _update = _delete = _insert = _truncate = _references_table


def _strip_enum_cast(col) -> None:
    """drizzle-kit casts enum defaults to the type in SQL but stores the bare literal in its snapshot."""
    if not col.type_schema or not col.default:
        return
    base = re.escape(col.type.split("[")[0])
    cast = re.compile(r'::(?:"?' + re.escape(col.type_schema) + r'"?\.)?"?' + base + r'"?(\[\])*$')
    col.default = cast.sub("", col.default)


def _store(table: Table, ctype: ConstraintType, con) -> None:
    store = {ConstraintType.FOREIGN_KEY: table.foreign_keys, ConstraintType.CHECK: table.checks,
             ConstraintType.UNIQUE: table.unique_constraints, ConstraintType.PRIMARY_KEY: table.primary_keys}.get(ctype)
    if store is not None and getattr(con, "name", None) is not None:
        store[con.name] = con


def _find_constraint(table: Table | None, name: str):
    if table is None:
        return None
    for store in (table.foreign_keys, table.checks, table.unique_constraints, table.primary_keys):
        if name in store:
            return store[name]
    return None


def _find_index(state: DatabaseSchema, name: str, schema: str):
    for table in state.tables.values():
        if name in table.indexes and (table.schema or "") == (schema or ""):
            return table, table.indexes[name]
    return None


def _pop_index(state: DatabaseSchema, name: str):
    for table in state.tables.values():
        if name in table.indexes:
            return table.indexes.pop(name)
    return None


def _carry_names(table: Table, old: str, new: str) -> None:
    """SQLite rebuilds (``__new_t`` renamed to ``t``): names and CHECK text that drizzle-kit derived from the
    temporary name read as the final one in its snapshot."""
    quoted = re.compile(r'(["`])' + re.escape(old) + r'\1\.')
    for name, fk in list(table.foreign_keys.items()):
        fk.table_from = new
        if name.startswith(old + "_"):
            del table.foreign_keys[name]
            fk.name = new + name[len(old):]
            table.foreign_keys[fk.name] = fk
    for pk_name, pk in list(table.primary_keys.items()):
        if pk_name.startswith(old + "_"):
            del table.primary_keys[pk_name]
            pk.name = new + pk_name[len(old):]
            table.primary_keys[pk.name] = pk
    for chk in table.checks.values():
        chk.value = quoted.sub(lambda m: f"{m.group(1)}{new}{m.group(1)}.", chk.value)


def _not_null_column(table: Table, name: str | None) -> Column | None:
    """The column whose named NOT NULL constraint (PostgreSQL 18) is ``name``."""
    return next((c for c in table.columns.values() if name and c.not_null_constraint == name), None)
