"""The ``report`` command: a self-contained HTML or PDF report of a saved vote or review."""

from __future__ import annotations

import argparse

from partnership_tools.cli.errors import CliError
from partnership_tools.reports.render import ReportError
from partnership_tools.reports.write import REPORT_FORMATS, write_report


def add_report_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML (or PDF) report of a saved file")
    p.add_argument("file", metavar="FILE", help="a saved session or review .json file")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="the report file to write")
    p.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        help="html (default, or from the output's suffix) or pdf",
    )
    p.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    fmt = args.format or ("pdf" if str(args.output).lower().endswith(".pdf") else "html")
    try:
        out = write_report(args.file, args.output, fmt)
    except ReportError as exc:
        raise CliError(str(exc)) from None
    print(f"Wrote {out}.")
    return 0
