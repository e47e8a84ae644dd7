"""Better Auth awareness: detection, static reading of ``betterAuth({...})``, and the schema it expects.

``setup_for(project)`` is the one entry point rules use: the project's ``AuthSetup`` (memoised per analysed
project), or None when the project does not use Better Auth.
"""

from drizzle_lsp.better_auth.model import AuthField, AuthOptions, AuthReference, AuthSetup, AuthTable


def setup_for(project, file_text=None):  # -> AuthSetup | None
    """``file_text`` (optional) reads a file with the editor's unsaved text winning, e.g. a rule context's."""
    from drizzle_lsp.better_auth.setup import setup_for as _setup_for

    return _setup_for(project, file_text)


__all__ = ["AuthField", "AuthOptions", "AuthReference", "AuthSetup", "AuthTable", "setup_for"]
