"""Markdown explanations of what is under the cursor: a finding's rule, a migration statement's locks, a column.

Pure functions over the model, so the language server's hover and any other front end say the same thing.
"""

from __future__ import annotations

import os
from typing import Any

from drizzle_lsp.analysis.locks import lock_facts
from drizzle_lsp.model import Column, Migration, Operation, OpKind, Table

RULE_DOCS_URL = "https://github.com/drizzle-lsp/drizzle-lsp/blob/main/docs/rules/{name}.md"


def rule_url(name: str) -> str:
    return RULE_DOCS_URL.format(name=name)


def describe_finding(violation: Any, with_message: bool = True) -> str:
    """The finding, then its rule's explanation: what, why, the safe alternative, and a link. ``with_message=False``
    leaves out the finding's message and help, for an editor that shows the diagnostic itself in the same hover."""
    from drizzle_lsp.rules.docs import parse_doc
    from drizzle_lsp.rules.registry import get_registry

    if with_message:
        lines = [f"**{violation.rule}** ({violation.severity}): {violation.message}"]
        if violation.help:
            lines += ["", violation.help]
    else:
        lines = [f"**{violation.rule}** ({violation.severity})"]
    rule = get_registry().get(violation.rule)
    if rule is not None:
        doc = parse_doc(rule)
        for heading in ("Why is this bad?",):
            if doc.sections.get(heading):
                lines += ["", f"#### {heading}", doc.sections[heading]]
        if doc.use_instead:
            block = doc.use_instead[0]
            lines += ["", "#### Use instead", f"```{block.lang}\n{block.code.rstrip()}\n```"]
        lines += ["", f"[Rule documentation: {violation.rule}]({rule_url(violation.rule)})"]
    lines += _split_lines(violation)
    return "\n".join(lines)


def _split_lines(violation: Any) -> list[str]:
    """The split of the migration, when one is offered: its title (which states the cost of its COMMITs), or, when it
    cannot be applied, the steps themselves, since the hover is the one place every editor can show them."""
    lines: list[str] = []
    for fix in getattr(violation, "extra_fixes", ()):
        if fix.is_preview:
            lines += ["", f"#### {fix.title}", f"Not applied: {fix.preview_reason}",
                      f"```sql\n{fix.preview.rstrip()}\n```"]
        else:
            lines += ["", f"#### Quick fix: {fix.title}"]
    return lines


def find_operation(analyzed: Any, path: str, offset: int) -> tuple[Migration, Operation] | None:
    folder = analyzed.project.migrations
    if folder is None:
        return None
    path = os.path.abspath(path)
    for migration in folder.migrations:
        if os.path.abspath(migration.sql_path) != path:
            continue
        for statement in migration.statements:
            if statement.range.start <= offset <= statement.range.end:
                for op in statement.operations:
                    inner = [i for i in op.inner if i.range.start <= offset <= i.range.end]
                    if inner:
                        return migration, inner[0]
                    if op.range.start <= offset <= op.range.end:
                        return migration, op
                return (migration, statement.operations[0]) if statement.operations else None
    return None


def describe_operation(analyzed: Any, migration: Migration, op: Operation) -> str | None:
    replay = getattr(analyzed, "replay", None)
    context = replay.context(op) if replay is not None else None
    state = context.state_before if context is not None else None
    facts = lock_facts(op, state, getattr(analyzed, "postgres_version", 16)) if analyzed.dialect == "postgresql" else None
    title = op.kind.value.replace("_", " ")
    target = f' on "{op.table}"' if op.table else ""
    lines = [f"**{title}**{target}"]
    if op.table and op.kind != OpKind.CREATE_TABLE:
        if context is not None and context.table_is_new:
            lines.append(f'"{op.table}" is created earlier in this migration: it is empty, so locks on it are harmless.')
        elif context is not None:
            lines.append(f'"{op.table}" existed before this migration: assume it is large and in use.')
    if facts is not None:
        blocked = "reads and writes" if facts.blocks_reads else "writes" if facts.blocks_writes else "no reads or writes"
        lines.append("")
        lines.append(f"- Lock: **{facts.lock}** on {', '.join(f'`{t}`' for t in facts.tables) or 'its table'}")
        for table, mode in facts.other_locks.items():
            lines.append(f"- Also: {mode} on `{table}`")
        lines.append(f"- Blocks: {blocked} until the transaction ends")
        lines.append(f"- Rewrites the table: {'yes' if facts.rewrites else 'no'}; scans it: {'yes' if facts.scans else 'no'}")
        if facts.note:
            lines.append(f"- {facts.note}")
    mode = getattr(analyzed, "migrator_mode", None)
    if mode is not None:
        lines += ["", f"Migrator: {mode.mode} ({mode.reason})."]
    return "\n".join(lines)


def find_column(analyzed: Any, path: str, offset: int) -> tuple[Table, Column | None] | None:
    path = os.path.abspath(path)
    for table in analyzed.project.schema.tables.values():
        if not table.range or os.path.abspath(table.range.path) != path:
            continue
        if not (table.range.start <= offset <= table.range.end):
            continue
        for column in table.columns.values():
            if column.range and column.range.start <= offset <= column.range.end:
                return table, column
        return table, None
    return None


def describe_column(table: Table, column: Column) -> str:
    sql = f'"{column.name}" {column.type}'
    if column.primary_key:
        sql += " PRIMARY KEY"
    if column.identity:
        sql += f" GENERATED {'ALWAYS' if column.identity.type == 'always' else 'BY DEFAULT'} AS IDENTITY"
    if column.not_null and not column.primary_key:
        sql += " NOT NULL"
    if column.default is not None:
        sql += f" DEFAULT {column.default}"
    if column.generated:
        sql += f" GENERATED ALWAYS AS ({column.generated}) STORED"
    lines = [f'**{table.qualified_name}.{column.name}**', "", f"```sql\n{sql}\n```"]
    for index in table.indexes.values():
        if column.name in index.column_names:
            lines.append(f"- {'unique ' if index.unique else ''}index `{index.name}` ({', '.join(index.column_names)})")
    for unique in table.unique_constraints.values():
        if column.name in unique.columns:
            lines.append(f"- unique constraint `{unique.name}`")
    for fk in table.foreign_keys.values():
        if column.name in fk.columns_from:
            lines.append(f"- references `{fk.table_to}`({', '.join(fk.columns_to)}) on delete {fk.on_delete or 'no action'} (`{fk.name}`)")
    if column.key and column.key != column.name:
        lines.append(f"- TypeScript key `{column.key}`")
    return "\n".join(lines)


def describe_table(table: Table) -> str:
    columns = ", ".join(f"`{c.name}` {c.type}" for c in table.columns.values())
    lines = [f"**{table.qualified_name}**", "", columns]
    if table.indexes:
        lines.append("")
        lines.append("Indexes: " + ", ".join(f"`{i.name}`" for i in table.indexes.values()))
    return "\n".join(lines)
