"""Atomic file writes and canonical JSON: a file is either the old one or the whole new one.

>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "x.json")
>>> atomic_write_text(p, canonical_json({"b": 1, "a": "é"}))
>>> open(p, encoding="utf-8").read()
'{\\n  "a": "é",\\n  "b": 1\\n}\\n'
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def canonical_json(data: Any) -> str:
    """JSON with sorted keys, two-space indent, UTF-8 characters kept, and a final newline.

    The same data always gives the same text, so export -> import -> export is byte-identical.
    """
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename over ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))
