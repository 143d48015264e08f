"""The facilitator's console: run a Crowd Wise session from one Voilà page.

Create or open a session (facilitator key checked once per opened session), list the options,
open a round, type paper ballots from the keyboard (``CAB`` or ``C>A>B``, checked as you type,
stored on Enter, with undo), watch the ballot count rise, close the round, read the results and
the plain-English summary, amend or merge options, open the next round, compare rounds, export
the session file, issue one-time participant codes and publish or hide results.

Every button calls a method of :class:`FacilitatorApp` (``create_session``, ``open_session``,
``add_options``, ``open_round``, ``enter_paper_ballot``, ``undo_last``, ``close_round``,
``show_results``, ``set_published``, ``amend_option``, ``merge_options``, ``open_next_round``,
``compare``, ``export_session``, ``issue_codes``; "Download report" and "Save chart as PNG /
SVG" are :class:`~partnership_tools.ui.export.ReportDownload` and
:class:`~partnership_tools.ui.export.ChartExport`, ``app.report.make()`` and
``app.chart_export.save(fmt)``); tests call the same methods. Altair and
pandas are imported only when the facilitator asks for charts or a comparison.

>>> import tempfile, os
>>> app = FacilitatorApp(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite"), poll_interval=None)
>>> app.new_question.value = "Where should the hub go?"
>>> app.new_key.value = "sesame"
>>> app.create_session() is not None
True
>>> app.options_text.value = "Town hall\\nLibrary | next to the station"
>>> [o.label for o in app.add_options()]
['Town hall', 'Library']
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.store import Store
from partnership_tools.ui.common import (
    ChartSlot,
    Feedback,
    Poller,
    UIError,
    WidgetApp,
    action,
    busy,
    button,
    data_link,
    esc,
    html_table,
    html_widget,
    join_url,
    one_sentence,
    public_base_url,
    safe_filename,
    session_from_query,
    show,
    style_widget,
)
from partnership_tools.ui.export import ChartExport, ReportDownload, export_dir, stamped_path
from partnership_tools.vote.model import Ballot, Option, Session

log = logging.getLogger("partnership_tools.ui")

MIN_KEY_LENGTH = 4
MAX_LABEL_LENGTH = 200
TAB_TITLES = (
    "Session",
    "Options",
    "Round",
    "Results",
    "Amend / merge",
    "Compare",
    "Export",
    "Codes",
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
.pt-facilitator .widget-textarea textarea { font-size: 14px; }
@media (max-width: 600px) {
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


# ------------------------------------------------------------------------------------------
# Pure helpers
# ------------------------------------------------------------------------------------------
def parse_option_lines(text: str, existing_labels: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Options typed one per line, ``Label`` or ``Label | description``; blank lines skipped.

    Refuses an empty label, an over-long one and a label used twice (ignoring case), here or
    among ``existing_labels``.

    >>> parse_option_lines("Town hall\\n\\n Library | by the station ")
    [('Town hall', ''), ('Library', 'by the station')]
    >>> parse_option_lines("A\\na")
    Traceback (most recent call last):
    ...
    partnership_tools.ui.common.UIError: Line 2 repeats the option 'a'.
    """
    out: list[tuple[str, str]] = []
    seen = {" ".join(x.split()).casefold() for x in existing_labels}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        label, _, description = raw.partition("|")
        label = " ".join(label.split())
        description = description.strip()
        if not label:
            raise UIError(f"Line {number} has a description but no label.")
        if len(label) > MAX_LABEL_LENGTH:
            raise UIError(
                f"Line {number} is longer than {MAX_LABEL_LENGTH} characters; shorten it."
            )
        if label.casefold() in seen:
            raise UIError(f"Line {number} repeats the option '{label}'.")
        seen.add(label.casefold())
        out.append((label, description))
    if not out:
        raise UIError("Type at least one option, one per line.")
    return out


def superseded_ids(session: Session) -> set[str]:
    """Options that have been amended or merged into a newer option."""
    return {p for o in session.options for p in o.parents}


def next_round_options(session: Session) -> list[str]:
    """The default ballot paper for the next round.

    The previous round's options minus those amended or merged since, followed by every option
    not yet voted on that is not itself superseded (in the order they were added). Before the
    first round: every option not superseded.

    >>> s = Session(id="s", question="q", options=(Option("A", "a"), Option("B", "b"),
    ...     Option("C", "c"), Option("D", "d", merged_from=("B", "C"))))
    >>> next_round_options(s)
    ['A', 'D']
    """
    gone = superseded_ids(session)
    voted = {oid for r in session.rounds for oid in r.option_ids}
    previous = list(session.rounds[-1].option_ids) if session.rounds else []
    keep = [oid for oid in previous if oid not in gone]
    fresh = [o.id for o in session.options if o.id not in voted and o.id not in gone]
    return keep + [oid for oid in fresh if oid not in keep]


def option_display(option: Option) -> str:
    """``"A: label"`` as shown in lists and checkboxes (plain text, never markup)."""
    return f"{option.id}: {option.label}"


def lineage_text(session: Session, option: Option) -> str:
    if option.amended_from:
        return f"amended from {option.amended_from}"
    if option.merged_from:
        return "merged from " + " + ".join(option.merged_from)
    return ""


