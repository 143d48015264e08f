"""The ``ballots`` command: write a round's ballots as CSV, PrefLib or BLT for other voting tools.

The source is a session file (``.json``), a session id in the store, or any ballot file the
kit reads (so the command also converts, say, a SurveyMonkey export into a PrefLib file).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from partnership_tools.cli.errors import CliError
from partnership_tools.vote.model import Option


def add_ballots_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ballots",
        help="write a round's ballots as CSV (long), PrefLib .soi/.soc or BLT",
    )
    p.add_argument(
        "source",
        metavar="SOURCE",
        help="a session .json file, a session id in the store, or a ballot file to convert",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    p.add_argument(
        "--format",
        choices=("csv", "soi", "soc", "blt"),
        help="the format (default: from the output file's extension)",
    )
    p.add_argument("--round", type=int, dest="round_number", metavar="N", help="default: the last")
    p.add_argument("--options", help="for a ballot file: its options (see tally)")
    p.add_argument("--options-file", metavar="F", help="for a ballot file: a file of options")
    p.add_argument("--group-column", metavar="COLUMN", help="for a ballot file (see tally)")
    p.add_argument("--sheet", metavar="NAME", help="for an Excel ballot file")
    p.add_argument(
        "--db", metavar="PATH", help="the store, when SOURCE is a session id (see sessions)"
    )
    p.set_defaults(func=run_ballots)


def _from_session(args: argparse.Namespace):
    from partnership_tools.store import Store, StoreError
    from partnership_tools.vote.sessionfile import SessionFileError, read_session

    path = Path(args.source)
    try:
        if path.suffix.lower() == ".json" or path.exists():
            session = read_session(path)
        else:
            from partnership_tools.cli.main import store_errors

            with store_errors(args.db):
                session = Store(args.db).load_session(args.source)
    except (SessionFileError, StoreError) as exc:
        raise CliError(str(exc)) from None
    if not session.rounds:
        raise CliError(f"Session {session.id!r} has no rounds yet.")
    number = session.rounds[-1].number if args.round_number is None else args.round_number
    try:
        rnd = session.round(number)
    except KeyError:
        have = ", ".join(str(r.number) for r in session.rounds)
        raise CliError(f"Session {session.id!r} has no round {number} (it has {have}).") from None
    title = f"{session.question} (round {number})"
    return session.round_options(number), rnd.rankings, rnd.groups, title, number


def _from_file(args: argparse.Namespace):
    from partnership_tools.vote.ballots_csv import BallotFileError
    from partnership_tools.vote.reading import read_ballots

    listed = [o.strip() for o in args.options.split(",")] if args.options else None
    extra = {k: v for k, v in (("group_column", args.group_column), ("sheet", args.sheet)) if v}
    try:
        imp = read_ballots(args.source, options=listed, options_file=args.options_file, **extra)
    except BallotFileError as exc:
        raise CliError(str(exc)) from None
    return imp.options, imp.rankings, imp.groups, Path(args.source).stem, 1


def run_ballots(args: argparse.Namespace) -> int:
    from partnership_tools.vote.writing import format_for, write_ballots

    try:
        fmt = format_for(args.output, args.format)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    source = Path(args.source)
    is_session = source.suffix.lower() == ".json" or not source.exists()
    options: tuple[Option, ...]
    options, rankings, groups, title, number = (
        _from_session(args) if is_session else _from_file(args)
    )
    try:
        path = write_ballots(args.output, options, rankings, list(groups), fmt=fmt, title=title)
    except (ValueError, OSError) as exc:
        raise CliError(f"{args.output} was not written: {exc}") from None
    n = len(rankings)
    print(f"Wrote {n:,} ballot{'' if n == 1 else 's'} of round {number} to {path} ({fmt}).")
    if fmt == "csv":
        # the long layout names options by id: their labels travel in a file beside it
        beside = _write_options_file(path, options)
        print(
            f"Wrote the options to {beside}; read back with: tally {path} --options-file {beside}"
        )
    return 0


def _write_options_file(path: Path, options: tuple[Option, ...]) -> Path:
    """``<name>-options.csv`` beside ``path``: ``id,label`` rows, as ``--options-file`` reads."""
    import csv
    import io

    from partnership_tools.kernel.files import atomic_write_text

    out = path.with_name(f"{path.stem}-options.csv")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "label"])
    writer.writerows([o.id, o.label] for o in options)
    atomic_write_text(out, buf.getvalue())
    return out
