"""Edits and fixes: applying non-overlapping text edits, and writing fixed files safely inside a workspace."""

from drizzle_lsp.fixes.edits import EditConflict, apply_edits, edits_overlap
from drizzle_lsp.fixes.apply import FixReport, apply_fixes

__all__ = ["EditConflict", "FixReport", "apply_edits", "apply_fixes", "edits_overlap"]
