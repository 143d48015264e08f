"""The Waves tab: the change in each dimension between two waves ("From" and "To").

One source of truth: the two dropdowns. The sentence under them, the table and the chart are all
worked out from the waves the dropdowns show (:func:`wave_figures` on the scored dimensions),
never from a comparison chosen elsewhere. Each wave's mean is shown wherever that wave alone is big
enough; where a wave's figures are hidden, a sentence says why and what would show them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.review.scoring.anonymity import (
    COMPLEMENTARY,
    NOT_STATED,
    SMALL_GROUP,
    SMALL_TOTAL,
)
from partnership_tools.review.scoring.waves import wave_figures
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

SUPPRESSED = "suppressed"
NOT_COMPARED = "not compared"


def change_rows(figures: Any) -> list[list[Any]]:
    """One row per dimension: title, mean before, mean after, change (signed), direction.

    ``figures`` is a table of :func:`wave_figures` (each wave's mean shown where that wave's own
    row is, else "suppressed"; the change and direction only when both are shown, else "not
    compared"). A table of :func:`compare_waves` (no ``shown_*`` columns) is read as hidden in
    both waves wherever its row is suppressed.
    """
    rows = []
    for _, row in figures.iterrows():
        hidden = is_true(row["suppressed"])
        shown_b = is_true(row["shown_before"]) if "shown_before" in row else not hidden
        shown_a = is_true(row["shown_after"]) if "shown_after" in row else not hidden
        rows.append(
            [
                row["title"],
                fmt(row["mean_before"]) if shown_b else SUPPRESSED,
                fmt(row["mean_after"]) if shown_a else SUPPRESSED,
                fmt(row["change"], "+.2f"),
                NOT_COMPARED if hidden else text(row["direction"]),
            ]
        )
    return rows


def group_label(group: str) -> str:
    """How a group is named in a sentence ("all respondents" in lower case).

    >>> group_label(OVERALL), group_label("Manager")
    ('all respondents', 'Manager')
    """
    return group.lower() if group == OVERALL else group


def wave_counts(responses: Any, waves: Sequence[str], by: str | None, group: str) -> dict[str, int]:
    """The respondents of ``group`` (grouped by the field ``by``) in each of ``waves``."""
    out = {w: 0 for w in waves}
    if responses is None:
        return out
    f = responses.frame
    rows = f
    if group != OVERALL:
        if not by or by not in f:
            return out
        rows = f[f[by].isna()] if group == NOT_STATED else f[f[by] == group]
    counts = rows["wave"].value_counts()
    return {w: int(counts.get(w, 0)) for w in waves}


def _people(n: int) -> str:
    return f"{n} respondent" + ("" if n == 1 else "s")


def hidden_sentences(
    figures: Any, counts: Mapping[str, int], min_group_size: int, group: str = OVERALL
) -> list[str]:
    """For each wave with hidden figures: what is hidden, why, and what would show it.

    ``figures`` is a table of :func:`wave_figures`; ``counts`` the group's respondents per wave.
    One sentence per wave and reason; it names the dimensions hidden unless every one is.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"title": ["Health"], "before": "one", "after": "two",
    ...     "shown_before": [False], "shown_after": [True],
    ...     "reason_before": ["small_total"], "reason_after": [None]})
    >>> hidden_sentences(f, {"one": 3, "two": 10}, 5)[0]
    'Health in one: 3 respondents, fewer than the minimum of 5. More responses in one, or a smaller minimum group size (set by the facilitator in “Smallest group shown”), would show it.'
    """
    if not len(figures):
        return []
    k = int(min_group_size)
    out = []
    b, a = str(figures["before"].iloc[0]), str(figures["after"].iloc[0])
    for wave, side in ((b, "before"), (a, "after")):
        hidden = figures[~figures[f"shown_{side}"].astype(bool)]
        if not len(hidden):
            continue
        reasons = hidden[f"reason_{side}"].astype(object)
        for reason in dict.fromkeys(reasons.where(reasons.notna(), None)):
            part = hidden[(reasons == reason) if reason is not None else reasons.isna()]
            every = len(part) == len(figures) > 1
            what = ("Every dimension" if every else ", ".join(str(t) for t in part["title"])) + (
                f" of {group}" if group != OVERALL else ""
            )
            n = int(counts.get(wave, 0))
            if reason == SMALL_TOTAL:
                why = f"{_people(n)}, fewer than the minimum of {k}"
                fix = (
                    f"More responses in {wave}, or a smaller minimum group size (set by the"
                    " facilitator in “Smallest group shown”), would show "
                )
            elif reason == SMALL_GROUP:
                why = f"{_people(n)}, fewer than the minimum of {k}"
                fix = (
                    f"More responses from {group} in {wave}, a smaller minimum group size (set by"
                    " the facilitator), or fewer splits (compare by a field with fewer, larger"
                    " groups, or no groups), would show "
                )
            elif reason == COMPLEMENTARY:
                why = (
                    f"{_people(n)}, hidden so that a smaller group cannot be worked out from the"
                    " total"
                )
                fix = (
                    "More responses from the smaller groups, or fewer splits (compare by a field"
                    " with fewer, larger groups, or no groups), would show "
                )
            else:
                why = "no respondents" if n == 0 else f"{_people(n)}, no figures"
                fix = f"Responses in {wave} would show "
            it = "them" if len(part) > 1 else "it"
            out.append(f"{what} in {wave}: {why}. {fix}{it}.")
    return out


class WavesPanel(ChartPanel):
    """``before`` and ``after`` (the two waves compared; ``on_change`` runs when either is
    changed by the user), ``note``, the chart and ``table`` (``pt-changes``). What is shown is
    always the pair the dropdowns show."""

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
        wave and ``default`` (or, when that is the "From" wave, the last other wave), so the two
        differ whenever there are two waves (no ``on_change``)."""
        waves = list(waves)
        b = before if before in waves else (waves[0] if waves else None)
        a: str | None
        if after in waves:
            a = after
        else:
            others = [w for w in waves if w != b]
            a = default if default in others else (others[-1] if others else b)
        self._quiet = True
        try:
            self.before.options = waves
            self.after.options = waves
            self.before.value = b
            self.after.value = a
        finally:
            self._quiet = False

    def pair(self) -> tuple[str | None, str | None]:
        """The two waves compared: what the dropdowns show (filled first, quietly, from the
        result's settings when they do not yet offer the waves of the responses)."""
        r = self.state.result
        waves = list(self.state.waves)
        if list(self.before.options) != waves or list(self.after.options) != waves:
            s = r.settings if r is not None else None
            self.fill(waves, s.before if s else None, s.after if s else None)
        return self.before.value, self.after.value

    def figures(self, group: str) -> Any:
        """:func:`wave_figures` for the dropdowns' waves and ``group`` (None when there is no
        pair of different waves to compare)."""
        r = self.state.result
        before, after = self.pair()
        if r is None or before is None or after is None or before == after:
            return None
        if before not in r.waves or after not in r.waves:
            return None
        return wave_figures(r.dimensions, before, after, group)

    def show(self, group: str) -> None:
        """Fill the note and the table of each wave's means and the change, for ``group``."""
        r = self.state.result
        if r is None:
            self.note.value = NO_RESPONSES
            self.table.value = ""
            return
        if len(self.state.waves) < 2:
            self.note.value = (
                "<p>There is one wave so far: the change shows once a second wave is in.</p>"
            )
            self.table.value = ""
            return
        before, after = self.pair()
        if before is None or after is None:
            self.note.value = "<p>Choose the two waves to compare.</p>"
            self.table.value = ""
            return
        if before == after:
            self.note.value = (
                f"<p>“From” and “To” are both {esc(before)}: choose two different waves to"
                " compare.</p>"
            )
            self.table.value = ""
            return
        figs = self.figures(group)
        note = f"<p>From {esc(before)} to {esc(after)}, {esc(group_label(group))}.</p>"
        if figs is None or not len(figs):
            self.note.value = note + "<p>There are no figures for these waves.</p>"
            self.table.value = ""
            return
        counts = wave_counts(self.state.responses, (before, after), r.settings.by, group)
        note += "".join(
            f"<p class='pt-warning' role='status'>{esc(s)}</p>"
            for s in hidden_sentences(figs, counts, r.settings.min_group_size, group)
        )
        self.note.value = note
        self.table.value = html_table(
            ["Dimension", before, after, "Change", "Direction"],
            change_rows(figs),
            numeric=[1, 2, 3],
            caption=f"{before} to {after}, {group_label(group)}",
        )

    def chart(self, group: str) -> Any:
        from partnership_tools.charts import review as charts

        figs = self.figures(group)
        if figs is None or not len(figs[~figs["suppressed"]]):
            return None
        return charts.wave_change_chart(figs, group=group).properties(width=CHART_WIDTH)
