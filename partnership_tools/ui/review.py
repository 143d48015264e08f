"""The review app: score a partnership review and agree what to do about it, on one Voilà page.

Choose an instrument (a shipped one, or a YAML file) and the responses (a review in the store, or
CSV/Excel files: an import report lists the columns not used and the cells that could not be
read), filter by wave and by group, and read the results tab by tab:

* **Profile**: each dimension's mean, coloured by band, with a table of the figures;
* **Items**: a diverging stacked bar per statement, "don't know" and "not applicable" apart;
* **Groups**: a dimension-by-group heatmap (groups too small to show are greyed and marked), and
  the gaps between groups to talk through;
* **Waves**: the change in each dimension between two waves;
* **Coverage**: who took part, level by level (the vertical slice), with a warning for a level
  nobody spoke for;
* **Findings**: strengths, concerns and the rest in plain English, and the comments people made;
* **Action plan**: dimension, action, owner and due date, row by row, saved with the review;
* **Data**, **Response form** (open a wave of the kit's review form, ``/review-form/<review>``,
  and see its address) and **Save** (the review file, written atomically to the downloads folder,
  with its figures and their digest so a replay can check it, and a "Download report" of it).

Under each chart, "Save chart as PNG / SVG" (:class:`~partnership_tools.ui.export.ChartExport`;
``app.chart_exports[tab]``, or :meth:`ReviewApp.save_chart` for the tab on show).

Every button calls a method of :class:`ReviewApp` (``use_instrument``, ``load_instrument_file``,
``open_review``, ``import_files``, ``load_sample``, ``store_review``, ``refresh``,
``add_action``, ``remove_action``, ``save_actions``, ``open_form``, ``close_form``,
``reload_responses``, ``save_file``, ``report.make``, ``save_chart``); tests call the same methods. Altair is imported only
when a chart is drawn, and only the chart of the tab on show is drawn.

>>> import tempfile, os
>>> app = ReviewApp(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite"))
>>> app.responses.n, app.waves
(79, ('phase one', 'phase two'))
>>> app.result.focus_wave
'phase two'
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import (
    ChartSlot,
    Feedback,
    UIError,
    WidgetApp,
    action,
    busy,
    button,
    data_link,
    esc,
    html_table,
    html_widget,
    public_base_url,
    safe_filename,
    show,
    style_widget,
    warm_up_altair,
)
from partnership_tools.ui.export import ChartExport, ReportDownload, export_dir, stamped_path

log = logging.getLogger("partnership_tools.ui")

OVERALL = "All respondents"  # partnership_tools.review.OVERALL, without importing pandas here
SAMPLE_FILES = ("ten_lessons_wave1.csv", "ten_lessons_wave2.csv")
SAMPLE_INSTRUMENT = "ten_lessons"
FROM_FILE = "__file__"
NO_GROUPS = ""
TAB_TITLES = (
    "Profile",
    "Items",
    "Groups",
    "Waves",
    "Coverage",
    "Findings",
    "Action plan",
    "Data",
    "Response form",
    "Save",
)
CHART_TABS = ("Profile", "Items", "Groups", "Waves", "Coverage")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Width of the simple bar charts: narrow enough to stay legible on a phone.
CHART_WIDTH = 340
STATUS_LABELS = {"open": "Open", "in progress": "In progress", "done": "Done", "dropped": "Dropped"}

REVIEW_CSS = """
.pt-review .widget-tab { margin-top: 8px; }
.pt-filters { display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: center;
  background: #F5F7FA; border: 1px solid #E4E7EB; border-radius: 6px; padding: 6px 10px;
  margin: 6px 0; }
