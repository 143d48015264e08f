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
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from partnership_tools.kernel.files import atomic_write_bytes, atomic_write_text

REPORT_FORMATS = ("html", "pdf")


class ReportError(ValueError):
    """A report that cannot be written, with one plain sentence."""


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("partnership_tools.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "" if v is None else f"{100 * float(v):.0f}%"
    env.filters["num"] = lambda v, d=2: "" if v is None else f"{float(v):.{d}f}"
    env.filters["score"] = _score
    return env


def _score(v: Any) -> str:
    """A rule's score as shown: whole numbers as they are, fractions to 3 decimal places.

    >>> _score(7), _score(1.5), _score(4 / 3)
    ('7', '1.500', '1.333')
    """
    if v is None:
        return ""
    return str(v) if isinstance(v, int) else f"{float(v):.3f}"


def other_rules(result: Any) -> list[dict[str, Any]]:
    """The registered counting rules a round's report shows beyond MBC, classic Borda and first
    preferences: ``[{"name", "title", "scores"}]`` in registration order.

    >>> from partnership_tools.vote.count import count_rankings
    >>> [r["title"] for r in other_rules(count_rankings(["A"], [["A"]]))]
    ['Dowdall (rank k scores 1/k)']
    """
    from partnership_tools.vote.rules import RULES

    return [
        {"name": name, "title": RULES[name].title if name in RULES else name, "scores": scores}
        for name, scores in result.other_rules.items()
    ]


def inline_svg(chart: Any) -> Markup:
    """The chart as inline SVG markup (vl-convert renders it; its text nodes are escaped XML)."""
    from partnership_tools.charts.export import chart_svg

    svg = chart_svg(chart)
    start = svg.find("<svg")
    return Markup(svg[start:] if start >= 0 else svg)


def _css() -> str:
    return (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")


# -- votes ---------------------------------------------------------------------------------
def session_report_context(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Everything the vote report shows, from a saved session file."""
    from partnership_tools.charts import vote as vc
    from partnership_tools.reports.replay import replay_file
    from partnership_tools.vote.sessionfile import SessionFileError, read_session_file
    from partnership_tools.vote.summary import advice, summarise
    from partnership_tools.vote.tally import compare_consecutive, tally_round

    try:
        sf = read_session_file(path)
    except SessionFileError as exc:
        raise ReportError(str(exc)) from None
    session = sf.session
    rounds = []
    results = {}
    for r in session.rounds:
        result = tally_round(session, r.number)
        results[r.number] = result
        frame = vc.result_frame(result)
        charts = [
            (
                "Modified Borda Count points and consensus coefficient",
                inline_svg(vc.mbc_chart(frame, threshold=session.threshold)),
            ),
            ("How each option was ranked", inline_svg(vc.rank_chart(vc.rank_counts_frame(result)))),
            (
                "Head to head: voters ranking the row option above the column option",
                inline_svg(vc.pairwise_chart(vc.pairwise_frame(result))),
            ),
        ]
        if result.groups:
            charts.append(
                (
                    "Consensus coefficient by stakeholder group",
                    inline_svg(vc.group_chart(vc.group_frame(result), threshold=session.threshold)),
                )
            )
        rounds.append(
            {
                "number": r.number,
                "status": r.status,
                "opened_at": r.opened_at,
                "closed_at": r.closed_at,
                "result": result,
                "summary": summarise(result, session.threshold),
                "advice": advice(result, session.threshold),
                "charts": charts,
                "groups": result.groups,
                "other_rules": other_rules(result),
                "paper": sum(1 for b in r.ballots if b.source == "paper"),
                "partial": sum(1 for b in r.ballots if len(b.ranking) < len(r.option_ids)),
            }
        )
    changes = []
    for (a, b), comparison in compare_consecutive(session, results).items():
        changes.append(
            {
                "before": a,
                "after": b,
                "comparison": comparison,
                "chart": inline_svg(
                    vc.change_chart(
                        vc.change_frame(comparison, f"Round {a}", f"Round {b}"),
                        threshold=session.threshold,
                    )
                ),
            }
        )
    lineage = [
        {
            "option": o,
            "kind": "amended" if o.amended_from else ("merged" if o.merged_from else "original"),
            "parents": [session.option(p) for p in o.parents],
            "ancestors": [session.option(p) for p in session.ancestors(o.id)],
            "rounds": [r.number for r in session.rounds if o.id in r.option_ids],
        }
        for o in session.options
    ]
    replay = replay_file(path)
    return {
        "kind": "session",
        "title": session.question,
        "session": session,
        "rounds": rounds,
        "changes": changes,
        "lineage": lineage,
        "replay": replay,
        "record": sf.record,
        "settings": sf.record.get("settings") or {},
        "source": Path(path).name,
    }


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
    ctx["css"] = Markup(_css())
    ctx["kit_version"] = __version__
    return _env().get_template(template).render(**ctx)


def html_to_pdf(html: str) -> bytes:
    """Lay the HTML report out on A4 with WeasyPrint (no network: remote URLs are refused)."""
    from weasyprint import HTML

    def no_fetch(url: str, *a: Any, **k: Any) -> dict:
        raise ReportError(f"The report tried to load {url}; reports must be self-contained.")

    return HTML(string=html, url_fetcher=no_fetch).write_pdf()


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
