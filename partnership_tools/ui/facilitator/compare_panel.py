"""The Compare tab: two closed rounds side by side, following each option's lineage (consensus
coefficient before and after, its change, MBC points), and what left the later ballot paper.

One rule gives an option's "before" figures, and the tab states it on screen
(:data:`COMPARE_RULE`): a carried option is compared with itself, an amended one with the option
it amends, a merged one with its **strongest parent** (the parent with the highest consensus
coefficient in the earlier round; every parent tied for it is named) and a new one with nothing.
Points and coefficient both come from that same option, so a merged option's "before" points are
its strongest parent's, not the parents' sum.

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

from partnership_tools.kernel.rounding import fixed
from partnership_tools.ui.common import UIError, action, button, esc, html_table, html_widget, show
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.vote.model import Session

__all__ = ["COMPARE_RULE", "ComparePanel", "compared_with", "fmt_coefficient"]

COMPARE_RULE = (
    "How each option is compared: a carried option with itself, an amended one with the option"
    " it amends, a merged one with its strongest parent (the parent with the highest consensus"
    " coefficient in the earlier round) and a new one with nothing. The earlier points and"
    " coefficient are that option's own, so a merger gains only if it does better than its"
    " strongest parent did; the parents' coefficients are not added up, since together they can"
    " come to more than 1."
)

NEEDS_TWO = "<p class='pt-muted'>Comparing needs two closed rounds.</p>"


def fmt_coefficient(x: float | None, sign: bool = False) -> str:
    """A coefficient to 3 decimals, half up (``+`` shown for a change when ``sign``); ``—`` for
    none."""
    return fixed(x, 3, sign=sign)


def compared_with(change: Any, before: Any) -> tuple[tuple[str, ...], int | None, float | None]:
    """The earlier option(s) a later option is compared with, and their points and coefficient.

    ``change`` is an :class:`~partnership_tools.vote.compare.OptionChange`, ``before`` the
    earlier round's result. For a merged option: every predecessor with the highest coefficient
    (tied ones have the same points, as they come from the same round); otherwise its single
    predecessor; ``((), None, None)`` for a new option.

    >>> from partnership_tools.vote.compare import OptionChange
    >>> from partnership_tools.vote.count import count_rankings
    >>> r1 = count_rankings(["B", "C"], [["B", "C"], ["B"]])  # B 2 + 1 = 3 (0.75), C 1 (0.25)
    >>> m = OptionChange("M", "m", "merged", ("B", "C"), 4, 1.0, 4, 0.75, 0, 0.25)
    >>> compared_with(m, r1)
    (('B',), 3, 0.75)
    """
    from partnership_tools.vote.compare import strongest_parents

    return strongest_parents(change.predecessors, before)


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
            self.compare_html.value = NEEDS_TWO
        elif self.compare_html.value in ("", NEEDS_TWO):  # a round just closed: now it can
            self.compare_html.value = (
                f"<p class='pt-muted'>Press Compare to compare round {closed[-2]} with round"
                f" {closed[-1]}.</p>"
            )

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
        earlier = self.console.count(before)
        comp = compare_rounds(s, earlier, self.console.count(after))
        fmt = fmt_coefficient
        rows = []
        for o in comp.options:
            ids, points, coefficient = compared_with(o, earlier)
            change = None if coefficient is None else o.consensus - coefficient
            rows.append(
                (
                    lineage_name(o.id, o.label, o.kind, o.predecessors),
                    o.kind,
                    fmt(coefficient),
                    fmt(o.consensus),
                    fmt(change, sign=True),
                    "—" if points is None else points,
                    o.mbc,
                    " or ".join(ids) if ids else "—",
                )
            )
        table = html_table(
            [
                "Option",
                "How",
                f"Round {before}",
                f"Round {after}",
                "Change",
                f"Points {before}",
                f"Points {after}",
                "Compared with",
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
            f"<p class='pt-compare-rule'>{esc(COMPARE_RULE)}</p>"
            + table
            + note
            + (f"<h3>Not on the later ballot paper</h3><ul>{gone}</ul>" if gone else "")
        )
        self.feedback.info(f"Compared round {before} with round {after}.")
        return comp
