"""Session files: one human-readable JSON file holding everything needed to recount a session.

Layout (``schema_version`` 2)::

    {
      "kind": "partnership-tools/session",
      "schema_version": 2,
      "kit_version": "0.1.0",
      "session": { ...Session.to_dict()... },          # the inputs
      "settings": { ...counting rules used... },
      "results": {"rounds": {...}, "summaries": {...}, "comparisons": {...}},
      "digest": {"algorithm": "sha256", "inputs": ..., "results": ..., "combined": ...},
      "signature": {"algorithm": "ed25519", "key_id": ..., "public_key": ..., "value": ...}
    }

The ``signature`` (:mod:`partnership_tools.kernel.signing`) is written by :func:`session_to_json`
over everything else in the file; files written before it existed have none and still load.

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

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.files import atomic_write_text, canonical_json
from partnership_tools.kernel.limits import MAX_FILE_BYTES, check_file_size, load_json
from partnership_tools.kernel.savedfile import SESSION_KIND, SavedFileFormat
from partnership_tools.vote.model import ROUND_STATUSES, Session

KIND = SESSION_KIND
SCHEMA_VERSION = 2


class SessionFileError(PlainError, ValueError):
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


def session_to_json(session: Session, sign: bool = True) -> str:
    """The file's canonical JSON, signed with the partnership's key
    (:func:`~partnership_tools.kernel.signing.sign_data`: a ``signature`` block over the whole
    content, results and digest included; unsigned, with a warning logged, when no key can be
    made). ``sign=False`` writes it unsigned (the shipped samples, which no one key vouches for)."""
    from partnership_tools.kernel.signing import sign_data

    data = session_to_data(session)
    return canonical_json(sign_data(data) if sign else data)


def session_from_data(data: Any, source: str = "the session file") -> Session:
    """Check the envelope and build the session; every problem is one sentence naming the file."""
    return load_session_data(data, source).session


def load_session_data(data: Any, source: str = "the session file") -> SessionFile:
    """Check the envelope, migrate an older version (:data:`SESSION_FORMAT`), build the session."""
    loaded = SESSION_FORMAT.load(data, source)
    data = loaded.data
    original = loaded.migrated_from or SCHEMA_VERSION
    validate_session_data(data, source)
    try:
        session = Session.from_dict(data["session"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        detail = exc.args[0] if isinstance(exc, (ValueError, KeyError)) and exc.args else exc
        raise SessionFileError(f"{source} has an invalid session: {detail}") from None
    record = {k: data.get(k) for k in ("kit_version", "settings", "results", "digest")}
    # the version the file was written at: from version 2 on, a file always records its results
    record["schema_version"] = original
    return SessionFile(
        session=session,
        schema_version=SCHEMA_VERSION,
        migrated_from=loaded.migrated_from,
        record=record,
        source=source,
    )


def _parse(text: str, source: str) -> Any:
    """JSON within the kernel's bounds (:func:`~partnership_tools.kernel.limits.load_json`)."""
    return load_json(text, source, SessionFileError)


def session_from_json(text: str, source: str = "the session file") -> Session:
    return session_from_data(_parse(text, source), source)


def write_session(session: Session, path: str | os.PathLike[str], sign: bool = True) -> Path:
    """Write the session file atomically (signed unless ``sign=False``) and return its path."""
    atomic_write_text(path, session_to_json(session, sign))
    return Path(path)


def read_session(path: str | os.PathLike[str]) -> Session:
    """Read a session file, or raise :class:`SessionFileError` with one plain sentence."""
    return read_session_file(path).session


