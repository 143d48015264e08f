"""The ``partnership-tools`` command.

Sub-commands: ``tally`` (count a round from a session file or a ballots CSV), ``export`` and
``import`` (session files <-> the store), ``sessions`` (list the store), ``serve`` (the apps),
``score`` (a partnership review), ``replay``, ``report`` and ``ballots`` (a round's ballots as
CSV, PrefLib or BLT).

Every failure caused by the user's input ends with one plain sentence on stderr and exit status 2;
never a traceback. An unexpected error (a fault in the kit) ends with one sentence on stderr, the
traceback written as a log line to :func:`log_path`, and exit status 70.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from partnership_tools.cli.errors import EXIT_USAGE, CliError
from partnership_tools.kernel.errors import PlainError

#: Exit status for an unexpected error (a fault in the kit, not in the input): sysexits' EX_SOFTWARE.
EXIT_UNEXPECTED = 70
#: The environment variable naming the command's log file.
ENV_LOG = "PARTNERSHIP_TOOLS_LOG"


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="PATH|URL",
        help=(
            "the store: an SQLite file, or a PostgreSQL database as postgresql://user:password@host/db"
            " (default: $PARTNERSHIP_TOOLS_DB, else ~/.local/share/partnership-tools/)"
        ),
    )


def build_parser() -> argparse.ArgumentParser:
    from partnership_tools.kernel.version import __version__

    parser = argparse.ArgumentParser(
        prog="partnership-tools",
        description="Crowd Wise consensus votes and partnership reviews.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    t = sub.add_parser(
        "tally",
        help="count a round from a session file or a ballot file (CSV, Excel, PrefLib, BLT)",
    )
    t.add_argument(
        "file",
        metavar="FILE",
        help="a session .json file, or ballots as .csv/.tsv/.xlsx (any survey tool's layout),"
        " PrefLib .soc/.soi/.toc/.toi or .blt",
    )
    t.add_argument("--round", type=int, dest="round_number", metavar="N", help="round to count")
    g = t.add_mutually_exclusive_group()
    g.add_argument(
        "--options",
        help='the options (ids or labels, e.g. "A,B,C,D"): needed for a long-layout CSV;'
        " in other layouts they narrow the option columns",
    )
    g.add_argument("--options-file", metavar="F", help="a file listing the options, one per line")
    t.add_argument(
        "--group-column",
        metavar="COLUMN",
        help="the column holding each voter's stakeholder group (header text or number),"
        " when it is not found by its wording or values",
    )
    t.add_argument(
        "--sheet", metavar="NAME", help="the sheet of an Excel workbook (default: the first)"
    )
    t.add_argument(
        "--threshold",
        type=float,
        help="consensus threshold for a CSV (a session file carries its own; default 0.7)",
    )
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.set_defaults(func=cmd_tally)

    e = sub.add_parser("export", help="write a session from the store to a JSON file")
    e.add_argument("session_id", metavar="SESSION")
    e.add_argument("-o", "--output", required=True, metavar="FILE")
    _add_db(e)
    e.set_defaults(func=cmd_export)

    i = sub.add_parser("import", help="load a session JSON file into the store")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--replace", action="store_true", help="overwrite a session with the same id")
    i.add_argument(
        "--accept-differences",
        action="store_true",
        help="import a file that does not replay clean (its recount or signature differs);"
        " anything exported from the store later is signed as yours, so check it first",
    )
    _add_db(i)
    i.set_defaults(func=cmd_import)

    ls = sub.add_parser("sessions", help="list the sessions in the store")
    _add_db(ls)
    ls.set_defaults(func=cmd_sessions)

    for module, adder in (
        ("partnership_tools.server.serve", "add_serve_parser"),
        ("partnership_tools.server.participants", "add_participants_parser"),
        ("partnership_tools.cli.review", "add_score_parser"),
        ("partnership_tools.cli.replay", "add_replay_parser"),
        ("partnership_tools.cli.report", "add_report_parser"),
        ("partnership_tools.cli.ballots", "add_ballots_parser"),
    ):
        try:
            mod = __import__(module, fromlist=[adder])
        except ImportError:  # a part not installed in this build
            continue
        getattr(mod, adder)(sub)
    return parser


# -- tally ---------------------------------------------------------------------------------
def load_round_for_tally(args: argparse.Namespace):
    """Return (question, threshold, round_number, options, matrix, rejected, abstentions, report).

    ``report`` is the ballot file's :class:`~partnership_tools.kernel.importreport.ImportReport`
    (None for a session file)."""
    from partnership_tools.vote.ballots import BallotMatrix
    from partnership_tools.vote.ballots_csv import BallotFileError
    from partnership_tools.vote.reading import read_ballots
    from partnership_tools.vote.sessionfile import SessionFileError, read_session

    path = Path(args.file)
    if not path.exists():
        raise CliError(f"{path} does not exist.")
    if path.suffix.lower() == ".json":
        if args.options or args.options_file or args.group_column or args.sheet:
            raise CliError(
                "--options, --options-file, --group-column and --sheet are for ballot files;"
                " a session file lists its own options and groups."
            )
        try:
            session = read_session(path)
        except SessionFileError as exc:
            raise CliError(str(exc)) from None
        if not session.rounds:
            raise CliError(f"{path} has no rounds to count.")
        if args.round_number is None:
            number = session.rounds[-1].number
        else:
            number = args.round_number
        try:
            rnd = session.round(number)
        except KeyError:
            have = ", ".join(str(r.number) for r in session.rounds)
            raise CliError(f"{path} has no round {number} (it has round {have}).") from None
        options = session.round_options(number)
        matrix = BallotMatrix.from_rankings(rnd.option_ids, rnd.rankings, rnd.groups)
        threshold = args.threshold if args.threshold is not None else session.threshold
        return session.question, threshold, number, options, matrix, [], [], None
    if args.round_number not in (None, 1):
        raise CliError("A ballot file holds a single round; drop --round.")
    listed = [o.strip() for o in args.options.split(",")] if args.options else None
    extra: dict[str, str] = {}
    if args.group_column:
        extra["group_column"] = args.group_column
    if args.sheet:
        extra["sheet"] = args.sheet
    try:
        imported = read_ballots(path, options=listed, options_file=args.options_file, **extra)
    except BallotFileError as exc:
        raise CliError(str(exc)) from None
    threshold = args.threshold if args.threshold is not None else 0.7
    return (
        None,
        threshold,
        1,
        imported.options,
        imported.matrix,
        list(imported.rejected),
        list(imported.abstentions),
        imported.report,
    )


def cmd_tally(args: argparse.Namespace) -> int:
    from partnership_tools.vote.count import count_round
    from partnership_tools.vote.rules import get_rule
    from partnership_tools.vote.summary import summarise

    if args.threshold is not None and not 0 < args.threshold <= 1:
        raise CliError("--threshold must be greater than 0 and at most 1.")
    loaded = load_round_for_tally(args)
    question, threshold, number, options, matrix, rejected, abstentions, report = loaded
    labels = {o.id: o.label for o in options}
    result = count_round(matrix, labels=labels)
    summary = summarise(result, threshold, labels=labels)
    if args.json:
        out = {
            "question": question,
            "round": number,
            "threshold": threshold,
            "ballots": result.ballots,
            "rejected": len(rejected),
            "abstentions": len(abstentions),
            "rejected_ballots": [
                {"row": r.row, "reason": r.reason, "text": r.text} for r in rejected
            ],
            "abstention_rows": list(abstentions),
            "winners": list(result.winners),
            "condorcet_winner": result.condorcet_winner,
            "smith_set": list(result.smith_set),
            "pairwise": result.pairwise,
            "options": [
                {
                    "id": o.id,
                    "label": o.label,
                    "mbc": o.mbc,
                    "consensus": o.consensus,
                    "borda": o.borda,
                    "first_preferences": o.first_preferences,
                    "min_group_consensus": o.min_group_consensus,
                    "min_group": o.min_group,
                }
                for o in result.options
            ],
            "groups": [g.to_dict() for g in result.groups],
            # every registered counting rule, the kit's own and any added since
            "rules": {
                name: {"title": get_rule(name).title, "scores": scores}
                for name, scores in result.scores_by_rule.items()
            },
            "summary": summary,
            # how the ballot file was read: layout, encoding, columns used and set aside
            "import": report.to_dict() if report is not None else None,
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if report is not None:
        print(_report_header(report))
        print()
    print(format_table(result, question, number, threshold))
    if rejected:
        print(f"\nRejected ballots ({len(rejected)}, not counted):")
        for r in rejected:
            print(f"  row {r.row}: {r.reason}")
    if abstentions:
        rows = ", ".join(str(a) for a in abstentions)
        print(f"\nBlank ballots (abstentions, not counted): {len(abstentions)} (rows {rows})")
    print()
    print(summary)
    return 0


def _report_header(report) -> str:
    """The import report's first line, what was set aside, and its notes (the columns used
    appear in the table that follows, the rejected rows after it)."""
    lines = [report.lines()[0]]
    if report.set_aside:
        lines.append("Not counted: " + "; ".join(c.header for c in report.set_aside) + ".")
    lines.extend(report.notes)
    return "\n".join(lines)


def format_table(result, question: str | None, number: int, threshold: float) -> str:
    """A plain-text results table, widest label first-column aligned."""
    from partnership_tools.kernel.rounding import fixed

    lines = []
    if question:
        lines.append(question)
    lines.append(
        f"Round {number}: {result.ballots} valid ballot{'s' if result.ballots != 1 else ''},"
        f" {result.n_options} options, consensus threshold {fixed(threshold)}"
    )
    width = max([len("Option")] + [len(f"{o.id}  {o.label}") for o in result.options])
    width = min(width, 60)
    header = f"{'Option':<{width}}  {'MBC':>7}  {'Consensus':>9}  {'Borda':>7}  {'1st prefs':>9}"
    lines += ["", header, "-" * len(header)]
    for o in result.options:
        name = f"{o.id}  {o.label}"
        if len(name) > width:
            name = name[: width - 1] + "…"
        lines.append(
            f"{name:<{width}}  {o.mbc:>7}  {fixed(o.consensus, 3):>9}  {o.borda:>7}  {o.first_preferences:>9}"
        )
    return "\n".join(lines)


# -- export / import / sessions ------------------------------------------------------------
def _store_name(db: str | None) -> str:
    """The store ``--db`` names (a file path or a URL; none: the default), as messages show it:
    the path, or the URL without its password."""
    from partnership_tools.store.db import StoreError, describe_target, normalise_target

    try:
        return describe_target(normalise_target(db))
    except StoreError:
        return describe_target(db) if db else "(the default store)"


@contextmanager
def store_errors(db: str | None):
    """Turn a store that cannot be opened, read or written into one sentence naming it: the
    store's own sentence for its refusals, else the database's reason.

    >>> import sqlalchemy as sa, sqlite3
    >>> try:
    ...     with store_errors("/tmp/x.sqlite"):
    ...         raise sa.exc.DatabaseError("SELECT", {}, sqlite3.DatabaseError("file is not a database"))
    ... except CliError as exc:
    ...     print(exc)
    The store /tmp/x.sqlite could not be used (file is not a database); check that it is a Partnership Tools store and that you may write to it.
    >>> try:
    ...     with store_errors("postgresql://pt:secret@127.0.0.1:9/pt"):
    ...         raise OSError(111, "Connection refused")
    ... except CliError as exc:
    ...     print(exc)
    The store postgresql://pt@127.0.0.1:9/pt could not be used (Connection refused); check that it is a Partnership Tools store and that you may write to it.
    """
    import sqlalchemy as sa

    from partnership_tools.store import StoreError
    from partnership_tools.store.db import StoreUnavailable, is_database_url, is_unwritable

    try:
        yield
    except StoreError as exc:
        raise CliError(str(exc)) from None
    except (sa.exc.DBAPIError, OSError) as exc:
        name = _store_name(db)
        if is_unwritable(exc):
            raise CliError(str(StoreUnavailable.from_sqlite(exc, name))) from None
        if (
            isinstance(exc, sa.exc.DBAPIError)
            and is_database_url(name)
            and (exc.connection_invalidated or isinstance(exc, sa.exc.OperationalError))
        ):
            raise CliError(str(StoreUnavailable.from_postgres(exc, name))) from None
        orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
        reason = getattr(orig, "strerror", None) or str(orig) or type(orig).__name__
        reason = " ".join(str(reason).split()).rstrip(".")
        raise CliError(
            f"The store {name} could not be used ({reason}); check that it is a"
            " Partnership Tools store and that you may write to it."
        ) from None


def _open_store(db: str | None) -> Any:
    from partnership_tools.store import Store

    with store_errors(db):
        return Store(db)


def cmd_export(args: argparse.Namespace) -> int:
    from partnership_tools.vote.sessionfile import write_session

    store = _open_store(args.db)
    with store_errors(args.db):
        session = store.load_session(args.session_id)
    try:
        path = write_session(session, args.output)
    except OSError as exc:
        raise CliError(
            f"{args.output} could not be written ({exc.strerror or type(exc).__name__})."
        ) from None
    print(f"Wrote session {session.id!r} to {path}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from partnership_tools.reports.replay import ReplayError, replay_file
    from partnership_tools.vote.sessionfile import SessionFileError, read_session

    try:
        session = read_session(args.file)
    except SessionFileError as exc:
        raise CliError(str(exc)) from None
    # A file is replayed before it joins the store: an edited file imported unchecked would
    # come out of a later export signed with this partnership's key.
    try:
        checked = replay_file(args.file)
    except ReplayError as exc:
        raise CliError(str(exc)) from None
    if checked.status == "differs" and not args.accept_differences:
        raise CliError(
            f"{args.file} does not replay clean ({checked.headline()}), so it was not imported;"
            f" run `partnership-tools replay {args.file}` to see what differs, or pass"
            " --accept-differences to import it anyway."
        )
    if checked.status == "signed-unknown":
        print(f"Note: {args.file} is {checked.headline()}.", file=sys.stderr)
    store = _open_store(args.db)
    with store_errors(args.db):
        store.save_session(session, replace=args.replace)
    print(f"Imported session {session.id!r} into {_store_name(args.db)}.")
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    store = _open_store(args.db)
    with store_errors(args.db):
        rows = store.list_sessions()
    if not rows:
        print(f"No sessions in {_store_name(args.db)}.")
    for r in rows:
        print(
            f"{r['id']}  {r['created_at']}  rounds={r['rounds']}  ballots={r['ballots']}  {r['question']}"
        )
    return 0


def log_path() -> Path:
    """Where the command logs unexpected errors: ``$PARTNERSHIP_TOOLS_LOG``, else
    ``partnership-tools.log`` in ``$XDG_STATE_HOME/partnership-tools`` (default
    ``~/.local/state/partnership-tools``)."""
    env = os.environ.get(ENV_LOG)
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "partnership-tools" / "partnership-tools.log"


def report_unexpected(exc: BaseException, command: str) -> int:
    """Log ``exc`` with its traceback as one log record, print one sentence, return 70."""
    where = log_path()
    logger = logging.getLogger("partnership_tools.cli")
    logged = False
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(where, encoding="utf-8")
    except OSError:
        handler = None
    if handler is not None:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        try:
            logger.error(
                "unexpected error in %r: %s: %s",
                command,
                type(exc).__name__,
                exc,
                exc_info=(type(exc), exc, exc.__traceback__),
            )
            logged = True
        finally:
            logger.removeHandler(handler)
            handler.close()
    detail = f"; the details are in {where}" if logged else ""
    print(
        f"partnership-tools: {command} stopped on an unexpected error ({type(exc).__name__})"
        f"{detail}. Please report it with that file.",
        file=sys.stderr,
    )
    return EXIT_UNEXPECTED


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PlainError as exc:
        print(f"partnership-tools: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0
    except MemoryError:
        print(
            "partnership-tools: the command ran out of memory; the input is too large for this"
            " machine.",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED
    except Exception as exc:  # a fault in the kit: one sentence, the traceback in the log
        return report_unexpected(exc, str(getattr(args, "command", "")) or "the command")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
