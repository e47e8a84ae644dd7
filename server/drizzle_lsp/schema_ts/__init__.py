"""Static extraction of Drizzle TypeScript schema files into ``DatabaseSchema``, with tree-sitter (no code is run)."""

from drizzle_lsp.schema_ts.extractor import ExtractResult, SchemaExtractor, extract_schema

__all__ = ["ExtractResult", "SchemaExtractor", "extract_schema"]
