"""drizzle-lsp: a language server and CI checker for Drizzle ORM projects."""

__version__ = "0.1.0"
