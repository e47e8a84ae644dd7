"""Types and names: the choices PostgreSQL experience advises against, flagged in the TypeScript schema (where the fix
belongs) and in migrations the schema does not describe."""
