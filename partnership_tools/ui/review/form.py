"""The Response form tab: open a wave of the kit's review form (``/review-form/<review>``), share
its address (and QR code), close it, and load the responses it has taken.

Under it, :class:`~partnership_tools.ui.review.invites.InvitesPanel` (``invites``): "Require
invitation codes", "Issue codes" (shown once, with a printable sheet), the codes' counts beside
the form's status, and the signs of stuffing (responses per hour to the form's wave, with and
without a code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import Feedback, UIError, action, button, esc, html_widget, show
from partnership_tools.ui.review.invites import InvitesPanel
from partnership_tools.ui.review.shared import WIDE, form_url, require_review, stamp_text
from partnership_tools.ui.review.state import ReviewState


class FormPanel:
    """``status``, ``wave`` (the wave to open), "Open wave for responses", "Close responses",
    "Load new responses" (runs ``on_reload``) and ``link`` (the address and its QR code).
    ``base_url`` gives the address respondents use."""

    def __init__(
        self,
        state: ReviewState,
        feedback: Feedback,
        base_url: Callable[[], str | None],
        on_reload: Callable[[], Any] = lambda: None,
    ) -> None:
        self.state = state
        self.feedback = feedback
        self._base_url = base_url
        full = widgets.Layout(width="100%", max_width="40em")
        self.status = html_widget("", "pt-form-status")
        self._suggested_for: tuple | None = None
        self.wave = widgets.Text(
            description="Wave", placeholder="e.g. phase two", style=WIDE, layout=full
        )
        self.wave.add_class("pt-form-wave")
        self.open_button = button("Open wave for responses", "pt-open-form", "primary", "play")
        self.open_button.on_click(lambda _b: self.open_form())
        self.close_button = button("Close responses", "pt-close-form", "danger", "stop")
        self.close_button.on_click(lambda _b: self.close_form())
        self.link = html_widget("", "pt-form-url")
        self.reload_button = button("Load new responses", "pt-reload", "", "refresh")
        self.reload_button.on_click(lambda _b: on_reload())
        self.invites = InvitesPanel(state, feedback, base_url, on_change=self.show)
        self.pane = widgets.VBox(
            [
                html_widget(
                    "<h2>Response form</h2><p class='pt-muted'>Respondents can answer on their"
                    " own phones or computers, one person at a time, without the app's token."
                    " Open a wave, share the address, close it when the wave is over.</p>"
                ),
                self.status,
                self.invites.counts,
                self.wave,
                widgets.HBox(
                    [self.open_button, self.close_button, self.reload_button],
                    layout=widgets.Layout(flex_flow="row wrap"),
                ),
                self.link,
                self.invites.pane,
            ]
        )

    def next_wave_name(self) -> str:
        """The name suggested for the next wave: the first planned wave with no responses yet,
        else ``wave <number of waves + 1>``."""
        answered = set(self.state.responses.waves) if self.state.responses is not None else set()
        for wave in self.state.planned_waves:
            if wave not in answered:
                return wave
        return f"wave {len(self.state.waves) + 1}"

    def _suggest(self) -> None:
        """Suggest the next wave's name, again whenever another review is on show."""
        answered = tuple(self.state.responses.waves) if self.state.responses is not None else ()
        key = (self.state.review_id, answered)
        if not self.wave.value or key != self._suggested_for:
            self.wave.value = self.next_wave_name()
        self._suggested_for = key

    def show(self) -> None:
        """Show whether the form is taking responses, and its address."""
        from partnership_tools.store.drafts import draft_counts, form_wave

        rid = self.state.review_id
        if not rid:
            self.status.value = (
                "<p>The sample is not kept in the store: create a review under New review in"
                " the Data tab (or open one), then open a wave here.</p>"
                if self.state.is_sample
                else "<p>Save this review to the store first (Data tab), then open a wave here.</p>"
            )
            self.link.value = ""
            show(self.close_button, False)
            show(self.reload_button, False)
            self._suggest()
            self.invites.show(None)
            return
        db = self.state.db
        state = form_wave(db, rid)
        url = form_url(rid, self._base_url())
        show(self.reload_button, True)
        if state is not None and state.open:
            counts = draft_counts(db, rid, state.wave)
            self.status.value = (
                f"<p class='pt-form-open'><b>Open</b> for {esc(state.wave)} since"
                f" {esc(stamp_text(state.opened_at))}:"
                f" {counts['submitted']} submitted, {counts['started'] - counts['submitted']}"
                " in progress.</p>"
            )
            show(self.close_button, True)
            self.wave.value = state.wave
            self._suggested_for = None  # once it closes, suggest the next wave afresh
            from partnership_tools.ui.common import qr_svg

            self.link.value = (
                f"<p>Share this address with respondents:</p><p><a href='{esc(url)}'"
                f" target='_blank' rel='noopener'>{esc(url)}</a></p>"
                f"<div class='pt-qr' role='img' aria-label='QR code for the review form'>"
                f"{qr_svg(url, scale=6) if url.startswith('http') else ''}</div>"
            )
            self.invites.show(state.wave)
            return
        closed = (
            f" Responses to {esc(state.wave)} closed at {esc(stamp_text(state.closed_at or ''))}."
            if state is not None
            else ""
        )
        self.status.value = f"<p class='pt-form-closed'><b>Not taking responses.</b>{closed}</p>"
        show(self.close_button, False)
        self.link.value = f"<p class='pt-muted'>The form's address: {esc(url)}</p>"
        self._suggest()
        self.invites.show(state.wave if state is not None else None)

    @action("opening the response form")
    def open_form(self, wave: str | None = None) -> Any:
        """Open the review form for responses to a wave (the typed one by default)."""
        from partnership_tools.store.drafts import DraftError, open_wave

        rid = require_review(self.state.review_id, "take responses with the form")
        name = " ".join((wave if wave is not None else self.wave.value).split())
        try:
            state = open_wave(self.state.db, rid, name)
        except DraftError as exc:
            raise UIError(str(exc)) from None
        self.wave.value = state.wave
        self.show()
        self.feedback.success(
            f"The response form is open for {state.wave}: {form_url(rid, self._base_url())}"
        )
        return state

    @action("closing the response form")
    def close_form(self) -> Any:
        from partnership_tools.store.drafts import close_wave

        rid = require_review(self.state.review_id, "take responses with the form")
        state = close_wave(self.state.db, rid)
        self.show()
        if state is None:
            raise UIError("The response form was not open.")
        self.feedback.success(f"Closed the response form for {state.wave}.")
        return state
