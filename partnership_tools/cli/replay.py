"""The ``replay`` command: recount a saved vote or review and say whether it matches."""

from __future__ import annotations

import argparse
import json

from partnership_tools.cli.errors import CliError
from partnership_tools.reports.replay import ReplayError, replay_file


def add_replay_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="recount a saved vote or review and check its record")
    p.add_argument("file", metavar="FILE", help="a session or review .json file")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.set_defaults(func=run_replay)


def run_replay(args: argparse.Namespace) -> int:
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
