"""The review app: assembles the panels of :mod:`partnership_tools.ui.review` into one page and
wires their events (a new instrument, new responses, a filter changed, a tab shown)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import (
    Feedback,
    UIError,
    WidgetApp,
    action,
    public_base_url,
    safe_filename,
    style_widget,
    warm_up_altair,
)
from partnership_tools.ui.export import export_dir
from partnership_tools.ui.review.actions import ActionRow, ActionsPanel
from partnership_tools.ui.review.chartpanel import ChartPanel
from partnership_tools.ui.review.coverage import CoveragePanel
from partnership_tools.ui.review.data import DataPanel
from partnership_tools.ui.review.downloads import DownloadsPanel
from partnership_tools.ui.review.filters import FiltersPanel, default_wave
from partnership_tools.ui.review.findings import FindingsPanel
from partnership_tools.ui.review.form import FormPanel
from partnership_tools.ui.review.groups import GroupsPanel
from partnership_tools.ui.review.header import HeaderPanel
from partnership_tools.ui.review.items import ItemsPanel
from partnership_tools.ui.review.profile import ProfilePanel
from partnership_tools.ui.review.save import SavePanel
from partnership_tools.ui.review.shared import (
    CHART_TABS,
    NO_GROUPS,
    REVIEW_CSS,
    SAMPLE_INSTRUMENT,
    TAB_TITLES,
    require_review,
)
from partnership_tools.ui.review.state import ReviewState
from partnership_tools.ui.review.waves import WavesPanel

log = logging.getLogger("partnership_tools.ui")


class ReviewApp(WidgetApp):
    """The review app. Build it and display it (``app.show()`` or ``display(app)``).

    Parameters: ``db_path`` (the store: a file path or a ``postgresql://`` URL; default
    ``$PARTNERSHIP_TOOLS_DB``) or ``db`` (an open store,
    :class:`~partnership_tools.store.db.Database`), ``review_id`` (open this review from the store), ``responses_path``
    (a response file, or several, read with ``instrument``), ``instrument`` (a shipped id or a
    YAML path; default ``ten_lessons``) and ``base_url`` (the address respondents use; default
    :func:`~partnership_tools.ui.common.public_base_url`). With neither a review nor a file the
    app shows the sample review (two waves of the ``ten_lessons`` instrument).

    Worth knowing: ``widget`` (the root box), ``feedback`` (the message area), ``state`` (the
    :class:`~partnership_tools.ui.review.state.ReviewState` the panels share; ``instrument``,
    ``responses``, ``result``, ``review_id`` and ``plan`` read it), ``action_rows`` (the rows
    being edited) and the panels: ``header_panel``, ``filter_panel``, ``profile_panel``,
    ``items_panel``, ``groups_panel``, ``waves_panel``, ``coverage_panel``, ``findings_panel``,
    ``actions_panel``, ``data_panel``, ``form_panel``, ``save_panel`` and ``downloads_panel``
    (on the Save tab). The widgets the tests and pages use keep their old names on the app
    (``app.wave``, ``app.profile_table``…).
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        db: Any = None,
        review_id: str | None = None,
        responses_path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        instrument: str | os.PathLike[str] | None = SAMPLE_INSTRUMENT,
        base_url: str | None = None,
    ) -> None:
        from partnership_tools.review.actions import ActionPlan
        from partnership_tools.store import default_db_path

        warm_up_altair()  # import Altair on a thread while the responses are read and scored
        self.feedback = Feedback()
        if db is None:
            from partnership_tools.store.reviews import open_review_store

            db = open_review_store(db_path)
        self.db = db
        # Exports go beside an SQLite store; beside the default one for a database server.
        self.db_path = db.path if db.path is not None else default_db_path()
        self._base_url = base_url
        self.state = ReviewState(db=db, db_path=self.db_path, plan=ActionPlan())
        self._stale: set[str] = set()
        self._build()
        self._start(review_id, responses_path, instrument)

    @action("opening the review")
    def _start(self, review_id: str | None, responses_path: Any, instrument: Any) -> None:
        self.data_panel.fill_review_list()
        if review_id:
            self.open_review(review_id)
            if self.review_id is None:  # not found: show the sample behind the message
                message = self.feedback.last
                self.load_sample()
                self.feedback.error(message)
            return
        if responses_path:
            self.use_instrument(instrument or SAMPLE_INSTRUMENT)
            paths = (
                [responses_path]
                if isinstance(responses_path, (str, os.PathLike))
                else list(responses_path)
            )
            self.import_files(paths)
            return
        self.load_sample()

    # -- assembling the panels -------------------------------------------------------------
    def _build(self) -> None:
        w = widgets
        state, fb = self.state, self.feedback
        out = export_dir(self.db_path)
        self.header_panel = HeaderPanel(state)
        self.filter_panel = FiltersPanel(on_change=self.refresh, on_group=self._on_group)
        self.profile_panel = ProfilePanel(state, fb, out)
        self.items_panel = ItemsPanel(state, fb, out)
        self.groups_panel = GroupsPanel(state, fb, out)
        self.waves_panel = WavesPanel(state, fb, out, on_change=self.refresh)
        self.coverage_panel = CoveragePanel(state, fb, out)
        self.findings_panel = FindingsPanel(state)
        self.actions_panel = ActionsPanel(state, fb, self.stored_settings)
        self.data_panel = DataPanel(
            state,
            fb,
            on_instrument=self._show_result,
            on_responses=self._use_responses,
            on_renamed=self._on_renamed,
            stored_settings=self.stored_settings,
        )
        self.form_panel = FormPanel(
            state, fb, lambda: self.base_url, on_reload=self.reload_responses
        )
        self.save_panel = SavePanel(state, fb, self.review, out)
        self.downloads_panel = DownloadsPanel(state, fb)
        self.save_panel.pane.children += (self.downloads_panel.pane,)
        self.chart_panels: dict[str, ChartPanel] = {
            "Profile": self.profile_panel,
            "Items": self.items_panel,
            "Groups": self.groups_panel,
            "Waves": self.waves_panel,
            "Coverage": self.coverage_panel,
        }
        self.chart_exports = {tab: p.export for tab, p in self.chart_panels.items()}
        self.panes = {
            "Profile": self.profile_panel.pane,
            "Items": self.items_panel.pane,
            "Groups": self.groups_panel.pane,
            "Waves": self.waves_panel.pane,
            "Coverage": self.coverage_panel.pane,
            "Findings": self.findings_panel.pane,
            "Action plan": self.actions_panel.pane,
            "Data": self.data_panel.pane,
            "Response form": self.form_panel.pane,
            "Save": self.save_panel.pane,
        }
        self.tabs = w.Tab(children=[self.panes[t] for t in TAB_TITLES], titles=list(TAB_TITLES))
        self.tabs.add_class("pt-tabs")
        self.tabs.observe(lambda _change: self._draw_current(), "selected_index")
        self.log_box = w.Accordion(children=[self.feedback.log_html], titles=["Activity log"])
        self.log_box.add_class("pt-log-box")
        self.widget = w.VBox(
            [
                style_widget(REVIEW_CSS),
                self.header_panel.title,
                self.header_panel.summary,
                self.feedback.message,
                self.filter_panel.box,
                self.tabs,
                self.log_box,
            ],
            layout=w.Layout(width="100%"),
        )
        self.widget.add_class("pt-app")
        self.widget.add_class("pt-review")
        self._name_widgets()

    def _name_widgets(self) -> None:
        """The panels' widgets under the names the app has always given them."""
        h, f, a, d = self.header_panel, self.filter_panel, self.actions_panel, self.data_panel
        self.title, self.summary, self.filters = h.title, h.summary, f.box
        self.wave, self.by, self.group, self.min_size = f.wave, f.by, f.group, f.min_size
        p = self.profile_panel
        self.profile_chart, self.profile_note, self.profile_table = p.slot, p.note, p.table
        self.items_chart, self.items_note = self.items_panel.slot, self.items_panel.note
        g = self.groups_panel
        self.groups_chart, self.groups_note, self.gaps_table = g.slot, g.note, g.gaps
        wv = self.waves_panel
        self.before, self.after = wv.before, wv.after
        self.waves_chart, self.waves_note, self.changes_table = wv.slot, wv.note, wv.table
        self.coverage_chart = self.coverage_panel.slot
        self.coverage_note = self.coverage_panel.note
        self.findings = self.findings_panel.html
        self.actions_hint, self.actions_box, self.actions_saved = a.hint, a.box, a.saved
        self.add_action_button, self.save_actions_button = a.add_button, a.save_button
        self.instrument_select, self.instrument_path = d.instrument_select, d.instrument_path
        self.instrument_upload, self.instrument_info = d.instrument_upload, d.instrument_info
        self.use_instrument_button = d.use_instrument_button
        self.review_select, self.open_review_button = d.review_select, d.open_review_button
        self.responses_upload, self.responses_path = d.responses_upload, d.responses_path
        self.import_wave, self.import_button = d.import_wave, d.import_button
        self.sample_button, self.import_report = d.sample_button, d.import_report
        self.store_id, self.store_title, self.store_button = (
            d.store_id,
            d.store_title,
            d.store_button,
        )
        fm = self.form_panel
        self.form_status, self.form_wave, self.form_link = fm.status, fm.wave, fm.link
        self.open_form_button, self.close_form_button = fm.open_button, fm.close_button
        self.reload_button = fm.reload_button
        s = self.save_panel
        self.save_file_button, self.save_result, self.report = s.button, s.result, s.report

    # -- display ---------------------------------------------------------------------------
    @classmethod
    def from_request(
        cls,
        db_path: str | os.PathLike[str] | None = None,
        review_id: str | None = None,
        responses_path: Any = None,
        instrument: Any = SAMPLE_INSTRUMENT,
    ) -> ReviewApp:
        """The app for a Voilà page: ``review_id`` defaults to the URL's ``?review=``."""
        from partnership_tools.ui.common import query_value

        try:
            review_id = review_id or query_value("review") or query_value("review_id")
        except Exception:  # noqa: BLE001 - the page still works without the query
            log.warning("Could not read the page's URL query.", exc_info=True)
        return cls(
            db_path=db_path,
            review_id=review_id,
            responses_path=responses_path,
            instrument=instrument,
        )

    @property
    def base_url(self) -> str | None:
        return self._base_url if self._base_url is not None else public_base_url()

    @property
    def instrument(self) -> Any:
        return self.state.instrument

    @property
    def responses(self) -> Any:
        return self.state.responses

    @property
    def result(self) -> Any:
        """The latest :class:`~partnership_tools.review.ReviewResult` (None without responses)."""
        return self.state.result

    @property
    def review_id(self) -> str | None:
        """The review in the store, or None."""
        return self.state.review_id

    @property
    def plan(self) -> Any:
        """The saved action plan."""
        return self.state.plan

    @property
    def action_rows(self) -> list[ActionRow]:
        return self.actions_panel.rows

    @property
    def waves(self) -> tuple[str, ...]:
        return self.state.waves

    def select_tab(self, title: str) -> None:
        self.tabs.selected_index = TAB_TITLES.index(title)

    @property
    def current_tab(self) -> str:
        return TAB_TITLES[self.tabs.selected_index or 0]

    # -- what the buttons do (the panels do the work) ----------------------------------------
    def use_instrument(self, source: Any) -> Any:
        """Use a shipped instrument (by id) or one from a YAML/JSON file."""
        return self.data_panel.use_instrument(source)

    def use_selected_instrument(self) -> Any:
        return self.data_panel.use_selected_instrument()

    def load_instrument_file(self, name: str, content: bytes) -> Any:
        return self.data_panel.load_instrument_file(name, content)

    def open_review(self, review_id: str | None = None) -> Any:
        return self.data_panel.open_review(review_id)

    def import_files(self, paths: Sequence[str | os.PathLike[str]] | None = None) -> Any:
        return self.data_panel.import_files(paths)

    def load_sample(self) -> Any:
        return self.data_panel.load_sample()

    def store_review(self) -> str | None:
        return self.data_panel.store_review()

    def add_action(
        self, dimension: str | None = None, text: str = "", owner: str = "", due: Any = None
    ) -> ActionRow | None:
        return self.actions_panel.add_action(dimension, text, owner, due)

    def remove_action(self, index: int) -> None:
        return self.actions_panel.remove_action(index)

    def current_plan(self, strict: bool = True) -> Any:
        return self.actions_panel.current_plan(strict)

    def save_actions(self) -> Any:
        return self.actions_panel.save_actions()

    def open_form(self, wave: str | None = None) -> Any:
        return self.form_panel.open_form(wave)

    def close_form(self) -> Any:
        return self.form_panel.close_form()

    def save_file(self) -> Path | None:
        return self.save_panel.save_file()

    # -- events ------------------------------------------------------------------------------
    def _use_responses(self, responses: Any, source: str, review: Any = None) -> None:
        from partnership_tools.review.actions import ActionPlan

        state = self.state
        state.responses = responses
        state.source = source
        self.save_panel.forget()
        self.downloads_panel.forget()
        if review is not None:
            state.review_id = review.id
            state.review_title = review.title
            state.review_created_at = review.created_at
            state.plan = review.action_plan
            settings = review.settings
            self.filter_panel.set_min_size(settings.min_group_size)
        else:
            state.review_id = None
            state.review_created_at = ""
            state.plan = ActionPlan()
            settings = None
        self._fill_filters(settings)
        self.actions_panel.fill_rows()
        self.refresh()
        self.form_panel.show()

    def _fill_filters(self, settings: Any = None) -> None:
        inst = self.state.instrument
        fields = [(f.id.replace("_", " ").capitalize(), f.id) for f in inst.respondent_fields]
        ids = [v for _, v in fields]
        by = NO_GROUPS
        if settings is not None and settings.by in ids:
            by = settings.by
        elif inst.coverage_field in ids:
            by = inst.coverage_field
        default = default_wave(self.state.responses, self.filter_panel.smallest)
        if default is None and self.waves:  # no responses yet: the first wave planned
            default = self.waves[0]
        focus = settings.focus_wave if settings is not None else None
        self.filter_panel.fill(self.waves, fields, by, focus, default)
        before = settings.before if settings is not None else None
        after = settings.after if settings is not None else None
        self.waves_panel.fill(self.waves, before, after, default)

    def _on_renamed(self) -> None:
        self.header_panel.show()
        self.form_panel.show()

    def _on_group(self) -> None:
        if self.state.result is not None:
            self._show_tables()
            self._stale.update(("Profile", "Items"))
            self._draw_current()

    @action("loading new responses")
    def reload_responses(self) -> Any:
        """Read the review's responses from the store again (e.g. new ones from the form)."""
        from partnership_tools.store.reviews import load_responses

        rid = require_review(self.review_id, "load new responses")
        before = self.state.n
        responses = load_responses(self.db, rid)
        self.state.responses = responses
        self._fill_filters(self.settings())
        self.refresh()
        self.form_panel.show()
        self.data_panel.show_sources()
        self.feedback.success(
            f"{responses.n} response(s) in the review now ({responses.n - before:+d})."
        )
        return responses

    # -- settings and scoring ------------------------------------------------------------------
    def stored_settings(self) -> Any:
        """The settings kept with the review: the grouping and the smallest group shown (the
        waves looked at are left to the next reader, so a new wave is shown when it arrives)."""
        return self.settings().replace(focus_wave=None, before=None, after=None)

    def settings(self) -> Any:
        from partnership_tools.review.settings import ReviewSettings

        f, wv = self.filter_panel, self.waves_panel
        return ReviewSettings(
            by=f.by.value or None,
            min_group_size=f.smallest,
            before=wv.before.value or None,
            after=wv.after.value or None,
            focus_wave=f.wave.value or None,
        )

    @action("working out the results")
    def refresh(self) -> Any:
        """Score the responses with the filters shown and update every tab."""
        from partnership_tools.review.scoring import score_review

        state = self.state
        if state.instrument is None or state.n == 0:
            state.result = None
            self._show_result()
            return None
        settings = self.settings()
        if settings.before == settings.after and len(self.waves) > 1:
            settings = settings.replace(before=None, after=None)
        state.result = score_review(state.responses, state.instrument, settings)
        self.filter_panel.fill_groups(state.result)
        self._show_result()
        return state.result

    def _show_tables(self) -> None:
        group = self.filter_panel.group_shown
        for panel in self.chart_panels.values():
            panel.show(group)

    def _show_result(self) -> None:
        self.header_panel.show()
        self.findings_panel.show()
        self._show_tables()
        self.actions_panel.show_hint()
        self._stale.update(CHART_TABS)
        if self.state.result is None:
            for panel in self.chart_panels.values():
                panel.clear()
        self._draw_current()

    # -- charts ------------------------------------------------------------------------------
    def _draw_current(self) -> None:
        if self.current_tab in self._stale:
            self.draw(self.current_tab)

    @action("drawing the chart")
    def draw(self, tab: str) -> Any:
        """Draw the chart of one tab (``Profile``, ``Items``, ``Groups``, ``Waves``, ``Coverage``)."""
        if tab not in self.chart_panels:
            raise UIError(f"There is no chart on the {tab} tab.")
        self._stale.discard(tab)
        return self.chart_panels[tab].draw(self.filter_panel.group_shown)

    def draw_all(self) -> dict[str, Any]:
        """Draw every chart now (tests; a page draws each tab's chart when it is shown)."""
        return {tab: self.draw(tab) for tab in CHART_TABS}

    def save_chart(self, fmt: str = "png") -> Path | None:
        """Save the chart of the tab on show as ``png`` or ``svg`` (what its buttons do)."""
        tab = self.current_tab
        if tab not in self.chart_exports:
            self.feedback.error(f"There is no chart on the {tab} tab.")
            return None
        if tab in self._stale:
            self.draw(tab)
        return self.chart_exports[tab].save(fmt)

    # -- the review file ---------------------------------------------------------------------
    def review(self) -> Any:
        """The review as shown: instrument, responses, settings, action plan (as in the rows)."""
        from partnership_tools.review.responses import Responses
        from partnership_tools.review.reviewfile import Review

        state = self.state
        if state.instrument is None:
            raise UIError("Choose the instrument first.")
        responses = state.responses or Responses.from_records(state.instrument, [])
        rid = state.review_id or safe_filename(self.store_id.value or state.review_title, "review")
        return Review(
            id=rid,
            title=state.review_title or self.store_title.value or rid,
            instrument=state.instrument,
            responses=responses,
            settings=self.settings(),
            action_plan=self.current_plan(),
            created_at=state.review_created_at,
        )
