"""drizzle-kit 0.x snapshots for the intermediate states of a split migration.

A split turns one migration into several, and drizzle-kit wants a snapshot per journal entry. Only the last one
matters to ``drizzle-kit generate`` (it diffs the schema against it), so the last step gets the original snapshot's
content unchanged. The steps in between get the schema as it stands after them: the state before the migration,
moved forward statement by statement. Object definitions are copied from the final snapshot whenever it has the
object under the same name (so types and defaults are written exactly as drizzle-kit writes them) and built from the
parsed statement only for what exists in between (the temporary ``CHECK (c IS NOT NULL)`` of the NOT NULL recipe, the
unique index that a later step turns into a constraint).

Every object is written with the keys drizzle-kit's snapshot validation expects, so ``drizzle-kit check`` accepts
each intermediate file.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from drizzle_lsp.model import Operation, OpKind
from drizzle_lsp.model.migration import ConstraintType

_TABLE_PARTS = ("indexes", "foreignKeys", "compositePrimaryKeys", "uniqueConstraints", "checkConstraints")


def empty_snapshot(dialect: str = "postgresql") -> dict[str, Any]:
    return {"version": "7", "dialect": dialect, "tables": {}, "enums": {}, "schemas": {}, "sequences": {},
            "roles": {}, "policies": {}, "views": {}, "_meta": {"columns": {}, "schemas": {}, "tables": {}}}


def intermediate_snapshots(before: dict[str, Any] | None, after: dict[str, Any],
                           steps: Iterable[Iterable[Operation]]) -> list[dict[str, Any]]:
    """The snapshot after each step (without ``id``/``prevId``). The last one is ``after`` itself: whatever the
    statements say, the final state is the one drizzle-kit recorded for the schema."""
    state = copy.deepcopy(before) if before else empty_snapshot(after.get("dialect", "postgresql"))
    for key in ("version", "dialect"):
        state[key] = after.get(key, state.get(key))
    out = []
    step_list = [list(ops) for ops in steps]
    for ops in step_list[:-1]:
        for op in ops:
            try:
                _apply(state, after, op)
            except (KeyError, TypeError, AttributeError, ValueError):
                continue  # a statement this model does not follow leaves the state as it was: best effort
        out.append(_without_ids(copy.deepcopy(state)))
    out.append(_without_ids(copy.deepcopy(after)))
    return out


def _without_ids(snapshot: dict[str, Any]) -> dict[str, Any]:
    snapshot.pop("id", None)
    snapshot.pop("prevId", None)
    return snapshot


def _table_key(schema: str | None, table: str) -> str:
    return f"{schema or 'public'}.{table}"


def _table(state: dict[str, Any], op: Operation) -> dict[str, Any] | None:
    return state["tables"].get(_table_key(op.schema, op.table or ""))


def _final_table(after: dict[str, Any], op: Operation) -> dict[str, Any]:
    return after.get("tables", {}).get(_table_key(op.schema, op.table or ""), {})


def _apply(state: dict[str, Any], after: dict[str, Any], op: Operation) -> None:
    kind = op.kind
    if kind is OpKind.DO_BLOCK:
        for inner in op.inner:
            _apply(state, after, inner)
        return
    if kind is OpKind.CREATE_TABLE:
        final = _final_table(after, op)
        if final:
            state["tables"][_table_key(op.schema, op.table or "")] = copy.deepcopy(final)
        return
    if kind is OpKind.DROP_TABLE:
        state["tables"].pop(_table_key(op.schema, op.table or ""), None)
        return
    if kind is OpKind.CREATE_INDEX:
        _create_index(state, after, op)
        return
    if kind is OpKind.DROP_INDEX:
        for table in state["tables"].values():
            table.get("indexes", {}).pop(op.index_name or "", None)
        return
    if kind is OpKind.CREATE_ENUM and op.type_name:
        key = f"{op.schema or 'public'}.{op.type_name}"
        state["enums"][key] = copy.deepcopy(after.get("enums", {}).get(key)) or {
            "name": op.type_name, "schema": op.schema or "public", "values": list(op.values)}
        return
    if kind is OpKind.ADD_ENUM_VALUE and op.type_name:
        key = f"{op.schema or 'public'}.{op.type_name}"
        if key in after.get("enums", {}):
            state["enums"][key] = copy.deepcopy(after["enums"][key])
        return
    table = _table(state, op)
    if table is None:
        return
    final = _final_table(after, op)
    columns = table.setdefault("columns", {})
    if kind is OpKind.ADD_COLUMN and op.column:
        columns[op.column] = _added_column(op, final)
    elif kind is OpKind.DROP_COLUMN:
        columns.pop(op.column or "", None)
    elif kind is OpKind.RENAME_COLUMN and op.column in columns and op.new_name:
        column = columns.pop(op.column)
        column["name"] = op.new_name
        columns[op.new_name] = column
    elif kind in (OpKind.SET_NOT_NULL, OpKind.DROP_NOT_NULL) and op.column in columns:
        columns[op.column]["notNull"] = kind is OpKind.SET_NOT_NULL
    elif kind is OpKind.SET_DEFAULT and op.column in columns:
        final_column = final.get("columns", {}).get(op.column, {})
        default = final_column.get("default", op.default)
        if default is not None:
            columns[op.column]["default"] = default
    elif kind is OpKind.DROP_DEFAULT and op.column in columns:
        columns[op.column].pop("default", None)
    elif kind is OpKind.ALTER_COLUMN_TYPE and op.column in columns:
        final_column = final.get("columns", {}).get(op.column, {})
        columns[op.column]["type"] = final_column.get("type") or op.new_type
        if "typeSchema" in final_column:
            columns[op.column]["typeSchema"] = final_column["typeSchema"]
    elif kind is OpKind.ADD_CONSTRAINT:
        _add_constraint(table, final, op)
    elif kind is OpKind.DROP_CONSTRAINT:
        for part in _TABLE_PARTS:
            table.get(part, {}).pop(op.constraint_name or "", None)
    elif kind is OpKind.ENABLE_RLS:
        table["isRLSEnabled"] = True
    elif kind is OpKind.DISABLE_RLS:
        table["isRLSEnabled"] = False


def _added_column(op: Operation, final: dict[str, Any]) -> dict[str, Any]:
    definition = op.column_def
    known = final.get("columns", {}).get(op.column or "")
    column = copy.deepcopy(known) if known else {
        "name": op.column, "type": definition.type if definition else "text", "primaryKey": False, "notNull": False}
    if definition is not None:
        # The statement decides what holds right after it: the recipe adds the column nullable and without the
        # volatile default that a later step sets.
        column["notNull"] = bool(definition.not_null or definition.primary_key)
        if definition.default is None:
            column.pop("default", None)
        elif "default" not in column:
            column["default"] = definition.default
    return column


def _create_index(state: dict[str, Any], after: dict[str, Any], op: Operation) -> None:
    table = _table(state, op)
    name = op.index_name or (op.index.name if op.index else None)
    if table is None or not name:
        return
    final = _final_table(after, op).get("indexes", {}).get(name)
    if final is not None:
        index = copy.deepcopy(final)
    else:
        built = op.index
        index = {
            "name": name,
            "columns": [{"expression": c.expression, "isExpression": c.is_expression, "asc": c.asc,
                         "nulls": c.nulls or "last"} for c in (built.columns if built else [])],
            "isUnique": bool(built and built.unique),
            "concurrently": False,
            "method": (built.method if built else None) or "btree",
            "with": dict(built.with_) if built else {},
        }
        if built is not None and built.where:
            index["where"] = built.where
    table.setdefault("indexes", {})[name] = index


def _add_constraint(table: dict[str, Any], final: dict[str, Any], op: Operation) -> None:
    name = op.constraint_name
    if not name:
        return
    part = {
        ConstraintType.FOREIGN_KEY: "foreignKeys",
        ConstraintType.CHECK: "checkConstraints",
        ConstraintType.UNIQUE: "uniqueConstraints",
        ConstraintType.PRIMARY_KEY: "compositePrimaryKeys",
    }.get(op.constraint_type)
    if part is None:
        return
    if op.using_index:
        # ADD CONSTRAINT … USING INDEX turns the index into the constraint: it is no longer a plain index.
        table.get("indexes", {}).pop(op.using_index, None)
    known = final.get(part, {}).get(name)
    if known is not None:
        table.setdefault(part, {})[name] = copy.deepcopy(known)
        return
    if part == "compositePrimaryKeys" and _primary_key_in_columns(final, op):
        for column_name, column in final.get("columns", {}).items():
            if column.get("primaryKey") and column_name in table.get("columns", {}):
                table["columns"][column_name]["primaryKey"] = True
                table["columns"][column_name]["notNull"] = True
        return
    built = _built_constraint(op, name, table)
    if built is not None:
        table.setdefault(part, {})[name] = built


def _primary_key_in_columns(final: dict[str, Any], op: Operation) -> bool:
    return any(c.get("primaryKey") for c in final.get("columns", {}).values())


def _built_constraint(op: Operation, name: str, table: dict[str, Any]) -> dict[str, Any] | None:
    constraint = op.constraint
    if op.constraint_type is ConstraintType.CHECK:
        value = getattr(constraint, "value", None)
        return {"name": name, "value": value} if value else None
    if op.constraint_type is ConstraintType.UNIQUE:
        columns = list(getattr(constraint, "columns", []) or [])
        if not columns and op.using_index:
            return None
        return {"name": name, "nullsNotDistinct": bool(getattr(constraint, "nulls_not_distinct", False)),
                "columns": columns}
    if op.constraint_type is ConstraintType.FOREIGN_KEY and constraint is not None:
        fk = {"name": name, "tableFrom": table.get("name"), "tableTo": constraint.table_to,
              "columnsFrom": list(constraint.columns_from), "columnsTo": list(constraint.columns_to),
              "onDelete": constraint.on_delete or "no action", "onUpdate": constraint.on_update or "no action"}
        if constraint.schema_to and constraint.schema_to != "public":
            fk["schemaTo"] = constraint.schema_to
        return fk
    if op.constraint_type is ConstraintType.PRIMARY_KEY:
        return {"name": name, "columns": list(getattr(constraint, "columns", []) or [])}
    return None
