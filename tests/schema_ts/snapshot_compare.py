"""Compare an extracted ``DatabaseSchema`` with a drizzle-kit snapshot JSON, in the snapshot's own terms.

Used until the shared ``canonical()`` exists; both sides are reduced to plain dicts so a failing test shows a diff.
"""

from __future__ import annotations

import json
from typing import Any

from drizzle_lsp.model.schema import DatabaseSchema


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _index_columns(columns: list[Any]) -> list[dict[str, Any]]:
    out = []
    for c in columns:
        if isinstance(c, str):  # sqlite and mysql snapshots list column names only
            out.append({"expression": c})
        else:
            out.append({"expression": c["expression"], "isExpression": c.get("isExpression", False),
                        "asc": c.get("asc", True), "nulls": c.get("nulls", "last"), "opclass": c.get("opclass")})
    return out


def snapshot_canonical(snapshot: dict[str, Any]) -> dict[str, Any]:
    dialect = snapshot.get("dialect", "postgresql")
    pg = dialect == "postgresql"
    tables = {}
    for key, t in snapshot.get("tables", {}).items():
        columns = {}
        for name, c in t["columns"].items():
            identity = c.get("identity")
            generated = c.get("generated")
            columns[name] = {
                "type": c["type"], "notNull": c["notNull"], "primaryKey": c.get("primaryKey", False),
                "default": _text(c.get("default")), "typeSchema": c.get("typeSchema"),
                "autoincrement": bool(c.get("autoincrement", False)),
                "generated": generated["as"] if generated else None,
                "identity": {k: identity.get(k) for k in ("type", "name", "schema", "increment", "startWith",
                                                           "minValue", "maxValue", "cache", "cycle")}
                if identity else None,
            }
        tables[key] = {
            "name": t["name"], "schema": (t.get("schema") or "public") if pg else "",
            "columns": columns,
            "indexes": {n: {"columns": _index_columns(i["columns"]), "unique": i["isUnique"],
                            "where": i.get("where"), **({"method": i.get("method", "btree"),
                                                          "concurrently": i.get("concurrently", False),
                                                          "with": {k: _text(v) for k, v in i.get("with", {}).items()}}
                                                         if pg else {})}
                        for n, i in t.get("indexes", {}).items()},
            "foreignKeys": {n: {"tableFrom": f["tableFrom"], "columnsFrom": f["columnsFrom"], "tableTo": f["tableTo"],
                                "columnsTo": f["columnsTo"], "onDelete": f.get("onDelete"),
                                "onUpdate": f.get("onUpdate"),
                                **({"schemaTo": f.get("schemaTo") or "public"} if pg else {})}
                            for n, f in t.get("foreignKeys", {}).items()},
            "primaryKeys": {n: p["columns"] for n, p in t.get("compositePrimaryKeys", {}).items()},
            "uniques": {n: {"columns": u["columns"], "nullsNotDistinct": u.get("nullsNotDistinct", False)}
                        for n, u in t.get("uniqueConstraints", {}).items()},
            "checks": {n: c["value"] for n, c in (t.get("checkConstraints") or t.get("checkConstraint") or {}).items()},
        }
    enums = {k: {"name": e["name"], "schema": e["schema"], "values": e["values"]}
             for k, e in snapshot.get("enums", {}).items()}
    return {"tables": tables, "enums": enums, "schemas": sorted(snapshot.get("schemas", {}))}


def model_canonical(schema: DatabaseSchema) -> dict[str, Any]:
    pg = schema.dialect == "postgresql"
    tables = {}
    for key, t in schema.tables.items():
        columns = {}
        for name, c in t.columns.items():
            i = c.identity
            columns[name] = {
                "type": c.type, "notNull": c.not_null, "primaryKey": c.primary_key, "default": c.default,
                "typeSchema": c.type_schema, "autoincrement": c.auto_increment, "generated": c.generated,
                "identity": {"type": i.type, "name": i.name, "schema": i.schema, "increment": i.increment,
                             "startWith": i.start_with, "minValue": i.min_value, "maxValue": i.max_value,
                             "cache": i.cache, "cycle": i.cycle} if i else None,
            }

        def index_columns(index):
            if not pg:
                return [{"expression": ic.expression} for ic in index.columns]
            return [{"expression": ic.expression, "isExpression": ic.is_expression, "asc": ic.asc, "nulls": ic.nulls,
                     "opclass": ic.opclass} for ic in index.columns]

        tables[key] = {
            "name": t.name, "schema": t.schema, "columns": columns,
            "indexes": {n: {"columns": index_columns(i), "unique": i.unique, "where": i.where,
                            **({"method": i.method, "concurrently": i.concurrently, "with": dict(i.with_)}
                               if pg else {})}
                        for n, i in t.indexes.items()},
            "foreignKeys": {n: {"tableFrom": f.table_from, "columnsFrom": f.columns_from, "tableTo": f.table_to,
                                "columnsTo": f.columns_to, "onDelete": f.on_delete, "onUpdate": f.on_update,
                                **({"schemaTo": f.schema_to} if pg else {})}
                            for n, f in t.foreign_keys.items()},
            "primaryKeys": {n: p.columns for n, p in t.primary_keys.items()},
            "uniques": {n: {"columns": u.columns, "nullsNotDistinct": u.nulls_not_distinct}
                        for n, u in t.unique_constraints.items()},
            "checks": {n: c.value for n, c in t.checks.items()},
        }
    enums = {k: {"name": e.name, "schema": e.schema, "values": e.values} for k, e in schema.enums.items()}
    return {"tables": tables, "enums": enums, "schemas": sorted(schema.schemas)}


def diff(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Human-readable differences, one line per leaf."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        lines = []
        for key in sorted(set(expected) | set(actual), key=str):
            if key not in actual:
                lines.append(f"{path}/{key}: missing from extraction (snapshot: {json.dumps(expected[key])[:120]})")
            elif key not in expected:
                lines.append(f"{path}/{key}: extra in extraction ({json.dumps(actual[key])[:120]})")
            else:
                lines.extend(diff(expected[key], actual[key], f"{path}/{key}"))
        return lines
    if expected != actual:
        return [f"{path}: snapshot {json.dumps(expected)} != extracted {json.dumps(actual)}"]
    return []
