"""The Data tab: choose the instrument (shipped, a YAML path or an upload), open a review from the
store or import response files (with an import report of the columns not used and the cells
that could not be read), show the sample, and keep the review in the store.

"Preview" reads the chosen files without using them and shows what each gives
(:mod:`partnership_tools.ui.review.import_preview`: the import report, every column and its
use, the cells that could not be read) with a **Group column** choice that re-reads them; "Use
these responses" then imports them as "Import responses" does.

With a review from the store open, a file's responses are ADDED to it, never replacing any:
"Preview" (and "Import responses", which previews first) shows what will be added to the wave
chosen under **Add to wave** (the responses per wave now, added and after, the first rows) and
flags likely duplicates (:func:`~partnership_tools.review.duplicates.likely_duplicates`, against
the wave's stored responses, the form's included); "Leave out the N likely duplicates" (ticked
by default) leaves them out, and "Add N responses to wave W" stores the rest in one
transaction, each with its ``source`` (``file: <name>``). Where each response came from is
shown under the responses (:func:`sources_html`).

"New review" creates an EMPTY review in the store (instrument, id, title, waves planned) and
opens it. The sample is read-only demo data: "Save to the store" refuses it in one sentence
(:data:`SAMPLE_NOT_SAVED`), so its responses are never written under a user's id. Each stored
review can be archived (hidden, kept, restorable with "Show archived reviews" and Restore) or
deleted (everything under its id), each after a second button, "Yes, delete review X", with a
sentence of what will be lost, and Cancel. "Refresh" reads the list and its response counts
from the store again."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import (
    Feedback,
    UIError,
    action,
    busy,
    button,
    esc,
    html_table,
    html_widget,
    safe_filename,
    show,
)
from partnership_tools.ui.review.import_preview import (
    AS_RECOGNISED,
    group_column_choices,
    response_preview_html,
)
from partnership_tools.ui.review.shared import (
    FROM_FILE,
    MAX_UPLOAD_BYTES,
    SAMPLE_INSTRUMENT,
    WIDE,
    instrument_problem,
    sample_paths,
    uploads,
)
from partnership_tools.ui.review.state import ReviewState

SAMPLE_TITLE = "Sample review (ten lessons)"
#: The sample's own id: the sample (read-only demo data) is never saved under any other.
SAMPLE_ID = "sample-ten-lessons"
#: The one sentence "Save to the store" gives while the sample is on show.
SAMPLE_NOT_SAVED = (
    "The sample review is read-only demo data and is never saved under a review id; press"
    " Create the review under New review to start an empty one, or import your own responses."
)


def review_option(row: dict[str, Any]) -> tuple[str, str]:
    """The review list's entry for one :func:`~partnership_tools.store.reviews.list_reviews`
    row: title, id and the responses counted when the list was read.

    >>> review_option({"id": "s", "title": "Spring", "responses": 5})
    ('Spring (s, 5 responses)', 's')
    >>> review_option({"id": "s", "title": "", "responses": 0, "archived_at": "2026-01-02T00:00:00Z"})
    ('s (s, 0 responses, archived)', 's')
    """
    archived = ", archived" if row.get("archived_at") else ""
    return (
        f"{row['title'] or row['id']} ({row['id']}, {row['responses']} responses{archived})",
        row["id"],
    )


def checked_review_id(text: str) -> str:
    """A review id as typed, its spaces tidied; :class:`UIError` when it is empty, too long or
    has a slash.

    >>> checked_review_id("  spring   2025 ")
    'spring 2025'
    """
    rid = " ".join(str(text).split())
    if not rid:
        raise UIError("Give the review an id, e.g. spring-2025.")
    if "/" in rid or len(rid) > 100:
        raise UIError("A review id can be at most 100 characters, without a slash.")
    return rid


def sources_html(responses: Any, coded: Collection[str] | None = None) -> str:
    """How many responses each wave has from each source (the form, each file), as a table.

    ``coded`` (when the review has issued invitation codes,
    :func:`~partnership_tools.ui.review.invites.coded_respondents`) holds the respondent ids of
    form responses given with a code: the form's row is then split into "form, with an
    invitation code" and "form, without a code".

    >>> from partnership_tools.review.instrument import load_instrument
    >>> from partnership_tools.review.responses import Responses
    >>> inst = load_instrument("ten_lessons")
    >>> r = Responses.from_records(inst, [{"wave": "one", "source": "form"}] * 2 + [{"wave": "one"}])
    >>> '<td>one</td><td>form</td><td class="pt-num">2</td>' in sources_html(r)
    True
    >>> '<td>form, with an invitation code</td><td class="pt-num">1</td>' in sources_html(
    ...     Responses.from_records(inst, [{"wave": "one", "source": "form", "respondent_id": "w1"},
    ...                                   {"wave": "one", "source": "form"}]), coded={"w1"})
    True
    >>> sources_html(None)
    ''
    """
    if responses is None or not responses.n:
        return ""
    f = responses.frame
    counts: dict[tuple[str, str], int] = {}
    for wave, source, rid in zip(f["wave"], f["source"], f["respondent_id"], strict=True):
        src = str(source) or "not recorded"
        if coded is not None and src == "form":
            with_code = str(rid) in coded
            src = "form, with an invitation code" if with_code else "form, without a code"
        key = (str(wave), src)
        counts[key] = counts.get(key, 0) + 1
    return html_table(
        ["Wave", "From", "Responses"],
        [[w, src, n] for (w, src), n in counts.items()],
        numeric=[2],
        caption="Where the responses came from",
    )


def _in_wave(responses: Any, wave: str) -> Any:
    """The responses of one wave (none when the wave has none yet)."""
    from partnership_tools.review.responses import Responses

    f = responses.frame
    return Responses(
        responses.instrument_id, f[f["wave"] == wave], responses.item_ids, responses.field_ids
    )


def instrument_html(inst: Any) -> str:
    """The instrument in two lines: title, version, statements, dimensions, bands; citation and
    licence."""
    return (
        f"<p><b>{esc(inst.title)}</b> (version {esc(inst.version)}): {len(inst.items)}"
        f" statements in {len(inst.dimensions)} dimensions. Bands:"
        f" {esc(inst.bands.label('strength'))} from {inst.bands.strength:g},"
        f" {esc(inst.bands.label('concern'))} below {inst.bands.discuss:g}.</p>"
        f"<p class='pt-muted'>{esc(inst.citation)} Licence: {esc(inst.licence)}.</p>"
    )


def import_report_html(imports: Sequence[Any]) -> str:
    """The import report: per file its responses, statements matched and waves, the columns not
    used, the statements with no column, the cells that could not be read (at most 200 listed)
    and any warnings."""
    parts = []
    for imp in imports:
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
            parts.append(f"<p>Statements with no column: {esc(', '.join(imp.missing_items))}.</p>")
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
    return "<h3>Import report</h3>" + "".join(parts)


class DataPanel:
    """The Data tab's controls and what its buttons do.

    Callbacks (the app wires them): ``on_instrument()`` after an instrument is chosen while there
    are no responses; ``on_responses(responses, source, review)`` when responses are opened or
    imported (``review`` is the stored review, or None); ``on_renamed()`` when the review's
    title, id or place changes; ``stored_settings()`` gives the settings kept with the review.
    """

    def __init__(
        self,
        state: ReviewState,
        feedback: Feedback,
        on_instrument: Callable[[], None],
        on_responses: Callable[[Any, str, Any], None],
        on_renamed: Callable[[], None],
        stored_settings: Callable[[], Any],
    ) -> None:
        self.state = state
        self.feedback = feedback
        self._on_instrument = on_instrument
        self._on_responses = on_responses
        self._on_renamed = on_renamed
        self._stored_settings = stored_settings
        #: the files previewed and waiting for "Use these responses" (None: no preview).
        self.pending_files: list[Path] | None = None
        #: what the preview read, waiting for "Add N responses to wave W".
        self.pending_imports: list[Any] = []
        #: each uploaded file's own name, by the path it was written to.
        self._upload_names: dict[str, str] = {}
        self._preview_dir: str | None = None
        self._rereading = False
        self._build()
        self.fill_instrument_list()

    def _build(self) -> None:
        w = widgets
        full = w.Layout(width="100%", max_width="40em")
        self.instrument_select = w.Dropdown(
            description="Instrument", options=[], style=WIDE, layout=full
        )
        self.instrument_select.add_class("pt-instrument")
        self.instrument_path = w.Text(
            description="Instrument file",
            placeholder="path to a .yaml file on the server",
            style=WIDE,
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

        self.review_select = w.Dropdown(description="Review", options=[], style=WIDE, layout=full)
        self.review_select.add_class("pt-review-select")
        self.open_review_button = button("Open review", "pt-open-review", "primary", "folder-open")
        self.open_review_button.on_click(lambda _b: self.open_review())
        self.refresh_list_button = button("Refresh", "pt-refresh-reviews", "", "refresh")
        self.refresh_list_button.on_click(lambda _b: self.refresh_review_list())
        self.show_archived = w.Checkbox(description="Show archived reviews", value=False)
        self.show_archived.add_class("pt-show-archived")
        self.show_archived.observe(lambda _c: self.fill_review_list(), "value")
        self.archive_button = button("Archive…", "pt-archive-review", "", "archive")
        self.archive_button.on_click(lambda _b: self.ask_archive())
        self.restore_button = button("Restore", "pt-restore-review", "", "undo")
        self.restore_button.on_click(lambda _b: self.restore_review())
        self.delete_button = button("Delete…", "pt-delete-review", "danger", "trash")
        self.delete_button.on_click(lambda _b: self.ask_delete())
        self.confirm_html = html_widget("", "pt-confirm-text")
        self.confirm_button = button("Yes", "pt-confirm", "danger", "check")
        self.confirm_button.on_click(lambda _b: self.confirm())
        self.cancel_confirm_button = button("Cancel", "pt-cancel-confirm")
        self.cancel_confirm_button.on_click(lambda _b: self.cancel_confirm())
        self.confirm_box = w.VBox(
            [
                self.confirm_html,
                w.HBox(
                    [self.confirm_button, self.cancel_confirm_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        self.confirm_box.add_class("pt-confirm-box")
        self.confirm_box.layout.display = "none"
        #: what the confirmation box asks: ("delete" | "archive", review id), or None.
        self.pending: tuple[str, str] | None = None

        self.new_instrument = w.Dropdown(
            description="Instrument", options=[], style=WIDE, layout=full
        )
        self.new_instrument.add_class("pt-new-instrument")
        self.new_id = w.Text(
            description="Review id", placeholder="e.g. spring-2025", style=WIDE, layout=full
        )
        self.new_id.add_class("pt-new-id")
        self.new_title = w.Text(
            description="Title", placeholder="e.g. Spring review 2025", style=WIDE, layout=full
        )
        self.new_title.add_class("pt-new-title")
        self.new_waves = w.Text(
            description="Waves planned",
            placeholder="e.g. baseline, one year on",
            style=WIDE,
            layout=full,
        )
        self.new_waves.add_class("pt-new-waves")
        self.new_button = button("Create the review", "pt-new-review", "primary", "plus")
        self.new_button.on_click(lambda _b: self.new_review())

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
            style=WIDE,
            layout=full,
        )
        self.responses_path.add_class("pt-responses-path")
        self.import_wave = w.Text(
            description="Wave (optional)",
            placeholder="e.g. phase one; else the file's wave column",
            style=WIDE,
            layout=full,
        )
        self.import_wave.add_class("pt-import-wave")
        self.import_button = button("Import responses", "pt-import", "primary", "upload")
        self.import_button.on_click(lambda _b: self.import_files())
        self.preview_button = button("Preview", "pt-preview-responses", "info", "eye")
        self.preview_button.on_click(lambda _b: self.preview_files())
        self.preview_group_column = w.Dropdown(
            description="Group column",
            options=[("(as recognised)", AS_RECOGNISED)],
            style=WIDE,
            layout=full,
        )
        self.preview_group_column.add_class("pt-preview-group-column")
        self.preview_group_column.observe(self._on_preview_group, "value")
        self.preview_html = html_widget("", "pt-responses-preview")
        self.add_wave = w.Combobox(
            description="Add to wave",
            placeholder="a wave of the review, or a new one",
            options=[],
            ensure_option=False,
            style=WIDE,
            layout=full,
        )
        self.add_wave.add_class("pt-add-wave")
        self.add_wave.observe(lambda _c: self._show_addition(), "value")
        self.leave_out_duplicates = w.Checkbox(
            description="Leave out the likely duplicates", value=True, layout=full
        )
        self.leave_out_duplicates.add_class("pt-leave-out-duplicates")
        self.leave_out_duplicates.observe(lambda _c: self._show_addition(), "value")
        self.addition_html = html_widget("", "pt-addition-preview")
        self.add_button = button("Add responses", "pt-add-responses", "primary", "plus")
        self.add_button.on_click(lambda _b: self.add_previewed())
        self.add_box = w.VBox(
            [self.add_wave, self.addition_html, self.leave_out_duplicates, self.add_button]
        )
        self.add_box.add_class("pt-add-box")
        self.add_box.layout.display = "none"
        #: the likely duplicates the addition preview shows.
        self.pending_duplicates: tuple[Any, ...] = ()
        self.use_preview_button = button(
            "Use these responses", "pt-use-responses", "primary", "check"
        )
        self.use_preview_button.on_click(lambda _b: self.use_previewed())
        self.cancel_preview_button = button("Cancel", "pt-cancel-preview")
        self.cancel_preview_button.on_click(lambda _b: self.cancel_preview())
        self.preview_box = w.VBox(
            [
                self.preview_group_column,
                self.add_box,
                self.preview_html,
                w.HBox(
                    [self.use_preview_button, self.cancel_preview_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
            ]
        )
        self.preview_box.add_class("pt-preview-box")
        self.preview_box.layout.display = "none"
        self.sample_button = button("Show the sample review", "pt-sample", "", "eye")
        self.sample_button.on_click(lambda _b: self.load_sample())
        self.import_report = html_widget("", "pt-import-report")
        self.sources = html_widget("", "pt-response-sources")
        self.import_heading = html_widget("", "pt-import-heading")
        self._show_import_heading()

        self.store_id = w.Text(
            description="Review id", placeholder="e.g. spring-2025", style=WIDE, layout=full
        )
        self.store_id.add_class("pt-store-id")
        self.store_title = w.Text(
            description="Title", placeholder="e.g. Spring review 2025", style=WIDE, layout=full
        )
        self.store_title.add_class("pt-store-title")
        self.store_button = button("Save to the store", "pt-store-review", "primary", "database")
        self.store_button.on_click(lambda _b: self.store_review())
        self.store_box = w.VBox(
            [
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
        self.store_box.add_class("pt-store-box")
        show(self.store_box, False)
        self.pane = w.VBox(
            [
                html_widget(
                    "<h2>New review</h2><p class='pt-muted'>An empty review in the store: choose"
                    " the instrument, give it an id and a title and name the waves you plan."
                    " Responses then come in through the response form or an imported file.</p>"
                ),
                self.new_instrument,
                self.new_id,
                self.new_title,
                self.new_waves,
                self.new_button,
                html_widget("<h2>Instrument</h2>"),
                self.instrument_select,
                self.instrument_path,
                self.instrument_upload,
                self.use_instrument_button,
                self.instrument_info,
                html_widget("<h2>Responses</h2><h3>A review in the store</h3>"),
                self.review_select,
                w.HBox(
                    [
                        self.open_review_button,
                        self.refresh_list_button,
                        self.archive_button,
                        self.restore_button,
                        self.delete_button,
                    ],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.show_archived,
                self.confirm_box,
                self.sources,
                self.import_heading,
                self.responses_upload,
                self.responses_path,
                self.import_wave,
                w.HBox(
                    [self.preview_button, self.import_button, self.sample_button],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                self.preview_box,
                self.import_report,
                self.store_box,
            ]
        )

    # -- adding to a stored review ------------------------------------------------------------
    @property
    def adding(self) -> bool:
        """Whether a review from the store is open, so files are added to it."""
        return self.state.review_id is not None and not self.state.is_sample

    def _show_import_heading(self) -> None:
        if self.adding:
            name = self.state.review_title or self.state.review_id or ""
            self.import_heading.value = (
                f"<h3>Add responses to {esc(name)}</h3><p class='pt-muted'>A CSV or Excel .xlsx"
                " file (typed-up paper forms, another form's export): its responses join a wave"
                " of this review beside the ones stored, the response form's included; nothing"
                " is replaced. Preview first: it shows what will be added and flags likely"
                " duplicates.</p>"
            )
        else:
            self.import_heading.value = (
                "<h3>Or import files</h3><p class='pt-muted'>CSV (UTF-8) or Excel .xlsx"
                " exported from an online form: one row per response. Columns are matched"
                " to statements by id or wording; several files (one per wave) can be"
                " imported together.</p>"
            )

    def show_sources(self) -> None:
        """Show where the responses on show came from, and what importing a file will do.

        "Keep it in the store" is offered for imported files only: never for the sample (it
        is not saved under a user's id) nor for a review already in the store."""
        from partnership_tools.ui.review.invites import coded_respondents

        coded = coded_respondents(self.state.db, self.state.review_id)
        self.sources.value = sources_html(self.state.responses, coded)
        self._show_import_heading()
        show(
            self.store_box,
            self.state.responses is not None and not self.state.is_sample and not self.adding,
        )
        if self.state.db is not None:
            self.fill_review_list()  # the list's counts, read now: never stale beside the data

    def _stored(self) -> Any:
        from partnership_tools.store.reviews import load_responses

        return load_responses(self.state.db, str(self.state.review_id))

    def _default_wave(self, imports: Sequence[Any] = ()) -> str:
        """The wave offered first: the one typed under Wave, else the one wave the files' wave
        column names, else the one the response form is open for, else the latest with
        responses, else the first planned. The files' wave is offered only when it is one of
        the review's waves (planned ones included)."""
        from partnership_tools.review.responses import DEFAULT_WAVE
        from partnership_tools.store.drafts import form_wave

        typed = " ".join(self.import_wave.value.split())
        if typed:
            return typed
        named = {
            w for i in imports if "wave" in i.matched_fields.values() for w in i.responses.waves
        }
        if len(named) == 1 and next(iter(named)) in self.state.waves:
            return str(named.pop())
        fw = form_wave(self.state.db, str(self.state.review_id))
        if fw is not None and fw.open:
            return str(fw.wave)
        answered = self.state.responses.waves if self.state.responses is not None else ()
        if answered:
            return str(answered[-1])
        waves = self.state.waves
        return waves[0] if waves else DEFAULT_WAVE

    def _incoming(self, imports: Sequence[Any]) -> Any:
        """The files' responses, each with its ``source``, all in the wave chosen."""
        from partnership_tools.review.responses import Responses, file_source

        parts = [i.responses.with_source(file_source(self._name_of(i))) for i in imports]
        return Responses.combine(parts).in_wave(self._chosen_wave())

    def _name_of(self, imp: Any) -> str:
        """The file's own name (an upload's name as the user's computer had it)."""
        return self._upload_names.get(str(imp.source), Path(str(imp.source)).name)

    def _chosen_wave(self) -> str:
        from partnership_tools.review.responses import DEFAULT_WAVE

        return " ".join(str(self.add_wave.value or "").split()) or DEFAULT_WAVE

    def _show_addition(self) -> None:
        """Work out and show what "Add" would do now (the store read again)."""
        from partnership_tools.review.duplicates import likely_duplicates
        from partnership_tools.ui.review.import_preview import (
            add_label,
            addition_html,
            leave_out_label,
        )

        if self._rereading or not self.pending_imports or not self.adding:
            return
        wave = self._chosen_wave()
        stored = self._stored()
        incoming = self._incoming(self.pending_imports)
        in_wave = _in_wave(stored, wave)
        dups = likely_duplicates(in_wave, incoming)
        self.pending_duplicates = dups
        leave_out = bool(self.leave_out_duplicates.value) and bool(dups)
        self.leave_out_duplicates.description = leave_out_label(len(dups))
        self.leave_out_duplicates.layout.display = None if dups else "none"
        n = incoming.n - (len(dups) if leave_out else 0)
        self.add_button.description = add_label(n, wave)
        self.add_button.disabled = n == 0
        self.addition_html.value = addition_html(stored, incoming, wave, dups, leave_out)

    @action("adding the responses to the review")
    def add_previewed(self) -> int | None:
        """Add the previewed files' responses to the wave chosen (likely duplicates left out
        while "Leave out the N likely duplicates" is ticked), in one transaction; returns how
        many were added. Nothing stored is replaced."""
        from partnership_tools.review.duplicates import likely_duplicates
        from partnership_tools.review.responses import Responses
        from partnership_tools.store.reviews import ReviewStoreError, add_responses, load_review

        if not self.adding:
            raise UIError("Open a review from the store (or create one) to add responses to it.")
        if self.pending_files is None or not self.pending_imports:
            raise UIError("Preview a response file first.")
        rid = str(self.state.review_id)
        wave = self._chosen_wave()
        stored = self._stored()
        incoming = self._incoming(self.pending_imports)
        in_wave = _in_wave(stored, wave)
        dups = likely_duplicates(in_wave, incoming)
        leave = {d.row for d in dups} if self.leave_out_duplicates.value else set()
        keep = [i for i in range(incoming.n) if i not in leave]
        if not keep:
            raise UIError("Every response in the file is a likely duplicate; nothing was added.")
        kept = Responses(
            incoming.instrument_id,
            incoming.frame.iloc[keep],
            incoming.item_ids,
            incoming.field_ids,
        )
        try:
            with busy(self.add_button), self.state.db.write():
                added = add_responses(self.state.db, rid, kept, wave=wave)
                review = load_review(self.state.db, rid)
        except ReviewStoreError as exc:
            raise UIError(str(exc)) from None
        names = ", ".join(self._name_of(i) for i in self.pending_imports)
        self.state.imports = list(self.pending_imports)
        self.import_report.value = import_report_html(self.pending_imports)
        self.cancel_preview()
        self._on_responses(review.responses, f"the review {review.title or review.id}", review)
        self.show_sources()
        self.fill_review_list()
        left = f"; left out {len(leave)} likely duplicate(s)" if leave else ""
        self.feedback.success(
            f"Added {added} response(s) from {names} to wave {wave}{left}; the review has"
            f" {review.responses.n} response(s) now."
        )
        return added

    # -- lists -----------------------------------------------------------------------------
    def fill_instrument_list(self) -> None:
        from partnership_tools.review.instrument import list_instruments

        opts = [(f"{i.title} ({i.id})", i.id) for i in list_instruments()]
        self.new_instrument.options = list(opts)
        opts.append(("From a file (path or upload below)…", FROM_FILE))
        self.instrument_select.options = opts

    def fill_review_list(self) -> None:
        """Read the reviews (and their response counts) from the store now; archived ones
        too when "Show archived reviews" is ticked."""
        from partnership_tools.store.reviews import list_reviews

        rows = list_reviews(self.state.db)
        if self.show_archived.value:
            rows += list_reviews(self.state.db, archived=True)
        chosen = self.review_select.value
        self.review_select.options = [review_option(r) for r in rows]
        ids = [r["id"] for r in rows]
        if self.state.review_id in ids:
            self.review_select.value = self.state.review_id
        elif chosen in ids:
            self.review_select.value = chosen

    @action("refreshing the list of reviews")
    def refresh_review_list(self) -> None:
        """The Refresh button: the list again, with the responses counted now."""
        self.fill_review_list()
        self.feedback.info(f"{len(self.review_select.options)} review(s) in the list.")

    # -- instrument ------------------------------------------------------------------------
    def set_instrument(self, inst: Any) -> None:
        """Use ``inst``; responses to another instrument are dropped."""
        state = self.state
        if self.pending_files is not None and (
            state.instrument is None or state.instrument.id != inst.id
        ):
            self.cancel_preview()  # read against another instrument
        if state.responses is not None and state.responses.instrument_id != inst.id:
            state.forget_responses()
            self.import_report.value = ""
        state.instrument = inst
        if inst.id in [v for _, v in self.instrument_select.options]:
            self.instrument_select.value = inst.id
        self.instrument_info.value = instrument_html(inst)
        self.show_sources()

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
        self.set_instrument(inst)
        self.feedback.info(f"Using the instrument {inst.title}.")
        if self.state.responses is None:
            self._on_instrument()
        return inst

    @action("loading the instrument")
    def use_selected_instrument(self) -> Any:
        """The button: the dropdown's instrument, or the uploaded file, or the typed path."""
        upload = uploads(self.instrument_upload)
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
        self.set_instrument(inst)
        self.instrument_upload.value = ()
        self.feedback.success(f"Using the instrument {inst.title} from {name}.")
        if self.state.responses is None:
            self._on_instrument()
        return inst

    # -- responses -------------------------------------------------------------------------
    @action("opening the review")
    def open_review(self, review_id: str | None = None) -> Any:
        """Open a review from the store: its instrument, responses, settings and action plan."""
        from partnership_tools.store.reviews import (
            ReviewStoreError,
            load_planned_waves,
            load_review,
        )

        rid = review_id or self.review_select.value
        if not rid:
            raise UIError("There are no reviews in the store yet; create one under New review.")
        try:
            with busy(self.open_review_button), self.state.db.read():  # one snapshot
                review = load_review(self.state.db, rid)
                planned = load_planned_waves(self.state.db, rid)
        except ReviewStoreError as exc:
            raise UIError(str(exc)) from None
        self.set_instrument(review.instrument)
        self.state.planned_waves = planned
        self.state.is_sample = False
        self.state.imports = []
        self.import_report.value = ""
        self.store_id.value = review.id
        self.store_title.value = review.title
        self.cancel_preview()
        self._on_responses(review.responses, f"the review {review.title or review.id}", review)
        self.show_sources()
        self.fill_review_list()
        self.feedback.success(
            f"Opened the review {review.title or review.id}: {review.responses.n} response(s)."
        )
        return review

    def _chosen_files(self, paths: Sequence[str | os.PathLike[str]] | None, tmp: str) -> list[Path]:
        """The arguments, else the uploads (written into ``tmp``), else the typed path."""
        uploaded = [] if paths is not None else uploads(self.responses_upload)
        if paths is None and not uploaded:
            typed = self.responses_path.value.strip()
            if not typed:
                raise UIError("Upload a CSV or Excel file of responses, or type its path.")
            paths = [Path(typed).expanduser()]
        files: list[Path] = [Path(p) for p in paths or ()]
        for u in uploaded:
            if len(u["content"]) > MAX_UPLOAD_BYTES:
                raise UIError(f"{u['name']} is larger than 20 MB; is it the right file?")
            target = Path(tmp) / safe_filename(Path(u["name"]).name, "responses.csv")
            target.write_bytes(u["content"])
            self._upload_names[str(target)] = Path(u["name"]).name or target.name
            files.append(target)
        return files

    def _read_files(self, files: Sequence[Path], group_column: str | None) -> list[Any]:
        from partnership_tools.review.responses import ResponseFileError, read_responses

        instrument = self.state.instrument
        wave = " ".join(self.import_wave.value.split()) or None
        extra: dict[str, Any] = {"group_column": group_column} if group_column else {}
        imports = []
        for p in files:
            try:
                imp = read_responses(p, instrument, wave=wave, **extra)
            except ResponseFileError as exc:
                raise UIError(str(exc)) from None
            own = self._upload_names.get(str(p))
            if own and own != Path(p).name:  # an upload: shown under the name the user gave it
                imp = dataclasses.replace(imp, source=str(Path(p).with_name(own)))
                self._upload_names[imp.source] = own
            imports.append(imp)
        return imports

    # -- the preview -----------------------------------------------------------------------
    def _drop_preview_dir(self) -> None:
        if self._preview_dir is not None:
            shutil.rmtree(self._preview_dir, ignore_errors=True)
            self._preview_dir = None

    def cancel_preview(self) -> None:
        """Forget the preview (nothing was used)."""
        self.pending_files = None
        self.pending_imports = []
        self.pending_duplicates = ()
        self._drop_preview_dir()
        self.preview_html.value = ""
        self.addition_html.value = ""
        self.add_box.layout.display = "none"
        self.preview_box.layout.display = "none"

    def _show_preview(self, imports: Sequence[Any], group_column: str | None) -> None:
        choices = group_column_choices(imports)
        self._rereading = True
        try:
            if list(self.preview_group_column.options) != choices:
                self.preview_group_column.options = choices
            values = [v for _label, v in choices]
            self.preview_group_column.value = group_column if group_column in values else ""
        finally:
            self._rereading = False
        self.preview_html.value = response_preview_html(
            imports, "Add" if self.adding else "Use these responses"
        )
        self.pending_imports = list(imports)
        adding = self.adding
        self.add_box.layout.display = None if adding else "none"
        self.use_preview_button.layout.display = "none" if adding else None
        if adding:
            self._show_addition()
        self.preview_box.layout.display = None

    @action("previewing the responses")
    def preview_files(self, paths: Sequence[str | os.PathLike[str]] | None = None) -> Any:
        """Read response files (the arguments, else the uploads, else the typed path) and show
        what they give, without using them; returns the imports."""
        if self.state.instrument is None:
            raise UIError("Choose the instrument first.")
        self.cancel_preview()
        tmp = tempfile.mkdtemp(prefix="pt-responses-preview-")
        try:
            files = self._chosen_files(paths, tmp)
            with busy(self.preview_button):
                imports = self._read_files(files, None)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._preview_dir = tmp
        self.pending_files = files
        self.responses_upload.value = ()
        if self.adding:
            self._rereading = True
            try:
                self.add_wave.options = list(self.state.waves)
                self.add_wave.value = self._default_wave(imports)
            finally:
                self._rereading = False
        self._show_preview(imports, None)
        n = sum(i.responses.n for i in imports)
        if self.adding:
            self.feedback.info(
                f"Previewing {n} response(s) to add to the review; check them, then press"
                f" {self.add_button.description}."
            )
        else:
            self.feedback.info(
                f"Previewing {n} response(s); check the columns, then press Use these responses."
            )
        return imports

    @action("re-reading the responses")
    def set_preview_group_column(self, header: str | None) -> Any:
        """Re-read the previewed files with ``header`` as the stakeholder group column."""
        if self.pending_files is None:
            raise UIError("Preview a response file first.")
        imports = self._read_files(self.pending_files, header or None)
        self._show_preview(imports, header or None)
        return imports

    def _on_preview_group(self, change: dict) -> None:
        if not self._rereading and self.pending_files is not None:
            self.set_preview_group_column(change["new"] or None)

    @action("using the previewed responses")
    def use_previewed(self) -> Any:
        """Import the previewed files (with the chosen group column) as "Import responses"."""
        if self.pending_files is None:
            raise UIError("Preview a response file first.")
        if self.adding:
            raise UIError(
                "A review from the store is open: its responses are kept, and the file's are"
                " added with the Add button."
            )
        group = self.preview_group_column.value or None
        imports = self.import_files(self.pending_files, group_column=group)
        if imports is not None:
            self.cancel_preview()
        return imports

    @action("importing responses")
    def import_files(
        self,
        paths: Sequence[str | os.PathLike[str]] | None = None,
        group_column: str | None = None,
    ) -> Any:
        """Import response files (the arguments, else the uploads, else the typed path);
        ``group_column`` names the stakeholder group column (else the reader finds it). With a
        review from the store open the files are previewed to be ADDED to it instead (see the
        module doc): nothing on show is replaced."""
        if self.adding:
            return self.preview_files(paths)
        return self._import_replacing(paths, group_column)

    def _import_replacing(
        self,
        paths: Sequence[str | os.PathLike[str]] | None = None,
        group_column: str | None = None,
    ) -> Any:
        from partnership_tools.review.responses import Responses

        instrument = self.state.instrument
        if instrument is None:
            raise UIError("Choose the instrument first.")
        with busy(self.import_button), tempfile.TemporaryDirectory(prefix="pt-responses-") as tmp:
            files = self._chosen_files(paths, tmp)
            imports = self._read_files(files, group_column)
        if not imports:
            raise UIError("There was nothing to import.")
        from partnership_tools.review.responses import file_source

        # Each response keeps the file it came from, shown under "Where the responses came from".
        responses = Responses.combine(
            [i.responses.with_source(file_source(self._name_of(i))) for i in imports]
        )
        if responses.n == 0:
            raise UIError("The file has a header row but no responses.")
        if self.state.is_sample:  # the sample's id and title are not the imported files'
            self.store_id.value = ""
            self.store_title.value = ""
        self.state.is_sample = False
        self.state.review_title = ""
        self.state.planned_waves = ()
        self.state.imports = imports
        self.responses_upload.value = ()
        self.import_report.value = import_report_html(imports)
        names = ", ".join(Path(i.source).name for i in imports)
        self._on_responses(responses, names, None)
        self.show_sources()
        self.store_id.value = self.store_id.value or safe_filename(
            Path(imports[0].source).stem, "review"
        )
        problems = sum(len(i.invalid_cells) for i in imports)
        extra = f"; {problems} cell(s) could not be read (see the Data tab)" if problems else ""
        self.feedback.success(f"Imported {responses.n} response(s) from {names}{extra}.")
        return imports

    @action("loading the sample review")
    def load_sample(self) -> Any:
        """The sample: two waves of the ``ten_lessons`` instrument."""
        self.import_wave.value = ""
        self.use_instrument(SAMPLE_INSTRUMENT)
        self.cancel_preview()
        imports = self._import_replacing(sample_paths())
        self.state.source = "the sample responses"
        self.state.is_sample = True
        self.store_id.value = SAMPLE_ID
        self.store_title.value = SAMPLE_TITLE
        self.state.review_title = SAMPLE_TITLE
        self.show_sources()
        self._on_renamed()
        self.feedback.info(
            "Showing the sample review: two waves of the ten lessons health check. Open your own"
            " review or import responses in the Data tab."
        )
        return imports

    @action("saving the review to the store")
    def store_review(self) -> str | None:
        """Save the instrument and responses (and the action plan) as a review in the store;
        refused while the sample is on show (:data:`SAMPLE_NOT_SAVED`)."""
        from partnership_tools.store.reviews import (
            create_review,
            list_reviews,
            save_action_plan,
            save_responses,
        )

        state = self.state
        if state.instrument is None:
            raise UIError("Choose the instrument first.")
        if state.is_sample:
            raise UIError(SAMPLE_NOT_SAVED)
        rid = checked_review_id(self.store_id.value)
        title = " ".join(self.store_title.value.split()) or rid
        existing = {r["id"] for r in list_reviews(state.db) + list_reviews(state.db, True)}
        if rid in existing and rid != state.review_id:
            raise UIError(
                f"There is already a review {rid!r} in the store; choose another id, or open it."
            )
        with busy(self.store_button), state.db.write():  # all of it, or nothing
            create_review(
                state.db,
                rid,
                title,
                state.instrument,
                self._stored_settings(),
                replace=rid in existing,
                created_at=state.review_created_at or None,
            )
            if state.responses is not None and state.responses.n:
                save_responses(state.db, rid, state.responses)
            save_action_plan(state.db, rid, state.plan)
        state.review_id = rid
        state.review_title = title
        state.source = f"the review {title}"
        self.show_sources()
        self.fill_review_list()
        self._on_renamed()
        self.feedback.success(f"Saved the review {title} ({rid}) to the store.")
        return rid

    # -- a new review ------------------------------------------------------------------------
    @action("creating the review")
    def new_review(
        self,
        instrument: Any = None,
        review_id: str | None = None,
        title: str | None = None,
        waves: Sequence[str] | str | None = None,
    ) -> str | None:
        """Create an empty review in the store (no responses) and open it: ``instrument`` (a
        shipped id or an Instrument), ``review_id``, ``title`` and the ``waves`` planned (a list,
        or text such as "baseline, one year on"); each defaults to the New review controls."""
        from partnership_tools.store.reviews import (
            ReviewStoreError,
            clean_planned_waves,
            create_review,
        )

        rid = checked_review_id(self.new_id.value if review_id is None else review_id)
        name = " ".join((self.new_title.value if title is None else title).split()) or rid
        planned = clean_planned_waves(self.new_waves.value if waves is None else waves)
        source = self.new_instrument.value if instrument is None else instrument
        if not source:
            raise UIError("Choose the instrument for the new review.")
        inst = source if hasattr(source, "item_ids") else self._load_instrument(source)
        try:
            with busy(self.new_button):
                create_review(self.state.db, rid, name, inst, planned_waves=planned)
        except ReviewStoreError:
            raise UIError(
                f"There is already a review {rid!r} in the store; choose another id, or open it."
            ) from None
        if self.open_review(rid) is None:
            return None
        for box in (self.new_id, self.new_title, self.new_waves):
            box.value = ""
        waves_text = f" waves planned: {', '.join(planned)};" if planned else ""
        self.feedback.success(
            f"Created the review {name} ({rid}):{waves_text} no responses yet; open the"
            " response form or add a file of responses."
        )
        return rid

    # -- archive, restore, delete ------------------------------------------------------------
    def _chosen_review(self) -> str:
        rid = self.review_select.value
        if not rid:
            raise UIError("Choose a review in the list first.")
        return str(rid)

    def _ask(self, kind: str, rid: str, sentence: str, label: str) -> None:
        self.pending = (kind, rid)
        self.confirm_html.value = f"<p class='pt-warning' role='alert'>{esc(sentence)}</p>"
        self.confirm_button.description = label
        self.confirm_button.button_style = "danger" if kind == "delete" else "warning"
        self.confirm_box.layout.display = None

    def cancel_confirm(self) -> None:
        """Cancel: nothing is archived or deleted."""
        self.pending = None
        self.confirm_html.value = ""
        self.confirm_box.layout.display = "none"

    @action("asking before deleting the review")
    def ask_delete(self, review_id: str | None = None) -> str | None:
        """Step one of Delete: say what will be lost and show "Yes, delete review X" and Cancel."""
        from partnership_tools.store.reviews import stored_rows

        rid = review_id or self._chosen_review()
        rows = stored_rows(self.state.db, rid)
        if not rows.get("review_reviews"):
            raise UIError(f"There is no review {rid!r} in the store.")
        self._ask(
            "delete",
            rid,
            f"Deleting the review {rid} removes its {rows.get('review_responses', 0)}"
            f" response(s), {rows.get('review_drafts', 0)} form draft(s), its"
            f" settings and its action plan of {rows.get('review_actions', 0)} action(s) from"
            " the store for good, and its response form will answer that there is no review"
            " at that address.",
            f"Yes, delete review {rid}",
        )
        return rid

    @action("asking before archiving the review")
    def ask_archive(self, review_id: str | None = None) -> str | None:
        """Step one of Archive: say what it does and show "Yes, archive review X" and Cancel."""
        rid = review_id or self._chosen_review()
        self._ask(
            "archive",
            rid,
            f"Archiving the review {rid} hides it from the list and closes its response form;"
            " nothing is deleted, and ticking Show archived reviews lets you restore it.",
            f"Yes, archive review {rid}",
        )
        return rid

    @action("changing the review")
    def confirm(self) -> str | None:
        """Step two: do what the confirmation box asked (delete or archive)."""
        from partnership_tools.store.reviews import (
            ReviewStoreError,
            archive_review,
            delete_review,
        )

        if self.pending is None:
            raise UIError("There is nothing to confirm.")
        kind, rid = self.pending
        self.cancel_confirm()
        try:
            with busy(self.confirm_button):
                (delete_review if kind == "delete" else archive_review)(self.state.db, rid)
        except ReviewStoreError as exc:
            raise UIError(str(exc)) from None
        if kind == "delete" and self.state.review_id == rid:
            self.state.review_id = None
            self.load_sample()
        self.fill_review_list()
        if kind == "delete":
            self.feedback.success(f"Deleted the review {rid} and everything stored under its id.")
        else:
            self.feedback.success(
                f"Archived the review {rid}: hidden from the list, kept in the store."
            )
        return rid

    @action("restoring the review")
    def restore_review(self, review_id: str | None = None) -> str | None:
        """Bring an archived review back into the list (its form stays closed)."""
        from partnership_tools.store.reviews import ReviewStoreError, is_archived
        from partnership_tools.store.reviews import restore_review as restore

        rid = review_id or self._chosen_review()
        try:
            if not is_archived(self.state.db, rid):
                raise UIError(f"The review {rid} is not archived.")
            restore(self.state.db, rid)
        except ReviewStoreError as exc:
            raise UIError(str(exc)) from None
        self.fill_review_list()
        self.feedback.success(f"Restored the review {rid} to the list.")
        return rid
