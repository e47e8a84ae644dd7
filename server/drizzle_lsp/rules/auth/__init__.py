"""Better Auth: the schema its options imply, checked against the Drizzle schema before a deploy finds out."""
