"""The Save tab: the review file (written atomically to the downloads folder, with its figures
and their digest so a replay can check it) and a "Download report" of it.

The saving, the download link and the report are the apps' one flow,
:class:`~partnership_tools.ui.saving.SaveFlow`; this panel gives it the review as shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from partnership_tools.ui.common import Feedback, action, button, html_widget
from partnership_tools.ui.review.data import SAMPLE_ID, SAMPLE_TITLE
from partnership_tools.ui.review.state import ReviewState
from partnership_tools.ui.saving import SaveFlow, Snapshot


class SavePanel:
    """The "Save the review file" button, ``result`` (where it went, and a download link) and
    ``report`` (:class:`~partnership_tools.ui.export.ReportDownload` of the latest saved file,
    saving one first when there is none). ``review`` gives the review as shown."""

    def __init__(
        self, state: ReviewState, feedback: Feedback, review: Callable[[], Any], out_dir: Path
    ) -> None:
        self.state = state
        self.feedback = feedback
        self._review = review
        self.button = button("Save the review file", "pt-save-file", "primary", "download")
        self.button.on_click(lambda _b: self.save_file())
        self.flow = SaveFlow(
            self.snapshot,
            db_path=state.db_path,
            feedback=feedback,
            out_dir=out_dir,
            saved_message="Saved the review file {name}.",
            result_class="pt-save-result",
            link_class="pt-save-link",
            busy_controls=(self.button,),
        )
        self.result = self.flow.result
        self.report = self.flow.report
        self.pane = widgets.VBox(
            [
                html_widget(
                    "<h2>Save the review file</h2><p class='pt-muted'>One JSON file with the"
                    " instrument, the responses, the settings, the action plan and the figures,"
                    " so the review can be checked and scored again later.</p>"
                ),
                self.button,
                self.result,
                html_widget(
                    "<h3>Report</h3><p class='pt-muted'>One self-contained page of the saved"
                    " review file's results, checked against the figures it recorded (the"
                    " review file is saved first when it has not been yet).</p>"
                ),
                self.report.widget,
            ]
        )

    @property
    def saved(self) -> Path | None:
        """The latest review file saved from this page (None before)."""
        return self.flow.last_path

    def snapshot(self) -> Snapshot:
        """The review as shown, with its figures when it has responses and the time it is
        saved (``saved_at``), as a review file. The sample keeps its own id and title, so its
        responses are never saved under a user's review id."""
        import dataclasses

        from partnership_tools.kernel.clock import utc_now
        from partnership_tools.review.reviewfile import review_to_json

        review = self._review()
        if self.state.is_sample:
            review = dataclasses.replace(review, id=SAMPLE_ID, title=SAMPLE_TITLE)
        if self.state.responses is not None and self.state.responses.n:
            review = review.with_result()
        review = dataclasses.replace(review, saved_at=utc_now())
        return Snapshot("review", review.id, review_to_json(review))

    def forget(self) -> None:
        """Other responses are shown: the next report saves a new file."""
        self.flow.reset()

    @action("saving the review file")
    def save_file(self) -> Path | None:
        """Write the review file (with its figures) to the downloads folder, atomically."""
        return self.flow.save()
