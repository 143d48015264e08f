"""What every file the kit saves has in common: its ``kind`` and ``schema_version``, the
migrations that bring an older file up to date, and the outcome of replaying it.

>>> Replay("x.json", "session", "Q?", Verdict(())).report_lines()[-2]
'Verdict: unsigned: the recount matches what the file records.'
>>> fmt = SavedFileFormat("example/thing", 2, {1: lambda d: {**d, "schema_version": 2}}, "thing file")
>>> fmt.load({"kind": "example/thing", "schema_version": 1}, "t.json").migrated_from
1
>>> try:
...     fmt.load({"kind": "example/thing", "schema_version": 3}, "t.json")
... except SavedFileError as exc:
...     print(exc)
t.json uses schema_version 3, but this version of Partnership Tools reads only up to 2; upgrade partnership-tools to open it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnership_tools.kernel.checks import Check, Verdict
from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.limits import LimitError, check_file_size, load_json
from partnership_tools.kernel.serial import converter, from_data, to_data
from partnership_tools.kernel.signing import SignatureCheck, check_signature

SESSION_KIND = "partnership-tools/session"
REVIEW_KIND = "partnership-tools/review"


class ReplayError(PlainError, ValueError):
    """A file that cannot be replayed, with one plain sentence."""


class SavedFileError(PlainError, ValueError):
    """A saved file whose envelope (kind, schema_version) cannot be used, as one plain sentence."""


#: A migration takes a file's data at one schema_version and returns it at the next.
Migration = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Loaded:
    """A saved file's data brought up to the current schema_version, and the version it had."""

    data: dict[str, Any]
    migrated_from: int | None = None


@dataclass(frozen=True)
class SavedFileFormat:
    """One kind of saved file: its ``kind``, current ``schema_version`` and the migrations from
    older versions (``{1: migrate_1_to_2, ...}``, each returning data at the next version).

    ``noun`` names the file in messages ("session file"); ``error`` is the exception class raised
    (a subclass of ``ValueError``, e.g. the module's own ``SessionFileError``); with
    ``kind_required=False`` a file without a ``kind`` is accepted (older review files had none).
    """

    kind: str
    schema_version: int
    migrations: Mapping[int, Migration] = field(default_factory=dict)
    noun: str = "saved file"
    error: type[ValueError] = SavedFileError
    kind_required: bool = True

    def load(self, data: Any, source: str) -> Loaded:
        """Check the envelope and migrate ``data`` to :attr:`schema_version`, in order.

        Raises ``self.error`` (one sentence naming ``source``) when ``data`` is not a JSON object
        of this kind, has no or an impossible ``schema_version``, or one newer than this kit reads.
        """
        if not isinstance(data, dict):
            raise self.error(
                f"{source} is not a Partnership Tools {self.noun}: it has no schema_version."
            )
        kind = data.get("kind", None if self.kind_required else self.kind)
        if kind is None:
            raise self.error(f"{source} is not a Partnership Tools {self.noun}.")
        if kind != self.kind:
            raise self.error(f"{source} holds a {kind!r}, not a {self.noun}.")
        if "schema_version" not in data:
            raise self.error(f"{source} has no schema_version.")
        version = data["schema_version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise self.error(
                f"{source} has schema_version {version!r}, which no version of Partnership Tools"
                " wrote."
            )
        if version > self.schema_version:
            raise self.error(
                f"{source} uses schema_version {version}, but this version of Partnership Tools"
                f" reads only up to {self.schema_version}; upgrade partnership-tools to open it."
            )
        original = version
        while version < self.schema_version:
            data = self.migrations[version](data)
            version = data["schema_version"]
        return Loaded(data, original if original != self.schema_version else None)


#: What a replay found, in one word: ``signed`` (a signature by a trusted key verifies and the
#: recount matches), ``signed-unknown`` (a signature verifies, by a key this machine does not
#: know, and the recount matches), ``unsigned`` (no signature; the recount matches), ``differs``
#: (the recount differs or a signature does not verify) or ``not-recorded`` (an old file with
#: nothing to compare with).
STATUSES = ("signed", "signed-unknown", "unsigned", "differs", "not-recorded")


