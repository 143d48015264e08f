"""The Results tab: a closed round's table and plain-English summary, its charts (drawn only on
request, so Altair loads late) with "Save chart as PNG / SVG", the switch that publishes the
results on the ballot page, and the facilitator's minimum group size for results by group
(``session.settings["min_group_size"]``, default 5: smaller groups are hidden everywhere the
vote's results appear; see :mod:`partnership_tools.vote.disclosure`).

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = ResultsPanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.show_results(1) is None, p.feedback.last
(True, 'Open a session with its facilitator key first.')
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from partnership_tools.kernel.rounding import fixed
from partnership_tools.ui.common import (
    ChartSlot,
    UIError,
    action,
    button,
    esc,
    html_table,
    html_widget,
    safe_filename,
    show,
)
from partnership_tools.ui.export import ChartExport, export_dir
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.vote.model import Session

__all__ = ["ResultsPanel", "results_rows"]

RESULT_COLUMNS = ("#", "Id", "Option", "MBC points", "Coefficient", "Borda (n−k)", "1st prefs")


def results_rows(
    result: Any, min_group_size: int | None = None
) -> tuple[list[str], list[list[object]], list[str]]:
    """The results table of a ``RoundResult``: columns, rows and each row's CSS class.

    A row: position (options with equal MBC points share it), id, label, MBC points,
    consensus coefficient (3 decimals, half up), Borda score, first preferences, and, when a
    group may be shown (at least ``min_group_size`` ballots, default 5; see
    :mod:`partnership_tools.vote.disclosure`), the lowest coefficient among the groups shown
    with every group tied for it. Winners' rows have the class ``pt-win``.

    >>> from partnership_tools.vote.count import count_rankings
    >>> r = count_rankings(["A", "B"], [["A", "B"], ["B", "A"]], groups=["x", "y"])
    >>> results_rows(r, 1)[1][0][-1]  # A: x gives 2 of 2, y gives 1 of 2
    '0.50 (y)'
    """
    from partnership_tools.vote.disclosure import (
        DEFAULT_MIN_GROUP_SIZE,
        group_disclosure,
        lowest_groups,
    )

    k = DEFAULT_MIN_GROUP_SIZE if min_group_size is None else min_group_size
    disclosure = group_disclosure(result, k)
    with_groups = bool(disclosure.shown)
    rows: list[list[object]] = []
    classes: list[str] = []
    for o in result.options:
        position = 1 + sum(1 for p in result.options if p.mbc > o.mbc)  # ties share it
        row: list[object] = [
            position,
            o.id,
            o.label,
            o.mbc,
            fixed(o.consensus, 3),
            o.borda,
            o.first_preferences,
        ]
        if with_groups:
            low = lowest_groups(result, o.id, disclosure)
            row.append("" if low is None else f"{fixed(low[0])} ({', '.join(low[1])})")
        rows.append(row)
        classes.append("pt-win" if o.id in result.winners else "")
    columns = list(RESULT_COLUMNS) + (["Lowest group"] if with_groups else [])
    return columns, rows, classes


class ResultsPanel:
    """Show a closed round's results. ``pane`` is the tab's box; ``shown`` the round shown."""

    WIDGETS = (
        "results_round",
        "results_summary",
        "results_table",
        "publish_check",
        "min_size",
        "charts_button",
        "results_chart",
        "chart_export",
    )

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        self.shown: int | None = None
        self._syncing_round = False
        self._publish_sync = False
        self._min_size_sync = False
        w = widgets
        self.results_round = w.Dropdown(
            description="Round",
            options=[],
            style={"description_width": "initial"},
            layout=w.Layout(width="100%", max_width="20em"),
        )
        self.results_round.add_class("pt-results-round")
        self.results_round.observe(self._on_results_round, "value")
        self.results_summary = html_widget("", "pt-summary")
        self.results_table = html_widget("", "pt-results-table")
        self.publish_check = w.Checkbox(
            value=False,
            description="Publish the results on the ballot page",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.publish_check.add_class("pt-publish")
        self.publish_check.observe(self._on_publish, "value")
        self.min_size = w.BoundedIntText(
            value=5,
            min=1,
            max=1000,
            description="Smallest group shown (ballots)",
            style={"description_width": "initial"},
            layout=w.Layout(width="auto"),
        )
        self.min_size.add_class("pt-min-group-size")
        self.min_size.observe(self._on_min_size, "value")
        self.charts_button = button("Show charts", "pt-show-charts", "", "bar-chart")
        self.charts_button.on_click(lambda _b: self.show_charts())
        self.results_chart = ChartSlot("pt-results-chart")
        self.chart_export = ChartExport(
            lambda: self.results_chart.chart,
            "chart",
            out_dir=export_dir(console.db_path),
            feedback=self.feedback,
        )
        show(self.chart_export.widget, False)
        self.pane = w.VBox(
            [
                html_widget("<h2>Results</h2>"),
                self.results_round,
                self.results_summary,
                self.results_table,
                self.publish_check,
                self.min_size,
                self.charts_button,
                self.results_chart.box,
                self.chart_export.widget,
            ]
        )

    def refresh(self, s: Session) -> None:
        """Offer the closed rounds (keeping the chosen one) and mirror the publish switch."""
        closed = [r.number for r in s.rounds if r.status == "closed"]
        opts = [(f"Round {n}", n) for n in closed]
        current = self.results_round.value
        if list(self.results_round.options) != opts:
            self.results_round.options = opts
        if closed:
            self.results_round.value = current if current in closed else closed[-1]
        else:
            self.results_summary.value = (
                "<p class='pt-muted'>Results appear here once a round is closed.</p>"
            )
            self.results_table.value = ""
        self._set_publish(s.results_published)
        self._set_min_size(s)

    def _set_min_size(self, s: Session) -> None:
        from partnership_tools.vote.disclosure import min_group_size

        self._min_size_sync = True
        try:
            self.min_size.value = min_group_size(s)
        finally:
            self._min_size_sync = False

    def _on_min_size(self, change: dict) -> None:
        if not self._min_size_sync and change.get("new"):
            self.set_min_group_size(int(change["new"]))

    @action("changing the smallest group shown")
    def set_min_group_size(self, k: int) -> int | None:
        """Set the minimum group size for results by group (kept in the session's settings,
        so the projector, reports and saved files follow it) and show the round again."""
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise UIError("The smallest group shown must be a whole number of at least 1.")
        store = self.console.store
        s = self.console.require()
        store.update_session(s.id, settings={**s.settings, "min_group_size": k})
        self.console.session = store.load_session(s.id)
        self._set_min_size(self.console.session)
        self.feedback.success(
            f"Results by group now show only groups with at least {k} ballot{'s' if k != 1 else ''}."
        )
        if self.shown is not None:
            self.show_results(self.shown)
        return k

    def _set_publish(self, value: bool) -> None:
        self._publish_sync = True
        try:
            self.publish_check.value = bool(value)
        finally:
            self._publish_sync = False

    def _on_results_round(self, change: dict) -> None:
        if change.get("new") and not self._syncing_round:
            self.show_results(change["new"])

    @action("counting the round")
    def show_results(self, number: int | None = None) -> Any:
        from partnership_tools.vote.disclosure import group_disclosure, min_group_size
        from partnership_tools.vote.summary import summarise

        s = self.console.require()
        number = number if number is not None else self.results_round.value
        if number is None:
            raise UIError("No round has closed yet.")
        if s.round(number).status != "closed":
            raise UIError(f"Round {number} is still open; close it to see the results.")
        if self.results_round.value != number:
            self._syncing_round = True
            try:
                self.results_round.value = number
            finally:
                self._syncing_round = False
        result = self.console.count(number)
        k = min_group_size(s)
        summary = summarise(result, s.threshold, s.labels, k)
        self.results_summary.value = (
            f"<h3>Round {number}: {result.ballots} ballots, {result.n_options} options</h3>"
            f"<p class='pt-summary-text'>{esc(summary)}</p>"
        )
        columns, rows, classes = results_rows(result, k)
        hidden = group_disclosure(result, k).note()
        self.results_table.value = html_table(
            columns,
            rows,
            numeric=(0, 3, 4, 5, 6),
            row_classes=classes,
            caption=f"Consensus threshold {fixed(s.threshold)}",
        ) + (f"<p class='pt-muted pt-group-note'>{esc(hidden)}</p>" if hidden else "")
        self.clear_chart()
        self.shown = number
        return result

    @action("drawing the charts")
    def show_charts(self, number: int | None = None) -> Any:
        from partnership_tools.charts import vote

        s = self.console.require()
        number = number if number is not None else self.results_round.value
        if number is None:
            raise UIError("No round has closed yet.")
        result = self.console.count(number)
        chart = vote.stack(
            vote.mbc_chart(
                vote.result_frame(result, s.labels), s.threshold, title="MBC: consensus coefficient"
            ),
            vote.rank_chart(
                vote.rank_counts_frame(result, s.labels), title="How each option was ranked"
            ),
        )
        self.results_chart.set(chart)
        self.chart_export.set_chart(
            lambda: self.results_chart.chart, f"{safe_filename(s.id)}-round-{number}"
        )
        show(self.chart_export.widget, True)
        return chart

    def clear_chart(self) -> None:
        """Remove the charts and hide their export row (they belong to another round)."""
        self.results_chart.clear()
        self.chart_export.link.value = ""
        show(self.chart_export.widget, False)

    def _on_publish(self, change: dict) -> None:
        if self._publish_sync:
            return
        self.set_published(bool(change["new"]))

    @action("changing who sees the results")
    def set_published(self, published: bool) -> bool | None:
        store = self.console.store
        s = self.console.require()
        store.set_published(s.id, published)
        self.console.session = store.load_session(s.id)
        self._set_publish(published)
        self.feedback.success(
            "Participants can now see the results on the ballot page."
            if published
            else "Results are hidden from participants."
        )
        return published
