"""Migrator rules: statements that fail or misbehave under the way the project applies its migrations."""
