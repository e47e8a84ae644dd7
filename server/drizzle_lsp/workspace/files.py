"""Reading project files with editor overrides: unsaved buffers win over the disk."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from drizzle_lsp.model.source import Problem, SourceRange


def folders_upward(start: str, levels: int = 8) -> Iterator[str]:
    """``start`` and its parents, nearest first, ending at the repository root (the folder holding ``.git``) or after
    ``levels`` folders: where monorepo-wide files (package.json, wrangler.toml) are looked for."""
    folder = os.path.abspath(start)
    for _ in range(levels):
        yield folder
        parent = os.path.dirname(folder)
        if os.path.isdir(os.path.join(folder, ".git")) or parent == folder:
            return
        folder = parent


def read_or_report(path: str, problems: list[Problem], code: str) -> str | None:
    """The text of ``path`` (bytes that are not UTF-8 replaced), or None after adding a ``code`` problem that says why
    it cannot be read: how a config or settings file is read before it is parsed."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="replace")
    except OSError as error:
        problems.append(Problem(code, f"cannot read {path}: {error.strerror or error}", SourceRange(path, 0, 0),
                                "error"))
        return None


@dataclass(slots=True)
class FileReader:
    """Reads text files once, preferring ``overrides`` (the editor's unsaved text, or stdin for ``check``).

    Files that are not valid UTF-8 are decoded with replacement characters and remembered in ``decode_errors``, so
    the caller can say which byte is wrong instead of failing.
    """

    overrides: dict[str, str] = field(default_factory=dict)
    cache: dict[str, str | None] = field(default_factory=dict)
    decode_errors: dict[str, int] = field(default_factory=dict)  # path -> offset of the first bad byte

    def __post_init__(self) -> None:
        self.overrides = {os.path.abspath(k): v for k, v in self.overrides.items()}

    def read(self, path: str) -> str | None:
        path = os.path.abspath(path)
        if path in self.overrides:
            return self.overrides[path]
        if path.endswith("snapshot.json"):
            # Snapshots are large (a long history holds hundreds of ~100 KB files) and are parsed once into the
            # model: keeping their text too doubled a language server's memory.
            return self._read_disk(path)
        if path not in self.cache:
            self.cache[path] = self._read_disk(path)
        return self.cache[path]

    def _read_disk(self, path: str) -> str | None:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            self.decode_errors[path] = error.start
            return data.decode("utf-8", errors="replace")
