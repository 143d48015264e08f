"""The facilitator's console, assembled: one panel per tab, wired together.

The panels (one module each) do the work; :class:`FacilitatorApp` builds them around one
shared :class:`~partnership_tools.ui.facilitator.console.Console`, places their panes in the
tabs, and wires their events:

* Session → ``on_unlock``: unlock every tab for the opened session and refresh them all;
* any change → ``console.refresh``: reload the session and refresh every panel;
* Round → ``on_closed(n)``: show round ``n`` on the Results tab;
* Amend / merge → ``on_open_next``: the Round tab opens the next round.

For the tests and notebooks written against the one-class app, the panels' widgets are also
attributes of the app under their old names (``app.new_question``, ``app.paper_input``, …) and
its action methods are the panels' (``app.create_session()``, ``app.close_round()``, …).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.store import Store
from partnership_tools.ui.common import (
    WidgetApp,
    action,
    esc,
    html_widget,
    session_from_query,
    style_widget,
)
from partnership_tools.ui.facilitator.amend_panel import AmendPanel
from partnership_tools.ui.facilitator.codes_panel import CodesPanel
from partnership_tools.ui.facilitator.compare_panel import ComparePanel
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.ui.facilitator.export_panel import ExportPanel
from partnership_tools.ui.facilitator.integrity_panel import BallotModePanel, CheckBallotsPanel
from partnership_tools.ui.facilitator.options_panel import OptionsPanel
from partnership_tools.ui.facilitator.results_panel import ResultsPanel
from partnership_tools.ui.facilitator.round_panel import RoundPanel
from partnership_tools.ui.facilitator.session_panel import SessionPanel
from partnership_tools.vote.model import Option, Session

__all__ = ["FACILITATOR_CSS", "TAB_TITLES", "FacilitatorApp"]

TAB_TITLES = (
    "Session",
    "Options",
    "Round",
    "Results",
    "Amend / merge",
    "Compare",
    "Export",
    "Codes",
    "Check ballots",
)

FACILITATOR_CSS = """
.pt-facilitator .widget-tab { margin-top: 8px; }
.pt-facilitator .pt-count { font-size: 2.4em; font-weight: 700; }
.pt-paper-input input { font-size: 1.4em !important; height: 2em !important;
  font-family: ui-monospace, Menlo, Consolas, monospace; letter-spacing: 0.05em; }
.pt-paper-input { width: 100%; max-width: 28em; }
.pt-codes-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(9em, 1fr));
  gap: 6px; margin: 6px 0; }
.pt-codes-grid div { border: 1px dashed #7B8794; padding: 8px; text-align: center;
  font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 1.15em; letter-spacing: 0.1em; }