@dataclass(frozen=True)
class Replay:
    """The outcome of replaying one file: the recount's verdict and, for a signed file, what
    checking its signature found (``signature``; None when the file is unsigned).

    A signature that does not verify is also a failing ``signature`` check in ``verdict``, so
    ``verdict.ok`` is False whenever the file differs in any way.

    >>> r = Replay("x.json", "session", "Q?", Verdict(()))
    >>> r.status, r.exit_code
    ('unsigned', 0)
    >>> signed = Replay("x.json", "session", "Q?", Verdict(()),
    ...                 signature=SignatureCheck(True, "0123456789abcdef", "Shire", True, "its key"))
    >>> signed.headline()
    'signed by Shire (key 0123456789abcdef, its key) and the recount matches'
    """

    path: str
    kind: str  # "session" or "review"
    title: str
    verdict: Verdict
    migrated_from: int | None = None
    kit_version: str | None = None
    signature: SignatureCheck | None = None

    @property
    def status(self) -> str:
        """One of :data:`STATUSES`."""
        if self.verdict.ok:
            if self.signature is None:
                return "unsigned"
            return "signed" if self.signature.trusted else "signed-unknown"
        if not self.verdict.recorded:
            return "not-recorded"
        return "differs"

    @property
    def exit_code(self) -> int:
        """``replay``'s exit status: 0 verified (signed or unsigned, the recount matches),
        1 differs, 3 nothing to verify (an old file)."""
        return {"differs": 1, "not-recorded": 3}.get(self.status, 0)

    def headline(self) -> str:
        """Exactly what was checked, in a phrase: ``signed by <who> and the recount matches``,
        ``unsigned: the recount matches what the file records``, ``differs: <reason>`` or
        ``nothing to verify: ...``."""
        status = self.status
        if status in ("signed", "signed-unknown"):
            assert self.signature is not None
            return f"{self.signature.sentence()} and the recount matches"
        if status == "unsigned":
            return "unsigned: the recount matches what the file records"
        if status == "not-recorded":
            return "nothing to verify: the file (an older version) records no results"
        return f"differs: {self.reason()}"

    def reason(self) -> str:
        """Why the file differs, in one sentence without its full stop ("" when it does not)."""
        if self.status != "differs":
            return ""
        bad = [c.part for c in self.verdict.checks if not c.ok and c.part != "signature"]
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        recount = f"the recount does not match what the file records ({shown})"
        if self.signature is not None and not self.signature.ok:
            return self.signature.reason + (f", and {recount}" if bad else "")
        return recount

    def explanation(self) -> str:
        """What the headline proves and what it does not, in one sentence."""
        status = self.status
        if status == "signed":
            return (
                "The signature verifies and every recorded result matches the recount: the file"
                " is exactly as the holder of that key saved it (which does not show that the"
                " ballots or answers were honest)."
            )
        if status == "signed-unknown":
            return (
                "The signature verifies and every recorded result matches the recount, but this"
                " machine does not know the key: anyone can make a key and sign an edited file,"
                " so this does not show that the partnership saved it."
            )
        if status == "unsigned":
            return (
                "There is no signature; every recorded result matches the recount, but nothing"
                " shows who saved the file or that it was not edited and saved again."
            )
        if status == "not-recorded":
            return "Only a recount is possible; there is nothing recorded to compare it with."
        return "The file does not match its recount or its signature: see the lines marked DIFFERS."

    def to_dict(self) -> dict[str, Any]:
        """The replay as JSON (``replay --json``), with ``status`` and ``headline`` added."""
        out = to_data(self)
        out["status"] = self.status
        out["headline"] = self.headline()
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Replay:
        return from_data(cls, d, source="the replay")

    def report_lines(self) -> list[str]:
        lines = [f"{self.path}: {self.kind} — {self.title}"]
        if self.kit_version:
            lines.append(f"Saved by partnership-tools {self.kit_version}.")
        if self.migrated_from is not None:
            lines.append(f"Read through the migration from schema_version {self.migrated_from}.")
        lines += ["  " + line for line in self.verdict.lines()]
        status = self.status
        if status == "differs":
            lines.append(f"Verdict: differs (DIFFERENCES FOUND): {self.reason()}.")
        elif status == "not-recorded":
            lines.append("Verdict: nothing to verify; the file records no results.")
        else:
            lines.append(f"Verdict: {self.headline()}.")
        lines.append(self.explanation())
        return lines


def with_signature(
    replay: Replay, data: Any, key_folder: str | os.PathLike[str] | None = None
) -> Replay:
    """``replay`` with the signature of the file's ``data`` (as read, before migration) checked
    (:func:`~partnership_tools.kernel.signing.check_signature`): a signature that verifies adds a
    passing ``signature`` check, one that does not a failing one (so the file differs).

    >>> r = Replay("x.json", "session", "Q?", Verdict(()))
    >>> with_signature(r, {"kind": "k"}) is r
    True
    >>> bad = with_signature(r, {"kind": "k", "signature": "forged"})
    >>> bad.status, bad.reason()
    ('differs', "the file's signature is not an object, so it cannot be checked")
    """
    sig = check_signature(data, key_folder)
    if sig is None:
        return replay
    if sig.ok:
        check = Check("signature", True, sig.sentence())
    else:
        check = Check("signature", False, sig.reason)
    verdict = Verdict((check, *replay.verdict.checks), replay.verdict.recorded or not sig.ok)
    return dataclasses.replace(replay, verdict=verdict, signature=sig)


def _structure_replay(d: Mapping[str, Any], _: type) -> Replay:
    return Replay(
        path=d["path"],
        kind=d["kind"],
        title=d["title"],
        verdict=converter.structure(d["verdict"], Verdict),
        migrated_from=d.get("migrated_from"),
        kit_version=d.get("kit_version"),
        signature=(
            converter.structure(d["signature"], SignatureCheck) if d.get("signature") else None
        ),
    )


converter.register_structure_hook(Replay, _structure_replay)


def read_saved(path: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """A saved file's kind (``session`` or ``review``, from its ``kind`` field) and its data as
    read, within the kernel's bounds; :class:`ReplayError` (one sentence) otherwise."""
    p = Path(path)
    try:
        check_file_size(p.stat().st_size, str(p))
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReplayError(f"{p} does not exist.") from None
    except UnicodeDecodeError:
        raise ReplayError(f"{p} is not a JSON file saved by Partnership Tools.") from None
    except OSError as exc:
        raise ReplayError(f"{p} cannot be read ({exc.strerror}).") from None
    except LimitError as exc:
        raise ReplayError(str(exc)) from None
    try:
        data = load_json(text, str(p))
    except LimitError as exc:
        if "not valid JSON" in str(exc):
            raise ReplayError(f"{p} is not a JSON file saved by Partnership Tools.") from None
        raise ReplayError(str(exc)) from None
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind == SESSION_KIND:
        return "session", data
    if kind == REVIEW_KIND:
        return "review", data
    raise ReplayError(f"{p} is neither a saved vote nor a saved review.")


def file_kind(path: str | os.PathLike[str]) -> str:
    """``session`` or ``review``, from the file's ``kind`` field."""
    return read_saved(path)[0]
