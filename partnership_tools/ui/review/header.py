"""The top of the review page: its title and a one-line summary of the review on show."""

from __future__ import annotations

from partnership_tools.ui.common import esc, html_widget
from partnership_tools.ui.review.state import ReviewState


def summary_html(state: ReviewState) -> str:
    """The review's title, instrument, responses, waves (planned ones too) and where it came
    from ("" without an instrument); the sample says it is read-only demo data.

    >>> from pathlib import Path
    >>> from partnership_tools.review.instrument import load_instrument
    >>> s = ReviewState(None, Path("s"), instrument=load_instrument("ten_lessons"))
    >>> s.review_title, s.planned_waves = "Spring <review>", ("baseline",)
    >>> print(summary_html(s))  # doctest: +NORMALIZE_WHITESPACE
    <h2 class='pt-review-title'>Spring &lt;review&gt;</h2><p>...: <b>0</b> response(s);
    waves: baseline; (not in the store yet).</p>
    """
    if state.instrument is None:
        return ""
    waves = ", ".join(state.waves) or "none yet"
    where = (
        f"stored as <code>{esc(state.review_id)}</code>"
        if state.review_id
        else "not in the store yet"
    )
    title = state.review_title or ("Sample review" if state.is_sample else "") or "Review"
    source = f" from {esc(state.source)}" if state.source else ""
    demo = (
        "<p class='pt-muted pt-sample-note'>Demo data, read-only: the sample is never saved"
        " under a review id. Start your own with New review in the Data tab.</p>"
        if state.is_sample
        else ""
    )
    return (
        f"<h2 class='pt-review-title'>{esc(title)}</h2><p>{esc(state.instrument.title)}:"
        f" <b>{state.n}</b> response(s); waves: {esc(waves)};{source} ({where}).</p>{demo}"
    )


class HeaderPanel:
    """``title`` (the page heading) and ``summary`` (``pt-review-summary``)."""

    def __init__(self, state: ReviewState) -> None:
        self.state = state
        self.title = html_widget(
            "<h1>Partnership review</h1><p class='pt-muted'>How the partners see their"
            " partnership: strengths, concerns, groups, change between waves, and what to do"
            " next.</p>"
        )
        self.summary = html_widget("", "pt-review-summary")

    def show(self) -> None:
        self.summary.value = summary_html(self.state)
