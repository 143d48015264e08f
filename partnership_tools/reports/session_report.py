"""The report of a saved vote: what :func:`partnership_tools.reports.write.render_report` shows
for a session file (see :mod:`partnership_tools.reports.write` for the report as a whole).

Self-contained reports: one HTML file (or PDF) that opens anywhere, offline.

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

from partnership_tools.reports.render import ReportError, inline_svg


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
