"""Column defaults as the SQL text drizzle-kit writes into snapshots."""

from __future__ import annotations

from drizzle_lsp.schema_ts.values import SqlTemplate, js_json, js_number_text

# What .defaultNow() / .defaultRandom() expand to, per dialect.
DEFAULT_NOW = {"postgresql": "now()", "mysql": "(now())",
               "sqlite": "(cast((julianday('now') - 2440587.5)*86400000 as integer))"}
DEFAULT_RANDOM = "gen_random_uuid()"


def quote_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return js_number_text(value)
    return str(value)


def _pg_array_literal(values: list[object]) -> str:
    """drizzle-kit's buildArrayString: a PostgreSQL array literal body."""
    parts: list[str] = []
    for value in values:
        if isinstance(value, bool):
            parts.append("true" if value else "false")
        elif isinstance(value, (int, float)):
            parts.append(js_number_text(value))
        elif isinstance(value, list):
            parts.append(_pg_array_literal(value))
        elif isinstance(value, dict):
            parts.append('"' + js_json(value).replace('"', '\\"') + '"')
        else:
            parts.append(f'"{value}"')
    return "{" + ",".join(parts) + "}"


def serialize_default(dialect: str, value: object, sql_type: str) -> str:
    if isinstance(value, SqlTemplate):
        return value.render(dialect, qualified=False)
    lowered = sql_type.lower()
    if dialect == "postgresql":
        if isinstance(value, str):
            return quote_string(value)
        if lowered in ("json", "jsonb") and value is not None:
            return f"'{js_json(value)}'::{lowered}"
        if lowered.endswith("]") and isinstance(value, list):
            return f"'{_pg_array_literal(value)}'"
        return _scalar(value)
    if dialect == "mysql":
        if isinstance(value, str):
            text = quote_string(value)
        elif lowered == "json" and value is not None:
            text = f"'{js_json(value)}'"
        else:
            text = _scalar(value)
        return f"({text})" if lowered in ("blob", "text", "json") else text
    # sqlite
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, (dict, list)):
        return f"'{js_json(value)}'"
    return _scalar(value)
