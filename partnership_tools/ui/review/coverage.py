"""The Coverage tab: who took part, level by level (the vertical slice), with a warning for a
level nobody spoke for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import Feedback, esc, html_widget
from partnership_tools.ui.review.chartpanel import ChartPanel
from partnership_tools.ui.review.shared import NO_RESPONSES
from partnership_tools.ui.review.state import ReviewState


class CoveragePanel(ChartPanel):
    """``note`` (the warnings, ``pt-coverage-warnings``) and the coverage chart."""

    tab = "Coverage"
    css = "pt-coverage-chart"

    def __init__(self, state: ReviewState, feedback: Feedback, out_dir: Path) -> None:
        super().__init__(state, feedback, out_dir)
        self.note = html_widget("", "pt-coverage-warnings")
        self.pane = widgets.VBox(
            [
                html_widget(
                    "<h2>Who took part</h2><p class='pt-muted'>A partnership review should hear"
                    " from every level of the partnership: policy makers, managers, front-line"
                    " workers and citizens or community activists.</p>"
                ),
                self.note,
                self.slot.box,
                self.export.widget,
            ]
        )

    def show(self, group: str) -> None:
        """Fill the warnings (or say every level answered)."""
        r = self.state.result
        if r is None:
            self.note.value = NO_RESPONSES
        elif r.coverage is None:
            self.note.value = (
                "<p>This instrument does not name the question that places people in the"
                " vertical slice (its coverage field).</p>"
            )
        elif r.coverage.warnings:
            self.note.value = "".join(
                f"<p class='pt-warning' role='status'>{esc(x)}</p>" for x in r.coverage.warnings
            )
        else:
            self.note.value = "<p>Every level of the vertical slice answered in every wave.</p>"

    def chart(self, group: str) -> Any:
        from partnership_tools.charts import review as charts

        r = self.state.result
        if r.coverage is None or not len(r.coverage.table):
            return None
        return charts.coverage_chart(r.coverage.table)
