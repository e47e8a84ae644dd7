"""What a table's columns declare beyond themselves: column-level unique constraints, identity sequences, foreign
keys from ``.references()``, and the names drizzle-orm and drizzle-kit give them."""

from __future__ import annotations

from drizzle_lsp.model.schema import ForeignKey, Index, IndexColumn, PrimaryKey, Table, UniqueConstraint
from drizzle_lsp.schema_ts.columns import ColumnDraft, PendingReference, generated_expression
from drizzle_lsp.schema_ts.tables import ColumnName, TableInfo, function_body, table_info
from drizzle_lsp.schema_ts.types import identity_max
from drizzle_lsp.schema_ts.values import Ctx, Evaluator, Unresolved, unwrap


def finish_column(ctx: Ctx, table: Table, info: TableInfo, draft: ColumnDraft, evaluator: Evaluator) -> None:
    column = draft.column
    if column.identity is not None:
        _fill_identity(table, draft)
    if draft.generated_node is not None:
        column.generated = generated_expression(ctx, draft, evaluator)
    if draft.unique:
        name = draft.unique_name or f"{_first_table_of(ctx, table, draft)}_{draft.raw_name}_unique"
        if ctx.dialect == "sqlite":
            table.indexes[name] = Index(name, [IndexColumn(column.name)], unique=True, range=column.range)
        else:
            table.unique_constraints[name] = UniqueConstraint(name, [column.name], draft.nulls_not_distinct,
                                                              column.range)
    if ctx.dialect == "mysql" and column.primary_key:
        # drizzle-kit records a MySQL column primary key as a one-column composite key.
        column.primary_key = False
        pk_name = f"{table.name}_{column.name}"
        table.primary_keys[pk_name] = PrimaryKey(pk_name, [column.name], column.range)
    for reference in draft.references:
        try:
            fk = _column_foreign_key(ctx, table, info, draft, reference)
        except Unresolved as error:
            ctx.report(error)
            continue
        table.foreign_keys[fk.name] = fk


def _first_table_of(ctx: Ctx, table: Table, draft: ColumnDraft) -> str:
    """The table a column's generated unique name starts with. drizzle-orm stores that name in the builder's config
    when the first table using the builder is built, so a builder spread into several tables carries the first
    table's name into all of them (and PostgreSQL then refuses the second, identically named, constraint)."""
    if draft.shared_builder is None or ctx.builder_owner is None:
        return table.name
    ctx.volatile = True
    return ctx.builder_owner(draft.shared_builder) or table.name


def _fill_identity(table: Table, draft: ColumnDraft) -> None:
    identity = draft.column.identity
    options = dict(draft.identity_options or {})
    as_text = {k: (None if v is None else str(v)) for k, v in options.items()}
    increment = as_text.get("increment") or "1"
    negative = float(increment) < 0
    identity.name = as_text.get("name") or f"{table.name}_{draft.column.name}_seq"
    identity.schema = table.schema or "public"
    identity.increment = increment
    # drizzle-kit compares columnType ("PgInteger") to "integer" here, so a descending sequence always gets -32768.
    identity.min_value = as_text.get("minValue") or ("-32768" if negative else "1")
    identity.max_value = as_text.get("maxValue") or ("-1" if negative else identity_max(draft.column.type))
    identity.start_with = as_text.get("startWith") or (identity.max_value if negative else identity.min_value)
    identity.cache = as_text.get("cache") or "1"
    identity.cycle = bool(options.get("cycle", False))


def recased_name(ctx: Ctx, name: str, columns: list[ColumnName]) -> str:
    """drizzle-kit's casing of a PK or FK name: with ``casing`` set, each column's uncased name is replaced by its
    cased name at its first occurrence in the name, in column order. It runs on explicit names too and may hit the
    table name instead (``userId_map`` + ``userId`` gives ``user_id_map_userId_..._pk``); the SQL it emits uses the
    result, so the model must too."""
    if ctx.casing is not None:
        for c in columns:
            name = name.replace(c.raw, c.name, 1)
    return name


def foreign_key_name(ctx: Ctx, table_name: str, columns: list[ColumnName], target: TableInfo,
                     target_columns: list[ColumnName], explicit: str | None = None) -> str:
    """drizzle's FK name: the explicit name or one built from uncased names, then recased by drizzle-kit."""
    name = explicit or "_".join([table_name, *(c.raw for c in columns), target.name,
                                 *(c.raw for c in target_columns)]) + "_fk"
    return recased_name(ctx, name, [*columns, *target_columns])


def _column_foreign_key(ctx: Ctx, table: Table, info: TableInfo, draft: ColumnDraft,
                        reference: PendingReference) -> ForeignKey:
    file = reference.file
    target_expr, _ = function_body(reference.target)
    if target_expr is None or target_expr.type != "member_expression":
        raise Unresolved(file, reference.target, "references() target is not `() => table.column`")
    obj = unwrap(target_expr.child_by_field_name("object"))
    prop = file.node_text(target_expr.child_by_field_name("property"))
    target = table_info(ctx, file, obj)
    if target is None:
        raise Unresolved(file, obj, f"`{file.node_text(obj)}` is not a table this checker can find")
    target_column = target.columns.get(prop)
    if target_column is None:
        raise Unresolved(file, target_expr, f"table `{target.name}` has no column `{prop}`")
    own = ColumnName(draft.column.name, draft.raw_name)
    name = foreign_key_name(ctx, table.name, [own], target, [target_column])
    default_schema = "public" if ctx.dialect == "postgresql" else None
    return ForeignKey(name, table.name, [own.name], target.name, [target_column.name],
                      schema_to=target.schema or default_schema, on_delete=reference.on_delete or "no action",
                      on_update=reference.on_update or "no action", range=file.range(reference.range))
