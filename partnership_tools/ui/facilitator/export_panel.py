"""The Export tab: the session file (everything needed to recount, with its results and their
digest) and a report of it, through the apps' one :class:`~partnership_tools.ui.saving.SaveFlow`.

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

from partnership_tools.ui.common import action, button, html_widget
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.ui.saving import SaveFlow, Snapshot

__all__ = ["ExportPanel"]


class ExportPanel:
    """Export the session file and report on it. ``pane`` is the tab's box; ``saving`` the
    flow (``saving.report`` is the "Download report" widget, ``saving.result`` the link)."""

    WIDGETS = ("export_button", "export_html", "report")

    def __init__(self, console: Console) -> None:
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

    @action("exporting the session")
    def export_session(self) -> Path | None:
        """Write the session file (atomically) to the downloads folder and offer it."""
        return self.saving.save()
