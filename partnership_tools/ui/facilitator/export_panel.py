"""The Export tab: the session file (everything needed to recount, with its results and their
digest) and a report of it, through the apps' one :class:`~partnership_tools.ui.saving.SaveFlow`;
and the latest round's ballots for other voting tools (CSV in the long layout, PrefLib ``.soi``,
BLT), each written by :func:`partnership_tools.vote.writing.write_ballots` to the export folder
(:func:`~partnership_tools.ui.export.export_dir`) as ``ballots-<session>-round<N>.<ext>`` and
offered as a download link; and the ballots and results of every round as tables for a
spreadsheet (CSV or one Excel workbook, :mod:`partnership_tools.reports.session_tables`, with the
guard against formula injection), written as ``<table>-<session>.<ext>`` the same way.

"Download report" reports on the latest file exported from this page, exporting one first
when there is none.

>>> import tempfile, os
>>> from partnership_tools.ui.facilitator.console import Console
>>> p = ExportPanel(Console(db_path=os.path.join(tempfile.mkdtemp(), "s.sqlite")))
>>> p.export_session() is None, p.feedback.last
(True, 'Open a session with its facilitator key first.')
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from partnership_tools.ui.common import (
    UIError,
    action,
    busy,
    button,
    data_link,
    esc,
    html_widget,
    safe_filename,
)
from partnership_tools.ui.export import export_dir
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.ui.saving import SaveFlow, Snapshot

__all__ = ["BALLOT_FORMATS", "TABLE_FORMATS", "ExportPanel"]

#: The ballot downloads: format -> (button text, extension, MIME type).
BALLOT_FORMATS = {
    "csv": ("Ballots as CSV", ".csv", "text/csv"),
    "soi": ("Ballots as PrefLib .soi", ".soi", "text/plain"),
    "blt": ("Ballots as BLT", ".blt", "text/plain"),
}

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The spreadsheet downloads: kind -> (button text, file stem, extension, MIME type).
TABLE_FORMATS = {
    "ballots-csv": ("All ballots (CSV)", "ballots", ".csv", "text/csv"),
    "results-csv": ("All results (CSV)", "results", ".csv", "text/csv"),
    "xlsx": ("Ballots and results (Excel)", "vote", ".xlsx", XLSX_MIME),
}


class ExportPanel:
    """Export the session file and report on it. ``pane`` is the tab's box; ``saving`` the
    flow (``saving.report`` is the "Download report" widget, ``saving.result`` the link)."""

    WIDGETS = (
        "export_button",
        "export_html",
        "report",
        "ballot_buttons",
        "ballots_html",
        "table_buttons",
        "tables_html",
    )

    def __init__(self, console: Console) -> None:
        from collections import OrderedDict

        self._ballot_links: OrderedDict[str, str] = OrderedDict()
        self._table_links: OrderedDict[str, str] = OrderedDict()
        self.console = console
        self.feedback = console.feedback
        self.export_button = button("Export the session file", "pt-export", "primary", "download")
        self.export_button.on_click(lambda _b: self.export_session())
        self.saving = SaveFlow(
            self.snapshot,
            db_path=console.db_path,
            feedback=self.feedback,
            saved_message="Exported the session to {path}.",
            result_class="pt-export-result",
            link_class="pt-export-link",
            busy_controls=(self.export_button,),
        )
        self.export_html = self.saving.result
        self.report = self.saving.report
        self.ballot_buttons: dict[str, widgets.Button] = {}
        for fmt, (text, _ext, _mime) in BALLOT_FORMATS.items():
            b = button(text, f"pt-ballots-{fmt}", "", "download")
            b.on_click(lambda _b, f=fmt: self.export_ballots(f))
            self.ballot_buttons[fmt] = b
        self.ballots_html = html_widget("", "pt-ballots-result")
        self.ballots_html.add_class("pt-export-links")
        self.table_buttons: dict[str, widgets.Button] = {}
        for kind, (text, _stem, _ext, _mime) in TABLE_FORMATS.items():
            b = button(text, f"pt-table-{kind}", "", "table")
            b.on_click(lambda _b, k=kind: self.export_table(k))
            self.table_buttons[kind] = b
        self.tables_html = html_widget("", "pt-tables-result")
        self.tables_html.add_class("pt-export-links")
        self.pane = widgets.VBox(
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
                html_widget(
                    "<h3>Ballots for other voting tools</h3><p class='pt-muted'>The latest"
                    " round's ballots as a CSV file (one ranking per row, with the group),"
                    " PrefLib <code>.soi</code> or BLT (OpenSTV, OpaVote). PrefLib and BLT"
                    " name the options by their labels and carry no groups.</p>"
                ),
                widgets.HBox(
                    list(self.ballot_buttons.values()), layout=widgets.Layout(flex_flow="row wrap")
                ),
                self.ballots_html,
                html_widget(
                    "<h3>Ballots and results for a spreadsheet</h3><p class='pt-muted'>Every"
                    " round: each ballot (source, group, time, ranking and choices by label) and"
                    " each option's points, consensus coefficient, classic Borda and first"
                    " preferences. Cells that a spreadsheet would run as a formula are written"
                    " as text.</p>"
                ),
                widgets.HBox(
                    list(self.table_buttons.values()), layout=widgets.Layout(flex_flow="row wrap")
                ),
                self.tables_html,
            ]
        )

    def snapshot(self) -> Snapshot:
        """The opened session as it stands in the store, as its session file's text."""
        from partnership_tools.vote.sessionfile import session_to_json

        s = self.console.require()
        session = self.console.store.load_session(s.id)
        return Snapshot("session", session.id, session_to_json(session))

    def reset(self) -> None:
        """Another session was opened: forget the earlier export."""
        self.saving.reset()
        self.ballots_html.value = ""
        self.tables_html.value = ""
        self._ballot_links.clear()
        self._table_links.clear()

    @action("exporting the ballots")
    def export_ballots(self, fmt: str = "csv") -> Path | None:
        """Write the latest round's ballots as ``fmt`` (``csv``, ``soi`` or ``blt``) to the
        export folder and offer the file; returns its path."""
        from partnership_tools.vote.writing import write_ballots

        if fmt not in BALLOT_FORMATS:
            raise UIError(f"Unknown ballot format {fmt!r}; choose CSV, PrefLib .soi or BLT.")
        s = self.console.require()
        session = self.console.store.load_session(s.id)
        if not session.rounds:
            raise UIError("There is no round yet, so no ballots to export.")
        rnd = session.rounds[-1]
        _text, ext, mime = BALLOT_FORMATS[fmt]
        options = [session.option(i) for i in rnd.option_ids]
        name = f"ballots-{safe_filename(session.id)}-round{rnd.number}{ext}"
        folder = export_dir(self.console.db_path)
        folder.mkdir(parents=True, exist_ok=True)
        with busy(*self.ballot_buttons.values()):
            path = write_ballots(
                folder / name,
                options,
                [b.ranking for b in rnd.ballots],
                [b.group for b in rnd.ballots],
                fmt=fmt,
                title=session.question,
            )
        link = data_link(path.read_bytes(), name, mime, f"Download {name}", "pt-ballots-link")
        # one link per format, the newest first: a second export never hides the first one's
        self._ballot_links[fmt] = (
            f"<p>{link} <span class='pt-muted'>({len(rnd.ballots)} ballots of round"
            f" {rnd.number}, saved to <code>{esc(path)}</code>)</span></p>"
        )
        self._ballot_links.move_to_end(fmt, last=False)
        self.ballots_html.value = "".join(self._ballot_links.values())
        n = len(rnd.ballots)
        self.feedback.success(
            f"Exported the {n} ballot{'' if n == 1 else 's'} of round {rnd.number} to {path}."
        )
        return path

    @action("writing the table")
    def export_table(self, kind: str = "xlsx") -> Path | None:
        """Write the ballots or results table (``ballots-csv``, ``results-csv``) or both as a
        workbook (``xlsx``) to the export folder and offer the file; returns its path."""
        from partnership_tools.kernel.files import atomic_write_bytes
        from partnership_tools.reports.session_tables import (
            csv_text,
            session_tables,
            workbook_bytes,
        )

        if kind not in TABLE_FORMATS:
            raise UIError(f"Unknown table {kind!r}; choose ballots or results as CSV, or Excel.")
        s = self.console.require()
        session = self.console.store.load_session(s.id)
        n = sum(len(r.ballots) for r in session.rounds)
        if not n:
            raise UIError("No ballot has been cast yet, so there is nothing to download.")
        _text, stem, ext, mime = TABLE_FORMATS[kind]
        name = f"{stem}-{safe_filename(session.id)}{ext}"
        folder = export_dir(self.console.db_path)
        folder.mkdir(parents=True, exist_ok=True)
        with busy(*self.table_buttons.values()):
            tables = session_tables(session)
            if kind == "xlsx":
                data = workbook_bytes(tables)
            else:
                data = csv_text(tables.table(stem)).encode("utf-8")
            path = folder / name
            atomic_write_bytes(path, data)
        link = data_link(data, name, mime, f"Download {name}", "pt-table-link")
        rounds = len([r for r in session.rounds if r.ballots])
        self._table_links[kind] = (
            f"<p>{link} <span class='pt-muted'>({n} ballots in {rounds} round(s), saved to"
            f" <code>{esc(path)}</code>)</span></p>"
        )
        self._table_links.move_to_end(kind, last=False)
        self.tables_html.value = "".join(self._table_links.values())
        self.feedback.success(f"Wrote {name} to {path}.")
        return path

    @action("exporting the session")
    def export_session(self) -> Path | None:
        """Write the session file (atomically) to the downloads folder and offer it."""
        return self.saving.save()
