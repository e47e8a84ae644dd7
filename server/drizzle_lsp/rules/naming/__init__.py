"""Naming rules: names off the project's convention, TypeScript keys against drizzle's casing, tables without a key."""
