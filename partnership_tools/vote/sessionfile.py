"""Session files: one human-readable JSON file holding everything needed to recount a session.

Layout (``schema_version`` 2)::

    {
      "kind": "partnership-tools/session",
      "schema_version": 2,
      "kit_version": "0.1.0",
      "session": { ...Session.to_dict()... },          # the inputs
      "settings": { ...counting rules used... },
      "results": {"rounds": {...}, "summaries": {...}, "comparisons": {...}},
      "digest": {"algorithm": "sha256", "inputs": ..., "results": ..., "combined": ...}
    }

Version 1 files (no recorded results) load through :func:`migrate_1_to_2`. Files are canonical
JSON (sorted keys, two-space indent, UTF-8), so export -> import -> export gives identical bytes,
and they are written atomically.

>>> from partnership_tools.vote.model import Option, Round, Ballot, Session
>>> s = Session(id="demo", question="Q?", options=(Option("A", "a"), Option("B", "b")),
...             rounds=(Round(1, ("A", "B"), "closed", (Ballot(("A",), submitted_at="t"),)),),
...             created_at="t")
>>> session_from_json(session_to_json(s)) == s
True
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnership_tools.kernel.files import atomic_write_text, canonical_json
from partnership_tools.kernel.savedfile import SESSION_KIND, SavedFileFormat
from partnership_tools.vote.model import Session

KIND = SESSION_KIND
SCHEMA_VERSION = 2


class SessionFileError(ValueError):
    """A session file that cannot be used, with one plain sentence saying why."""


def session_to_data(session: Session, record: bool = True) -> dict[str, Any]:
    """The file's content: the session plus (by default) its recorded results and digest."""
    from partnership_tools.vote.verification import record_session

    data: dict[str, Any] = {"kind": KIND, "schema_version": SCHEMA_VERSION}
    data["session"] = session.to_dict()
    if record:
        data.update(record_session(session))
    return data


def migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 held only the session; version 2 adds recorded results, settings and a digest.

    A migrated file has nothing recorded: replay recounts it and says so.
    """
    out = dict(data)
    out["schema_version"] = 2
    out.setdefault("kit_version", None)
    out.setdefault("settings", None)
    out.setdefault("results", None)
    out.setdefault("digest", None)
    return out


MIGRATIONS = {1: migrate_1_to_2}

#: The session file's envelope: kind, current schema_version and migrations (see the kernel).
SESSION_FORMAT = SavedFileFormat(KIND, SCHEMA_VERSION, MIGRATIONS, "session file", SessionFileError)


@dataclass(frozen=True)
class SessionFile:
    """A session file as read: the session, what it recorded, and where it came from."""

    session: Session
    schema_version: int
    migrated_from: int | None = None
    record: dict[str, Any] = field(default_factory=dict)
    source: str = ""


def session_to_json(session: Session) -> str:
    return canonical_json(session_to_data(session))


def session_from_data(data: Any, source: str = "the session file") -> Session:
    """Check the envelope and build the session; every problem is one sentence naming the file."""
    return load_session_data(data, source).session


def load_session_data(data: Any, source: str = "the session file") -> SessionFile:
    """Check the envelope, migrate an older version (:data:`SESSION_FORMAT`), build the session."""
    loaded = SESSION_FORMAT.load(data, source)
    data = loaded.data
    try:
        session = Session.from_dict(data["session"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        detail = exc.args[0] if isinstance(exc, (ValueError, KeyError)) and exc.args else exc
        raise SessionFileError(f"{source} has an invalid session: {detail}") from None
    record = {k: data.get(k) for k in ("kit_version", "settings", "results", "digest")}
    return SessionFile(
        session=session,
        schema_version=SCHEMA_VERSION,
        migrated_from=loaded.migrated_from,
        record=record,
        source=source,
    )


def _parse(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionFileError(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None


def session_from_json(text: str, source: str = "the session file") -> Session:
    return session_from_data(_parse(text, source), source)


def write_session(session: Session, path: str | os.PathLike[str]) -> Path:
    """Write the session file atomically and return its path."""
    atomic_write_text(path, session_to_json(session))
    return Path(path)


def read_session(path: str | os.PathLike[str]) -> Session:
    """Read a session file, or raise :class:`SessionFileError` with one plain sentence."""
    return read_session_file(path).session


def read_session_file(path: str | os.PathLike[str]) -> SessionFile:
    """Read a session file with its recorded results (see :class:`SessionFile`)."""
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
    return load_session_data(_parse(text, str(p)), str(p))
