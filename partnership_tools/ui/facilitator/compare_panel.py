"""The Compare tab: two closed rounds side by side, following each option's lineage (consensus
coefficient before and after, its change, MBC points), and what left the later ballot paper.

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = ComparePanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.compare(1, 2) is None, p.feedback.last
(True, 'Open a session with its facilitator key first.')
>>> fmt_coefficient(0.5, sign=True), fmt_coefficient(None)
('+0.500', '—')
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import UIError, action, button, esc, html_table, html_widget, show
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.vote.model import Session

__all__ = ["ComparePanel", "fmt_coefficient"]


def fmt_coefficient(x: float | None, sign: bool = False) -> str:
    """A coefficient to 3 decimals (``+`` shown for a change when ``sign``); ``—`` for none."""
    if x is None:
        return "—"
    return f"{x:+.3f}" if sign else f"{x:.3f}"


class ComparePanel:
    """Compare two closed rounds. ``pane`` is the tab's box."""

    WIDGETS = ("compare_before", "compare_after", "compare_button", "compare_html")

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        w = widgets
        wide = {"description_width": "initial"}
        self.compare_before = w.Dropdown(
            description="Earlier round",
            options=[],
            style=wide,
            layout=w.Layout(width="100%", max_width="20em"),
        )
        self.compare_before.add_class("pt-compare-before")
        self.compare_after = w.Dropdown(
            description="Later round",
            options=[],
            style=wide,
            layout=w.Layout(width="100%", max_width="20em"),
        )
        self.compare_after.add_class("pt-compare-after")
        self.compare_button = button("Compare", "pt-compare", "primary", "exchange")
        self.compare_button.on_click(lambda _b: self.compare())
        self.compare_html = html_widget("", "pt-compare-table")
        self.pane = w.VBox(
            [
                html_widget("<h2>Compare rounds</h2>"),
                w.HBox(
                    [self.compare_before, self.compare_after],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.compare_button,
                self.compare_html,
            ]
        )

    def reset(self) -> None:
        self.compare_html.value = ""

    def refresh(self, s: Session) -> None:
        """Offer the closed rounds, preselecting the last two."""
        closed = [r.number for r in s.rounds if r.status == "closed"]
        opts = [(f"Round {n}", n) for n in closed]
        for dd in (self.compare_before, self.compare_after):
            if list(dd.options) != opts:
                dd.options = opts
        if len(closed) >= 2:
            self.compare_before.value = closed[-2]
            self.compare_after.value = closed[-1]
        show(self.compare_button, len(closed) >= 2)
        if len(closed) < 2:
            self.compare_html.value = "<p class='pt-muted'>Comparing needs two closed rounds.</p>"

    @action("comparing the rounds")
    def compare(self, before: int | None = None, after: int | None = None) -> Any:
        from partnership_tools.charts.vote import lineage_name
        from partnership_tools.vote.compare import compare_rounds

        s = self.console.require()
        before = before if before is not None else self.compare_before.value
        after = after if after is not None else self.compare_after.value
        if before is None or after is None:
            raise UIError("Comparing needs two closed rounds.")
        if before == after:
            raise UIError("Pick two different rounds.")
        if before > after:
            before, after = after, before
        comp = compare_rounds(s, self.console.count(before), self.console.count(after))
        fmt = fmt_coefficient
        rows = [
            (
                lineage_name(o.id, o.label, o.kind, o.predecessors),
                o.kind,
                fmt(o.before_consensus),
                fmt(o.consensus),
                fmt(o.consensus_change, sign=True),
                "—" if o.before_mbc is None else o.before_mbc,
                o.mbc,
            )
            for o in comp.options
        ]
        table = html_table(
            [
                "Option",
                "How",
                f"Round {before}",
                f"Round {after}",
                "Change",
                f"Points {before}",
                f"Points {after}",
            ],
            rows,
            numeric=(2, 3, 4, 5, 6),
            caption="Consensus coefficient, following each option's lineage",
        )
        gone = "".join(
            f"<li>{esc(d.id)}: {esc(d.label)} — {esc(d.fate)}"
            f"{esc(' into ' + ', '.join(d.successors)) if d.successors else ''}</li>"
            for d in comp.disappeared
        )
        note = (
            ""
            if comp.points_comparable
            else "<p class='pt-muted'>The rounds had different numbers of options or ballots,"
            " so compare coefficients rather than points.</p>"
        )
        self.compare_html.value = (
            table
            + note
            + (f"<h3>Not on the later ballot paper</h3><ul>{gone}</ul>" if gone else "")
        )
        self.feedback.info(f"Compared round {before} with round {after}.")
        return comp
