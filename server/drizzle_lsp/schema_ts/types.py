"""The SQL type string drizzle-kit writes into a snapshot for each column builder (its ``getSQLType()``)."""

from __future__ import annotations

from typing import Callable

Options = dict[str, object]


def _num(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _length(base: str) -> Callable[[Options], str]:
    return lambda o: base if o.get("length") is None else f"{base}({_num(o['length'])})"


def _pg_numeric(o: Options) -> str:
    precision, scale = o.get("precision"), o.get("scale")
    if precision is not None and scale is not None:
        return f"numeric({_num(precision)}, {_num(scale)})"
    return "numeric" if precision is None else f"numeric({_num(precision)})"


def _pg_timestamp(o: Options) -> str:
    # drizzle writes "timestamp (3)" for Date mode but "timestamp(3)" for string mode.
    precision = o.get("precision")
    gap = "" if o.get("mode") == "string" else " "
    text = "timestamp" if precision is None else f"timestamp{gap}({_num(precision)})"
    return text + (" with time zone" if o.get("withTimezone") else "")


def _pg_time(o: Options) -> str:
    precision = o.get("precision")
    text = "time" if precision is None else f"time({_num(precision)})"
    return text + (" with time zone" if o.get("withTimezone") else "")


def _pg_interval(o: Options) -> str:
    fields = f" {o['fields']}" if o.get("fields") else ""
    precision = f"({_num(o['precision'])})" if o.get("precision") else ""
    return f"interval{fields}{precision}"


def _dims(base: str) -> Callable[[Options], str]:
    return lambda o: f"{base}({_num(o.get('dimensions'))})"


PG_TYPES: dict[str, Callable[[Options], str]] = {
    "integer": lambda o: "integer",
    "smallint": lambda o: "smallint",
    "bigint": lambda o: "bigint",
    "serial": lambda o: "serial",
    "smallserial": lambda o: "smallserial",
    "bigserial": lambda o: "bigserial",
    "boolean": lambda o: "boolean",
    "text": lambda o: "text",
    "varchar": _length("varchar"),
    "char": _length("char"),
    "numeric": _pg_numeric,
    "decimal": _pg_numeric,
    "real": lambda o: "real",
    "doublePrecision": lambda o: "double precision",
    "json": lambda o: "json",
    "jsonb": lambda o: "jsonb",
    "uuid": lambda o: "uuid",
    "date": lambda o: "date",
    "timestamp": _pg_timestamp,
    "time": _pg_time,
    "interval": _pg_interval,
    "inet": lambda o: "inet",
    "cidr": lambda o: "cidr",
    "macaddr": lambda o: "macaddr",
    "macaddr8": lambda o: "macaddr8",
    "point": lambda o: "point",
    "line": lambda o: "line",
    "geometry": lambda o: "geometry(point)",
    "vector": _dims("vector"),
    "halfvec": _dims("halfvec"),
    "sparsevec": _dims("sparsevec"),
    "bit": _dims("bit"),
}

# Builders whose first argument is an options object when no name is given (getColumnNameAndConfig).
PG_INT_TYPES = {"integer": "integer", "smallint": "smallint", "bigint": "bigint"}
PG_SERIALS = {"serial", "smallserial", "bigserial"}


def _unsigned(base: str) -> Callable[[Options], str]:
    return lambda o: base + (" unsigned" if o.get("unsigned") else "")


def _mysql_scaled(base: str, space: bool = False, collapse_default: bool = False) -> Callable[[Options], str]:
    def build(o: Options) -> str:
        precision, scale = o.get("precision"), o.get("scale")
        sep = ", " if space else ","
        if precision is not None and scale is not None:
            text = f"{base}({_num(precision)}{sep}{_num(scale)})"
        elif precision is None:
            text = base
        else:
            text = f"{base}({_num(precision)})"
        if collapse_default and text in (f"{base}(10,0)", f"{base}(10)"):
            text = base
        return text + (" unsigned" if o.get("unsigned") else "")
    return build


def _fsp(base: str) -> Callable[[Options], str]:
    return lambda o: base if o.get("fsp") is None else f"{base}({_num(o['fsp'])})"


MYSQL_TYPES: dict[str, Callable[[Options], str]] = {
    "int": _unsigned("int"),
    "tinyint": _unsigned("tinyint"),
    "smallint": _unsigned("smallint"),
    "mediumint": _unsigned("mediumint"),
    "bigint": _unsigned("bigint"),
    "serial": lambda o: "serial",
    "boolean": lambda o: "boolean",
    "varchar": _length("varchar"),
    "char": _length("char"),
    "binary": _length("binary"),
    "varbinary": _length("varbinary"),
    "text": lambda o: "text",
    "tinytext": lambda o: "tinytext",
    "mediumtext": lambda o: "mediumtext",
    "longtext": lambda o: "longtext",
    "decimal": _mysql_scaled("decimal", collapse_default=True),
    "double": _mysql_scaled("double"),
    "float": _mysql_scaled("float"),
    "real": lambda o: _mysql_scaled("real", space=True)({**o, "unsigned": False}),
    "json": lambda o: "json",
    "date": lambda o: "date",
    "datetime": _fsp("datetime"),
    "timestamp": _fsp("timestamp"),
    "time": _fsp("time"),
    "year": lambda o: "year",
}

SQLITE_TYPES: dict[str, Callable[[Options], str]] = {
    "integer": lambda o: "integer",
    "int": lambda o: "integer",
    "text": lambda o: "text" if o.get("mode") == "json" or not o.get("length") else f"text({_num(o['length'])})",
    "real": lambda o: "real",
    "blob": lambda o: "blob",
    "numeric": lambda o: "numeric",
}

TYPES_BY_DIALECT = {"postgresql": PG_TYPES, "mysql": MYSQL_TYPES, "sqlite": SQLITE_TYPES}

# What the builder functions are named when imported, so we know a call is a column and not something else.
ENUM_BUILDERS = {"mysqlEnum"}


def sql_type(dialect: str, builder: str, options: Options) -> str | None:
    table = TYPES_BY_DIALECT.get(dialect, PG_TYPES)
    make = table.get(builder)
    return make(options) if make else None


def mysql_enum_type(values: list[str]) -> str:
    escaped = ",".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"enum({escaped})"


def identity_max(type_string: str) -> str:
    return {"integer": "2147483647", "bigint": "9223372036854775807"}.get(type_string, "32767")


def identity_min_negative(type_string: str) -> str:
    return {"integer": "-2147483648", "bigint": "-9223372036854775808"}.get(type_string, "-32768")
