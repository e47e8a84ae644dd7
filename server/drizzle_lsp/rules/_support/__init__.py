"""Helpers shared by several rules (kept out of the rule files so no rule duplicates another's logic)."""
