"""The Waves tab: the change in each dimension between two waves ("From" and "To")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import Feedback, esc, html_table, html_widget
from partnership_tools.ui.review.chartpanel import ChartPanel
from partnership_tools.ui.review.shared import (
    CHART_WIDTH,
    NO_RESPONSES,
    OVERALL,
    WIDE,
    fmt,
    is_true,
    text,
)
from partnership_tools.ui.review.state import ReviewState


def change_rows(overall: Any) -> list[list[Any]]:
    """One row per dimension: title, mean before, mean after, change (signed), direction (or
    "suppressed")."""
    rows = []
    for _, row in overall.iterrows():
        rows.append(
            [
                row["title"],
                fmt(row["mean_before"]),
                fmt(row["mean_after"]),
                fmt(row["change"], "+.2f"),
                "suppressed" if is_true(row["suppressed"]) else text(row["direction"]),
            ]
        )
    return rows


class WavesPanel(ChartPanel):
    """``before`` and ``after`` (the two waves compared; ``on_change`` runs when either is
    changed by the user), ``note``, the chart and ``table`` (``pt-changes``)."""

    tab = "Waves"
    css = "pt-waves-chart"

    def __init__(
        self,
        state: ReviewState,
        feedback: Feedback,
        out_dir: Path,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(state, feedback, out_dir)
        self._on_change = on_change
        self._quiet = False
        self.before = widgets.Dropdown(description="From", options=[], style=WIDE)
        self.before.add_class("pt-before")
        self.after = widgets.Dropdown(description="To", options=[], style=WIDE)
        self.after.add_class("pt-after")
        self.before.observe(self._changed, "value")
        self.after.observe(self._changed, "value")
        self.note = html_widget("", "pt-waves-note")
        self.table = html_widget("", "pt-changes")
        self.pane = widgets.VBox(
            [
                html_widget("<h2>Change between waves</h2>"),
                widgets.HBox(
                    [self.before, self.after], layout=widgets.Layout(flex_flow="row wrap")
                ),
                self.note,
                self.slot.box,
                self.export.widget,
                self.table,
            ]
        )

    def _changed(self, _change: dict) -> None:
        if not self._quiet:
            self._on_change()

    def fill(
        self,
        waves: Sequence[str],
        before: str | None = None,
        after: str | None = None,
        default: str | None = None,
    ) -> None:
        """Offer ``waves``; keep ``before``/``after`` when they are among them, else the first
        wave and ``default`` (no ``on_change``)."""
        waves = list(waves)
        self._quiet = True
        try:
            self.before.options = waves
            self.after.options = waves
            self.before.value = before if before in waves else (waves[0] if waves else None)
            self.after.value = after if after in waves else default
        finally:
            self._quiet = False

    def show(self, group: str) -> None:
        """Fill the note and the table of changes (all respondents)."""
        r = self.state.result
        if r is None:
            self.note.value = NO_RESPONSES
            self.table.value = ""
            return
        c = r.changes
        if len(self.state.waves) < 2 or not len(c):
            self.note.value = (
                "<p>There is one wave so far: the change shows once a second wave is in.</p>"
            )
            self.table.value = ""
            return
        overall = c[c["overall"].astype(bool)]
        before, after = str(overall["before"].iloc[0]), str(overall["after"].iloc[0])
        self.note.value = f"<p>From {esc(before)} to {esc(after)}, all respondents.</p>"
        self.table.value = html_table(
            ["Dimension", before, after, "Change", "Direction"],
            change_rows(overall),
            numeric=[1, 2, 3],
        )

    def chart(self, group: str) -> Any:
        from partnership_tools.charts import review as charts

        c = self.state.result.changes
        if len(self.state.waves) < 2 or not len(c):
            return None
        if not len(
            c[(c["group"] == OVERALL) & ~c["suppressed"].astype(bool) & c["change"].notna()]
        ):
            return None
        return (
            charts.wave_change_chart(c)
            .properties(width=CHART_WIDTH)
            .configure_legend(orient="bottom")
        )