def codes_sheet_html(question: str, session_id: str, codes: Sequence[str], url: str) -> str:
    """A printable, self-contained HTML page of participant codes (all text escaped)."""
    cells = "".join(
        f'<div class="code"><span class="u">{esc(url)}</span><b>{esc(c)}</b></div>' for c in codes
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Participant codes: {esc(session_id)}</title><style>"
        "body{font-family:system-ui,Arial,sans-serif;margin:12mm;color:#111}"
        ".grid{display:grid;grid-template-columns:repeat(3,1fr);gap:0}"
        ".code{border:1px dashed #666;padding:6mm 3mm;text-align:center;break-inside:avoid}"
        ".code b{display:block;font:700 16pt ui-monospace,Menlo,Consolas,monospace;"
        "letter-spacing:.12em;margin-top:2mm}.u{font-size:9pt;word-break:break-all}"
        "h1{font-size:13pt}</style></head><body>"
        f"<h1>{esc(question)}</h1><p>Each code works once. Cut along the dashed lines.</p>"
        f"<div class='grid'>{cells}</div></body></html>"
    )


# ------------------------------------------------------------------------------------------
# The app
# ------------------------------------------------------------------------------------------
class FacilitatorApp(WidgetApp):
    """The facilitator's console. Build it and display it (``app.show()`` or ``display(app)``).

    Parameters: ``db_path`` (the store; default ``$PARTNERSHIP_TOOLS_DB``), ``session_id`` (to
    preselect, e.g. from the URL query), ``store`` (an open :class:`Store` instead of a path),
    ``poll_interval`` (seconds between live-count refreshes; ``None`` turns polling off, as in
    tests), ``base_url`` (the address participants use; default :func:`public_base_url`).

    Attributes worth knowing: ``widget`` (the root box), ``feedback`` (the message area and
    log), ``session`` (the opened session, reloaded after every change) and ``session_id``
    (set only once the facilitator key was accepted).
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = None,
        session_id: str | None = None,
        store: Store | None = None,
        poll_interval: float | None = 1.5,
        base_url: str | None = None,
    ) -> None:
        self.feedback = Feedback()
        self.store = store or Store(db_path)
        self.db_path = Path(self.store.path)
        self.poll_interval = poll_interval
        self._base_url = base_url
        self.session_id: str | None = None
        self.session: Session | None = None
        self._paper_ids: list[tuple[int, tuple[str, ...]]] = []
        self._paper_round: int | None = None
        self._option_boxes: dict[str, widgets.Checkbox] = {}
        self._poller: Poller | None = None
        self._poll_store: Store | None = None
        self._last_count: int | None = None
        self._syncing_round = False
        self._publish_sync = False
        self._switching_tab = False
        self._exported: Path | None = None  # the latest session file exported from this page
        self._build()
        self._start(session_id)

    @action("opening the store")
    def _start(self, session_id: str | None) -> None:
        self._fill_session_list(preselect=session_id)
        if session_id and not self.store.has_session(session_id):
            self.feedback.error(f"There is no session {session_id!r}; open or create one below.")

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        w = widgets
        full = w.Layout(width="100%", max_width="40em")
        wide = {"description_width": "initial"}
        form = {"description_width": "12.5em"}

        self.title = html_widget(
            "<h1>Facilitator</h1><p class='pt-muted'>Run a Crowd Wise consensus vote: options,"
            " rounds, paper ballots, results.</p>"
        )
        self.session_header = html_widget("", "pt-session-header")

        # Session: open an existing one ...
        self.open_select = w.Dropdown(description="Session", options=[], layout=full, style=form)
        self.open_select.add_class("pt-open-select")
        self.open_key = w.Password(
            description="Facilitator key",
            placeholder="the key set when it was created",
            layout=full,
            style=form,
        )
        self.open_key.add_class("pt-open-key")
        self.open_button = button("Open session", "pt-open-session", "primary", "folder-open")
        self.open_button.on_click(lambda _b: self.open_session())
        # ... or create a new one.
        self.new_question = w.Textarea(
            description="Question",
            placeholder="What are we deciding?",
            layout=full,
            style=form,
            rows=2,
        )
        self.new_question.add_class("pt-new-question")
        self.new_threshold = w.BoundedFloatText(
            value=0.7,
            min=0.05,
            max=1.0,
            step=0.01,
            description="Consensus threshold",
            layout=w.Layout(width="100%", max_width="24em"),
            style=form,
        )
        self.new_threshold.add_class("pt-new-threshold")
        self.new_groups = w.Textarea(
            description="Groups (optional)",
            placeholder="one per line, e.g.\nPolicy makers\nCitizens",
            layout=full,
            style=form,
            rows=3,
        )
        self.new_groups.add_class("pt-new-groups")
        self.new_key = w.Password(
            description="Facilitator key",
            placeholder=f"at least {MIN_KEY_LENGTH} characters",
            layout=full,
            style=form,
        )
        self.new_key.add_class("pt-new-key")
        self.new_codes = w.Checkbox(
            value=False, description="Participants need a one-time code", indent=False
        )
        self.new_codes.add_class("pt-new-codes")
        self.create_button = button("Create session", "pt-create-session", "primary", "plus")
        self.create_button.on_click(lambda _b: self.create_session())
        self.open_section = w.VBox(
            [
                html_widget("<h2>Open a session</h2>"),
                self.open_select,
                self.open_key,
                self.open_button,
            ]
        )
        self.new_heading = html_widget("<h2>Or start a new one</h2>")
        self.session_pane = w.VBox(
            [
                self.open_section,
                self.new_heading,
                self.new_question,
                self.new_threshold,
                self.new_groups,
                self.new_key,
                self.new_codes,
                self.create_button,
            ]
        )

        # Options
        self.options_table = html_widget("", "pt-options-table")
        self.options_text = w.Textarea(
            placeholder="One option per line: Label  or  Label | description",
            layout=w.Layout(width="100%", max_width="40em", height="9em"),
        )
        self.options_text.add_class("pt-options-text")
        self.add_options_button = button("Add options", "pt-add-options", "primary", "plus")
        self.add_options_button.on_click(lambda _b: self.add_options())
        self.options_pane = w.VBox(
            [
                html_widget("<h2>Options</h2>"),
                self.options_table,
                html_widget(
                    "<h3>Add options</h3><p class='pt-muted'>Four to six options work best. Ids"
                    " (A, B, C, …) are given in order.</p>"
                ),
                self.options_text,
                self.add_options_button,
            ]
        )

        # Round
        self.round_status = html_widget("", "pt-round-status")
        self.count_html = html_widget("", "pt-count")
        self.join_html = html_widget("", "pt-join")
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
        self.paper_group = w.Dropdown(description="Group", options=[("No group", "")], style=wide)
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
                html_widget("<h3>Close the round</h3>"),
                self.close_round_button,
                self.confirm_box,
            ]
        )
        self.round_pane = w.VBox(
            [
                html_widget("<h2>Round</h2>"),
                self.round_status,
                self.count_html,
                self.join_html,
                self.open_box,
                self.paper_box,
            ]
        )

        # Results
        self.results_round = w.Dropdown(
            description="Round",
            options=[],
            style=wide,
            layout=w.Layout(width="100%", max_width="20em"),
        )
        self.results_round.add_class("pt-results-round")
        self.results_round.observe(self._on_results_round, "value")
        self.results_summary = html_widget("", "pt-summary")
        self.results_table = html_widget("", "pt-results-table")
        self.publish_check = w.Checkbox(
            value=False,
            description="Publish the results on the ballot page",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.publish_check.add_class("pt-publish")
        self.publish_check.observe(self._on_publish, "value")
        self.charts_button = button("Show charts", "pt-show-charts", "", "bar-chart")
        self.charts_button.on_click(lambda _b: self.show_charts())
        self.results_chart = ChartSlot("pt-results-chart")
        self.chart_export = ChartExport(
            lambda: self.results_chart.chart,
            "chart",
            out_dir=export_dir(self.db_path),
            feedback=self.feedback,
        )
        show(self.chart_export.widget, False)
        self.results_pane = w.VBox(
            [
                html_widget("<h2>Results</h2>"),
                self.results_round,
                self.results_summary,
                self.results_table,
                self.publish_check,
                self.charts_button,
                self.results_chart.box,
                self.chart_export.widget,
            ]
        )

        # Amend / merge
        self.amend_select = w.SelectMultiple(
            options=[], rows=6, layout=w.Layout(width="100%", max_width="40em")
        )
        self.amend_select.add_class("pt-amend-select")
        self.amend_label = w.Text(
            description="New label", layout=full, style=wide, placeholder="the new wording"
        )
        self.amend_label.add_class("pt-amend-label")
        self.amend_description = w.Text(
            description="Description", layout=full, style=wide, placeholder="optional"
        )
        self.amend_description.add_class("pt-amend-description")
        self.amend_button = button("Amend the selected option", "pt-amend", "", "pencil")
        self.amend_button.on_click(lambda _b: self.amend_option())
        self.merge_button = button("Merge the selected options", "pt-merge", "", "compress")
        self.merge_button.on_click(lambda _b: self.merge_options())
        self.next_round_html = html_widget("", "pt-next-round")
        self.open_next_button = button("Open the next round", "pt-open-next", "primary", "play")
        self.open_next_button.on_click(lambda _b: self.open_next_round())
        self.amend_pane = w.VBox(
            [
                html_widget(
                    "<h2>Amend or merge</h2><p class='pt-muted'>Pick one option to amend it, or"
                    " two or more to merge them into a new option. The originals stay in the"
                    " record; the new option replaces them on the next ballot paper.</p>"
                ),
                self.amend_select,
                self.amend_label,
                self.amend_description,
                w.HBox(
                    [self.amend_button, self.merge_button], layout=w.Layout(flex_flow="row wrap")
                ),
                self.next_round_html,
                self.open_next_button,
            ]
        )

        # Compare
        self.compare_before = w.Dropdown(
            description="Earlier round",
            options=[],
            style=wide,
            layout=w.Layout(width="100%", max_width="20em"),
        )
        self.compare_before.add_class("pt-compare-before")
        self.compare_after = w.Dropdown(
            description="Later round",
            options=[],
            style=wide,
            layout=w.Layout(width="100%", max_width="20em"),
        )
        self.compare_after.add_class("pt-compare-after")
        self.compare_button = button("Compare", "pt-compare", "primary", "exchange")
        self.compare_button.on_click(lambda _b: self.compare())
        self.compare_html = html_widget("", "pt-compare-table")
        self.compare_pane = w.VBox(
            [
                html_widget("<h2>Compare rounds</h2>"),
                w.HBox(
                    [self.compare_before, self.compare_after],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.compare_button,
                self.compare_html,
            ]
        )

        # Export
        self.export_button = button("Export the session file", "pt-export", "primary", "download")
        self.export_button.on_click(lambda _b: self.export_session())
        self.export_html = html_widget("", "pt-export-result")
        self.report = ReportDownload(
            self._report_source, out_dir=export_dir(self.db_path), feedback=self.feedback
        )
        self.export_pane = w.VBox(
            [
                html_widget(
                    "<h2>Export</h2><p class='pt-muted'>One JSON file with everything needed to"
                    " recount the session (<code>partnership-tools tally FILE</code>).</p>"
                ),
                self.export_button,
                self.export_html,
                html_widget(
                    "<h3>Report</h3><p class='pt-muted'>One self-contained page of the exported"
                    " session file's results, checked against the figures it recorded (the"
                    " session is exported first when it has not been yet).</p>"
                ),
                self.report.widget,
            ]
        )

        # Codes
        self.codes_count = w.BoundedIntText(
            value=20,
            min=1,
            max=500,
            description="How many",
            style=wide,
            layout=w.Layout(width="14em"),
        )
        self.codes_count.add_class("pt-codes-count")
        self.codes_button = button("Issue codes", "pt-issue-codes", "primary", "key")
        self.codes_button.on_click(lambda _b: self.issue_codes())
        self.codes_status = html_widget("", "pt-codes-status")
        self.codes_html = html_widget("", "pt-codes")
        self.codes_pane = w.VBox(
            [
                html_widget(
                    "<h2>Participant codes</h2><p class='pt-muted'>Optional. Once codes are"
                    " issued the ballot page asks for one, and each code votes once per round"
                    " (a second vote replaces the first). Codes are shown only now: print or"
                    " download them before leaving this page.</p>"
                ),
                self.codes_status,
                w.HBox(
                    [self.codes_count, self.codes_button], layout=w.Layout(flex_flow="row wrap")
                ),
                self.codes_html,
            ]
        )

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

    @property
    def base_url(self) -> str | None:
        return self._base_url if self._base_url is not None else public_base_url()

    # -- session ---------------------------------------------------------------------------
    def _fill_session_list(self, preselect: str | None = None) -> None:
        rows = self.store.list_sessions()
        opts = []
        for r in rows:
            q = " ".join(str(r["question"]).split())
            if len(q) > 70:
                q = q[:69] + "…"
            opts.append((f"{q} ({r['id']})", r["id"]))
        self.open_select.options = opts
        show(self.open_section, bool(opts))
        self.new_heading.value = (
            "<h2>Or start a new one</h2>" if opts else "<h2>Start a session</h2>"
        )
        ids = [r["id"] for r in rows]
        if preselect in ids:
            self.open_select.value = preselect
        elif ids:
            self.open_select.value = ids[0]

    @action("creating the session")
    def create_session(self) -> Session | None:
        question = " ".join(self.new_question.value.split())
        if not question:
            raise UIError("Type the question the group is deciding.")
        key = self.new_key.value
        if len(key.strip()) < MIN_KEY_LENGTH:
            raise UIError(
                f"Choose a facilitator key of at least {MIN_KEY_LENGTH} characters; you need it"
                " to open the session again."
            )
        groups = [" ".join(g.split()) for g in self.new_groups.value.splitlines() if g.strip()]
        if len({g.casefold() for g in groups}) != len(groups):
            raise UIError("Each group should be listed once.")
        with busy(self.create_button):
            session = self.store.create_session(
                question,
                threshold=float(self.new_threshold.value),
                groups=groups,
                facilitator_key=key,
                uses_codes=bool(self.new_codes.value),
            )
        self.new_key.value = ""
        self._unlock(session.id)
        self._fill_session_list(preselect=session.id)
        self.feedback.success(
            f"Created the session {session.id}. Now add the options, one per line."
        )
        self.select_tab("Options")
        return session

    @action("opening the session")
    def open_session(self, session_id: str | None = None, key: str | None = None) -> Session | None:
        sid = session_id or self.open_select.value
        if not sid:
            raise UIError("There are no sessions yet; start a new one below.")
        key = self.open_key.value if key is None else key
        with busy(self.open_button):
            if not self.store.has_session(sid):
                raise UIError(f"There is no session {sid!r}.")
            ok = self.store.check_facilitator_key(sid, key)
        self.open_key.value = ""
        if not ok:
            log.warning("Wrong facilitator key for session %s", sid)
            raise UIError("That facilitator key does not open this session.")
        self._unlock(sid)
        self.feedback.success(f"Opened the session {sid}.")
        session = self.session
        assert session is not None
        if session.open_round:
            self.select_tab("Round")
        elif not session.options:
            self.select_tab("Options")
        return session

    def _unlock(self, session_id: str) -> None:
        self.stop_polling()
        self.session_id = session_id
        self._paper_ids = []
        self._paper_round = None
        self.tabs.children = [
            self.session_pane,
            self.options_pane,
            self.round_pane,
            self.results_pane,
            self.amend_pane,
            self.compare_pane,
            self.export_pane,
            self.codes_pane,
        ]
        self.tabs.titles = list(TAB_TITLES)
        self._clear_chart()
        self.compare_html.value = ""
        self.export_html.value = ""
        self._exported = None
        self.report.set_source(self._report_source)
        self.codes_html.value = ""
        self.refresh()

    def _require(self) -> Session:
        if not self.session_id:
            raise UIError("Open a session with its facilitator key first.")
        return self.session or self.store.load_session(self.session_id)

    # -- refresh: the whole page from the store ---------------------------------------------
    def refresh(self) -> None:
        """Reload the opened session and bring every pane up to date."""
        if not self.session_id:
            return
        s = self.store.load_session(self.session_id)
        self.session = s
        groups = ", ".join(s.groups) if s.groups else "none"
        codes = f" · one-time codes ({self.store.code_count(s.id)} issued)" if s.uses_codes else ""
        self.session_header.value = (
            f"<h2>{esc(s.question)}</h2><p class='pt-muted'>Session <b>{esc(s.id)}</b> ·"
            f" consensus threshold {s.threshold:.2f} · groups: {esc(groups)}{esc(codes)}</p>"
        )
        self._refresh_options(s)
        self._refresh_round(s)
        self._refresh_results_choices(s)
        self._refresh_amend(s)
        self._refresh_compare_choices(s)
        self.codes_status.value = (
            f"<p>{self.store.code_count(s.id)} code(s) issued so far.</p>" if s.uses_codes else ""
        )

    def _refresh_options(self, s: Session) -> None:
        if not s.options:
            self.options_table.value = "<p class='pt-muted'>No options yet.</p>"
            return
        voted: dict[str, list[str]] = {}
        for r in s.rounds:
            for oid in r.option_ids:
                voted.setdefault(oid, []).append(str(r.number))
        rows = [
            (
                o.id,
                o.label,
                o.description,
                lineage_text(s, o),
                ", ".join(voted.get(o.id, [])) or "—",
            )
            for o in s.options
        ]
        self.options_table.value = html_table(
            ["Id", "Label", "Description", "Lineage", "Rounds"], rows
        )

    def _refresh_round(self, s: Session) -> None:
        rnd = s.open_round
        n_next = (s.rounds[-1].number + 1) if s.rounds else 1
        if rnd is None:
            self.stop_polling()
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
        if self._paper_round != rnd.number:
            self._paper_ids = []
            self._paper_round = rnd.number
            self.paper_recent.value = ""
        labels = s.labels
        paper = " · ".join(f"<b>{esc(oid)}</b> {esc(labels[oid])}" for oid in rnd.option_ids)
        self.round_status.value = f"<p><b>Round {rnd.number} is open.</b> Ballot paper: {paper}</p>"
        url = join_url(s.id, self.base_url)
        self.join_html.value = (
            f"<p>Participants vote at <a href='{esc(url)}' target='_blank' rel='noopener'>"
            f"{esc(url)}</a></p>"
        )
        self._show_count(len(rnd.ballots))
        group_opts = [("No group", "")] + [(g, g) for g in s.groups]
        if list(self.paper_group.options) != group_opts:
            self.paper_group.options = group_opts
        show(self.paper_group, bool(s.groups))
        show(self.open_box, False)
        show(self.paper_box, True)
        self.confirm_text.value = (
            f"<b>Close round {rnd.number}?</b> No more ballots will be accepted."
        )
        self.start_polling()

    def _show_count(self, count: int) -> None:
        self._last_count = count
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
        self._option_boxes = boxes
        self.round_checks.children = children or [
            html_widget("<p class='pt-muted'>Add options first (Options tab).</p>")
        ]

    def selected_round_options(self) -> list[str]:
        """The ticked options, in session order."""
        return [oid for oid, cb in self._option_boxes.items() if cb.value]

    # -- options -----------------------------------------------------------------------------
    @action("adding the options")
    def add_options(self) -> tuple[Option, ...] | None:
        s = self._require()
        parsed = parse_option_lines(self.options_text.value, [o.label for o in s.options])
        added = []
        with busy(self.add_options_button):
            for label, description in parsed:
                oid = self.store.next_option_id(s.id)
                added.extend(self.store.add_options(s.id, [Option(oid, label, description)]))
        self.options_text.value = ""
        self.refresh()
        ids = ", ".join(o.id for o in added)
        self.feedback.success(f"Added {len(added)} option(s): {ids}.")
        return tuple(added)

    # -- rounds ------------------------------------------------------------------------------
    @action("opening the round")
    def open_round(self, option_ids: Sequence[str] | None = None) -> Any:
        s = self._require()
        ids = list(option_ids) if option_ids is not None else self.selected_round_options()
        if len(ids) < 2:
            raise UIError("Tick at least two options for the ballot paper.")
        with busy(self.open_round_button, self.open_next_button):
            rnd = self.store.open_round(s.id, ids)
        self.refresh()
        self.select_tab("Round")
        self.feedback.success(
            f"Round {rnd.number} is open with options {', '.join(rnd.option_ids)}; share the"
            " ballot address with the participants."
        )
        return rnd

    def open_next_round(self) -> Any:
        """Open the next round with the default ballot paper (see :func:`next_round_options`)."""
        if not self.session_id or self.session is None:
            return self.open_round()  # reports that a session must be opened first
        return self.open_round(next_round_options(self.store.load_session(self.session_id)))

    def _open_round_or_fail(self) -> Any:
        s = self._require()
        rnd = self.store.open_round_of(s.id)
        if rnd is None:
            raise UIError("No round is open; open one first.")
        return rnd

    def preview_paper(self, text: str) -> tuple[str, ...] | None:
        """Check a paper ballot as it is typed; show how it reads, or what is wrong."""
        from partnership_tools.vote.validation import BallotError, parse_ranking

        if not self.session_id or not self.session or not self.session.open_round:
            self.paper_feedback.value = ""
            return None
        if not text.strip():
            self.paper_feedback.value = ""
            return None
        rnd = self.session.open_round
        options = [self.session.option(i) for i in rnd.option_ids]
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

        s = self._require()
        rnd = self._open_round_or_fail()
        raw = self.paper_input.value if text is None else text
        options = [s.option(i) for i in rnd.option_ids]
        ranking = parse_ranking(raw, options)
        if not ranking:
            raise UIError("Type a ballot first, for example CAB or C>A>B.")
        grp = (self.paper_group.value if group is None else group) or None
        receipt = self.store.add_ballot(
            s.id, rnd.number, Ballot(ranking=ranking, group=grp, source="paper")
        )
        self._paper_ids.append((receipt.ballot_id, ranking))
        self._paper_round = rnd.number
        self.paper_input.value = ""
        count = self.store.ballot_count(s.id, rnd.number)
        self._show_count(count)
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
        recent = self._paper_ids[-5:]
        if not recent:
            self.paper_recent.value = ""
            return
        items = "".join(f"<li>{esc(' > '.join(r))}</li>" for _, r in reversed(recent))
        self.paper_recent.value = (
            f"<p class='pt-muted'>Paper ballots entered here this round: {len(self._paper_ids)}."
            f" Latest first:</p><ul class='pt-recent'>{items}</ul>"
        )

    @action("undoing the last paper ballot")
    def undo_last(self) -> tuple[str, ...] | None:
        s = self._require()
        rnd = self._open_round_or_fail()
        if not self._paper_ids or self._paper_round != rnd.number:
            raise UIError("There is no paper ballot from this page to undo in this round.")
        ballot_id, ranking = self._paper_ids[-1]
        self.store.remove_ballot(s.id, ballot_id)
        self._paper_ids.pop()
        self._show_count(self.store.ballot_count(s.id, rnd.number))
        self._show_recent()
        shown = " > ".join(ranking)
        self.paper_feedback.value = ""
        self.feedback.success(f"Removed the last paper ballot ({shown}).")
        return ranking

    def ask_close_round(self) -> None:
        show(self.confirm_box, True)

    def cancel_close(self) -> None:
        show(self.confirm_box, False)

    @action("closing the round")
    def close_round(self) -> int | None:
        s = self._require()
        rnd = self._open_round_or_fail()
        with busy(self.confirm_close_button, self.close_round_button):
            self.store.close_round(s.id, rnd.number)
        show(self.confirm_box, False)
        self.stop_polling()
        self.refresh()
        self.select_tab("Results")
        self.show_results(rnd.number)
        count = len(self.session.round(rnd.number).ballots) if self.session else 0
        self.feedback.success(f"Round {rnd.number} is closed with {count} ballots.")
        return rnd.number

    # -- live count --------------------------------------------------------------------------
    def refresh_count(self, store: Store | None = None) -> int | None:
        """Read the open round's ballot count from the store and show it (the poller's job)."""
        if not self.session_id:
            return None
        st = store or self.store
        rnd = st.open_round_of(self.session_id)
        if rnd is None:
            return None
        count = st.ballot_count(self.session_id, rnd.number)
        if count != self._last_count:
            self._show_count(count)
        return count

    def _poll(self) -> None:
        if self._poll_store is None:
            self._poll_store = Store(self.db_path)
        self.refresh_count(self._poll_store)

    def start_polling(self) -> None:
        if not self.poll_interval:
            return
        if self._poller is None:
            self._poller = Poller(self.poll_interval, self._poll, name="pt-facilitator-count")
        self._poller.start()

    def stop_polling(self) -> None:
        if self._poller is not None:
            self._poller.stop()

    # -- results -----------------------------------------------------------------------------
    def _refresh_results_choices(self, s: Session) -> None:
        closed = [r.number for r in s.rounds if r.status == "closed"]
        opts = [(f"Round {n}", n) for n in closed]
        current = self.results_round.value
        if list(self.results_round.options) != opts:
            self.results_round.options = opts
        if closed:
            self.results_round.value = current if current in closed else closed[-1]
        else:
            self.results_summary.value = (
                "<p class='pt-muted'>Results appear here once a round is closed.</p>"
            )
            self.results_table.value = ""
        self._set_publish(s.results_published)

    def _set_publish(self, value: bool) -> None:
        self._publish_sync = True
        try:
            self.publish_check.value = bool(value)
        finally:
            self._publish_sync = False

    def _on_results_round(self, change: dict) -> None:
        if change.get("new") and not self._syncing_round:
            self.show_results(change["new"])

    def _count(self, number: int) -> Any:
        from partnership_tools.vote.ballots import BallotMatrix
        from partnership_tools.vote.count import count_round

        s = self.store.load_session(self._require().id)
        rnd = s.round(number)
        matrix = BallotMatrix.from_rankings(rnd.option_ids, rnd.rankings, rnd.groups)
        return count_round(matrix, labels=s.labels)

    @action("counting the round")
    def show_results(self, number: int | None = None) -> Any:
        from partnership_tools.vote.summary import summarise

        s = self._require()
        number = number if number is not None else self.results_round.value
        if number is None:
            raise UIError("No round has closed yet.")
        if s.round(number).status != "closed":
            raise UIError(f"Round {number} is still open; close it to see the results.")
        if self.results_round.value != number:
            self._syncing_round = True
            try:
                self.results_round.value = number
            finally:
                self._syncing_round = False
        result = self._count(number)
        summary = summarise(result, s.threshold, labels=s.labels)
        self.results_summary.value = (
            f"<h3>Round {number}: {result.ballots} ballots, {result.n_options} options</h3>"
            f"<p class='pt-summary-text'>{esc(summary)}</p>"
        )
        with_groups = any(o.min_group is not None for o in result.options)
        rows, classes = [], []
        for o in result.options:
            position = 1 + sum(1 for p in result.options if p.mbc > o.mbc)  # ties share it
            row: list[object] = [
                position,
                o.id,
                o.label,
                o.mbc,
                f"{o.consensus:.3f}",
                o.borda,
                o.first_preferences,
            ]
            if with_groups:
                row.append(f"{o.min_group_consensus:.2f} ({o.min_group})")
            rows.append(row)
            classes.append("pt-win" if o.id in result.winners else "")
        columns = ["#", "Id", "Option", "MBC points", "Coefficient", "Borda (n−k)", "1st prefs"]
        if with_groups:
            columns.append("Lowest group")
        self.results_table.value = html_table(
            columns,
            rows,
            numeric=(0, 3, 4, 5, 6),
            row_classes=classes,
            caption=f"Consensus threshold {s.threshold:.2f}",
        )
        self._clear_chart()
        self._results_shown = number
        return result

    @action("drawing the charts")
    def show_charts(self, number: int | None = None) -> Any:
        from partnership_tools.charts import vote

        s = self._require()
        number = number if number is not None else self.results_round.value
        if number is None:
            raise UIError("No round has closed yet.")
        result = self._count(number)
        chart = vote.stack(
            vote.mbc_chart(
                vote.result_frame(result, s.labels), s.threshold, title="MBC: consensus coefficient"
            ),
            vote.rank_chart(
                vote.rank_counts_frame(result, s.labels), title="How each option was ranked"
            ),
        )
        self.results_chart.set(chart)
        self.chart_export.set_chart(
            lambda: self.results_chart.chart, f"{safe_filename(s.id)}-round-{number}"
        )
        show(self.chart_export.widget, True)
        return chart

    def _clear_chart(self) -> None:
        self.results_chart.clear()
        self.chart_export.link.value = ""
        show(self.chart_export.widget, False)

    def _on_publish(self, change: dict) -> None:
        if getattr(self, "_publish_sync", False):
            return
        self.set_published(bool(change["new"]))

    @action("changing who sees the results")
    def set_published(self, published: bool) -> bool | None:
        s = self._require()
        self.store.set_published(s.id, published)
        self.session = self.store.load_session(s.id)
        self._set_publish(published)
        self.feedback.success(
            "Participants can now see the results on the ballot page."
            if published
            else "Results are hidden from participants."
        )
        return published

    # -- amend / merge -------------------------------------------------------------------------
    def _refresh_amend(self, s: Session) -> None:
        current = next_round_options(s)
        voted = set(s.rounds[-1].option_ids) if s.rounds else set()
        choices = [o for o in s.options if o.id in current or o.id in voted]
        choices = [o for o in choices if o.id not in superseded_ids(s)]
        opts = [(option_display(o), o.id) for o in choices]
        if list(self.amend_select.options) != opts:
            self.amend_select.options = opts
        nxt = next_round_options(s)
        labels = s.labels
        n_next = (s.rounds[-1].number + 1) if s.rounds else 1
        if nxt:
            items = "".join(f"<li>{esc(oid)}: {esc(labels[oid])}</li>" for oid in nxt)
            self.next_round_html.value = (
                f"<h3>Ballot paper for round {n_next}</h3><ul class='pt-next-list'>{items}</ul>"
            )
        else:
            self.next_round_html.value = ""
        self.open_next_button.description = f"Open round {n_next} with these options"
        show(self.open_next_button, s.open_round is None and len(nxt) >= 2)

    def _new_option_fields(self) -> tuple[str, str]:
        label = " ".join(self.amend_label.value.split())
        if not label:
            raise UIError("Type the new option's label.")
        if len(label) > MAX_LABEL_LENGTH:
            raise UIError(f"Keep the label under {MAX_LABEL_LENGTH} characters.")
        return label, self.amend_description.value.strip()

    @action("amending the option")
    def amend_option(self, option_id: str | None = None) -> Option | None:
        s = self._require()
        chosen = [option_id] if option_id else list(self.amend_select.value)
        if len(chosen) != 1:
            raise UIError("Pick exactly one option to amend (pick two or more to merge).")
        label, description = self._new_option_fields()
        new = Option(self.store.next_option_id(s.id), label, description, amended_from=chosen[0])
        self.store.add_options(s.id, [new])
        self._after_new_option()
        self.feedback.success(f"Added {new.id}, an amended version of {chosen[0]}.")
        return new

    @action("merging the options")
    def merge_options(self, option_ids: Sequence[str] | None = None) -> Option | None:
        s = self._require()
        chosen = list(option_ids) if option_ids else list(self.amend_select.value)
        if len(chosen) < 2:
            raise UIError("Pick two or more options to merge (or one to amend).")
        label, description = self._new_option_fields()
        new = Option(self.store.next_option_id(s.id), label, description, merged_from=tuple(chosen))
        self.store.add_options(s.id, [new])
        self._after_new_option()
        self.feedback.success(f"Added {new.id}, merged from {' + '.join(chosen)}.")
        return new

    def _after_new_option(self) -> None:
        self.amend_label.value = ""
        self.amend_description.value = ""
        self.refresh()

    # -- compare -------------------------------------------------------------------------------
    def _refresh_compare_choices(self, s: Session) -> None:
        closed = [r.number for r in s.rounds if r.status == "closed"]
        opts = [(f"Round {n}", n) for n in closed]
        for dd in (self.compare_before, self.compare_after):
            if list(dd.options) != opts:
                dd.options = opts
        if len(closed) >= 2:
            self.compare_before.value = closed[-2]
            self.compare_after.value = closed[-1]
        show(self.compare_button, len(closed) >= 2)
        if len(closed) < 2:
            self.compare_html.value = "<p class='pt-muted'>Comparing needs two closed rounds.</p>"

    @action("comparing the rounds")
    def compare(self, before: int | None = None, after: int | None = None) -> Any:
        from partnership_tools.charts.vote import lineage_name
        from partnership_tools.vote.compare import compare_rounds

        s = self._require()
        before = before if before is not None else self.compare_before.value
        after = after if after is not None else self.compare_after.value
        if before is None or after is None:
            raise UIError("Comparing needs two closed rounds.")
        if before == after:
            raise UIError("Pick two different rounds.")
        if before > after:
            before, after = after, before
        comp = compare_rounds(s, self._count(before), self._count(after))

        def fmt(x: float | None, sign: bool = False) -> str:
            if x is None:
                return "—"
            return f"{x:+.3f}" if sign else f"{x:.3f}"

        rows = [
            (
                lineage_name(o.id, o.label, o.kind, o.predecessors),
                o.kind,
                fmt(o.before_consensus),
                fmt(o.consensus),
                fmt(o.consensus_change, sign=True),
                "—" if o.before_mbc is None else o.before_mbc,
                o.mbc,
            )
            for o in comp.options
        ]
        table = html_table(
            [
                "Option",
                "How",
                f"Round {before}",
                f"Round {after}",
                "Change",
                f"Points {before}",
                f"Points {after}",
            ],
            rows,
            numeric=(2, 3, 4, 5, 6),
            caption="Consensus coefficient, following each option's lineage",
        )
        gone = "".join(
            f"<li>{esc(d.id)}: {esc(d.label)} — {esc(d.fate)}"
            f"{esc(' into ' + ', '.join(d.successors)) if d.successors else ''}</li>"
            for d in comp.disappeared
        )
        note = (
            ""
            if comp.points_comparable
            else "<p class='pt-muted'>The rounds had different numbers of options or ballots,"
            " so compare coefficients rather than points.</p>"
        )
        self.compare_html.value = (
            table
            + note
            + (f"<h3>Not on the later ballot paper</h3><ul>{gone}</ul>" if gone else "")
        )
        self.feedback.info(f"Compared round {before} with round {after}.")
        return comp

    # -- export ----------------------------------------------------------------------------------
    @action("exporting the session")
    def export_session(self) -> Path | None:
        """Write the session file (atomically) to the downloads folder and offer it."""
        return self._export()

    def _report_source(self) -> Path:
        """The file "Download report" reports on: the latest export, else a new one."""
        if self._exported is None or not self._exported.exists():
            self._export()
        assert self._exported is not None
        return self._exported

    def _export(self) -> Path:
        from partnership_tools.vote.sessionfile import session_to_json, write_session

        s = self._require()
        session = self.store.load_session(s.id)
        path = stamped_path("session", session.id, self.db_path)
        name = path.name
        with busy(self.export_button):
            write_session(session, path)
        data = session_to_json(session).encode("utf-8")
        link = data_link(data, name, "application/json", f"Download {name}", "pt-export-link")
        self.export_html.value = f"<p>Saved to <code>{esc(path)}</code>.</p><p>{link}</p>"
        self._exported = path
        self.report.link.value = ""  # a report of an earlier export is out of date
        self.feedback.success(f"Exported the session to {path}.")
        return path

    # -- codes -----------------------------------------------------------------------------------
    @action("issuing codes")
    def issue_codes(self, count: int | None = None, seed: int | None = None) -> list[str] | None:
        s = self._require()
        n = int(self.codes_count.value if count is None else count)
        with busy(self.codes_button):
            codes = self.store.issue_codes(s.id, n, seed=seed)
        url = join_url(s.id, self.base_url)
        grid = "".join(f"<div>{esc(c)}</div>" for c in codes)
        sheet = codes_sheet_html(s.question, s.id, codes, url).encode("utf-8")
        name = f"codes-{safe_filename(s.id)}.html"
        link = data_link(sheet, name, "text/html", "Download a printable sheet", "pt-codes-link")
        self.codes_html.value = (
            f"<p>{len(codes)} new code(s). {link}</p><div class='pt-codes-grid'>{grid}</div>"
        )
        self.refresh()
        self.feedback.success(f"Issued {len(codes)} participant code(s).")
        return codes
