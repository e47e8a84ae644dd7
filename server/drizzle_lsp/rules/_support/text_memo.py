"""What a rule derives from a large file, remembered by the digest of the file's text.

The integrity rules read every snapshot of the history (a 300-migration project holds 108 MiB of snapshot JSON) on
each check; in the language server that was every keystroke, and decoding the JSON again cost seconds. A digest of
the text costs a fraction of decoding it, and the derived values (a snapshot's ids, whether two snapshots are
copies) are small, so they are kept; the texts and the decoded JSON are not.
"""

from __future__ import annotations

import hashlib
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
