"""drizzle-kit's enum recreation, recognised as one change.

To remove a value from a PostgreSQL enum, drizzle-kit 0.31 casts every column of the enum to text, drops the type,
creates it again with the remaining values and casts the columns back::

    ALTER TABLE "tickets" ALTER COLUMN "status" SET DATA TYPE text;
    ALTER TABLE "tickets" ALTER COLUMN "status" SET DEFAULT 'new'::text;
    DROP TYPE "public"."ticket_status";
    CREATE TYPE "public"."ticket_status" AS ENUM('new', 'open', 'solved');
    ALTER TABLE "tickets" ALTER COLUMN "status" SET DEFAULT 'new'::"public"."ticket_status";
    ALTER TABLE "tickets" ALTER COLUMN "status" SET DATA TYPE "public"."ticket_status"
        USING "status"::"public"."ticket_status";
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drizzle_lsp.model import Operation, OpKind
from drizzle_lsp.rules._support.history import column_uses_enum, find_table, flat_operations, type_is_enum


@dataclass(slots=True)
class EnumRecreation:
    drop: Operation  # DROP TYPE
    create: Operation  # CREATE TYPE ... AS ENUM, the same name
    casts: list[Operation] = field(default_factory=list)  # ALTER COLUMN ... SET DATA TYPE to and from the enum
    columns: list[tuple[str | None, str, str]] = field(default_factory=list)  # (schema, table, column) cast around it


def _same_type(op: Operation, schema: str | None, name: str) -> bool:
    return op.type_name == name and (op.schema or "public") == (schema or "public")


def recreation_of(ctx, drop: Operation) -> EnumRecreation | None:
    """When ``drop`` (a DROP TYPE) is followed in its migration by a CREATE TYPE of the same name: the recreation,
    with the columns that are cast away from the enum before the drop or cast back to it after the create."""
    if drop.kind is not OpKind.DROP_TYPE or not drop.type_name:
        return None
    ops = list(flat_operations(ctx.migration))
    try:
        at = next(i for i, op in enumerate(ops) if op is drop)
    except StopIteration:
        return None
    create = next(
        (op for op in ops[at + 1:] if op.kind is OpKind.CREATE_ENUM and _same_type(op, drop.schema, drop.type_name)),
        None,
    )
    if create is None:
        return None
    recreation = EnumRecreation(drop, create)
    replay = getattr(ctx.project, "replay", None)
    create_at = next(i for i, op in enumerate(ops) if op is create)
    seen: set[tuple[str | None, str, str]] = set()
    for index, op in enumerate(ops):
        if op.kind is not OpKind.ALTER_COLUMN_TYPE or not (op.table and op.column):
            continue
        if type_is_enum(op.new_type, op.type_name, drop.schema, drop.type_name):  # type_name: the new type's schema
            is_cast = index > create_at  # cast back to the new enum
        elif index < at:  # cast away from the old enum: the column still has the enum's type just before
            state = replay.state_before(op) if replay is not None else None
            table = find_table(state, op.schema, op.table)
            column = table.columns.get(op.column) if table is not None else None
            is_cast = column is not None and column_uses_enum(column, drop.schema, drop.type_name)
        else:
            is_cast = False
        if is_cast:
            recreation.casts.append(op)
            key = (op.schema, op.table, op.column)
            if key not in seen:
                seen.add(key)
                recreation.columns.append(key)
    return recreation
