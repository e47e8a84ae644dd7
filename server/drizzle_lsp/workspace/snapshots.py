"""drizzle-kit snapshot JSON (every dialect, 0.x and v1) read into the shared model.

0.x snapshots (pg version 5/6/7, sqlite 5/6, mysql 5) hold a ``tables`` object; v1 snapshots (version 8+, written by
drizzle-kit 1.0 betas and release candidates) hold a flat ``ddl`` list of entities tagged with ``entityType``. Both
become one ``DatabaseSchema`` so the rest of drizzle-lsp never asks which format a snapshot was.

Values keep drizzle-kit's conventions, with two conversions that keep the model's field types honest: a default
stored as a JSON boolean or number becomes its SQL text (``true`` -> ``"true"``), and a PostgreSQL table whose
snapshot schema is ``""`` gets ``"public"`` (the model always sets the schema on PostgreSQL).

Nothing here raises on bad input: malformed JSON or unexpected shapes become ``Problem``s and whatever could be read is
kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from drizzle_lsp.model.schema import (
    CheckConstraint,
    Column,
    DatabaseSchema,
    Enum,
    ForeignKey,
    Identity,
    Index,
    IndexColumn,
    Policy,
    PrimaryKey,
    Sequence,
    Table,
    UniqueConstraint,
)
from drizzle_lsp.model.source import Problem, SourceRange

# drizzle-kit's dialect names (old and new) -> the model's SQL dialect
_DIALECTS = {
    "postgresql": "postgresql", "pg": "postgresql", "postgres": "postgresql", "gel": "postgresql",
    "sqlite": "sqlite", "turso": "sqlite",
    "mysql": "mysql", "singlestore": "mysql",
}


@dataclass(slots=True)
class SnapshotInfo:
    path: str
    id: str | None = None
    prev_ids: list[str] = field(default_factory=list)  # 0.x: [prevId]; v1: prevIds (several after a merge)
    version: str | None = None
    dialect: str | None = None  # as written in the snapshot ("pg", "postgresql", "postgres", "sqlite", ...)
    format: str = "0.x"  # "0.x" | "v1"

    @property
    def prev_id(self) -> str | None:
        return self.prev_ids[0] if self.prev_ids else None


@dataclass(slots=True)
class SnapshotResult:
    """What ``read_snapshot`` returns. Unpacks as ``schema, problems = read_snapshot(path)``."""

    schema: DatabaseSchema
    info: SnapshotInfo
    problems: list[Problem] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.schema, self.problems))


def read_snapshot(path: str, text: str | None = None) -> SnapshotResult:
    """Read one snapshot file (or ``text`` standing for its content) into the model."""
    info = SnapshotInfo(path=path)
    problems: list[Problem] = []
    schema = DatabaseSchema()
    if text is None:
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            problems.append(Problem("snapshot-unreadable", f"cannot read snapshot {path}: {exc.strerror or exc}",
                                    SourceRange(path, 0, 0), "error"))
            return SnapshotResult(schema, info, problems)
        text = raw.decode("utf-8", errors="replace")
        if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
            problems.append(Problem("snapshot-encoding", f"snapshot {path} is not valid UTF-8", SourceRange(path, 0, 0)))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        pos = getattr(exc, "pos", 0) or 0
        msg = getattr(exc, "msg", str(exc))
        line = getattr(exc, "lineno", None)
        where = f" (line {line}, column {getattr(exc, 'colno', '?')})" if line else ""
        problems.append(Problem("snapshot-invalid-json", f"snapshot is not valid JSON{where}: {msg}",
                                SourceRange(path, pos, min(pos + 1, len(text))), "error"))
        return SnapshotResult(schema, info, problems)
    if not isinstance(data, dict):
        problems.append(Problem("snapshot-malformed", "snapshot must be a JSON object", SourceRange(path, 0, len(text)),
                                "error"))
        return SnapshotResult(schema, info, problems)

    info.id = _str(data.get("id"))
    info.version = _str(data.get("version"))
    info.dialect = _str(data.get("dialect"))
    prev = data.get("prevIds", data.get("prevId"))
    info.prev_ids = [str(p) for p in prev if isinstance(p, (str, int))] if isinstance(prev, list) else (
        [str(prev)] if isinstance(prev, (str, int)) else [])
    schema.dialect = _DIALECTS.get((info.dialect or "").lower(), "postgresql")
    if info.dialect is not None and info.dialect.lower() not in _DIALECTS:
        problems.append(Problem("snapshot-malformed", f"unknown snapshot dialect {info.dialect!r}; read as PostgreSQL",
                                SourceRange(path, 0, 0)))

    def report(message: str) -> None:
        problems.append(Problem("snapshot-malformed", message, SourceRange(path, 0, 0)))

    if isinstance(data.get("ddl"), list):
        info.format = "v1"
        from drizzle_lsp.workspace.snapshots_v1 import read_ddl

        read_ddl(data["ddl"], schema, report)
    else:
        _read_0x(data, schema, report)
    return SnapshotResult(schema, info, problems)


# ---------------------------------------------------------------------------------------------------------------------
# shared value helpers (also used by snapshots_v1)

def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, (str, int, float)) else None


def sql_default(value: Any) -> str | None:
    """A snapshot default as SQL text: JSON ``true`` -> ``"true"``, ``5`` -> ``"5"``, strings verbatim."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int))]
    if isinstance(value, str):  # very old snapshots joined column lists with commas
        return [v for v in value.split(",") if v]
    return []


