"""What a rule derives from a large file, remembered by the digest of the file's text.

The integrity rules read every snapshot of the history (a 300-migration project holds 108 MiB of snapshot JSON) on
each check; in the language server that was every keystroke, and decoding the JSON again cost seconds. A digest of
the text costs a fraction of decoding it, and the derived values (a snapshot's ids, whether two snapshots are
copies) are small, so they are kept; the texts and the decoded JSON are not.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

_LIMIT = 8192  # entries; a long history has a few per snapshot
_memo: dict[tuple, Any] = {}


def digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def remembered(key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, or what it gave for the same key before. Keys hold digests, never texts."""
    try:
        return _memo[key]
    except KeyError:
        pass
    value = compute()
    if len(_memo) >= _LIMIT:
        _memo.clear()
    _memo[key] = value
    return value


# A file's digest by its size, modification time and inode: a keystroke in the last migration must not read and
# hash the history's snapshots again (300 of them are ~108 MB of JSON: a second per keystroke).
_stamped: dict[str, tuple[tuple[int, int, int], bytes]] = {}


def file_stamp(path: str) -> tuple[int, int, int] | None:
    """What tells a file on disk changed without reading it: size, modification time and inode (None: no file)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


FileDigest = tuple[bytes, Callable[[], "str | None"]]  # a text's digest, and how to get the text when needed


def file_digest(ctx: Any, path: str) -> FileDigest | None:
    """The digest of ``path``'s current text (the editor's, when the analysis holds it; else the disk's) and a way to
    get that text, which reads the file only when asked. A file on disk is read and hashed again only when its size,
    modification time or inode changed since the last call. None when there is no such file."""
    workspace = getattr(ctx, "workspace", None)
    read = getattr(workspace, "file_text", None) or (lambda p: None)
    overrides = getattr(getattr(workspace, "reader", None), "overrides", None) or {}
    if path in overrides:
        text = overrides[path]
        return digest(text), lambda: text
    stamp = file_stamp(path)
    if stamp is None:
        return None
    known = _stamped.get(path)
    if known is not None and known[0] == stamp:
        return known[1], lambda: read(path)
    text = read(path)
    if text is None:
        return None
    found = digest(text)
    if len(_stamped) >= _LIMIT:
        _stamped.clear()
    _stamped[path] = (stamp, found)
    return found, lambda: text
