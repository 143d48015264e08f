"""What every file the kit saves has in common: its ``kind``, and the outcome of replaying it.

>>> Replay("x.json", "session", "Q?", Verdict(())).report_lines()[-1]
'Verdict: every recorded result matches the recount.'
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from partnership_tools.kernel.checks import Verdict

SESSION_KIND = "partnership-tools/session"
REVIEW_KIND = "partnership-tools/review"


class ReplayError(ValueError):
    """A file that cannot be replayed, with one plain sentence."""


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
        return {
            "path": self.path,
            "kind": self.kind,
            "title": self.title,
            "verdict": self.verdict.to_dict(),
            "migrated_from": self.migrated_from,
            "kit_version": self.kit_version,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Replay:
        return cls(
            path=d["path"],
            kind=d["kind"],
            title=d["title"],
            verdict=Verdict.from_dict(d["verdict"]),
            migrated_from=d.get("migrated_from"),
            kit_version=d.get("kit_version"),
        )

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
