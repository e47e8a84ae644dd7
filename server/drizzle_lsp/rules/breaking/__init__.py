"""Breaking changes and data loss: statements that delete data, break the code still running while a migration is
applied, or fail on the data a table holds (an enum value removed, a new enum value used too early)."""
