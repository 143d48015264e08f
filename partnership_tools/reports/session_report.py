"""The report of a saved vote: what :func:`partnership_tools.reports.write.render_report` shows
for a session file (see :mod:`partnership_tools.reports.write` for the report as a whole).

Self-contained reports: one HTML file (or PDF) that opens anywhere, offline.

``partnership-tools report FILE -o report.html [--format html|pdf]`` takes a saved vote (session
file) or a saved review and writes the question or instrument, each round or wave with its charts
(inline SVG from vl-convert), tables, the plain-English summary, option lineage or the action plan,
the verification verdict and digest, and the settings. Nothing is fetched from the network; every
piece of text a person typed is escaped by Jinja2's autoescaping. A print stylesheet lays it out
on A4.

Every figure is written by :func:`partnership_tools.kernel.rounding.fixed` (half up at the
precision shown; the templates call it as ``fixed``), and results by stakeholder group show only
the groups :func:`partnership_tools.vote.disclosure.group_disclosure` allows, saying which are
hidden and why.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from partnership_tools.kernel.rounding import fixed
from partnership_tools.reports.render import ReportError, inline_svg


def score_text(v: Any) -> str:
    """A counting rule's score as shown: whole numbers as they are, fractions to 3 decimal
    places, half up.

    >>> score_text(7), score_text(1.5), score_text(4 / 3), score_text(0.0625)
    ('7', '1.500', '1.333', '0.063')
    """
    if v is None:
        return ""
    return str(v) if isinstance(v, int) else fixed(v, 3)


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
    from partnership_tools.vote.disclosure import group_disclosure, lowest_groups, min_group_size
    from partnership_tools.vote.sessionfile import SessionFileError, read_session_file
    from partnership_tools.vote.summary import advice, summarise
    from partnership_tools.vote.tally import compare_consecutive, tally_round

    try:
        sf = read_session_file(path)
    except SessionFileError as exc:
        raise ReportError(str(exc)) from None
    session = sf.session
    k = min_group_size(session)
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
        disclosure = group_disclosure(result, k)
        if disclosure.shown:
            charts.append(
                (
                    "Consensus coefficient by stakeholder group",
                    inline_svg(
                        vc.group_chart(
                            vc.group_frame(result, min_group_size=k), threshold=session.threshold
                        )
                    ),
                )
            )
        rounds.append(
            {
                "number": r.number,
                "status": r.status,
                "opened_at": r.opened_at,
                "closed_at": r.closed_at,
                "result": result,
                "summary": summarise(result, session.threshold, min_group_size=k),
                "advice": advice(result, session.threshold, k),
                "charts": charts,
                "groups": [g for g in result.groups if g.group in disclosure.shown],
                "group_note": disclosure.note(),
                "lowest": {o.id: lowest_groups(result, o.id, disclosure) for o in result.options},
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
        "fixed": fixed,
        "score_text": score_text,
        "min_group_size": k,
    }
