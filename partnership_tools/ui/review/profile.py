"""The Profile tab: each dimension's mean, coloured by band, with a table of the figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import Feedback, html_table, html_widget
from partnership_tools.ui.review.chartpanel import ChartPanel, wave_note
from partnership_tools.ui.review.shared import (
    CHART_WIDTH,
    NO_RESPONSES,
    OVERALL,
    fmt,
    int_text,
    is_true,
    text,
)
from partnership_tools.ui.review.state import ReviewState

PROFILE_COLUMNS = [
    "Dimension",
    "Mean",
    "% positive",
    "SD",
    "Band",
    "Valid answers",
    "Don't know",
    "Not applicable",
]


def profile_rows(dimensions: Any, wave: str, group: str) -> list[list[Any]]:
    """The table's rows for one wave and group: title, mean, % positive, SD, band (or why
    none), valid answers, "don't know" and "not applicable" (answers counted, never averaged)."""
    d = dimensions
    rows = []
    for _, row in d[(d["wave"] == wave) & (d["group"] == group)].iterrows():
        hidden = is_true(row["suppressed"])
        band = (
            "suppressed"
            if hidden
            else (text(row["band_label"]) if is_true(row["met_minimum"]) else "too few answers")
        )
        rows.append(
            [
                row["title"],
                fmt(row["mean"]),
                fmt(row["pct_positive"], ".0f"),
                fmt(row["sd"]),
                band,
                int_text(row["n"]),
                int_text(row["dont_know"]),
                int_text(row["not_applicable"]),
            ]
        )
    return rows


class ProfilePanel(ChartPanel):
    """``note`` (respondents in the wave), the chart and ``table`` (``pt-profile-table``)."""

    tab = "Profile"
    css = "pt-profile-chart"

    def __init__(self, state: ReviewState, feedback: Feedback, out_dir: Path) -> None:
        super().__init__(state, feedback, out_dir)
        self.note = html_widget("", "pt-profile-note")
        self.table = html_widget("", "pt-profile-table")
        self.pane = widgets.VBox(
            [
                html_widget(
                    "<h2>Profile</h2><p class='pt-muted'>Each dimension's mean answer (after"
                    " reverse-worded statements are turned round), coloured by band. “Don't"
                    " know” and “not applicable” are counted, never averaged.</p>"
                ),
                self.note,
                self.slot.box,
                self.export.widget,
                self.table,
            ]
        )

    def show(self, group: str) -> None:
        """Fill the note and the table for the focus wave and ``group``."""
        r = self.state.result
        if r is None:
            self.table.value = ""
            self.note.value = NO_RESPONSES
            return
        wave = r.focus_wave
        self.table.value = html_table(
            PROFILE_COLUMNS,
            profile_rows(r.dimensions, wave, group),
            numeric=[1, 2, 3, 5, 6, 7],
            caption=f"{wave}, {group.lower() if group == OVERALL else group}",
        )
        self.note.value = wave_note(self.state)

    def chart(self, group: str) -> Any:
        from partnership_tools.charts import review as charts

        r = self.state.result
        scale = self.state.instrument.scale
        wave, d = r.focus_wave, r.dimensions
        rows = d[(d["wave"] == wave) & (d["group"] == group) & ~d["suppressed"].astype(bool)]
        if not len(rows):
            return None
        chart = charts.profile_chart(d, wave=wave, group=group, scale_range=(scale.low, scale.high))
        return chart.properties(title=f"Dimension profile: {group}, {wave}", width=CHART_WIDTH)
