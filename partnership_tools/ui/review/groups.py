"""The Groups tab: a dimension-by-group heatmap (groups too small to show greyed and marked) and
the gaps between groups to talk through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import Feedback, esc, html_table, html_widget
from partnership_tools.ui.review.chartpanel import ChartPanel
from partnership_tools.ui.review.shared import NO_RESPONSES, fmt, is_true, text
from partnership_tools.ui.review.state import ReviewState


def gap_rows(gaps: Any, wave: str) -> list[list[Any]]:
    """One row per dimension of ``wave``: title, highest group (mean), lowest group (mean), gap,
    and "Worth talking through" when the gap is flagged."""
    g = gaps[gaps["wave"] == wave] if len(gaps) else gaps
    rows = []
    for _, row in g.iterrows():
        rows.append(
            [
                row["title"],
                f"{row['highest_group']} ({fmt(row['highest_mean'])})"
                if text(row["highest_group"])
                else "–",
                f"{row['lowest_group']} ({fmt(row['lowest_mean'])})"
                if text(row["lowest_group"])
                else "–",
                fmt(row["gap"]),
                "Worth talking through" if is_true(row["flagged"]) else "",
            ]
        )
    return rows


class GroupsPanel(ChartPanel):
    """``note`` (the grouping, and the groups not shown), the heatmap and ``gaps`` (the table)."""

    tab = "Groups"
    css = "pt-groups-chart"

    def __init__(self, state: ReviewState, feedback: Feedback, out_dir: Path) -> None:
        super().__init__(state, feedback, out_dir)
        self.note = html_widget("", "pt-groups-note")
        self.gaps = html_widget("", "pt-gaps")
        self.pane = widgets.VBox(
            [
                html_widget(
                    "<h2>Groups</h2><p class='pt-muted'>Dimension means group by group. Grey"
                    " cells are groups too small to show (and, where needed, one more so that"
                    " nobody's answers can be worked out from the rest). Gaps are something to"
                    " talk through together, not a verdict.</p>"
                ),
                self.note,
                self.slot.box,
                self.export.widget,
                self.gaps,
            ]
        )

    def show(self, group: str) -> None:
        """Fill the note and the gaps table for the focus wave."""
        r = self.state.result
        if r is None:
            self.note.value = NO_RESPONSES
            self.gaps.value = ""
            return
        if not r.settings.by:
            self.note.value = "<p>Choose a question in “Compare groups by” to see the groups.</p>"
            self.gaps.value = ""
            return
        wave, k = r.focus_wave, r.settings.min_group_size
        fld = self.state.instrument.field(r.settings.by)
        d = r.dimensions
        w = d[(d["wave"] == wave) & ~d["overall"].astype(bool)]
        hidden = sorted(set(w.loc[w["suppressed"].astype(bool), "group"]))
        note = f"<p>Groups by “{esc(fld.label)}” in {esc(wave)}.</p>"
        if hidden:
            note += (
                f"<p class='pt-warning'>Not shown (fewer than {k} people, or to protect a"
                f" small group): {esc(', '.join(hidden))}.</p>"
            )
        self.note.value = note
        self.gaps.value = html_table(
            ["Dimension", "Highest", "Lowest", "Gap", ""],
            gap_rows(r.gaps, wave),
            numeric=[3],
            caption=f"Gaps between groups, {wave} (flagged from"
            f" {fmt(r.settings.gap_threshold, '.1f')} points)",
        )

    def chart(self, group: str) -> Any:
        from partnership_tools.charts import review as charts

        r = self.state.result
        if not r.settings.by:
            return None
        scale = self.state.instrument.scale
        return charts.group_heatmap_chart(
            r.dimensions, wave=r.focus_wave, scale_range=(scale.low, scale.high)
        )
