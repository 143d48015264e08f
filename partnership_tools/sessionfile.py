"""Session files: one human-readable JSON file holding everything needed to recount a session.

Layout (``schema_version`` 1)::

    {
      "kind": "partnership-tools/session",
      "schema_version": 1,
      "session": { ...Session.to_dict()... }
    }

Files are canonical JSON (sorted keys, two-space indent, UTF-8), so export -> import -> export
gives identical bytes, and they are written atomically.

>>> from partnership_tools.model import Option, Round, Ballot, Session
>>> s = Session(id="demo", question="Q?", options=(Option("A", "a"), Option("B", "b")),
...             rounds=(Round(1, ("A", "B"), "closed", (Ballot(("A",), submitted_at="t"),)),),
...             created_at="t")
>>> session_from_json(session_to_json(s)) == s
True
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from partnership_tools.fileio import atomic_write_text, canonical_json
from partnership_tools.model import Session

KIND = "partnership-tools/session"
SCHEMA_VERSION = 1


class SessionFileError(ValueError):
    """A session file that cannot be used, with one plain sentence saying why."""


def session_to_data(session: Session) -> dict[str, Any]:
    return {"kind": KIND, "schema_version": SCHEMA_VERSION, "session": session.to_dict()}


def session_to_json(session: Session) -> str:
    return canonical_json(session_to_data(session))


def session_from_data(data: Any, source: str = "the session file") -> Session:
    """Check the envelope and build the session; every problem is one sentence naming the file."""
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise SessionFileError(f"{source} is not a Partnership Tools session file.")
    version = data.get("schema_version")
    if not isinstance(version, int):
        raise SessionFileError(f"{source} has no schema_version.")
    if version > SCHEMA_VERSION:
        raise SessionFileError(
            f"{source} uses schema_version {version}, but this version of Partnership Tools reads"
            f" only up to {SCHEMA_VERSION}; upgrade partnership-tools to open it."
        )
    try:
        return Session.from_dict(data["session"])
    except (KeyError, TypeError, ValueError) as exc:
        detail = exc.args[0] if isinstance(exc, (ValueError, KeyError)) and exc.args else exc
        raise SessionFileError(f"{source} has an invalid session: {detail}") from None


def session_from_json(text: str, source: str = "the session file") -> Session:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionFileError(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    return session_from_data(data, source)


def write_session(session: Session, path: str | os.PathLike[str]) -> Path:
    """Write the session file atomically and return its path."""
    atomic_write_text(path, session_to_json(session))
    return Path(path)


def read_session(path: str | os.PathLike[str]) -> Session:
    """Read a session file, or raise :class:`SessionFileError` with one plain sentence."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionFileError(f"{p} does not exist.") from None
    except IsADirectoryError:
        raise SessionFileError(f"{p} is a folder, not a session file.") from None
    except UnicodeDecodeError:
        raise SessionFileError(f"{p} is not a UTF-8 text file.") from None
    except OSError as exc:
        raise SessionFileError(f"{p} cannot be read ({exc.strerror}).") from None
    return session_from_json(text, str(p))
