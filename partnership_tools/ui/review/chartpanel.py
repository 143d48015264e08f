"""A tab with one chart: its place on the page and its "Save chart as PNG / SVG" row."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from partnership_tools.ui.common import ChartSlot, Feedback, show
from partnership_tools.ui.export import ChartExport
from partnership_tools.ui.review.state import ReviewState


class ChartPanel:
    """Base of the chart tabs. A subclass sets ``tab`` and ``css`` and builds its chart in
    :meth:`chart` (None when there is nothing to draw); :meth:`draw` puts it on the page and
    points the export row at it (shown only once a chart is drawn)."""

    tab: ClassVar[str] = ""
    css: ClassVar[str] = "pt-chart"

    def __init__(self, state: ReviewState, feedback: Feedback, out_dir: Path) -> None:
        self.state = state
        self.feedback = feedback
        self.slot = ChartSlot(self.css)
        self.export = ChartExport(None, self.tab.lower(), out_dir=out_dir, feedback=feedback)
        show(self.export.widget, False)

    def show(self, group: str) -> None:
        """Fill the tab's notes and tables for the focus wave and ``group``."""
        raise NotImplementedError

    def chart(self, group: str) -> Any:
        """The tab's Altair chart for ``group``, or None."""
        raise NotImplementedError

    def draw(self, group: str) -> Any:
        """Draw the chart (or clear the slot when there is none); returns it."""
        r = self.state.result
        chart = None if r is None else self.chart(group)
        if chart is None:
            self.slot.clear()
        else:
            slot = self.slot
            slot.set(chart)
            name = f"{self.state.review_id or 'review'}-{self.tab}-{r.focus_wave or ''}".rstrip("-")
            self.export.set_chart(lambda: slot.chart, name.lower().replace(" ", "-"))
        show(self.export.widget, chart is not None)
        return chart

    def clear(self) -> None:
        """No chart, no export row."""
        self.slot.clear()
        show(self.export.widget, False)


def wave_note(state: ReviewState) -> str:
    """The respondents in the focus wave, with a warning when there are too few to show."""
    from partnership_tools.review.scoring.anonymity import too_small
    from partnership_tools.ui.common import esc

    r = state.result
    wave = r.focus_wave
    respondents = int((state.responses.frame["wave"] == wave).sum())
    k = r.settings.min_group_size
    note = f"<p>{esc(wave)}: {respondents} respondent(s).</p>"
    if respondents == 0 or too_small(respondents, k):
        note += (
            f"<p class='pt-warning'>Fewer than {k} people answered in {esc(wave)}, so no"
            " figures are shown.</p>"
        )
    return note