.pt-review .pt-band { display: inline-block; padding: 0 6px; border-radius: 3px; font-weight: 600; }
.pt-review .pt-finding { margin: 4px 0 8px; padding-left: 10px; border-left: 4px solid #9AA5B1; }
.pt-review .pt-finding-strength { border-left-color: #1A9850; }
.pt-review .pt-finding-discuss { border-left-color: #FDB863; }
.pt-review .pt-finding-concern { border-left-color: #D73027; }
.pt-review .pt-warning { background: #FFF4E5; border-left: 4px solid #D55E00; padding: 6px 10px;
  margin: 4px 0; }
.pt-review .pt-comment { white-space: pre-wrap; border-left: 3px solid #CBD2D9; padding: 2px 8px;
  margin: 4px 0; overflow-wrap: anywhere; }
.pt-review .pt-form-url a { font-size: 1.1em; word-break: break-all; }
.pt-review .pt-qr svg { width: 180px; height: auto; }
.pt-action-row { border-bottom: 1px solid #E4E7EB; padding: 4px 0; }
.pt-review .widget-textarea textarea { font-size: 14px; }
@media (max-width: 600px) {
  .pt-review .widget-inline-hbox { flex-wrap: wrap; }
  .pt-review .widget-text, .pt-review .widget-dropdown, .pt-review .widget-datepicker,
  .pt-review .widget-textarea, .pt-review .widget-select-multiple,
  .pt-review .widget-inttext { width: 100% !important; }
}
"""


# ------------------------------------------------------------------------------------------
# Pure helpers
# ------------------------------------------------------------------------------------------
def sample_paths() -> list[Path]:
    """The sample response files (two waves of the ``ten_lessons`` instrument)."""
    from partnership_tools import SAMPLE_DIR

    return [SAMPLE_DIR / "review" / name for name in SAMPLE_FILES]


def instrument_problem(exc: Exception) -> str:
    """The first problem of an :class:`InstrumentError` (or any error) as one sentence."""
    problems = getattr(exc, "problems", None)
    if problems:
        return problems[0].describe(Path(getattr(exc, "source", "")).name or "the instrument")
    return str(exc)


def _fmt(v: Any, spec: str = ".2f", missing: str = "–") -> str:
    try:
        if v is None or v != v:
            return missing
        return format(float(v), spec)
    except (TypeError, ValueError):
        return missing


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)
    except (TypeError, ValueError):  # pd.NA
        return True


def _true(v: Any) -> bool:
    """True only for a real true value (``pd.NA`` and None are not)."""
    return not _missing(v) and bool(v)


def _int(v: Any) -> str:
    return "" if _missing(v) else str(int(v))


def _text(v: Any) -> str:
    return "" if _missing(v) else str(v)


def form_url(review_id: str, base: str | None = None) -> str:
    """The review form's address (only its path when no base address is known).

    >>> form_url("spring review", "http://host:8866")
    'http://host:8866/review-form/spring%20review'
    """
    from urllib.parse import quote

    path = f"/review-form/{quote(review_id, safe='')}"
    base = base if base is not None else public_base_url()
    return f"{base.rstrip('/')}{path}" if base else path


# ------------------------------------------------------------------------------------------
# One row of the action plan
# ------------------------------------------------------------------------------------------
class ActionRow:
    """The widgets of one action: dimension, what, who, by when, status, and a remove button."""

    def __init__(self, dimensions: Sequence[tuple[str, str]], item: Any = None) -> None:
        w = widgets
        self.dimension = w.Dropdown(
            options=list(dimensions),
            description="Dimension",
            style={"description_width": "initial"},
            layout=w.Layout(width="22em"),
        )
        self.dimension.add_class("pt-action-dimension")
        self.action = w.Text(
            description="Action",
            placeholder="what the partnership will do",
            style={"description_width": "initial"},
            layout=w.Layout(width="100%", max_width="34em"),
        )
        self.action.add_class("pt-action-text")
        self.owner = w.Text(
            description="Owner",
            placeholder="who leads it",
            style={"description_width": "initial"},
            layout=w.Layout(width="16em"),
        )
        self.owner.add_class("pt-action-owner")
        self.due = w.DatePicker(
            description="Due", style={"description_width": "initial"}, layout=w.Layout(width="15em")
        )
        self.due.add_class("pt-action-due")
        self.status = w.Dropdown(
            options=[(label, key) for key, label in STATUS_LABELS.items()],
            value="open",
            description="Status",
            style={"description_width": "initial"},
            layout=w.Layout(width="13em"),
        )
        self.status.add_class("pt-action-status")
        self.remove = button("Remove", "pt-action-remove", "", "trash")
        if item is not None:
            ids = [v for _, v in dimensions]
            if item.dimension not in ids:
                self.dimension.options = [*dimensions, (item.dimension, item.dimension)]
            self.dimension.value = item.dimension
            self.action.value = item.action
            self.owner.value = item.owner
            self.due.value = dt.date.fromisoformat(item.due) if item.due else None
            self.status.value = item.status
        self.box = w.HBox(
            [self.dimension, self.action, self.owner, self.due, self.status, self.remove],
            layout=w.Layout(flex_flow="row wrap", align_items="center", width="100%"),
        )
        self.box.add_class("pt-action-row")

    def is_blank(self) -> bool:
        return not self.action.value.strip() and not self.owner.value.strip() and not self.due.value

    def to_item(self) -> Any:
        from partnership_tools.review.actions import ActionItem

        due = self.due.value
        return ActionItem(
            dimension=self.dimension.value or "",
            action=self.action.value,
            owner=self.owner.value,
            due=due.isoformat() if isinstance(due, dt.date) else None,
            status=self.status.value or "open",
        )


# ------------------------------------------------------------------------------------------
# The app
# ------------------------------------------------------------------------------------------
class ReviewApp(WidgetApp):
    """The review app. Build it and display it (``app.show()`` or ``display(app)``).

    Parameters: ``db_path`` (the store; default ``$PARTNERSHIP_TOOLS_DB``) or ``conn`` (an open
    review store connection), ``review_id`` (open this review from the store), ``responses_path``
    (a response file, or several, read with ``instrument``), ``instrument`` (a shipped id or a
    YAML path; default ``ten_lessons``) and ``base_url`` (the address respondents use; default
    :func:`~partnership_tools.ui.common.public_base_url`). With neither a review nor a file the
    app shows the sample review (two waves of the ``ten_lessons`` instrument).

    Worth knowing: ``widget`` (the root box), ``feedback`` (the message area), ``instrument``,
    ``responses``, ``result`` (the latest :class:`~partnership_tools.review.ReviewResult`),
    ``review_id`` (the review in the store, or None), ``plan`` (the saved action plan) and
    ``action_rows`` (the rows being edited).
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        conn: Any = None,
        review_id: str | None = None,
        responses_path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        instrument: str | os.PathLike[str] | None = SAMPLE_INSTRUMENT,
        base_url: str | None = None,
    ) -> None:
        from partnership_tools.review.actions import ActionPlan
        from partnership_tools.store import default_db_path
        from partnership_tools.store.drafts import ensure_drafts_schema

        warm_up_altair()  # import Altair on a thread while the responses are read and scored
        self.feedback = Feedback()
        self.db_path = Path(db_path).expanduser() if db_path else default_db_path()
        if conn is None:
            from partnership_tools.store.reviews import open_review_store

            conn = open_review_store(self.db_path)
        self.conn = conn
        ensure_drafts_schema(self.conn)
        self._base_url = base_url
        self.instrument: Any = None
        self.responses: Any = None
        self.result: Any = None
        self.review_id: str | None = None
        self.review_title = ""
        self.review_created_at = ""
        self.source = ""
        self.imports: list[Any] = []
        self.plan = ActionPlan()
        self.action_rows: list[ActionRow] = []
        self._stale: set[str] = set()
        self._quiet = False
        self._saved: Path | None = None  # the latest review file saved from this page
        self._build()
        self._start(review_id, responses_path, instrument)

    @action("opening the review")
    def _start(self, review_id: str | None, responses_path: Any, instrument: Any) -> None:
        self._fill_review_list()
        if review_id:
            self.open_review(review_id)
            if self.review_id is None:  # not found: show the sample behind the message
                message = self.feedback.last
                self.load_sample()
                self.feedback.error(message)
            return
        if responses_path:
            inst = instrument or SAMPLE_INSTRUMENT
            self.use_instrument(inst)
            paths = (
                [responses_path]
                if isinstance(responses_path, (str, os.PathLike))
                else list(responses_path)
            )
            self.import_files(paths)
            return
        self.load_sample()

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        w = widgets
        wide = {"description_width": "initial"}
        full = w.Layout(width="100%", max_width="40em")

        self.title = html_widget(
            "<h1>Partnership review</h1><p class='pt-muted'>How the partners see their"
            " partnership: strengths, concerns, groups, change between waves, and what to do"
            " next.</p>"
        )
        self.summary = html_widget("", "pt-review-summary")

        # Filters
        self.wave = w.Dropdown(description="Wave", options=[], style=wide)
        self.wave.add_class("pt-wave")
        self.by = w.Dropdown(description="Compare groups by", options=[], style=wide)
        self.by.add_class("pt-by")
        self.group = w.Dropdown(description="Show group", options=[OVERALL], style=wide)
        self.group.add_class("pt-group")
        self.min_size = w.BoundedIntText(
            value=5,
            min=1,
            max=1000,
            description="Smallest group shown",
            style=wide,
            layout=w.Layout(width="19em"),
        )
        self.min_size.add_class("pt-min-size")
        for control in (self.wave, self.by, self.min_size):
            control.observe(self._on_filter, "value")
        self.group.observe(self._on_group, "value")
        self.filters = w.HBox([self.wave, self.by, self.group, self.min_size])
        self.filters.add_class("pt-filters")

        # One "Save chart as PNG / SVG" row under each tab's chart, shown once it is drawn.
        out = export_dir(self.db_path)
        self.chart_exports = {
            tab: ChartExport(None, tab.lower(), out_dir=out, feedback=self.feedback)
            for tab in CHART_TABS
        }
        for export in self.chart_exports.values():
            show(export.widget, False)

        # Profile
        self.profile_chart = ChartSlot("pt-profile-chart")
        self.profile_note = html_widget("", "pt-profile-note")
        self.profile_table = html_widget("", "pt-profile-table")
        profile = w.VBox(
            [
                html_widget(
                    "<h2>Profile</h2><p class='pt-muted'>Each dimension's mean answer (after"
                    " reverse-worded statements are turned round), coloured by band. “Don't"
                    " know” and “not applicable” are counted, never averaged.</p>"
                ),
                self.profile_note,
                self.profile_chart.box,
                self.chart_exports["Profile"].widget,
                self.profile_table,
            ]
        )

        # Items
        self.items_chart = ChartSlot("pt-items-chart")
        self.items_note = html_widget("", "pt-items-note")
        items = w.VBox(
            [
                html_widget(
                    "<h2>Statements</h2><p class='pt-muted'>Each bar splits the answers to one"
                    " statement, less favourable to the left, more favourable to the right."
                    " Answers to reverse-worded statements are shown as scored. “Don't know” and"
                    " “not applicable” are in a panel of their own.</p>"
                ),
                self.items_note,
                self.items_chart.box,
                self.chart_exports["Items"].widget,
            ]
        )

        # Groups
        self.groups_note = html_widget("", "pt-groups-note")
        self.groups_chart = ChartSlot("pt-groups-chart")
        self.gaps_table = html_widget("", "pt-gaps")
        groups = w.VBox(
            [
                html_widget(
                    "<h2>Groups</h2><p class='pt-muted'>Dimension means group by group. Grey"
                    " cells are groups too small to show (and, where needed, one more so that"
                    " nobody's answers can be worked out from the rest). Gaps are something to"
                    " talk through together, not a verdict.</p>"
                ),
                self.groups_note,
                self.groups_chart.box,
                self.chart_exports["Groups"].widget,
                self.gaps_table,
            ]
        )

        # Waves
        self.before = w.Dropdown(description="From", options=[], style=wide)
        self.before.add_class("pt-before")
        self.after = w.Dropdown(description="To", options=[], style=wide)
        self.after.add_class("pt-after")
        self.before.observe(self._on_filter, "value")
        self.after.observe(self._on_filter, "value")
        self.waves_note = html_widget("", "pt-waves-note")
        self.waves_chart = ChartSlot("pt-waves-chart")
        self.changes_table = html_widget("", "pt-changes")
        waves = w.VBox(
            [
                html_widget("<h2>Change between waves</h2>"),
                w.HBox([self.before, self.after], layout=w.Layout(flex_flow="row wrap")),
                self.waves_note,
                self.waves_chart.box,
                self.chart_exports["Waves"].widget,
                self.changes_table,
            ]
        )

        # Coverage
        self.coverage_note = html_widget("", "pt-coverage-warnings")
        self.coverage_chart = ChartSlot("pt-coverage-chart")
        coverage = w.VBox(
            [
                html_widget(
                    "<h2>Who took part</h2><p class='pt-muted'>A partnership review should hear"
                    " from every level of the partnership: policy makers, managers, front-line"
                    " workers and citizens or community activists.</p>"
                ),
                self.coverage_note,
                self.coverage_chart.box,
                self.chart_exports["Coverage"].widget,
            ]
        )

        # Findings
        self.findings = html_widget("", "pt-findings")
        findings = w.VBox([self.findings])

        # Action plan
        self.actions_hint = html_widget("", "pt-actions-hint")
        self.actions_box = w.VBox([])
        self.actions_box.add_class("pt-actions")
        self.add_action_button = button("Add an action", "pt-add-action", "", "plus")
        self.add_action_button.on_click(lambda _b: self.add_action())
        self.save_actions_button = button(
            "Save the action plan", "pt-save-actions", "primary", "save"
        )
        self.save_actions_button.on_click(lambda _b: self.save_actions())
        self.actions_saved = html_widget("", "pt-actions-saved")
        plan = w.VBox(
            [
                html_widget(
                    "<h2>Action plan</h2><p class='pt-muted'>What the partnership will do about"
                    " each dimension, who leads it and by when. It is saved with the review.</p>"
                ),
                self.actions_hint,
                self.actions_box,
                w.HBox(
                    [self.add_action_button, self.save_actions_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.actions_saved,
            ]
        )

        # Data
        self.instrument_select = w.Dropdown(
            description="Instrument", options=[], style=wide, layout=full
        )
        self.instrument_select.add_class("pt-instrument")
        self.instrument_path = w.Text(
            description="Instrument file",
            placeholder="path to a .yaml file on the server",
            style=wide,
            layout=full,
        )
        self.instrument_path.add_class("pt-instrument-path")
        self.instrument_upload = w.FileUpload(
            accept=".yaml,.yml,.json",
            multiple=False,
            description="Upload instrument",
            layout=w.Layout(width="auto"),
        )
        self.instrument_upload.add_class("pt-instrument-upload")
        self.use_instrument_button = button("Use this instrument", "pt-use-instrument", "", "check")
        self.use_instrument_button.on_click(lambda _b: self.use_selected_instrument())
        self.instrument_info = html_widget("", "pt-instrument-info")

        self.review_select = w.Dropdown(description="Review", options=[], style=wide, layout=full)
        self.review_select.add_class("pt-review-select")
        self.open_review_button = button("Open review", "pt-open-review", "primary", "folder-open")
        self.open_review_button.on_click(lambda _b: self.open_review())

        self.responses_upload = w.FileUpload(
            accept=".csv,.xlsx,.txt,.tsv",
            multiple=True,
            description="Upload responses",
            layout=w.Layout(width="auto"),
        )
        self.responses_upload.add_class("pt-responses-upload")
        self.responses_path = w.Text(
            description="Or a file path",
            placeholder="path to a .csv or .xlsx file on the server",
            style=wide,
            layout=full,
        )
        self.responses_path.add_class("pt-responses-path")
        self.import_wave = w.Text(
            description="Wave (optional)",
            placeholder="e.g. phase one; else the file's wave column",
            style=wide,
            layout=full,
        )
        self.import_wave.add_class("pt-import-wave")
        self.import_button = button("Import responses", "pt-import", "primary", "upload")
        self.import_button.on_click(lambda _b: self.import_files())
        self.sample_button = button("Show the sample review", "pt-sample", "", "eye")
        self.sample_button.on_click(lambda _b: self.load_sample())
        self.import_report = html_widget("", "pt-import-report")

        self.store_id = w.Text(
            description="Review id", placeholder="e.g. spring-2025", style=wide, layout=full
        )
        self.store_id.add_class("pt-store-id")
        self.store_title = w.Text(
            description="Title", placeholder="e.g. Spring review 2025", style=wide, layout=full
        )
        self.store_title.add_class("pt-store-title")
        self.store_button = button("Save to the store", "pt-store-review", "primary", "database")
        self.store_button.on_click(lambda _b: self.store_review())
        data = w.VBox(
            [
                html_widget("<h2>Instrument</h2>"),
                self.instrument_select,
                self.instrument_path,
                self.instrument_upload,
                self.use_instrument_button,
                self.instrument_info,
                html_widget("<h2>Responses</h2><h3>A review in the store</h3>"),
                self.review_select,
                self.open_review_button,
                html_widget(
                    "<h3>Or import files</h3><p class='pt-muted'>CSV (UTF-8) or Excel .xlsx"
                    " exported from an online form: one row per response. Columns are matched"
                    " to statements by id or wording; several files (one per wave) can be"
                    " imported together.</p>"
                ),
                self.responses_upload,
                self.responses_path,
                self.import_wave,
                w.HBox(
                    [self.import_button, self.sample_button], layout=w.Layout(flex_flow="row wrap")
                ),
                self.import_report,
                html_widget(
                    "<h2>Keep it in the store</h2><p class='pt-muted'>Save these responses as a"
                    " review in the store, so its action plan and response form can be kept"
                    " with it.</p>"
                ),
                self.store_id,
                self.store_title,
                self.store_button,
            ]
        )

        # Response form
        self.form_status = html_widget("", "pt-form-status")
        self.form_wave = w.Text(
            description="Wave", placeholder="e.g. phase two", style=wide, layout=full
        )
        self.form_wave.add_class("pt-form-wave")
        self.open_form_button = button("Open wave for responses", "pt-open-form", "primary", "play")
        self.open_form_button.on_click(lambda _b: self.open_form())
        self.close_form_button = button("Close responses", "pt-close-form", "danger", "stop")
        self.close_form_button.on_click(lambda _b: self.close_form())
        self.form_link = html_widget("", "pt-form-url")
        self.reload_button = button("Load new responses", "pt-reload", "", "refresh")
        self.reload_button.on_click(lambda _b: self.reload_responses())
        form = w.VBox(
            [
                html_widget(
                    "<h2>Response form</h2><p class='pt-muted'>Respondents can answer on their"
                    " own phones or computers, one person at a time, without the app's token."
                    " Open a wave, share the address, close it when the wave is over.</p>"
                ),
                self.form_status,
                self.form_wave,
                w.HBox(
                    [self.open_form_button, self.close_form_button, self.reload_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.form_link,
            ]
        )

        # Save
        self.save_file_button = button(
            "Save the review file", "pt-save-file", "primary", "download"
        )
        self.save_file_button.on_click(lambda _b: self.save_file())
        self.save_result = html_widget("", "pt-save-result")
        self.report = ReportDownload(self._report_source, out_dir=out, feedback=self.feedback)
        save = w.VBox(
            [
                html_widget(
                    "<h2>Save the review file</h2><p class='pt-muted'>One JSON file with the"
                    " instrument, the responses, the settings, the action plan and the figures,"
                    " so the review can be checked and scored again later.</p>"
                ),
                self.save_file_button,
                self.save_result,
                html_widget(
                    "<h3>Report</h3><p class='pt-muted'>One self-contained page of the saved"
                    " review file's results, checked against the figures it recorded (the"
                    " review file is saved first when it has not been yet).</p>"
                ),
                self.report.widget,
            ]
        )

        self.panes = {
            "Profile": profile,
            "Items": items,
            "Groups": groups,
            "Waves": waves,
            "Coverage": coverage,
            "Findings": findings,
            "Action plan": plan,
            "Data": data,
            "Response form": form,
            "Save": save,
        }
        self.tabs = w.Tab(children=[self.panes[t] for t in TAB_TITLES], titles=list(TAB_TITLES))
        self.tabs.add_class("pt-tabs")
        self.tabs.observe(self._on_tab, "selected_index")
        self.log_box = w.Accordion(children=[self.feedback.log_html], titles=["Activity log"])
        self.log_box.add_class("pt-log-box")
        self.widget = w.VBox(
            [
                style_widget(REVIEW_CSS),
                self.title,
                self.summary,
                self.feedback.message,
                self.filters,
                self.tabs,
                self.log_box,
            ],
            layout=w.Layout(width="100%"),
        )
        self.widget.add_class("pt-app")
        self.widget.add_class("pt-review")
        self._fill_instrument_list()

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
    def waves(self) -> tuple[str, ...]:
        return tuple(self.responses.waves) if self.responses is not None else ()

    def select_tab(self, title: str) -> None:
        self.tabs.selected_index = TAB_TITLES.index(title)

    @property
    def current_tab(self) -> str:
        return TAB_TITLES[self.tabs.selected_index or 0]

    # -- lists -----------------------------------------------------------------------------
    def _fill_instrument_list(self) -> None:
        from partnership_tools.review.instrument import list_instruments

        opts = [(f"{i.title} ({i.id})", i.id) for i in list_instruments()]
        opts.append(("From a file (path or upload below)…", FROM_FILE))
        self.instrument_select.options = opts

    def _fill_review_list(self) -> None:
        from partnership_tools.store.reviews import list_reviews

        rows = list_reviews(self.conn)
        self.review_select.options = [
            (f"{r['title'] or r['id']} ({r['id']}, {r['responses']} responses)", r["id"])
            for r in rows
        ]
        if self.review_id in [r["id"] for r in rows]:
            self.review_select.value = self.review_id

    # -- instrument ------------------------------------------------------------------------
    def _set_instrument(self, inst: Any) -> None:
        if self.responses is not None and self.responses.instrument_id != inst.id:
            self.responses = None
            self.result = None
            self.review_id = None
            self.imports = []
            self.import_report.value = ""
        self.instrument = inst
        ids = [v for _, v in self.instrument_select.options]
        if inst.id in ids:
            self.instrument_select.value = inst.id
        dims = len(inst.dimensions)
        self.instrument_info.value = (
            f"<p><b>{esc(inst.title)}</b> (version {esc(inst.version)}): {len(inst.items)}"
            f" statements in {dims} dimensions. Bands: {esc(inst.bands.label('strength'))} from"
            f" {inst.bands.strength:g}, {esc(inst.bands.label('concern'))} below"
            f" {inst.bands.discuss:g}.</p><p class='pt-muted'>{esc(inst.citation)}"
            f" Licence: {esc(inst.licence)}.</p>"
        )

    def _load_instrument(self, source: Any) -> Any:
        from partnership_tools.review.instrument import load_instrument
        from partnership_tools.review.schema import InstrumentError

        try:
            return load_instrument(source)
        except InstrumentError as exc:
            rows = [[p.place, p.message, p.fix] for p in exc.problems]
            self.instrument_info.value = (
                f"<p>{esc(Path(exc.source).name or exc.source)} could not be used:</p>"
                + html_table(["Where", "What is wrong", "How to fix it"], rows)
            )
            raise UIError(instrument_problem(exc)) from None

    @action("choosing the instrument")
    def use_instrument(self, source: Any) -> Any:
        """Use a shipped instrument (by id) or one from a YAML/JSON file."""
        inst = self._load_instrument(source)
        self._set_instrument(inst)
        self.feedback.info(f"Using the instrument {inst.title}.")
        if self.responses is None:
            self._show_result()
        return inst

    @action("loading the instrument")
    def use_selected_instrument(self) -> Any:
        """The button: the dropdown's instrument, or the uploaded file, or the typed path."""
        upload = self._uploads(self.instrument_upload)
        if upload:
            return self.load_instrument_file(upload[0]["name"], upload[0]["content"])
        if self.instrument_select.value == FROM_FILE:
            path = self.instrument_path.value.strip()
            if not path:
                raise UIError("Type the path of the instrument file, or upload it.")
            return self.use_instrument(Path(path).expanduser())
        return self.use_instrument(self.instrument_select.value)

    @action("reading the instrument file")
    def load_instrument_file(self, name: str, content: bytes) -> Any:
        """Use an instrument from an uploaded file (``name`` keeps its extension)."""
        suffix = Path(name).suffix.lower()
        if suffix not in (".yaml", ".yml", ".json"):
            raise UIError(f"{name} is not a .yaml or .json instrument file.")
        with tempfile.TemporaryDirectory(prefix="pt-instrument-") as tmp:
            path = Path(tmp) / (safe_filename(Path(name).stem, "instrument") + suffix)
            path.write_bytes(bytes(content))
            inst = self._load_instrument(path)
        self._set_instrument(inst)
        self.instrument_upload.value = ()
        self.feedback.success(f"Using the instrument {inst.title} from {name}.")
        if self.responses is None:
            self._show_result()
        return inst

    # -- responses -------------------------------------------------------------------------
    @staticmethod
    def _uploads(upload: widgets.FileUpload) -> list[dict[str, Any]]:
        out = []
        for f in upload.value or ():
            content = f["content"] if isinstance(f, dict) else f.content
            name = f["name"] if isinstance(f, dict) else f.name
            out.append({"name": str(name), "content": bytes(content)})
        return out

    def _use_responses(self, responses: Any, source: str, review: Any = None) -> None:
        from partnership_tools.review.actions import ActionPlan

        self.responses = responses
        self.source = source
        self._saved = None  # a file saved earlier is of other responses
        self.report.set_source(self._report_source)
        if review is not None:
            self.review_id = review.id
            self.review_title = review.title
            self.review_created_at = review.created_at
            self.plan = review.action_plan
            settings = review.settings
            self._quiet = True
            try:
                self.min_size.value = settings.min_group_size
            finally:
                self._quiet = False
            self.store_id.value = review.id
            self.store_title.value = review.title
        else:
            self.review_id = None
            self.review_created_at = ""
            self.plan = ActionPlan()
            settings = None
        self._fill_filters(settings)
        self._fill_action_rows()
        self.refresh()
        self._show_form_state()

    def _fill_filters(self, settings: Any = None) -> None:
        waves = list(self.waves)
        fields = [
            (f.id.replace("_", " ").capitalize(), f.id) for f in self.instrument.respondent_fields
        ]
        by_default = NO_GROUPS
        if settings is not None and settings.by in [v for _, v in fields]:
            by_default = settings.by
        elif self.instrument.coverage_field in [v for _, v in fields]:
            by_default = self.instrument.coverage_field
        self._quiet = True
        try:
            self.wave.options = waves
            focus = settings.focus_wave if settings is not None else None
            default = self._default_wave()
            self.wave.value = focus if focus in waves else default
            self.by.options = [("No groups", NO_GROUPS), *fields]
            self.by.value = by_default
            self.before.options = waves
            self.after.options = waves
            before = settings.before if settings is not None else None
            after = settings.after if settings is not None else None
            self.before.value = before if before in waves else (waves[0] if waves else None)
            self.after.value = after if after in waves else default
            self.group.options = [OVERALL]
            self.group.value = OVERALL
        finally:
            self._quiet = False

    def _default_wave(self) -> str | None:
        """The last wave with enough respondents to show figures (else the last wave)."""
        waves = list(self.waves)
        if not waves:
            return None
        counts = self.responses.frame["wave"].value_counts()
        k = int(self.min_size.value or 5)
        enough = [w for w in waves if int(counts.get(w, 0)) >= k]
        return enough[-1] if enough else waves[-1]

    @action("opening the review")
    def open_review(self, review_id: str | None = None) -> Any:
        """Open a review from the store: its instrument, responses, settings and action plan."""
        from partnership_tools.store.reviews import ReviewStoreError, load_review

        rid = review_id or self.review_select.value
        if not rid:
            raise UIError("There are no reviews in the store yet; import responses and save them.")
        try:
            with busy(self.open_review_button):
                review = load_review(self.conn, rid)
        except ReviewStoreError as exc:
            raise UIError(str(exc)) from None
        self._set_instrument(review.instrument)
        self.imports = []
        self.import_report.value = ""
        self._use_responses(review.responses, f"the review {review.title or review.id}", review)
        self._fill_review_list()
        self.feedback.success(
            f"Opened the review {review.title or review.id}: {review.responses.n} response(s)."
        )
        return review

    @action("importing responses")
    def import_files(self, paths: Sequence[str | os.PathLike[str]] | None = None) -> Any:
        """Import response files (the arguments, else the uploads, else the typed path)."""
        from partnership_tools.review.responses import ResponseFileError, Responses, read_responses

        if self.instrument is None:
            raise UIError("Choose the instrument first.")
        wave = " ".join(self.import_wave.value.split()) or None
        uploads = [] if paths is not None else self._uploads(self.responses_upload)
        if paths is None and not uploads:
            typed = self.responses_path.value.strip()
            if not typed:
                raise UIError("Upload a CSV or Excel file of responses, or type its path.")
            paths = [Path(typed).expanduser()]
        imports = []
        with busy(self.import_button), tempfile.TemporaryDirectory(prefix="pt-responses-") as tmp:
            files: list[Path] = [Path(p) for p in paths or ()]
            for u in uploads:
                if len(u["content"]) > MAX_UPLOAD_BYTES:
                    raise UIError(f"{u['name']} is larger than 20 MB; is it the right file?")
                name = safe_filename(Path(u["name"]).name, "responses.csv")
                target = Path(tmp) / name
                target.write_bytes(u["content"])
                files.append(target)
            for p in files:
                try:
                    imports.append(read_responses(p, self.instrument, wave=wave))
                except ResponseFileError as exc:
                    raise UIError(str(exc)) from None
        if not imports:
            raise UIError("There was nothing to import.")
        responses = Responses.combine([i.responses for i in imports])
        if responses.n == 0:
            raise UIError("The file has a header row but no responses.")
        self.imports = imports
        self.responses_upload.value = ()
        self._show_import_report()
        names = ", ".join(Path(i.source).name for i in imports)
        self._use_responses(responses, names)
        self.store_id.value = self.store_id.value or safe_filename(
            Path(imports[0].source).stem, "review"
        )
        problems = sum(len(i.invalid_cells) for i in imports)
        extra = f"; {problems} cell(s) could not be read (see the Data tab)" if problems else ""
        self.feedback.success(f"Imported {responses.n} response(s) from {names}{extra}.")
        return imports

    def _show_import_report(self) -> None:
        parts = []
        for imp in self.imports:
            name = Path(imp.source).name
            r = imp.responses
            parts.append(
                f"<h3>{esc(name)}</h3><p>{r.n} response(s); {len(imp.matched)} of"
                f" {len(r.item_ids)} statements matched; waves: {esc(', '.join(r.waves))}.</p>"
            )
            if imp.unmatched_columns:
                parts.append(
                    html_table(
                        ["Column not used"],
                        [[c] for c in imp.unmatched_columns],
                        caption="Columns that match no statement or question",
                    )
                )
            if imp.missing_items:
                parts.append(
                    f"<p>Statements with no column: {esc(', '.join(imp.missing_items))}.</p>"
                )
            if imp.invalid_cells:
                rows = [[c.row, c.column, c.value, c.why] for c in imp.invalid_cells[:200]]
                parts.append(
                    html_table(
                        ["Row", "Column", "Value", "Why it was left blank"],
                        rows,
                        numeric=[0],
                        caption=f"{len(imp.invalid_cells)} cell(s) could not be read",
                    )
                )
                if len(imp.invalid_cells) > 200:
                    parts.append(f"<p>… and {len(imp.invalid_cells) - 200} more.</p>")
            for warning in imp.warnings:
                parts.append(f"<p class='pt-warning'>{esc(warning)}</p>")
        self.import_report.value = "<h3>Import report</h3>" + "".join(parts)

    @action("loading the sample review")
    def load_sample(self) -> Any:
        """The sample: two waves of the ``ten_lessons`` instrument."""
        self.import_wave.value = ""
        self.use_instrument(SAMPLE_INSTRUMENT)
        imports = self.import_files(sample_paths())
        if imports is None:
            return None
        self.source = "the sample responses"
        self.store_id.value = "sample-ten-lessons"
        self.store_title.value = "Sample review (ten lessons)"
        self.review_title = "Sample review (ten lessons)"
        self._show_summary()
        self.feedback.info(
            "Showing the sample review: two waves of the ten lessons health check. Open your own"
            " review or import responses in the Data tab."
        )
        return imports

    @action("saving the review to the store")
    def store_review(self) -> str | None:
        """Save the instrument and responses (and the action plan) as a review in the store."""
        from partnership_tools.store.reviews import (
            create_review,
            list_reviews,
            save_action_plan,
            save_responses,
        )

        if self.instrument is None:
            raise UIError("Choose the instrument first.")
        rid = " ".join(self.store_id.value.split())
        if not rid:
            raise UIError("Give the review an id, e.g. spring-2025.")
        if "/" in rid or len(rid) > 100:
            raise UIError("A review id can be at most 100 characters, without a slash.")
        title = " ".join(self.store_title.value.split()) or rid
        existing = {r["id"] for r in list_reviews(self.conn)}
        if rid in existing and rid != self.review_id:
            raise UIError(
                f"There is already a review {rid!r} in the store; choose another id, or open it."
            )
        with busy(self.store_button):
            create_review(
                self.conn,
                rid,
                title,
                self.instrument,
                self.stored_settings(),
                replace=rid in existing,
                created_at=self.review_created_at or None,
            )
            if self.responses is not None and self.responses.n:
                save_responses(self.conn, rid, self.responses)
            save_action_plan(self.conn, rid, self.plan)
        self.review_id = rid
        self.review_title = title
        self.source = f"the review {title}"
        self._fill_review_list()
        self._show_summary()
        self._show_form_state()
        self.feedback.success(f"Saved the review {title} ({rid}) to the store.")
        return rid

    @action("loading new responses")
    def reload_responses(self) -> Any:
        """Read the review's responses from the store again (e.g. new ones from the form)."""
        from partnership_tools.store.reviews import load_responses

        rid = self._require_review("load new responses")
        before = self.responses.n if self.responses is not None else 0
        responses = load_responses(self.conn, rid)
        self.responses = responses
        keep = self.settings()
        self._fill_filters(keep)
        self.refresh()
        self._show_form_state()
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

        return ReviewSettings(
            by=self.by.value or None,
            min_group_size=int(self.min_size.value or 5),
            before=self.before.value or None,
            after=self.after.value or None,
            focus_wave=self.wave.value or None,
        )

    def _on_filter(self, _change: dict) -> None:
        if not self._quiet:
            self.refresh()

    def _on_group(self, _change: dict) -> None:
        if not self._quiet and self.result is not None:
            self._show_tables()
            self._mark_stale("Profile", "Items")
            self._draw_current()

    def _on_tab(self, _change: dict) -> None:
        self._draw_current()

    @action("working out the results")
    def refresh(self) -> Any:
        """Score the responses with the filters shown and update every tab."""
        from partnership_tools.review.scoring import score_review

        if self.instrument is None or self.responses is None or self.responses.n == 0:
            self.result = None
            self._show_result()
            return None
        settings = self.settings()
        if settings.before == settings.after and len(self.waves) > 1:
            settings = settings.replace(before=None, after=None)
        result = score_review(self.responses, self.instrument, settings)
        self.result = result
        self._fill_groups()
        self._show_result()
        return result

    def _fill_groups(self) -> None:
        groups = [OVERALL]
        d = self.result.dimensions
        if self.by.value:
            w = d[d["wave"] == self.result.focus_wave]
            groups += [g for g in dict.fromkeys(w["group"]) if g != OVERALL]
        current = self.group.value
        self._quiet = True
        try:
            self.group.options = groups
            self.group.value = current if current in groups else OVERALL
        finally:
            self._quiet = False

    def _show_summary(self) -> None:
        if self.instrument is None:
            self.summary.value = ""
            return
        n = self.responses.n if self.responses is not None else 0
        waves = ", ".join(self.waves) or "none yet"
        where = (
            f"stored as <code>{esc(self.review_id)}</code>"
            if self.review_id
            else "not in the store yet"
        )
        title = self.review_title or self.source or "Review"
        self.summary.value = (
            f"<h2 class='pt-review-title'>{esc(title)}</h2><p>{esc(self.instrument.title)}:"
            f" <b>{n}</b> response(s); waves: {esc(waves)}; from {esc(self.source)}"
            f" ({where}).</p>"
        )

    def _show_result(self) -> None:
        self._show_summary()
        self._show_findings()
        self._show_tables()
        self._show_actions_hint()
        self._mark_stale(*CHART_TABS)
        if self.result is None:
            for tab, slot in self._slots().items():
                slot.clear()
                show(self.chart_exports[tab].widget, False)
        self._draw_current()

    # -- text tabs -------------------------------------------------------------------------
    def _wave_rows(self, group: str = OVERALL) -> Any:
        r = self.result
        d = r.dimensions
        return d[(d["wave"] == r.focus_wave) & (d["group"] == group)]

    def _show_tables(self) -> None:
        r = self.result
        if r is None:
            empty = (
                "<p>No responses yet: import a file, open a review, or open the response form.</p>"
            )
            for h in (self.profile_table, self.gaps_table, self.changes_table):
                h.value = ""
            for h in (self.profile_note, self.items_note, self.groups_note, self.waves_note):
                h.value = empty
            self.coverage_note.value = empty
            return
        wave = r.focus_wave
        group = self.group.value or OVERALL
        rows = []
        for _, row in self._wave_rows(group).iterrows():
            hidden = _true(row["suppressed"])
            band = (
                "suppressed"
                if hidden
                else (_text(row["band_label"]) if _true(row["met_minimum"]) else "too few answers")
            )
            rows.append(
                [
                    row["title"],
                    _fmt(row["mean"]),
                    _fmt(row["pct_positive"], ".0f"),
                    _fmt(row["sd"]),
                    band,
                    _int(row["n"]),
                    _int(row["dont_know"]),
                ]
            )
        self.profile_table.value = html_table(
            ["Dimension", "Mean", "% positive", "SD", "Band", "Valid answers", "Don't know"],
            rows,
            numeric=[1, 2, 3, 5, 6],
            caption=f"{wave}, {group.lower() if group == OVERALL else group}",
        )
        respondents = int((self.responses.frame["wave"] == wave).sum())
        k = r.settings.min_group_size
        note = f"<p>{esc(wave)}: {respondents} respondent(s).</p>"
        if respondents < k:
            note += (
                f"<p class='pt-warning'>Fewer than {k} people answered in {esc(wave)}, so no"
                " figures are shown.</p>"
            )
        self.profile_note.value = note
        self.items_note.value = note

        # Groups
        if not r.settings.by:
            self.groups_note.value = (
                "<p>Choose a question in “Compare groups by” to see the groups.</p>"
            )
            self.gaps_table.value = ""
        else:
            fld = self.instrument.field(r.settings.by)
            d = r.dimensions
            w = d[(d["wave"] == wave) & ~d["overall"].astype(bool)]
            hidden_groups = sorted(set(w.loc[w["suppressed"].astype(bool), "group"]))
            note = f"<p>Groups by “{esc(fld.label)}” in {esc(wave)}.</p>"
            if hidden_groups:
                note += (
                    f"<p class='pt-warning'>Not shown (fewer than {k} people, or to protect a"
                    f" small group): {esc(', '.join(hidden_groups))}.</p>"
                )
            self.groups_note.value = note
            g = r.gaps
            g = g[g["wave"] == wave] if len(g) else g
            grows = []
            for _, row in g.iterrows():
                grows.append(
                    [
                        row["title"],
                        f"{row['highest_group']} ({_fmt(row['highest_mean'])})"
                        if _text(row["highest_group"])
                        else "–",
                        f"{row['lowest_group']} ({_fmt(row['lowest_mean'])})"
                        if _text(row["lowest_group"])
                        else "–",
                        _fmt(row["gap"]),
                        "Worth talking through" if _true(row["flagged"]) else "",
                    ]
                )
            self.gaps_table.value = html_table(
                ["Dimension", "Highest", "Lowest", "Gap", ""],
                grows,
                numeric=[3],
                caption=f"Gaps between groups, {wave} (flagged from {_fmt(r.settings.gap_threshold, '.1f')} points)",
            )

        # Waves
        c = r.changes
        if len(self.waves) < 2 or not len(c):
            self.waves_note.value = (
                "<p>There is one wave so far: the change shows once a second wave is in.</p>"
            )
            self.changes_table.value = ""
        else:
            overall = c[c["overall"].astype(bool)]
            before, after = str(overall["before"].iloc[0]), str(overall["after"].iloc[0])
            self.waves_note.value = f"<p>From {esc(before)} to {esc(after)}, all respondents.</p>"
            crow = []
            for _, row in overall.iterrows():
                crow.append(
                    [
                        row["title"],
                        _fmt(row["mean_before"]),
                        _fmt(row["mean_after"]),
                        _fmt(row["change"], "+.2f"),
                        "suppressed" if _true(row["suppressed"]) else _text(row["direction"]),
                    ]
                )
            self.changes_table.value = html_table(
                ["Dimension", before, after, "Change", "Direction"],
                crow,
                numeric=[1, 2, 3],
            )

        # Coverage
        if r.coverage is None:
            self.coverage_note.value = (
                "<p>This instrument does not name the question that places people in the"
                " vertical slice (its coverage field).</p>"
            )
        else:
            warnings = r.coverage.warnings
            if warnings:
                self.coverage_note.value = "".join(
                    f"<p class='pt-warning' role='status'>{esc(x)}</p>" for x in warnings
                )
            else:
                self.coverage_note.value = (
                    "<p>Every level of the vertical slice answered in every wave.</p>"
                )

    def _show_findings(self) -> None:
        r = self.result
        if r is None:
            self.findings.value = "<h2>Findings</h2><p>No responses yet.</p>"
            return
        wave = r.focus_wave
        sections = [
            ("Strengths", ("strength",)),
            ("Worth discussing", ("discuss",)),
            ("Concerns", ("concern",)),
            (
                "Other things to note",
                ("not_enough", "dont_know", "gap", "consensus", "change", "coverage"),
            ),
        ]
        parts = [f"<h2>Findings for {esc(wave)}</h2>"]
        for heading, kinds in sections:
            found = [f for f in r.findings if f.kind in kinds]
            parts.append(f"<h3>{esc(heading)} ({len(found)})</h3>")
            if not found:
                parts.append("<p class='pt-muted'>None.</p>")
            for f in found:
                parts.append(f"<p class='pt-finding pt-finding-{esc(f.kind)}'>{esc(f.text)}</p>")
        frame = self.responses.frame
        comments = [c for c in frame.loc[frame["wave"] == wave, "comments"] if str(c).strip()]
        parts.append(f"<h3>Comments ({len(comments)})</h3>")
        if not comments:
            parts.append("<p class='pt-muted'>No comments in this wave.</p>")
        for c in comments:
            parts.append(f"<div class='pt-comment'>{esc(c)}</div>")
        self.findings.value = "".join(parts)

    # -- charts ------------------------------------------------------------------------------
    def _slots(self) -> dict[str, ChartSlot]:
        return {
            "Profile": self.profile_chart,
            "Items": self.items_chart,
            "Groups": self.groups_chart,
            "Waves": self.waves_chart,
            "Coverage": self.coverage_chart,
        }

    def _mark_stale(self, *tabs: str) -> None:
        self._stale.update(tabs)

    def _draw_current(self) -> None:
        tab = self.current_tab
        if tab in self._stale:
            self.draw(tab)

    @action("drawing the chart")
    def draw(self, tab: str) -> Any:
        """Draw the chart of one tab (``Profile``, ``Items``, ``Groups``, ``Waves``, ``Coverage``)."""
        self._stale.discard(tab)
        slot = self._slots()[tab]
        export = self.chart_exports[tab]
        r = self.result
        chart = None if r is None else self._chart(tab)
        if chart is None:
            slot.clear()
        else:
            slot.set(chart)
            name = f"{self.review_id or 'review'}-{tab}-{r.focus_wave or ''}".rstrip("-")
            export.set_chart(lambda: slot.chart, name.lower().replace(" ", "-"))
        show(export.widget, chart is not None)
        return chart

    def save_chart(self, fmt: str = "png") -> Path | None:
        """Save the chart of the tab on show as ``png`` or ``svg`` (what its buttons do)."""
        tab = self.current_tab
        if tab not in self.chart_exports:
            self.feedback.error(f"There is no chart on the {tab} tab.")
            return None
        if tab in self._stale:
            self.draw(tab)
        return self.chart_exports[tab].save(fmt)

    def draw_all(self) -> dict[str, Any]:
        """Draw every chart now (tests; a page draws each tab's chart when it is shown)."""
        return {tab: self.draw(tab) for tab in CHART_TABS}

    def _chart(self, tab: str) -> Any:
        from partnership_tools.charts import review as charts

        r = self.result
        scale = self.instrument.scale
        span = (scale.low, scale.high)
        wave = r.focus_wave
        group = self.group.value or OVERALL
        d = r.dimensions
        if tab == "Profile":
            rows = d[(d["wave"] == wave) & (d["group"] == group) & ~d["suppressed"].astype(bool)]
            if not len(rows):
                return None
            chart = charts.profile_chart(d, wave=wave, group=group, scale_range=span)
            return chart.properties(
                title=f"Dimension profile: {group}, {wave}", width=CHART_WIDTH
            ).configure_legend(orient="bottom")
        if tab == "Items":
            dist = r.distribution
            rows = dist[
                (dist["wave"] == wave) & (dist["group"] == group) & ~dist["suppressed"].astype(bool)
            ]
            if not len(rows):
                return None
            return charts.diverging_items_chart(dist, wave=wave, group=group, width=300).properties(
                title=f"Answers to each statement: {group}, {wave}"
            )
        if tab == "Groups":
            if not r.settings.by:
                return None
            return charts.group_heatmap_chart(d, wave=wave, scale_range=span)
        if tab == "Waves":
            c = r.changes
            if len(self.waves) < 2 or not len(c):
                return None
            if not len(
                c[(c["group"] == OVERALL) & ~c["suppressed"].astype(bool) & c["change"].notna()]
            ):
                return None
            return (
                charts.wave_change_chart(c)
                .properties(width=CHART_WIDTH)
                .configure_legend(orient="bottom")
            )
        if tab == "Coverage":
            if r.coverage is None or not len(r.coverage.table):
                return None
            return charts.coverage_chart(r.coverage.table)
        raise UIError(f"There is no chart on the {tab} tab.")

    # -- action plan -----------------------------------------------------------------------------
    def _dimension_options(self) -> list[tuple[str, str]]:
        if self.instrument is None:
            return []
        return [(d.title, d.id) for d in self.instrument.dimensions]

    def _fill_action_rows(self) -> None:
        self.action_rows = []
        for item in self.plan.items:
            self._append_row(ActionRow(self._dimension_options(), item))
        self._sync_rows()

    def _append_row(self, row: ActionRow) -> ActionRow:
        row.remove.on_click(lambda _b, r=row: self.remove_action(self.action_rows.index(r)))
        self.action_rows.append(row)
        return row

    def _sync_rows(self) -> None:
        self.actions_box.children = [r.box for r in self.action_rows]
        if not self.action_rows:
            self.actions_box.children = [
                html_widget("<p class='pt-muted'>No actions yet: press “Add an action”.</p>")
            ]

    def _show_actions_hint(self) -> None:
        r = self.result
        if r is None:
            self.actions_hint.value = ""
            return
        try:
            plan = self.current_plan(strict=False)
        except ValueError:
            plan = self.plan
        weak = plan.without_action(r)
        if weak:
            titles = [self.instrument.dimension(d).title for d in weak]
            self.actions_hint.value = (
                f"<p class='pt-warning'>Concerns in {esc(r.focus_wave)} with no action yet:"
                f" {esc(', '.join(titles))}.</p>"
            )
        else:
            self.actions_hint.value = ""

    @action("adding an action")
    def add_action(
        self, dimension: str | None = None, text: str = "", owner: str = "", due: Any = None
    ) -> ActionRow | None:
        """Add a row to the action plan (not saved until "Save the action plan")."""
        if self.instrument is None:
            raise UIError("Choose the instrument first.")
        row = self._append_row(ActionRow(self._dimension_options()))
        if dimension is None and self.result is not None:
            weak = self.current_plan(strict=False).without_action(self.result)
            dimension = weak[0] if weak else None
        if dimension is not None:
            row.dimension.value = dimension
        row.action.value = text
        row.owner.value = owner
        if due:
            row.due.value = due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due))
        self._sync_rows()
        self.actions_saved.value = "<p class='pt-muted'>Not saved yet.</p>"
        return row

    @action("removing the action")
    def remove_action(self, index: int) -> None:
        if not 0 <= index < len(self.action_rows):
            raise UIError(f"There is no action number {index + 1}.")
        del self.action_rows[index]
        self._sync_rows()
        self.actions_saved.value = "<p class='pt-muted'>Not saved yet.</p>"

    def current_plan(self, strict: bool = True) -> Any:
        """The plan in the rows (blank rows skipped); ``UIError`` naming the first bad row."""
        from partnership_tools.review.actions import ActionPlan

        items = []
        for n, row in enumerate(self.action_rows, start=1):
            if row.is_blank():
                continue
            try:
                items.append(row.to_item())
            except ValueError as exc:
                if strict:
                    raise UIError(f"Action {n}: {exc}") from None
        return ActionPlan(tuple(items))

    def _require_review(self, doing: str) -> str:
        if not self.review_id:
            raise UIError(
                f"Save this review to the store first (Data tab, “Save to the store”) to {doing}."
            )
        return self.review_id

    @action("saving the action plan")
    def save_actions(self) -> Any:
        """Check the rows and save them as the review's action plan in the store."""
        from partnership_tools.store.reviews import (
            load_action_plan,
            save_action_plan,
            save_settings,
        )

        rid = self._require_review("keep its action plan")
        plan = self.current_plan()
        with busy(self.save_actions_button):
            save_action_plan(self.conn, rid, plan)
            save_settings(self.conn, rid, self.stored_settings())
        self.plan = load_action_plan(self.conn, rid)
        self._fill_action_rows()
        self._show_actions_hint()
        from partnership_tools.kernel.clock import utc_now

        stamp = utc_now().replace("T", " ").replace("Z", " UTC")
        self.actions_saved.value = f"<p>Saved {len(self.plan)} action(s) at {esc(stamp)}.</p>"
        self.feedback.success(
            f"Saved the action plan ({len(self.plan)} action(s)) with the review."
        )
        return self.plan

    # -- response form -----------------------------------------------------------------------------
    def _show_form_state(self) -> None:
        from partnership_tools.store.drafts import draft_counts, form_wave

        if not self.review_id:
            self.form_status.value = (
                "<p>Save this review to the store first (Data tab), then open a wave here.</p>"
            )
            self.form_link.value = ""
            show(self.close_form_button, False)
            show(self.reload_button, False)
            if not self.form_wave.value:
                self.form_wave.value = self._next_wave_name()
            return
        state = form_wave(self.conn, self.review_id)
        url = form_url(self.review_id, self.base_url)
        show(self.reload_button, True)
        if state is not None and state.open:
            counts = draft_counts(self.conn, self.review_id, state.wave)
            self.form_status.value = (
                f"<p class='pt-form-open'><b>Open</b> for {esc(state.wave)} since"
                f" {esc(state.opened_at.replace('T', ' ').replace('Z', ' UTC'))}:"
                f" {counts['submitted']} submitted, {counts['started'] - counts['submitted']}"
                " in progress.</p>"
            )
            show(self.close_form_button, True)
            self.form_wave.value = state.wave
            from partnership_tools.ui.common import qr_svg

            self.form_link.value = (
                f"<p>Share this address with respondents:</p><p><a href='{esc(url)}'"
                f" target='_blank' rel='noopener'>{esc(url)}</a></p>"
                f"<div class='pt-qr' role='img' aria-label='QR code for the review form'>"
                f"{qr_svg(url, scale=6) if url.startswith('http') else ''}</div>"
            )
        else:
            closed = (
                f" Responses to {esc(state.wave)} closed at"
                f" {esc((state.closed_at or '').replace('T', ' ').replace('Z', ' UTC'))}."
                if state is not None
                else ""
            )
            self.form_status.value = (
                f"<p class='pt-form-closed'><b>Not taking responses.</b>{closed}</p>"
            )
            show(self.close_form_button, False)
            self.form_link.value = f"<p class='pt-muted'>The form's address: {esc(url)}</p>"
            if not self.form_wave.value:
                self.form_wave.value = self._next_wave_name()

    def _next_wave_name(self) -> str:
        waves = self.waves
        return f"wave {len(waves) + 1}"

    @action("opening the response form")
    def open_form(self, wave: str | None = None) -> Any:
        """Open the review form for responses to a wave (the typed one by default)."""
        from partnership_tools.store.drafts import DraftError, open_wave

        rid = self._require_review("take responses with the form")
        name = " ".join((wave if wave is not None else self.form_wave.value).split())
        try:
            state = open_wave(self.conn, rid, name)
        except DraftError as exc:
            raise UIError(str(exc)) from None
        self.form_wave.value = state.wave
        self._show_form_state()
        self.feedback.success(
            f"The response form is open for {state.wave}: {form_url(rid, self.base_url)}"
        )
        return state

    @action("closing the response form")
    def close_form(self) -> Any:
        from partnership_tools.store.drafts import close_wave

        rid = self._require_review("take responses with the form")
        state = close_wave(self.conn, rid)
        self._show_form_state()
        if state is None:
            raise UIError("The response form was not open.")
        self.feedback.success(f"Closed the response form for {state.wave}.")
        return state

    # -- the review file ---------------------------------------------------------------------------
    def review(self) -> Any:
        """The review as shown: instrument, responses, settings, action plan (as in the rows)."""
        from partnership_tools.review.responses import Responses
        from partnership_tools.review.reviewfile import Review

        if self.instrument is None:
            raise UIError("Choose the instrument first.")
        responses = self.responses or Responses.from_records(self.instrument, [])
        rid = self.review_id or safe_filename(self.store_id.value or self.review_title, "review")
        return Review(
            id=rid,
            title=self.review_title or self.store_title.value or rid,
            instrument=self.instrument,
            responses=responses,
            settings=self.settings(),
            action_plan=self.current_plan(),
            created_at=self.review_created_at,
        )

    @action("saving the review file")
    def save_file(self) -> Path | None:
        """Write the review file (with its figures) to the downloads folder, atomically."""
        return self._save()

    def _report_source(self) -> Path:
        """The file "Download report" reports on: the latest saved file, else a new one."""
        if self._saved is None or not self._saved.exists():
            self._save()
        assert self._saved is not None
        return self._saved

    def _save(self) -> Path:
        from partnership_tools.review.reviewfile import review_to_json, write_review

        review = self.review()
        if self.responses is not None and self.responses.n:
            review = review.with_result()
        target = stamped_path("review", review.id, self.db_path)
        name = target.name
        with busy(self.save_file_button):
            path = write_review(review, target)
        data = review_to_json(review).encode("utf-8")
        link = data_link(data, name, "application/json", f"Download {name}", "pt-save-link")
        self.save_result.value = f"<p>Saved to <code>{esc(path)}</code>.</p><p>{link}</p>"
        self._saved = path
        self.report.link.value = ""  # a report of an earlier file is out of date
        self.feedback.success(f"Saved the review file {name}.")
        return path
