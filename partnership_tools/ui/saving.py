"""The one save / export / report flow of the apps: save the file with its digest, offer it, report on it.

Every app that records something ends the same way:

1. **save**: write the saved file (a session or review file: canonical JSON carrying its results
   and their digest, so a replay can check it) atomically to
   :func:`~partnership_tools.ui.export.stamped_path` (``<export folder>/<kind>-<id>-<UTC
   time>.json``, the export folder rule of :func:`~partnership_tools.ui.export.export_dir`);
2. **export**: show where it went and offer it as a ``data:`` download link;
3. **report**: a :class:`~partnership_tools.ui.export.ReportDownload` reports on that file: the
   latest file saved from this page (``report_from="latest"``, saving one first when there is
   none) or a new one saved quietly each time (``report_from="fresh"``, for a page that follows
   a changing session and shows no export link, like the projector).

:class:`SaveFlow` is that flow. The app gives it a function returning a :class:`Snapshot` (what
to write) and places ``flow.result`` (the "saved to" text and link) and ``flow.report.widget``
on its page; its own button calls its own ``@action`` method, which calls :meth:`SaveFlow.save`
(errors are then one sentence in the app's feedback). For example, the facilitator::

    self.saving = SaveFlow(self._snapshot, db_path=self.db_path, feedback=self.feedback,
                           saved_message="Exported the session to {path}.")
    self.saving.busy_controls = (self.export_button,)

and a review app: ``SaveFlow(lambda: Snapshot("review", review.id, review_to_json(review)),
..., result_class="pt-save-result", link_class="pt-save-link", saved_message="Saved the
review file {name}.")``.

>>> import tempfile
>>> from partnership_tools.ui.common import Feedback
>>> d = tempfile.mkdtemp()
>>> flow = SaveFlow(lambda: Snapshot("session", "s1", "{}\\n"), db_path=d + "/s.sqlite",
...                 out_dir=d, feedback=Feedback())
>>> path = flow.save()
>>> path.name.startswith("session-s1-"), path.read_text(), flow.report_source() == path
(True, '{}\\n', True)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets

from partnership_tools.ui.common import Feedback, busy, data_link, esc, html_widget
from partnership_tools.ui.export import ReportDownload, export_dir, stamped_path

__all__ = ["SaveFlow", "Snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """What to save: ``kind`` (``session`` or ``review``, the file name's prefix), ``ident``
    (the session's or review's id, in the file name) and ``text`` (the file's exact content,
    e.g. :func:`~partnership_tools.vote.sessionfile.session_to_json`)."""

    kind: str
    ident: str
    text: str


class SaveFlow:
    """Save a :class:`Snapshot` to the export folder, offer it, and report on it.

    ``snapshot``: returns what to save (may raise :class:`~partnership_tools.ui.common.UIError`,
    e.g. "open a session first"); ``db_path``: the store, for the export folder rule;
    ``feedback``: the app's message area; ``out_dir``: the report's folder (default the export
    folder); ``formats``: the report formats offered; ``report_from``: ``"latest"`` or
    ``"fresh"`` (see the module); ``saved_message``: the success sentence, formatted with
    ``path`` and ``name``; ``result_class`` / ``link_class``: CSS classes of the "saved to" text
    and of its download link; ``busy_controls``: widgets disabled while the file is written.

    Attributes: ``result`` (HTML widget: "Saved to …" and the link), ``report``
    (:class:`~partnership_tools.ui.export.ReportDownload`), ``last_path`` (the latest file saved
    with :meth:`save`, None before).
    """

    def __init__(
        self,
        snapshot: Callable[[], Snapshot],
        *,
        db_path: str | os.PathLike[str] | None,
        feedback: Feedback,
        out_dir: str | os.PathLike[str] | None = None,
        formats: tuple[str, ...] = ("html", "pdf"),
        report_from: str = "latest",
        saved_message: str = "Saved {name}.",
        result_class: str = "pt-export-result",
        link_class: str = "pt-export-link",
        busy_controls: Sequence[widgets.Widget] = (),
    ) -> None:
        if report_from not in ("latest", "fresh"):
            raise ValueError(f"report_from is 'latest' or 'fresh', not {report_from!r}")
        self.snapshot = snapshot
        self.db_path = db_path
        self.feedback = feedback
        self.report_from = report_from
        self.saved_message = saved_message
        self.link_class = link_class
        self.busy_controls: Sequence[widgets.Widget] = tuple(busy_controls)
        self.last_path: Path | None = None
        self.result = html_widget("", result_class)
        self.report = ReportDownload(
            self.report_source,
            out_dir=out_dir if out_dir is not None else export_dir(db_path),
            formats=formats,
            feedback=feedback,
        )

    def write(self) -> tuple[Path, Snapshot]:
        """Step 1 only: write the snapshot to a new stamped file; returns it and the snapshot."""
        from partnership_tools.kernel.files import atomic_write_text

        snap = self.snapshot()
        path = stamped_path(snap.kind, snap.ident, self.db_path)
        with busy(*self.busy_controls):
            atomic_write_text(path, snap.text)
        return path, snap

    def save(self) -> Path:
        """Steps 1 and 2: write the file, show where it went with its download link, say so.

        An earlier report's link is cleared (it reports on an older file)."""
        path, snap = self.write()
        name = path.name
        link = data_link(
            snap.text.encode("utf-8"),
            name,
            "application/json",
            f"Download {name}",
            self.link_class,
        )
        self.result.value = f"<p>Saved to <code>{esc(path)}</code>.</p><p>{link}</p>"
        self.last_path = path
        self.report.link.value = ""
        self.feedback.success(self.saved_message.format(path=path, name=name))
        return path

    def report_source(self) -> Path:
        """The file the report is about (step 3's input), saving one when needed."""
        if self.report_from == "fresh":
            return self.write()[0]
        if self.last_path is None or not self.last_path.exists():
            self.save()
        assert self.last_path is not None
        return self.last_path

    def reset(self) -> None:
        """Forget the saved file and clear the page (another session or review was opened)."""
        self.result.value = ""
        self.last_path = None
        self.report.set_source(self.report_source)
