"""What every file the kit saves has in common: its ``kind`` and ``schema_version``, the
migrations that bring an older file up to date, and the outcome of replaying it.

>>> Replay("x.json", "session", "Q?", Verdict(())).report_lines()[-1]
'Verdict: every recorded result matches the recount.'
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

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partnership_tools.kernel.checks import Verdict
from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.serial import converter, from_data, to_data

SESSION_KIND = "partnership-tools/session"
REVIEW_KIND = "partnership-tools/review"


class ReplayError(ValueError):
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


@dataclass(frozen=True)
class Replay:
    """The outcome of replaying one file."""

    path: str
    kind: str  # "session" or "review"
    title: str
    verdict: Verdict
    migrated_from: int | None = None
    kit_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_data(self)

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
        if self.verdict.ok:
            lines.append("Verdict: every recorded result matches the recount.")
        elif not self.verdict.recorded:
            lines.append("Verdict: nothing to verify; the file records no results.")
        else:
            lines.append("Verdict: DIFFERENCES FOUND; the file does not match its recount.")
        return lines


def _structure_replay(d: Mapping[str, Any], _: type) -> Replay:
    return Replay(
        path=d["path"],
        kind=d["kind"],
        title=d["title"],
        verdict=converter.structure(d["verdict"], Verdict),
        migrated_from=d.get("migrated_from"),
        kit_version=d.get("kit_version"),
    )


converter.register_structure_hook(Replay, _structure_replay)


def file_kind(path: str | os.PathLike[str]) -> str:
    """``session`` or ``review``, from the file's ``kind`` field."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReplayError(f"{p} does not exist.") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ReplayError(f"{p} is not a JSON file saved by Partnership Tools.") from None
    except OSError as exc:
        raise ReplayError(f"{p} cannot be read ({exc.strerror}).") from None
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind == SESSION_KIND:
        return "session"
    if kind == REVIEW_KIND:
        return "review"
    raise ReplayError(f"{p} is neither a saved vote nor a saved review.")
