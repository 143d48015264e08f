"""Replay a saved vote or review: recompute everything from its inputs and check the record.

``partnership-tools replay FILE`` prints one line per round (or per dimension and wave, for a
review) saying MATCH or DIFFERS, then a verdict. Exit status: 0 when everything matches, 1 when
anything differs, 3 when the file (an old schema version) records no results to compare with,
2 when the file cannot be used at all.

>>> from pathlib import Path
>>> sample = Path(__file__).resolve().parents[1] / "sample_data" / "county_joint_working.json"
>>> replay_file(sample).verdict.ok
True
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from partnership_tools.verification import Verdict

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


def replay_file(path: str | os.PathLike[str]) -> Replay:
    """Recompute a saved session or review and compare it with what the file recorded."""
    kind = file_kind(path)
    if kind == "session":
        from partnership_tools.sessionfile import SessionFileError, read_session_file
        from partnership_tools.verification import verify_session_data

        try:
            sf = read_session_file(path)
        except SessionFileError as exc:
            raise ReplayError(str(exc)) from None
        verdict = verify_session_data(sf.session, sf.record)
        return Replay(
            str(path),
            "session",
            sf.session.question,
            verdict,
            sf.migrated_from,
            sf.record.get("kit_version"),
        )
    from partnership_tools.review.replay import replay_review_file

    return replay_review_file(path)


def add_replay_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="recount a saved vote or review and check its record")
    p.add_argument("file", metavar="FILE", help="a session or review .json file")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.set_defaults(func=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    from partnership_tools.cli import CliError

    try:
        result = replay_file(args.file)
    except ReplayError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(result.report_lines()))
    if result.verdict.ok:
        return 0
    return 1 if result.verdict.recorded else 3
