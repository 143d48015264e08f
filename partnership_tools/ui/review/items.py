"""The Items tab: a diverging stacked bar per statement, "don't know" and "not applicable" apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import Feedback, html_widget
from partnership_tools.ui.review.chartpanel import ChartPanel, wave_note
from partnership_tools.ui.review.shared import NO_RESPONSES
from partnership_tools.ui.review.state import ReviewState


class ItemsPanel(ChartPanel):
    """``note`` (respondents in the wave) and the chart of the answers to each statement."""

    tab = "Items"
    css = "pt-items-chart"

    def __init__(self, state: ReviewState, feedback: Feedback, out_dir: Path) -> None:
        super().__init__(state, feedback, out_dir)
        self.note = html_widget("", "pt-items-note")
        self.pane = widgets.VBox(
            [
                html_widget(
                    "<h2>Statements</h2><p class='pt-muted'>Each bar splits the answers to one"
                    " statement, less favourable to the left, more favourable to the right."
                    " Answers to reverse-worded statements are shown as scored. “Don't know” and"
                    " “not applicable” are in a panel of their own.</p>"
                ),
                self.note,
                self.slot.box,
                self.export.widget,
            ]
        )

    def show(self, group: str) -> None:
        """Fill the note for the focus wave (the chart is drawn when the tab is shown)."""
        self.note.value = NO_RESPONSES if self.state.result is None else wave_note(self.state)

    def chart(self, group: str) -> Any:
        from partnership_tools.charts import review as charts

        r = self.state.result
        wave, dist = r.focus_wave, r.distribution
        rows = dist[
            (dist["wave"] == wave) & (dist["group"] == group) & ~dist["suppressed"].astype(bool)
        ]
        if not len(rows):
            return None
        return charts.diverging_items_chart(dist, wave=wave, group=group, width=300).properties(
            title=f"Answers to each statement: {group}, {wave}"
        )
