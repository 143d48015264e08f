"""The Findings tab: strengths, concerns and the rest in plain English, and the comments."""

from __future__ import annotations

import ipywidgets as widgets

from partnership_tools.ui.common import esc, html_widget
from partnership_tools.ui.review.state import ReviewState

#: The sections of the tab, each with the kinds of finding it lists.
SECTIONS = (
    ("Strengths", ("strength",)),
    ("Worth discussing", ("discuss",)),
    ("Concerns", ("concern",)),
    ("Other things to note", ("not_enough", "dont_know", "gap", "consensus", "change", "coverage")),
)


class FindingsPanel:
    """``html`` (``pt-findings``): the findings of the focus wave, section by section, then the
    comments made in that wave."""

    def __init__(self, state: ReviewState) -> None:
        self.state = state
        self.html = html_widget("", "pt-findings")
        self.pane = widgets.VBox([self.html])

    def show(self) -> None:
        r = self.state.result
        if r is None:
            self.html.value = "<h2>Findings</h2><p>No responses yet.</p>"
            return
        wave = r.focus_wave
        parts = [f"<h2>Findings for {esc(wave)}</h2>"]
        for heading, kinds in SECTIONS:
            found = [f for f in r.findings if f.kind in kinds]
            parts.append(f"<h3>{esc(heading)} ({len(found)})</h3>")
            if not found:
                parts.append("<p class='pt-muted'>None.</p>")
            for f in found:
                parts.append(f"<p class='pt-finding pt-finding-{esc(f.kind)}'>{esc(f.text)}</p>")
        frame = self.state.responses.frame
        comments = [c for c in frame.loc[frame["wave"] == wave, "comments"] if str(c).strip()]
        parts.append(f"<h3>Comments ({len(comments)})</h3>")
        if not comments:
            parts.append("<p class='pt-muted'>No comments in this wave.</p>")
        for c in comments:
            parts.append(f"<div class='pt-comment'>{esc(c)}</div>")
        self.html.value = "".join(parts)