def read_session_file(path: str | os.PathLike[str]) -> SessionFile:
    """Read a session file with its recorded results (see :class:`SessionFile`)."""
    p = Path(path)
    try:
        check_file_size(p.stat().st_size, str(p), MAX_FILE_BYTES)
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionFileError(f"{p} does not exist.") from None
    except IsADirectoryError:
        raise SessionFileError(f"{p} is a folder, not a session file.") from None
    except UnicodeDecodeError:
        raise SessionFileError(f"{p} is not a UTF-8 text file.") from None
    except OSError as exc:
        raise SessionFileError(f"{p} cannot be read ({exc.strerror}).") from None
    except ValueError as exc:  # over the size bound
        raise SessionFileError(str(exc)) from None
    return load_session_data(_parse(text, str(p)), str(p))


# -- the schema a session file is checked against on load ------------------------------------------
_JSON_TYPES = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    dict: "an object",
    list: "a list",
    type(None): "null",
}


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    return _JSON_TYPES.get(type(value), type(value).__name__)


class _Invalid(Exception):
    """Raised inside the checks below; carries the place and what is wrong there."""

    def __init__(self, place: str, message: str) -> None:
        super().__init__(f"{place} {message}")
        self.place = place
        self.message = message


def _expect(value: Any, place: str, *kinds: type, what: str = "", optional: bool = True) -> None:
    """Refuse ``value`` unless it is one of ``kinds`` (``None`` too when ``optional``)."""
    if optional and value is None:
        return
    ok = any(
        isinstance(value, k) and not (isinstance(value, bool) and k in (int, float)) for k in kinds
    )
    if not ok:
        wanted = what or " or ".join(_JSON_TYPES.get(k, k.__name__) for k in kinds)
        found = "is missing" if value is None else f"is {_kind_of(value)}"
        raise _Invalid(place, f"{found}; it must be {wanted}.")


def _text_list(value: Any, place: str) -> list[str]:
    _expect(value, place, list)
    for i, item in enumerate(value or []):
        _expect(item, f"{place}[{i}]", str, optional=False)
    return list(value or [])


def _check_session(s: Any) -> None:
    _expect(s, "session", dict, optional=False)
    _expect(s.get("id"), "session.id", str, optional=False)
    if not s["id"].strip():
        raise _Invalid("session.id", "is empty; a session needs an id.")
    _expect(s.get("question"), "session.question", str, optional=False)
    threshold = s.get("threshold")
    _expect(threshold, "session.threshold", int, float)
    if threshold is not None and not 0 < threshold <= 1:
        raise _Invalid(
            "session.threshold", f"is {threshold}; it must be greater than 0 and at most 1."
        )
    for key in ("created_at", "code_salt", "facilitator_key_hash"):
        _expect(s.get(key), f"session.{key}", str)
    for key in ("results_published", "uses_codes"):
        _expect(s.get(key), f"session.{key}", bool)
    _expect(s.get("settings"), "session.settings", dict)
    _text_list(s.get("groups"), "session.groups")
    options = s.get("options")
    _expect(options, "session.options", list)
    known: set[str] = set()
    for i, o in enumerate(options or []):
        place = f"session.options[{i}]"
        _expect(o, place, dict, optional=False)
        _expect(o.get("id"), f"{place}.id", str, optional=False)
        _expect(o.get("label"), f"{place}.label", str, optional=False)
        for key in ("description", "proposer", "amended_from", "reason"):
            _expect(o.get(key), f"{place}.{key}", str)
        _text_list(o.get("merged_from"), f"{place}.merged_from")
        if o["id"] in known:
            raise _Invalid(f"{place}.id", f"repeats the option id {o['id']!r}.")
        known.add(o["id"])
    rounds = s.get("rounds")
    _expect(rounds, "session.rounds", list)
    numbers: dict[int, int] = {}
    for i, r in enumerate(rounds or []):
        place = f"session.rounds[{i}]"
        _expect(r, place, dict, optional=False)
        number = r.get("number")
        _expect(number, f"{place}.number", int, optional=False)
        if number < 1:
            raise _Invalid(f"{place}.number", f"is {number}; round numbers start at 1.")
        if number in numbers:
            raise _Invalid(
                f"{place}.number",
                f"is {number}, the same as session.rounds[{numbers[number]}]; each round needs"
                " its own number.",
            )
        numbers[number] = i
        status = r.get("status")
        _expect(status, f"{place}.status", str)
        if status is not None and status not in ROUND_STATUSES:
            raise _Invalid(
                f"{place}.status", f"is {status!r}; it must be one of {', '.join(ROUND_STATUSES)}."
            )
        for key in ("opened_at", "closed_at"):
            _expect(r.get(key), f"{place}.{key}", str)
        on_paper = _text_list(r.get("option_ids"), f"{place}.option_ids")
        for j, oid in enumerate(on_paper):
            if oid not in known:
                raise _Invalid(f"{place}.option_ids[{j}]", f"names {oid!r}, which is no option.")
        allowed = set(on_paper)
        ballots = r.get("ballots")
        _expect(ballots, f"{place}.ballots", list)
        for k, b in enumerate(ballots or []):
            bplace = f"{place}.ballots[{k}]"
            _expect(b, bplace, dict, optional=False)
            ranking = _text_list(b.get("ranking"), f"{bplace}.ranking")
            if b.get("ranking") is None:
                raise _Invalid(f"{bplace}.ranking", "is missing; a ballot needs a ranking.")
            for j, oid in enumerate(ranking):
                if oid not in allowed:
                    raise _Invalid(
                        f"{bplace}.ranking[{j}]",
                        f"ranks {oid!r}, which is not on round {number}'s ballot paper.",
                    )
            if len(set(ranking)) != len(ranking):
                raise _Invalid(f"{bplace}.ranking", "ranks an option twice.")
            for key in ("group", "participant_hash", "submitted_at", "source"):
                _expect(b.get(key), f"{bplace}.{key}", str)
            _text_list(b.get("shown_order"), f"{bplace}.shown_order")