def identity_from(raw: Any) -> Identity | None:
    if isinstance(raw, str):  # drizzle-kit 0.2x stored identities as "name;type;..." strings
        parts = raw.split(";")
        keys = ["name", "type", "min_value", "max_value", "increment", "start_with", "cache", "cycle"]
        values = dict(zip(keys, parts))
        return Identity(type=values.get("type", "always"), name=values.get("name") or None,
                        increment=values.get("increment") or None, start_with=values.get("start_with") or None,
                        min_value=values.get("min_value") or None, max_value=values.get("max_value") or None,
                        cache=values.get("cache") or None, cycle=values.get("cycle") == "true")
    if not isinstance(raw, dict):
        return None
    return Identity(type=_str(raw.get("type")) or "always", name=_str(raw.get("name")), schema=_str(raw.get("schema")),
                    increment=_str(raw.get("increment")), start_with=_str(raw.get("startWith")),
                    min_value=_str(raw.get("minValue")), max_value=_str(raw.get("maxValue")),
                    cache=_str(raw.get("cache")), cycle=bool(raw.get("cycle")))


def generated_from(raw: Any) -> str | None:
    if isinstance(raw, dict):
        return _str(raw.get("as"))
    return _str(raw)


# ---------------------------------------------------------------------------------------------------------------------
# 0.x

def _read_0x(data: dict[str, Any], schema: DatabaseSchema, report) -> None:
    pg = schema.dialect == "postgresql"
    for key, raw in _dict(data.get("tables")).items():
        if not isinstance(raw, dict):
            report(f"table {key!r} is not an object")
            continue
        try:
            schema.add_table(_table_0x(key, raw, pg))
        except Exception as exc:  # one odd table must not lose the others
            report(f"table {key!r} could not be read: {exc}")
    _mark_expression_columns(schema, _dict(_dict(data.get("internal")).get("indexes")))
    for key, raw in _dict(data.get("enums")).items():
        if not isinstance(raw, dict):
            report(f"enum {key!r} is not an object")
            continue
        values = raw.get("values")
        # pg version 5 stored enum values as an object {"a": "a"}
        names = [str(v) for v in values.values()] if isinstance(values, dict) else _str_list(values)
        enum = Enum(name=_str(raw.get("name")) or key.split(".")[-1], values=names,
                    schema=_str(raw.get("schema")) or "public")
        schema.enums[enum.qualified_name] = enum
    for key, raw in _dict(data.get("schemas")).items():
        schema.schemas.add(_str(raw) or key)
    for key, raw in _dict(data.get("sequences")).items():
        if isinstance(raw, dict):
            seq = Sequence(name=_str(raw.get("name")) or key, schema=_str(raw.get("schema")) or "public")
            schema.sequences[f"{seq.schema}.{seq.name}"] = seq


