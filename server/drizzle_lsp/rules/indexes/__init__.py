"""Index and relation rules: foreign keys without an index, indexes that duplicate another, mismatched key types."""
