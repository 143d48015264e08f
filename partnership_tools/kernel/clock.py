"""The clock and fresh identifiers, shared by every domain.

>>> utc_now().endswith("Z")
True
>>> len(new_id("s"))
9
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone


def utc_now() -> str:
    """The current time as an ISO 8601 string in UTC with second precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_id(prefix: str = "") -> str:
    """A short random identifier (not used for anything that needs a seed)."""
    return prefix + secrets.token_hex(4)
