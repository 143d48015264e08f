"""The Round tab: choose the ballot paper and open a round, watch the live ballot count, type
paper ballots (``CAB`` or ``C>A>B``, checked as typed, stored on Enter, with undo), import
ballots from a file (``import_panel``, :mod:`~partnership_tools.ui.facilitator.import_panel`)
and close it.

The live count is refreshed by a :class:`~partnership_tools.ui.poller.StorePoller` while a round
is open (``console.poll_interval`` None: off, call :meth:`RoundPanel.refresh_count`). Closing
raises ``on_closed(number)`` (the app shows that round's results).

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = RoundPanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.open_round(["A"]) is None, p.feedback.last
(True, 'Open a session with its facilitator key first.')
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import ipywidgets as widgets

from partnership_tools.store import Store
from partnership_tools.ui.common import (
    UIError,
    action,
    busy,
    button,
    esc,
    html_widget,
    join_url,
    one_sentence,
    show,
)
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.ui.facilitator.helpers import (
    next_round_options,
    option_display,
    superseded_ids,
)
from partnership_tools.ui.facilitator.import_panel import ImportPanel
from partnership_tools.ui.facilitator.integrity_panel import mode_line
from partnership_tools.ui.poller import StorePoller
from partnership_tools.vote.model import Ballot, Session

log = logging.getLogger("partnership_tools.ui")

__all__ = ["RoundPanel", "projector_path"]


def projector_path(session_id: str) -> str:
    """The projector's address for a session, on the facilitator's own server, without a token.

    The server's base URL (``VOILA_BASE_URL``, ``/`` by default) followed by
    ``voila/render/projector.ipynb?session=<id>`` (the id URL-encoded). It is a path, not a full
    address: the facilitator's browser already holds the server's login, so the link needs no
    token, and the token is never written into the page.

    >>> projector_path("room 1").endswith("/voila/render/projector.ipynb?session=room+1")
    True
    """
    base = (os.environ.get("VOILA_BASE_URL") or "/").rstrip("/")
    return f"{base}/voila/render/projector.ipynb?{urlencode({'session': session_id})}"


class RoundPanel:
    """Open, run and close rounds. ``pane`` is the tab's box; ``poller`` the live-count poller;
    ``also_busy``: other buttons that open rounds (disabled while one opens)."""

    WIDGETS = (
        "round_status",
        "mode_html",
        "count_html",
        "join_html",
        "projector_html",
        "round_checks",
        "open_round_button",
        "open_box",
        "paper_input",
        "paper_group",
        "paper_add_button",
        "undo_button",
        "paper_feedback",
        "paper_recent",
        "close_round_button",
        "confirm_text",
        "confirm_close_button",
        "cancel_close_button",
        "confirm_box",
        "paper_box",
    )

    def __init__(self, console: Console) -> None:
        self.console = console
        self.feedback = console.feedback
        self.on_closed: Callable[[int], object] = lambda _n: None
        self.also_busy: tuple[widgets.Widget, ...] = ()
        self.paper_ids: list[tuple[int, tuple[str, ...]]] = []
        self.paper_round: int | None = None
        self.option_boxes: dict[str, widgets.Checkbox] = {}
        self.last_count: int | None = None
        self.poller = StorePoller(
            console.poll_interval,
            self.refresh_count,
            db_path=console.db_path,
            name="pt-facilitator-count",
        )
        self.import_panel = ImportPanel(console)
        self.import_panel.on_added = self.show_count
        self._build()

    def _build(self) -> None:
        w = widgets
        self.round_status = html_widget("", "pt-round-status")
        self.mode_html = html_widget("", "pt-round-mode")
        self.count_html = html_widget("", "pt-count")
        self.join_html = html_widget("", "pt-join")
        self.projector_html = html_widget("", "pt-projector-link")
        self.round_checks = w.VBox([])
        self.round_checks.add_class("pt-round-options")
        self.open_round_button = button("Open round", "pt-open-round", "primary", "play")
        self.open_round_button.on_click(lambda _b: self.open_round())
        self.open_box = w.VBox(
            [
                html_widget("<h3>Ballot paper for the next round</h3>"),
                self.round_checks,
                self.open_round_button,
            ]
        )
        self.paper_input = w.Text(
            placeholder="e.g. CAB or C>A>B",
            continuous_update=True,
            layout=w.Layout(width="100%", max_width="28em"),
        )
        self.paper_input.add_class("pt-paper-input")
        self.paper_input.observe(self._on_paper_typing, "value")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self.paper_input.on_submit(lambda _w: self.enter_paper_ballot())
        self.paper_group = w.Dropdown(
            description="Group",
            options=[("No group", "")],
            style={"description_width": "initial"},
        )
        self.paper_group.add_class("pt-paper-group")
        self.paper_add_button = button("Add ballot", "pt-paper-add", "primary", "check")
        self.paper_add_button.on_click(lambda _b: self.enter_paper_ballot())
        self.undo_button = button("Undo last paper ballot", "pt-undo", "warning", "undo")
        self.undo_button.on_click(lambda _b: self.undo_last())
        self.paper_feedback = html_widget("", "pt-paper-feedback")
        self.paper_feedback.add_class("pt-msg")
        self.paper_recent = html_widget("", "pt-paper-recent")
        self.close_round_button = button("Close round…", "pt-close-round", "danger", "stop")
        self.close_round_button.on_click(lambda _b: self.ask_close_round())
        self.confirm_text = html_widget("", "pt-confirm-text")
        self.confirm_close_button = button("Yes, close it", "pt-confirm-close", "danger")
        self.confirm_close_button.on_click(lambda _b: self.close_round())
        self.cancel_close_button = button("Cancel", "pt-cancel-close")
        self.cancel_close_button.on_click(lambda _b: self.cancel_close())
        self.confirm_box = w.HBox(
            [self.confirm_text, self.confirm_close_button, self.cancel_close_button],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        show(self.confirm_box, False)
        self.paper_box = w.VBox(
            [
                html_widget(
                    "<h3>Paper ballots</h3><p class='pt-muted'>Type the option ids in order of"
                    " preference (<code>CAB</code> or <code>C&gt;A&gt;B</code>) and press"
                    " Enter. Leave out options the voter did not rank.</p>"
                ),
                self.paper_input,
                self.paper_feedback,
                w.HBox([self.paper_group], layout=w.Layout(flex_flow="row wrap")),
                w.HBox(
                    [self.paper_add_button, self.undo_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.paper_recent,
                self.import_panel.pane,
                html_widget("<h3>Close the round</h3>"),
                self.close_round_button,
                self.confirm_box,
            ]
        )
        self.pane = w.VBox(
            [
                html_widget("<h2>Round</h2>"),
                self.round_status,
                self.mode_html,
                self.count_html,
                self.join_html,
                self.projector_html,
                self.open_box,
                self.paper_box,
            ]
        )

    # -- the tab from the session -----------------------------------------------------------
    def reset(self) -> None:
        """Another session was opened: stop polling, forget this page's paper ballots."""
        self.poller.stop()
        self.paper_ids = []
        self.paper_round = None
        self.import_panel.reset()

    def refresh(self, s: Session) -> None:
        """Show the open round (count, join address, paper ballots) or the next ballot paper."""
        rnd = s.open_round
        self.import_panel.refresh(s)
        self.projector_html.value = (
            f"<p><a href='{esc(projector_path(s.id))}' target='_blank' rel='noopener'>"
            "Open the projector for this session</a></p>"
        )
        self.mode_html.value = (
            f"<p class='pt-muted'>{esc(mode_line(s))} (Change it on the Codes tab between"
            " rounds.)</p>"
        )
        n_next = (s.rounds[-1].number + 1) if s.rounds else 1
        if rnd is None:
            self.poller.stop()
            last = s.rounds[-1] if s.rounds else None
            if last is None:
                status = "No round yet. Tick the options for round 1 and open it."
            else:
                status = (
                    f"Round {last.number} is closed ({len(last.ballots)} ballots)."
                    f" Round {n_next} is next."
                )
            self.round_status.value = f"<p>{esc(status)}</p>"
            self.count_html.value = ""
            self.join_html.value = ""
            self._fill_round_checks(s)
            self.open_round_button.description = f"Open round {n_next}"
            show(self.open_box, True)
            show(self.paper_box, False)
            show(self.confirm_box, False)
            return
        if self.paper_round != rnd.number:
            self.paper_ids = []
            self.paper_round = rnd.number
            self.paper_recent.value = ""
        labels = s.labels
        paper = " · ".join(f"<b>{esc(oid)}</b> {esc(labels[oid])}" for oid in rnd.option_ids)
        self.round_status.value = f"<p><b>Round {rnd.number} is open.</b> Ballot paper: {paper}</p>"
        url = join_url(s.id, self.console.base_url)
        self.join_html.value = (
            f"<p>Participants vote at <a href='{esc(url)}' target='_blank' rel='noopener'>"
            f"{esc(url)}</a></p>"
        )
        self.show_count(len(rnd.ballots))
        group_opts = [("No group", "")] + [(g, g) for g in s.groups]
        if list(self.paper_group.options) != group_opts:
            self.paper_group.options = group_opts
        show(self.paper_group, bool(s.groups))
        show(self.open_box, False)
        show(self.paper_box, True)
        self.confirm_text.value = (
            f"<b>Close round {rnd.number}?</b> No more ballots will be accepted."
        )
        self.poller.start()

    def show_count(self, count: int) -> None:
        self.last_count = count
        word = "ballot" if count == 1 else "ballots"
        self.count_html.value = (
            f"<div class='pt-count-value' aria-live='polite'><span class='pt-count-number'>"
            f"{count}</span> {word}</div>"
        )

    def _fill_round_checks(self, s: Session) -> None:
        default = set(next_round_options(s))
        gone = superseded_ids(s)
        boxes: dict[str, widgets.Checkbox] = {}
        children = []
        for o in s.options:
            if o.id in gone and o.id not in default:
                continue
            cb = widgets.Checkbox(
                value=o.id in default,
                description=option_display(o),
                indent=False,
                layout=widgets.Layout(width="auto"),
            )
            cb.add_class("pt-round-option")
            boxes[o.id] = cb
            children.append(cb)
        self.option_boxes = boxes
        self.round_checks.children = children or [
            html_widget("<p class='pt-muted'>Add options first (Options tab).</p>")
        ]

    def selected_round_options(self) -> list[str]:
        """The ticked options, in session order."""
        return [oid for oid, cb in self.option_boxes.items() if cb.value]

    # -- opening ----------------------------------------------------------------------------
    @action("opening the round")
    def open_round(self, option_ids: Sequence[str] | None = None) -> Any:
        s = self.console.require()
        ids = list(option_ids) if option_ids is not None else self.selected_round_options()
        if len(ids) < 2:
            raise UIError("Tick at least two options for the ballot paper.")
        with busy(self.open_round_button, *self.also_busy):
            rnd = self.console.store.open_round(s.id, ids)
        self.console.refresh()
        self.console.select_tab("Round")
        self.feedback.success(
            f"Round {rnd.number} is open with options {', '.join(rnd.option_ids)}; share the"
            " ballot address with the participants."
        )
        return rnd

    def open_next_round(self) -> Any:
        """Open the next round with the default ballot paper (see :func:`next_round_options`)."""
        c = self.console
        if not c.session_id or c.session is None:
            return self.open_round()  # reports that a session must be opened first
        return self.open_round(next_round_options(c.store.load_session(c.session_id)))

    def _open_round_or_fail(self) -> Any:
        s = self.console.require()
        rnd = self.console.store.open_round_of(s.id)
        if rnd is None:
            raise UIError("No round is open; open one first.")
        return rnd

    # -- paper ballots ----------------------------------------------------------------------
    def preview_paper(self, text: str) -> tuple[str, ...] | None:
        """Check a paper ballot as it is typed; show how it reads, or what is wrong."""
        from partnership_tools.vote.validation import BallotError, parse_ranking

        s = self.console.session
        if not self.console.session_id or not s or not s.open_round:
            self.paper_feedback.value = ""
            return None
        if not text.strip():
            self.paper_feedback.value = ""
            return None
        rnd = s.open_round
        options = [s.option(i) for i in rnd.option_ids]
        try:
            ranking = parse_ranking(text, options)
        except BallotError as exc:
            self.paper_feedback.value = f"<div class='pt-msg-error' role='status'>{esc(one_sentence('This ballot ' + exc.reason))}</div>"
            return None
        n = len(rnd.option_ids)
        self.paper_feedback.value = (
            f"<div class='pt-msg-info' role='status'>Reads as {esc(' > '.join(ranking))}"
            f" ({len(ranking)} of {n} ranked). Press Enter to add it.</div>"
        )
        return ranking

    def _on_paper_typing(self, change: dict) -> None:
        try:
            self.preview_paper(change["new"] or "")
        except Exception:  # noqa: BLE001 - a preview must never break typing
            log.exception("Paper ballot preview failed")

    @action("storing the paper ballot")
    def enter_paper_ballot(self, text: str | None = None, group: str | None = None) -> int | None:
        """Validate and store one paper ballot; returns its store id."""
        from partnership_tools.vote.validation import parse_ranking

        store = self.console.store
        s = self.console.require()
        rnd = self._open_round_or_fail()
        raw = self.paper_input.value if text is None else text
        options = [s.option(i) for i in rnd.option_ids]
        ranking = parse_ranking(raw, options)
        if not ranking:
            raise UIError("Type a ballot first, for example CAB or C>A>B.")
        grp = (self.paper_group.value if group is None else group) or None
        receipt = store.add_ballot(
            s.id, rnd.number, Ballot(ranking=ranking, group=grp, source="paper")
        )
        self.paper_ids.append((receipt.ballot_id, ranking))
        self.paper_round = rnd.number
        self.paper_input.value = ""
        count = store.ballot_count(s.id, rnd.number)
        self.show_count(count)
        shown = " > ".join(ranking)
        self.paper_feedback.value = (
            f"<div class='pt-msg-success' role='status'>Added paper ballot {esc(shown)}. Type the"
            " next one.</div>"
        )
        self._show_recent()
        self.feedback.success(
            f"Paper ballot {shown} added ({count} ballots in round {rnd.number})."
        )
        return receipt.ballot_id

    def _show_recent(self) -> None:
        recent = self.paper_ids[-5:]
        if not recent:
            self.paper_recent.value = ""
            return
        items = "".join(f"<li>{esc(' > '.join(r))}</li>" for _, r in reversed(recent))
        self.paper_recent.value = (
            f"<p class='pt-muted'>Paper ballots entered here this round: {len(self.paper_ids)}."
            f" Latest first:</p><ul class='pt-recent'>{items}</ul>"
        )

    @action("undoing the last paper ballot")
    def undo_last(self) -> tuple[str, ...] | None:
        store = self.console.store
        s = self.console.require()
        rnd = self._open_round_or_fail()
        if not self.paper_ids or self.paper_round != rnd.number:
            raise UIError("There is no paper ballot from this page to undo in this round.")
        ballot_id, ranking = self.paper_ids[-1]
        store.remove_ballot(s.id, ballot_id)
        self.paper_ids.pop()
        self.show_count(store.ballot_count(s.id, rnd.number))
        self._show_recent()
        shown = " > ".join(ranking)
        self.paper_feedback.value = ""
        self.feedback.success(f"Removed the last paper ballot ({shown}).")
        return ranking

    # -- closing ----------------------------------------------------------------------------
    def ask_close_round(self) -> None:
        show(self.confirm_box, True)

    def cancel_close(self) -> None:
        show(self.confirm_box, False)

    @action("closing the round")
    def close_round(self) -> int | None:
        s = self.console.require()
        rnd = self._open_round_or_fail()
        with busy(self.confirm_close_button, self.close_round_button):
            self.console.store.close_round(s.id, rnd.number)
        show(self.confirm_box, False)
        self.poller.stop()
        self.console.refresh()
        self.console.select_tab("Results")
        self.on_closed(rnd.number)
        session = self.console.session
        count = len(session.round(rnd.number).ballots) if session else 0
        self.feedback.success(f"Round {rnd.number} is closed with {count} ballots.")
        return rnd.number

    # -- live count --------------------------------------------------------------------------
    def refresh_count(self, store: Store | None = None) -> int | None:
        """Read the open round's ballot count from the store and show it (the poller's job)."""
        sid = self.console.session_id
        if not sid:
            return None
        st = store or self.console.store
        rnd = st.open_round_of(sid)
        if rnd is None:
            return None
        count = st.ballot_count(sid, rnd.number)
        if count != self.last_count:
            self.show_count(count)
        return count