def _check_record(data: dict[str, Any]) -> None:
    _expect(data.get("kit_version"), "kit_version", str)
    _expect(data.get("settings"), "settings", dict)
    results = data.get("results")
    _expect(results, "results", dict)
    for part, kind in (("rounds", dict), ("summaries", str), ("comparisons", dict)):
        table = (results or {}).get(part)
        _expect(table, f"results.{part}", dict)
        for key, value in (table or {}).items():
            _expect(value, f"results.{part}[{key!r}]", kind, optional=False)
            if part != "comparisons" and not key.isdigit():
                raise _Invalid(f"results.{part}", f"has the key {key!r}, which is no round number.")
    digest = data.get("digest")
    _expect(digest, "digest", dict)
    for key, value in (digest or {}).items():
        _expect(value, f"digest.{key}", str, optional=False)


def validate_session_data(data: dict[str, Any], source: str = "the session file") -> None:
    """Check a session file's data (at the current schema_version) against the schema: every
    field of the right type (text, whole number, list, ...), the threshold in (0, 1], round
    numbers whole, from 1 and unique, each round's options known, each ballot ranking only its
    round's options and each at most once, and the record (``results``, ``digest``, ...) of the
    shapes the kit writes. Keys the schema does not name are allowed (a newer kit's fields).

    Raises :class:`SessionFileError` with one sentence naming ``source``, the place and the fault.

    >>> ok = {"session": {"id": "s", "question": "Q?", "options": [{"id": "A", "label": "a"}],
    ...       "rounds": [{"number": 1, "option_ids": ["A"], "ballots": [{"ranking": ["B"]}]}]}}
    >>> try:
    ...     validate_session_data(ok, "s.json")
    ... except SessionFileError as exc:
    ...     print(exc)
    s.json has an invalid session: session.rounds[0].ballots[0].ranking[0] ranks 'B', which is not on round 1's ballot paper.
    """
    try:
        _check_session(data.get("session"))
        _check_record(data)
    except _Invalid as exc:
        part = "session" if exc.place.startswith("session") else "record"
        raise SessionFileError(
            f"{source} has an invalid {part}: {exc.place} {exc.message}"
        ) from None