def _table_0x(key: str, raw: dict[str, Any], pg: bool) -> Table:
    name = _str(raw.get("name")) or key.split(".")[-1]
    table_schema = _str(raw.get("schema")) or ""
    if pg and not table_schema:
        table_schema = "public"
    table = Table(name=name, schema=table_schema, rls_enabled=bool(raw.get("isRLSEnabled")))
    for col_key, col in _dict(raw.get("columns")).items():
        if not isinstance(col, dict):
            continue
        column = Column(
            name=_str(col.get("name")) or col_key,
            type=_str(col.get("type")) or "",
            not_null=bool(col.get("notNull")),
            primary_key=bool(col.get("primaryKey")),
            default=sql_default(col.get("default")),
            type_schema=_str(col.get("typeSchema")),
            identity=identity_from(col.get("identity")),
            generated=generated_from(col.get("generated")),
            auto_increment=bool(col.get("autoincrement")),
        )
        if col.get("onUpdate") is True:  # mysql ON UPDATE now()
            column.options["onUpdate"] = True
        table.columns[column.name] = column
    for idx_key, idx in _dict(raw.get("indexes")).items():
        if isinstance(idx, dict):
            index = _index_0x(idx_key, idx)
            table.indexes[index.name] = index
    for fk_key, fk in _dict(raw.get("foreignKeys")).items():
        if isinstance(fk, dict):
            foreign = ForeignKey(
                name=_str(fk.get("name")) or fk_key, table_from=_str(fk.get("tableFrom")) or name,
                columns_from=_str_list(fk.get("columnsFrom")), table_to=_str(fk.get("tableTo")) or "",
                columns_to=_str_list(fk.get("columnsTo")), schema_to=_str(fk.get("schemaTo")),
                on_delete=_str(fk.get("onDelete")), on_update=_str(fk.get("onUpdate")))
            table.foreign_keys[foreign.name] = foreign
    for pk_key, pk in _dict(raw.get("compositePrimaryKeys")).items():
        if isinstance(pk, dict):
            table.primary_keys[_str(pk.get("name")) or pk_key] = PrimaryKey(
                _str(pk.get("name")) or pk_key, _str_list(pk.get("columns")))
        elif isinstance(pk, str):  # "name;col,col" in the oldest snapshots
            cols = pk.split(";")[-1]
            table.primary_keys[pk_key] = PrimaryKey(pk_key, _str_list(cols))
    for uq_key, uq in _dict(raw.get("uniqueConstraints")).items():
        if isinstance(uq, dict):
            unique = UniqueConstraint(_str(uq.get("name")) or uq_key, _str_list(uq.get("columns")),
                                      bool(uq.get("nullsNotDistinct")))
            table.unique_constraints[unique.name] = unique
    # mysql snapshots spell it "checkConstraint"
    checks = raw.get("checkConstraints", raw.get("checkConstraint"))
    for ck_key, ck in _dict(checks).items():
        if isinstance(ck, dict):
            check = CheckConstraint(_str(ck.get("name")) or ck_key, _str(ck.get("value")) or "")
            table.checks[check.name] = check
    for pol_key, pol in _dict(raw.get("policies")).items():
        if isinstance(pol, dict):
            table.policies[_str(pol.get("name")) or pol_key] = policy_from(pol_key, pol)
    return table


def policy_from(key: str, pol: dict[str, Any]) -> Policy:
    return Policy(name=_str(pol.get("name")) or key, as_=_str(pol.get("as")), for_=_str(pol.get("for")),
                  to=_str_list(pol.get("to")), using=_str(pol.get("using")), with_check=_str(pol.get("withCheck")))


def _mark_expression_columns(schema: DatabaseSchema, internal_indexes: dict[str, Any]) -> None:
    """sqlite and mysql snapshots list index columns as plain strings; which of them are SQL expressions rather
    than column names is recorded apart, in ``internal.indexes.<name>.columns.<text>.isExpression``."""
    if not internal_indexes:
        return
    for table in schema.tables.values():
        for index in table.indexes.values():
            flags = _dict(_dict(internal_indexes.get(index.name)).get("columns"))
            for column in index.columns:
                if _dict(flags.get(column.expression)).get("isExpression"):
                    column.is_expression = True


def _index_0x(key: str, idx: dict[str, Any]) -> Index:
    columns: list[IndexColumn] = []
    for col in idx.get("columns") or []:
        if isinstance(col, dict):  # pg version 7
            columns.append(IndexColumn(
                expression=_str(col.get("expression")) or "", is_expression=bool(col.get("isExpression")),
                asc=col.get("asc", True) is not False, nulls=_str(col.get("nulls")) or "last",
                opclass=_str(col.get("opclass"))))
        elif isinstance(col, str):  # sqlite, mysql, pg before version 7
            columns.append(IndexColumn(expression=col))
    with_ = {str(k): sql_default(v) or "" for k, v in _dict(idx.get("with")).items()}
    return Index(name=_str(idx.get("name")) or key, columns=columns, unique=bool(idx.get("isUnique")),
                 method=_str(idx.get("method")) or _str(idx.get("using")) or "btree", where=_str(idx.get("where")),
                 concurrently=bool(idx.get("concurrently")), with_=with_)
