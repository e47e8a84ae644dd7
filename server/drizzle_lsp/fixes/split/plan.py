"""The vocabulary shared by the split recipes and the placement of their steps."""

from __future__ import annotations

from dataclasses import dataclass, field

from drizzle_lsp.analysis.migrator import NO_TRANSACTION_MARKER
from drizzle_lsp.model import Migration

__all__ = ["NO_TRANSACTION_MARKER", "SplitPlan", "SplitStep"]


@dataclass(frozen=True, slots=True)
class SplitStep:
    """One migration step. ``statements`` are complete SQL statements (each ending with ``;``, no breakpoints:
    placement joins them with ``--> statement-breakpoint`` as drizzle-kit does)."""

    statements: tuple[str, ...]
    slug: str  # for the tag of a new migration: "validate_fk", "backfill", "concurrent_index", ...
    title: str  # for people: "Validate orders_tenant_id_fk without blocking writes"
    no_transaction: bool = False  # holds CONCURRENTLY: must not run inside a transaction
    backfill: bool = False  # a batched UPDATE to repeat until it changes no row (shown as such in the file)
    notes: tuple[str, ...] = ()  # comment lines placement writes at the top of the step ("why this step exists")


@dataclass(frozen=True, slots=True)
class SplitPlan:
    """A migration rewritten as ordered steps. ``steps[0]`` is what the original file becomes; statements that needed
    no split keep their place in it. ``addresses`` names the findings (rule, statement index) the plan resolves."""

    migration: Migration
    steps: tuple[SplitStep, ...]
    addresses: tuple[tuple[str, int], ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)  # what the user must still check (e.g. backfill value)

    @property
    def is_split(self) -> bool:
        return len(self.steps) > 1
