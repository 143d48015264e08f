"""The "Download the tables" panel (on the Save tab): the responses and the scores as CSV, and
everything in one Excel workbook, written by :mod:`partnership_tools.reports.review_tables`.

Each button writes its file(s) atomically to the export folder, named like the review file
(:func:`~partnership_tools.ui.export.stamped_path`: ``<kind>-<review id>-<UTC time>.csv``), and
shows a ``data:`` download link for each. Suppressed cells are left empty and marked
(``suppressed`` = yes, with a note), never filled in. Problems are one sentence in the app's
feedback, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import (
    Feedback,
    UIError,
    action,
    busy,
    button,
    data_link,
    esc,
    html_widget,
)
from partnership_tools.ui.export import stamped_path
from partnership_tools.ui.review.state import ReviewState

__all__ = ["CSV_MIME", "XLSX_MIME", "DownloadsPanel", "table_path"]

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_path(kind: str, ident: str, suffix: str, db_path: Any = None) -> Path:
    """A new file name in the export folder: :func:`stamped_path` with ``suffix`` (``.csv`` or
    ``.xlsx``) in place of ``.json``, numbered ``-2``, ``-3``… when that name is taken.

    >>> table_path("responses", "spring", ".csv", "/tmp/x.sqlite").suffix
    '.csv'
    """
    base = stamped_path(kind, ident, db_path)
    stem = base.stem
    path, n = base.with_name(f"{stem}{suffix}"), 1
    while path.exists():
        n += 1
        path = base.with_name(f"{stem}-{n}{suffix}")
    return path


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; a folder that cannot be written is one sentence."""
    from partnership_tools.kernel.files import atomic_write_bytes

    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise UIError(f"Could not write {path.name} to the folder {path.parent}: {why}") from None


class DownloadsPanel:
    """Buttons "Responses (CSV)", "Scores (CSV)" and "Everything (Excel)", and ``links`` (an
    HTML widget holding the download links of the latest files written). ``pane`` is the box to
    place on the page; ``last_paths`` the latest files written (``()`` before)."""

    def __init__(self, state: ReviewState, feedback: Feedback) -> None:
        self.state = state
        self.feedback = feedback
        self.last_paths: tuple[Path, ...] = ()
        self.responses_button = button(
            "Responses (CSV)",
            "pt-download-responses",
            "",
            "table",
            "One row per response: each answer as its label and as its score",
        )
        self.scores_button = button(
            "Scores (CSV)",
            "pt-download-scores",
            "",
            "table",
            "Scores by dimension and by item: overall, per group and per wave",
        )
        self.workbook_button = button(
            "Everything (Excel)",
            "pt-download-excel",
            "",
            "file-excel-o",
            "One workbook: about, responses, scores by dimension, scores by item",
        )
        self.responses_button.on_click(lambda _b: self.download_responses())
        self.scores_button.on_click(lambda _b: self.download_scores())
        self.workbook_button.on_click(lambda _b: self.download_workbook())
        self.buttons = (self.responses_button, self.scores_button, self.workbook_button)
        self.links = html_widget("", "pt-download-links")
        self.links.add_class("pt-export-links")
        row = widgets.HBox(list(self.buttons))
        row.add_class("pt-export-row")
        self.pane = widgets.VBox(
            [
                html_widget(
                    "<h3>Download the tables</h3><p class='pt-muted'>The responses and the"
                    " scores, for a spreadsheet. Figures of groups too small to show are left"
                    " empty and marked <code>suppressed</code> = yes, with a note saying why.</p>"
                ),
                row,
                self.links,
            ]
        )
        self.pane.add_class("pt-downloads")

    # -- what the buttons do -----------------------------------------------------------------
    def _ident(self) -> str:
        s = self.state
        if getattr(s, "is_sample", False):
            return "sample-ten-lessons"
        return s.review_id or s.review_title or "review"

    def tables(self) -> Any:
        """The review's tables as shown (raises a one-sentence error without responses)."""
        from partnership_tools.reports.review_tables import review_tables

        s = self.state
        if s.instrument is None:
            raise UIError("Choose the instrument first.")
        if s.responses is None or not s.n or s.result is None:
            raise UIError("There are no responses to download yet.")
        return review_tables(s.responses, s.instrument, s.result, title=s.review_title)

    def _show(self, files: list[tuple[Path, bytes, str]]) -> tuple[Path, ...]:
        parts = []
        for path, data, mime in files:
            link = data_link(data, path.name, mime, f"Download {path.name}", "pt-download-file")
            parts.append(f"<p>{link} <span class='pt-muted'>(saved to {esc(path)})</span></p>")
        self.links.value = "".join(parts)
        self.last_paths = tuple(p for p, _, _ in files)
        names = ", ".join(p.name for p in self.last_paths)
        self.feedback.success(f"Wrote {names}.")
        return self.last_paths

    def _write_csvs(self, named: list[tuple[str, str]]) -> tuple[Path, ...]:
        from partnership_tools.reports.review_tables import csv_text

        files = []
        with busy(*self.buttons):
            t = self.tables()
            for kind, attr in named:
                data = csv_text(t.table(attr)).encode("utf-8")
                path = table_path(kind, self._ident(), ".csv", self.state.db_path)
                _write(path, data)
                files.append((path, data, CSV_MIME))
        return self._show(files)

    @action("writing the responses")
    def download_responses(self) -> tuple[Path, ...]:
        """Write the responses as CSV and show its link; returns the file (None on failure)."""
        return self._write_csvs([("responses", "responses")])

    @action("writing the scores")
    def download_scores(self) -> tuple[Path, ...]:
        """Write the scores by dimension and by item as two CSV files and show their links."""
        return self._write_csvs(
            [("scores-by-dimension", "dimensions"), ("scores-by-item", "items")]
        )

    @action("writing the workbook")
    def download_workbook(self) -> tuple[Path, ...]:
        """Write every table into one Excel workbook and show its link."""
        from partnership_tools.reports.review_tables import workbook_bytes

        with busy(*self.buttons):
            data = workbook_bytes(self.tables())
            path = table_path("review-tables", self._ident(), ".xlsx", self.state.db_path)
            _write(path, data)
        return self._show([(path, data, XLSX_MIME)])

    def forget(self) -> None:
        """Other responses are shown: clear the links."""
        self.links.value = ""
        self.last_paths = ()
