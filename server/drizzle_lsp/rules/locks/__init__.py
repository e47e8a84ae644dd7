"""Lock rules: statements that take strong locks on, rewrite, or scan a table that already holds data."""
