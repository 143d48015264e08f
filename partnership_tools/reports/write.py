"""Self-contained reports: one HTML file (or PDF) that opens anywhere, offline.

``partnership-tools report FILE -o report.html [--format html|pdf]`` takes a saved vote (session
file) or a saved review and writes the question or instrument, each round or wave with its charts
(inline SVG from vl-convert), tables, the plain-English summary, option lineage or the action plan,
the verification verdict and digest, and the settings. Nothing is fetched from the network; every
piece of text a person typed is escaped by Jinja2's autoescaping. A print stylesheet lays it out
on A4.
"""

from __future__ import annotations

import os
from pathlib import Path

from markupsafe import Markup

from partnership_tools.kernel.files import atomic_write_bytes, atomic_write_text
from partnership_tools.reports.render import ReportError, css, environment, html_to_pdf
from partnership_tools.reports.session_report import session_report_context

REPORT_FORMATS = ("html", "pdf")


def render_report(path: str | os.PathLike[str]) -> str:
    """The report for a saved vote or review, as one HTML document."""
    from partnership_tools.kernel.version import __version__
    from partnership_tools.reports.replay import ReplayError, file_kind

    try:
        kind = file_kind(path)
    except ReplayError as exc:
        raise ReportError(str(exc)) from None
    if kind == "session":
        ctx = session_report_context(path)
        template = "report_session.html"
    else:
        from partnership_tools.reports.review_report import review_report_context

        ctx = review_report_context(path)
        template = "report_review.html"
    ctx["css"] = Markup(css())
    ctx["kit_version"] = __version__
    return environment().get_template(template).render(**ctx)


def write_report(
    path: str | os.PathLike[str], output: str | os.PathLike[str], fmt: str = "html"
) -> Path:
    """Write the report atomically as ``html`` or ``pdf``."""
    fmt = fmt.lower()
    if fmt not in REPORT_FORMATS:
        raise ReportError(f"Reports can be written as {' or '.join(REPORT_FORMATS)}, not {fmt!r}.")
    html = render_report(path)
    out = Path(output)
    if fmt == "html":
        atomic_write_text(out, html)
    else:
        atomic_write_bytes(out, html_to_pdf(html))
    return out
