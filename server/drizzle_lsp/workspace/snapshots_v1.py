"""drizzle-kit v1 snapshots: a flat ``ddl`` list of entities, each tagged with ``entityType``.

Observed with drizzle-kit 1.0.0-rc.5: pg writes version 9 (dialect ``postgres``), sqlite version 7, mysql version 6.
Entities point at their table by ``schema`` + ``table`` instead of being nested in it. Differences from 0.x that the
model absorbs here: primary keys are separate ``pks`` entities (a single-column key with a generated name becomes the
column's ``primary_key`` flag, as 0.x stores it), array columns carry ``dimensions`` instead of a ``[]`` suffix, index
columns spell the expression ``value`` and nulls ordering ``nullsFirst``, and ``with`` is a string.
"""

from __future__ import annotations

from typing import Any, Callable

from drizzle_lsp.model.schema import (
    CheckConstraint,
    Column,
    DatabaseSchema,
    Enum,
    ForeignKey,
    Index,
    IndexColumn,
    PrimaryKey,
    Sequence,
    Table,
    UniqueConstraint,
    qualify,
)
from drizzle_lsp.workspace.snapshots import (
    _str,
    _str_list,
    generated_from,
    identity_from,
    policy_from,
    sql_default,
)

# entity kinds that live on a table, read after the tables exist
_TABLE_PARTS = ("columns", "indexes", "fks", "pks", "uniques", "checks", "policies")


def read_ddl(ddl: list[Any], schema: DatabaseSchema, report: Callable[[str], None]) -> None:
    pg = schema.dialect == "postgresql"
    entities = [e for e in ddl if isinstance(e, dict)]
    if len(entities) != len(ddl):
        report(f"{len(ddl) - len(entities)} ddl entries are not objects")

    for ent in entities:
        kind = ent.get("entityType")
        name = _str(ent.get("name")) or ""
        if kind == "tables":
            table = Table(name=name, schema=_schema_of(ent, pg), rls_enabled=bool(ent.get("isRlsEnabled")))
            schema.add_table(table)
        elif kind == "enums":
            enum = Enum(name=name, values=_str_list(ent.get("values")), schema=_str(ent.get("schema")) or "public")
            schema.enums[enum.qualified_name] = enum
        elif kind == "schemas":
            if name and name != "public":
                schema.schemas.add(name)
        elif kind == "sequences":
            seq = Sequence(name=name, schema=_str(ent.get("schema")) or "public")
            schema.sequences[f"{seq.schema}.{seq.name}"] = seq

    for kind in _TABLE_PARTS:  # columns first so that pks can flag them
        for ent in entities:
            if ent.get("entityType") != kind:
                continue
            key = qualify(_schema_of(ent, pg), _str(ent.get("table")) or "")
            table = schema.tables.get(key)
            if table is None:
                report(f"{kind} entry {ent.get('name')!r} names table {key!r}, which the snapshot does not define")
                continue
            try:
                _add_part(kind, ent, table, pg)
            except Exception as exc:  # keep reading the rest of the snapshot
                report(f"{kind} entry {ent.get('name')!r} of table {key!r} could not be read: {exc}")


def _schema_of(ent: dict[str, Any], pg: bool) -> str:
    value = _str(ent.get("schema")) or ""
    return (value or "public") if pg else value


def _add_part(kind: str, ent: dict[str, Any], table: Table, pg: bool) -> None:
    name = _str(ent.get("name")) or ""
    if kind == "columns":
        col_type = _str(ent.get("type")) or ""
        dims = ent.get("dimensions")
        if isinstance(dims, int) and not isinstance(dims, bool) and dims > 0:
            col_type += "[]" * dims
        column = Column(
            name=name, type=col_type, not_null=bool(ent.get("notNull")), default=sql_default(ent.get("default")),
            type_schema=_str(ent.get("typeSchema")), identity=identity_from(ent.get("identity")),
            generated=generated_from(ent.get("generated")),
            auto_increment=bool(ent.get("autoincrement", ent.get("autoIncrement"))))
        if ent.get("onUpdateNow") is True:
            column.options["onUpdate"] = True
        table.columns[name] = column
    elif kind == "indexes":
        columns = []
        for col in ent.get("columns") or []:
            if isinstance(col, dict):
                nulls_first = col.get("nullsFirst")
                columns.append(IndexColumn(
                    expression=_str(col.get("value")) or "", is_expression=bool(col.get("isExpression")),
                    asc=col.get("asc", True) is not False, nulls="first" if nulls_first else "last",
                    opclass=_opclass(col.get("opclass"))))
            elif isinstance(col, str):
                columns.append(IndexColumn(expression=col))
        table.indexes[name] = Index(
            name=name, columns=columns, unique=bool(ent.get("isUnique")),
            method=_str(ent.get("method")) or _str(ent.get("using")) or "btree", where=_str(ent.get("where")),
            concurrently=bool(ent.get("concurrently")), with_=_with(ent.get("with")))
    elif kind == "fks":
        schema_to = _str(ent.get("schemaTo"))
        table.foreign_keys[name] = ForeignKey(
            name=name, table_from=table.name, columns_from=_str_list(ent.get("columns")),
            table_to=_str(ent.get("tableTo")) or "", columns_to=_str_list(ent.get("columnsTo")),
            schema_to=schema_to, on_delete=_action(ent.get("onDelete")), on_update=_action(ent.get("onUpdate")))
    elif kind == "pks":
        columns = _str_list(ent.get("columns"))
        if len(columns) == 1 and not ent.get("nameExplicit") and columns[0] in table.columns:
            # 0.x (and the TypeScript reader) record a lone generated-name key on the column itself
            table.columns[columns[0]].primary_key = True
            table.columns[columns[0]].not_null = True
        else:
            table.primary_keys[name] = PrimaryKey(name, columns)
    elif kind == "uniques":
        table.unique_constraints[name] = UniqueConstraint(name, _str_list(ent.get("columns")),
                                                          bool(ent.get("nullsNotDistinct")))
    elif kind == "checks":
        table.checks[name] = CheckConstraint(name, _str(ent.get("value")) or "")
    elif kind == "policies":
        table.policies[name] = policy_from(name, ent)


def _action(value: Any) -> str | None:
    # v1 writes "NO ACTION" / "CASCADE"; 0.x and the model use lower case
    text = _str(value)
    return text.lower() if text else None


def _opclass(value: Any) -> str | None:
    if isinstance(value, dict):
        return _str(value.get("name"))
    return _str(value)


def _with(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): sql_default(v) or "" for k, v in value.items()}
    if isinstance(value, str) and value.strip():
        # "fillfactor=70, deduplicate_items=off"
        out = {}
        for part in value.split(","):
            k, _, v = part.partition("=")
            if k.strip():
                out[k.strip()] = v.strip()
        return out
    return {}