.pt-join a { font-size: 1.15em; word-break: break-all; }
.pt-facilitator .jupyter-button.mod-warning { background-color: #8A4500; color: #FFFFFF; }
.pt-facilitator .jupyter-button.mod-info { background-color: #0B5CAD; color: #FFFFFF; }
.pt-import-ballots { border-top: 1px solid #E4E7EB; margin-top: 10px; padding-top: 4px; }
.pt-import-report summary { cursor: pointer; color: #0B5CAD; }
.pt-import-report ul { margin: 4px 0 0 1.2em; padding: 0; font-size: 13px; color: #323F4B; }
.pt-facilitator .widget-textarea textarea { font-size: 14px; }
.pt-facilitator button:focus-visible, .pt-facilitator input:focus-visible,
.pt-facilitator textarea:focus-visible, .pt-facilitator select:focus-visible,
.pt-facilitator .lm-TabBar-tab:focus-visible, .pt-facilitator a:focus-visible {
  outline: 3px solid #0B5CAD !important; outline-offset: 2px; }
.pt-scroll-note { display: none; font-size: 13px; color: #52606D; margin: 2px 0; }
.pt-facilitator .pt-table-wrap[tabindex]:focus-visible { outline: 3px solid #0B5CAD;
  outline-offset: 2px; }
.pt-facilitator .pt-confirm-box { border-left: 4px solid #C62828; padding: 4px 10px;
  margin: 6px 0; background: #FDECEA; }
.pt-facilitator .pt-warning { color: #5F1111; font-weight: 600; }
.pt-facilitator .pt-table tr.pt-suspect td { background: #FFF4E5; font-weight: 600; }
.pt-facilitator .pt-receipt-links a, .pt-facilitator .pt-export-links a { word-break: break-all; }
@media (max-width: 600px) {
  .pt-scroll-note { display: block; }
  .pt-facilitator .widget-box, .pt-facilitator .widget-html, .pt-facilitator .widget-inline-hbox,
  .pt-facilitator .widget-text, .pt-facilitator .widget-textarea, .pt-facilitator .widget-button {
    max-width: 100% !important; min-width: 0; box-sizing: border-box; }
  .pt-facilitator .widget-inline-hbox, .pt-facilitator .widget-button {
    margin-left: 0 !important; margin-right: 0 !important; }
  .pt-facilitator .widget-hbox { gap: 6px; }
  .pt-facilitator .widget-button { white-space: normal; height: auto; min-height: 32px;
    line-height: 1.3; padding-top: 4px; padding-bottom: 4px; }
  .pt-facilitator .widget-inline-hbox { flex-wrap: wrap; height: auto !important; }
  .pt-facilitator .widget-inline-hbox > .widget-label { width: 100% !important;
    max-width: 100% !important; text-align: left; margin-bottom: 2px; }
  .pt-facilitator .widget-text, .pt-facilitator .widget-textarea,
  .pt-facilitator .widget-dropdown, .pt-facilitator .widget-password,
  .pt-facilitator .widget-select-multiple { width: 100% !important; }
  .pt-facilitator .widget-inline-hbox > select, .pt-facilitator .widget-inline-hbox > input,
  .pt-facilitator .widget-inline-hbox > textarea { min-width: 0; flex: 1 1 100%; }
  .pt-facilitator .widget-inline-hbox > select { min-height: 28px; }
}
"""


class FacilitatorApp(WidgetApp):
    """The facilitator's console. Build it and display it (``app.show()`` or ``display(app)``).

    Parameters: ``db_path`` (the store; default ``$PARTNERSHIP_TOOLS_DB``), ``session_id`` (to
    preselect, e.g. from the URL query), ``store`` (an open :class:`Store` instead of a path),
    ``poll_interval`` (seconds between live-count refreshes; ``None`` turns polling off, as in
    tests), ``base_url`` (the address participants use; default :func:`public_base_url`).

    Attributes worth knowing: ``widget`` (the root box), ``feedback`` (the message area and
    log), ``session`` (the opened session, reloaded after every change), ``session_id``
    (set only once the facilitator key was accepted), and the panels: ``session_panel``,
    ``options_panel``, ``round_panel``, ``results_panel``, ``amend_panel``, ``compare_panel``,
    ``export_panel``, ``codes_panel``, ``check_panel`` (the Check ballots tab), ``mode_panel`` (the
    ballot mode, on the Codes tab) and ``import_panel`` (the Round tab's ballot import).
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        session_id: str | None = None,
        store: Store | None = None,
        poll_interval: float | None = 1.5,
        base_url: str | None = None,
    ) -> None:
        self.console = Console(
            db_path=db_path, store=store, poll_interval=poll_interval, base_url=base_url
        )
        self.feedback = self.console.feedback
        self._switching_tab = False
        self._build()
        self._start(session_id)

    # -- shared state, as the one-class app had it ---------------------------------------------
    @property
    def store(self) -> Store:
        return self.console.store

    @property
    def db_path(self) -> str:
        return self.console.db_path

    @property
    def poll_interval(self) -> float | None:
        return self.console.poll_interval

    @property
    def base_url(self) -> str | None:
        return self.console.base_url

    @property
    def session_id(self) -> str | None:
        return self.console.session_id

    @property
    def session(self) -> Session | None:
        return self.console.session

    @action("opening the store")
    def _start(self, session_id: str | None) -> None:
        self.session_panel.fill_session_list(preselect=session_id)
        if session_id and not self.store.has_session(session_id):
            self.feedback.error(f"There is no session {session_id!r}; open or create one below.")

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        c = self.console
        self.session_panel = SessionPanel(c)
        self.options_panel = OptionsPanel(c)
        self.round_panel = RoundPanel(c)
        self.results_panel = ResultsPanel(c)
        self.amend_panel = AmendPanel(c)
        self.compare_panel = ComparePanel(c)
        self.export_panel = ExportPanel(c)
        self.codes_panel = CodesPanel(c)
        self.mode_panel = BallotModePanel(c)
        self.check_panel = CheckBallotsPanel(c)
        panels: tuple[Any, ...] = (
            self.session_panel,
            self.options_panel,
            self.round_panel,
            self.results_panel,
            self.amend_panel,
            self.compare_panel,
            self.export_panel,
            self.codes_panel,
            self.check_panel,
        )
        # The Codes tab also chooses the ballot mode (codes are one of the three).
        codes_tab = widgets.VBox([self.mode_panel.pane, self.codes_panel.pane])
        self.panes = tuple(codes_tab if p is self.codes_panel else p.pane for p in panels)
        (
            self.session_pane,
            self.options_pane,
            self.round_pane,
            self.results_pane,
            self.amend_pane,
            self.compare_pane,
            self.export_pane,
            self.codes_pane,
            self.check_pane,
        ) = self.panes
        for panel in (*panels, self.mode_panel):  # the old attribute names, e.g. app.paper_input
            for name in panel.WIDGETS:
                setattr(self, name, getattr(panel, name))
        self.import_panel = self.round_panel.import_panel  # ballots from a file, on the Round tab

        # Events.
        c.select_tab = self.select_tab
        c.refresh = self.refresh
        self.session_panel.on_unlock = self._unlock
        self.session_panel.on_lock = self._lock
        self.round_panel.on_closed = self.results_panel.show_results
        self.round_panel.also_busy = (self.amend_panel.open_next_button,)
        self.amend_panel.on_open_next = self.round_panel.open_next_round

        w = widgets
        self.title = html_widget(
            "<h1>Facilitator</h1><p class='pt-muted'>Run a Crowd Wise consensus vote: options,"
            " rounds, paper ballots, results.</p>"
        )
        self.session_header = html_widget("", "pt-session-header")
        self.tabs = w.Tab(children=[self.session_pane], titles=["Session"])
        self.tabs.add_class("pt-tabs")
        self.tabs.observe(self._on_tab, "selected_index")
        self.log_box = w.Accordion(children=[self.feedback.log_html], titles=["Activity log"])
        self.log_box.add_class("pt-log-box")
        self.widget = w.VBox(
            [
                style_widget(FACILITATOR_CSS),
                self.title,
                self.feedback.message,
                self.session_header,
                self.tabs,
                self.log_box,
            ],
            layout=w.Layout(width="100%"),
        )
        self.widget.add_class("pt-app")
        self.widget.add_class("pt-facilitator")

    # -- display ---------------------------------------------------------------------------
    @classmethod
    def from_request(
        cls, db_path: str | os.PathLike[str] | None = None, session_id: str | None = None
    ) -> FacilitatorApp:
        """The app for a Voilà page: ``session_id`` defaults to the URL's ``?session=``."""
        return cls(db_path=db_path, session_id=session_from_query(session_id))

    def select_tab(self, title: str) -> None:
        """Show a tab from code (keeps the message the action just wrote)."""
        self._switching_tab = True
        try:
            self.tabs.selected_index = TAB_TITLES.index(title)
        finally:
            self._switching_tab = False

    def _on_tab(self, change: dict) -> None:
        if not self._switching_tab:  # the facilitator moved on: the last message is stale
            self.feedback.clear()

    # -- wiring ------------------------------------------------------------------------------
    def _unlock(self, session_id: str) -> None:
        """A key was accepted (or a session created): show every tab, for that session."""
        self.round_panel.reset()
        self.console.session_id = session_id
        self.tabs.children = list(self.panes)
        self.tabs.titles = list(TAB_TITLES)
        self.results_panel.clear_chart()
        self.compare_panel.reset()
        self.export_panel.reset()
        self.codes_panel.reset()
        self.check_panel.reset()
        self.refresh()

    def _lock(self) -> None:
        """The opened session was deleted: back to the Session tab alone."""
        self.round_panel.reset()
        self.console.session_id = None
        self.console.session = None
        self.session_header.value = ""
        self.session_panel.hide_manage()
        self.tabs.children = [self.session_pane]
        self.tabs.titles = ["Session"]
        self.select_tab("Session")

    def refresh(self) -> None:
        """Reload the opened session and bring every pane up to date."""
        c = self.console
        if not c.session_id:
            return
        s = c.store.load_session(c.session_id)
        c.session = s
        groups = ", ".join(s.groups) if s.groups else "none"
        codes = f" · one-time codes ({c.store.code_count(s.id)} issued)" if s.uses_codes else ""
        self.session_header.value = (
            f"<h2>{esc(s.question)}</h2><p class='pt-muted'>Session <b>{esc(s.id)}</b> ·"
            f" consensus threshold {s.threshold:.2f} · groups: {esc(groups)}{esc(codes)}</p>"
        )
        self.session_panel.refresh(s)
        self.options_panel.refresh(s)
        self.round_panel.refresh(s)
        self.results_panel.refresh(s)
        self.amend_panel.refresh(s)
        self.compare_panel.refresh(s)
        self.codes_panel.refresh(s)
        self.mode_panel.refresh(s)
        self.check_panel.refresh(s)

    # -- the buttons' methods, as the one-class app had them ---------------------------------------
    def create_session(self) -> Session | None:
        return self.session_panel.create_session()

    def open_session(self, session_id: str | None = None, key: str | None = None) -> Session | None:
        return self.session_panel.open_session(session_id, key)

    def add_options(self) -> tuple[Option, ...] | None:
        return self.options_panel.add_options()

    def selected_round_options(self) -> list[str]:
        return self.round_panel.selected_round_options()

    def open_round(self, option_ids: Sequence[str] | None = None) -> Any:
        return self.round_panel.open_round(option_ids)

    def open_next_round(self) -> Any:
        return self.round_panel.open_next_round()

    def preview_paper(self, text: str) -> tuple[str, ...] | None:
        return self.round_panel.preview_paper(text)

    def enter_paper_ballot(self, text: str | None = None, group: str | None = None) -> int | None:
        return self.round_panel.enter_paper_ballot(text, group)

    def undo_last(self) -> tuple[str, ...] | None:
        return self.round_panel.undo_last()

    def ask_close_round(self) -> None:
        self.round_panel.ask_close_round()

    def cancel_close(self) -> None:
        self.round_panel.cancel_close()

    def close_round(self) -> int | None:
        return self.round_panel.close_round()

    def refresh_count(self, store: Store | None = None) -> int | None:
        return self.round_panel.refresh_count(store)

    def start_polling(self) -> None:
        self.round_panel.poller.start()

    def stop_polling(self) -> None:
        self.round_panel.poller.stop()

    def show_results(self, number: int | None = None) -> Any:
        return self.results_panel.show_results(number)

    def show_charts(self, number: int | None = None) -> Any:
        return self.results_panel.show_charts(number)

    def set_published(self, published: bool) -> bool | None:
        return self.results_panel.set_published(published)

    def amend_option(self, option_id: str | None = None) -> Option | None:
        return self.amend_panel.amend_option(option_id)

    def merge_options(self, option_ids: Sequence[str] | None = None) -> Option | None:
        return self.amend_panel.merge_options(option_ids)

    def compare(self, before: int | None = None, after: int | None = None) -> Any:
        return self.compare_panel.compare(before, after)

    def export_session(self) -> Path | None:
        return self.export_panel.export_session()

    def issue_codes(self, count: int | None = None, seed: int | None = None) -> list[str] | None:
        return self.codes_panel.issue_codes(count, seed)
