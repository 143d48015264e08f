"""Export widgets for the Voilà apps: a report of a saved file, and any chart as PNG or SVG.

Two small widget classes that any app can place on its page (``app_box.children += (w.widget,)``):

* :class:`ReportDownload`: a "Download report" button (with an HTML/PDF choice) that writes
  :func:`partnership_tools.reports.write.write_report` for a saved session or review file into the
  export folder and offers it as a download link. Its ``source`` is the file's path, or a function
  returning one (so the facilitator can first export the session from the store).
* :class:`ChartExport`: "Save chart as PNG" and "Save chart as SVG" buttons for an Altair chart
  (through :mod:`partnership_tools.charts.export`, offline with vl-convert). Its ``chart`` is a
  chart, a function returning the chart on screen (e.g. ``lambda: slot.chart`` for a
  :class:`~partnership_tools.ui.common.ChartSlot`), or None until :meth:`ChartExport.set_chart`.

Files go to :func:`export_dir` (``$PT_DOWNLOADS_DIR``, else ``downloads/`` beside the store, as
the facilitator's session export does) and are offered as ``data:`` links, so no server route is
needed. Failures show one plain sentence in the widget's own message area (or the app's
:class:`~partnership_tools.ui.common.Feedback` when one is passed), never a traceback.

>>> import tempfile
>>> d = ReportDownload(None, out_dir=tempfile.mkdtemp())
>>> d.make() is None, d.feedback.last
(True, 'There is no saved file to report on yet.')
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
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
    safe_filename,
)

log = logging.getLogger("partnership_tools.ui")

__all__ = ["ChartExport", "ReportDownload", "export_dir"]

MIME = {
    "html": "text/html",
    "pdf": "application/pdf",
    "png": "image/png",
    "svg": "image/svg+xml",
}


def export_dir(db_path: str | os.PathLike[str] | None = None) -> Path:
    """Where exported files go: ``$PT_DOWNLOADS_DIR``, else ``downloads/`` beside the store
    (``db_path``, default the store named by ``$PARTNERSHIP_TOOLS_DB``)."""
    from partnership_tools.kernel.exports import export_dir as folder_for

    if db_path is None:
        from partnership_tools.store import default_target

        db_path = default_target()
    return folder_for(db_path)


def stamped_path(kind: str, name: str, db_path: str | os.PathLike[str] | None = None) -> Path:
    """``<export folder>/<kind>-<name>-<UTC time>.json``: a new file name for each save.

    The time has second precision; a second save within the same second gets ``-2``, ``-3``, …
    after the time rather than overwriting the first.

    >>> stamped_path("session", "a/b", "/tmp/x.sqlite").name.startswith("session-a-b-")
    True
    """
    from partnership_tools.kernel.clock import utc_now

    stamp = utc_now().replace(":", "").replace("-", "")
    folder = export_dir(db_path)
    stem = f"{kind}-{safe_filename(name, kind)}-{stamp}"
    path, n = folder / f"{stem}.json", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.json"
    return path


def _resolve(value: Any) -> Any:
    return value() if callable(value) and not hasattr(value, "to_dict") else value


class ReportDownload:
    """A "Download report" button for a saved session or review file.

    ``source``: the file (a path) or a function returning it; ``out_dir``: where the report is
    written (default :func:`export_dir`); ``formats``: the formats offered (``html`` and/or
    ``pdf``); ``feedback``: the app's message area (default: this widget's own).

    ``widget`` is the box to place on the page; ``last_path`` the latest report written;
    ``link`` the HTML widget holding its download link.
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | Callable[[], Any] | None = None,
        out_dir: str | os.PathLike[str] | None = None,
        formats: tuple[str, ...] = ("html", "pdf"),
        feedback: Feedback | None = None,
        label: str = "Download report",
    ) -> None:
        self.source = source
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.own_feedback = feedback is None
        self.feedback = feedback or Feedback()
        self.last_path: Path | None = None
        self.format = widgets.ToggleButtons(
            options=[(f.upper(), f) for f in formats],
            value=formats[0],
            tooltips=[f"Write the report as {f.upper()}" for f in formats],
            style={"button_width": "5em"},
        )
        self.format.add_class("pt-report-format")
        self.button = button(label, "pt-report-download", "primary", "file-text")
        self.button.on_click(lambda _b: self.make())
        self.link = html_widget("", "pt-report-link")
        self.link.add_class("pt-export-links")
        row = widgets.HBox([self.button, self.format] if len(formats) > 1 else [self.button])
        row.add_class("pt-export-row")
        children: list[widgets.Widget] = [row, self.link]
        if self.own_feedback:
            children.append(self.feedback.message)
        self.widget = widgets.VBox(children)
        self.widget.add_class("pt-report-download-box")

    def set_source(self, source: Any) -> None:
        """Report on another file from now on (clears the previous link)."""
        self.source = source
        self.link.value = ""
        self.last_path = None

    @action("writing the report")
    def make(self, fmt: str | None = None) -> Path | None:
        """Write the report and show its download link; returns its path (None when it failed)."""
        from partnership_tools.reports.write import write_report

        source = _resolve(self.source)
        if not source:
            raise UIError("There is no saved file to report on yet.")
        src = Path(source)
        fmt = (fmt or self.format.value or "html").lower()
        name = f"report-{safe_filename(src.stem, 'report')}.{fmt}"
        out = (self.out_dir or export_dir()) / name
        self.feedback.info(f"Writing the report of {src.name}…")
        with busy(self.button, self.format):
            write_report(src, out, fmt)
        data = out.read_bytes()
        link = data_link(data, name, MIME[fmt], f"Download {name}", "pt-report-file")
        self.link.value = f"<p>{link} <span class='pt-muted'>(saved to {esc(out)})</span></p>"
        self.last_path = out
        self.feedback.success(f"Wrote the report {name}.")
        return out


class ChartExport:
    """ "Save chart as PNG" and "Save chart as SVG" buttons for one Altair chart.

    ``chart``: the chart, or a function returning the chart to save (e.g. ``lambda:
    slot.chart``); ``name``: the file name stem; ``out_dir`` and ``feedback`` as for
    :class:`ReportDownload`. ``widget`` is the box to place on the page; ``last_path`` the latest
    file written, ``last_bytes`` its content.
    """

    def __init__(
        self,
        chart: Any = None,
        name: str = "chart",
        out_dir: str | os.PathLike[str] | None = None,
        feedback: Feedback | None = None,
        formats: tuple[str, ...] = ("png", "svg"),
    ) -> None:
        self.chart = chart
        self.name = name
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.own_feedback = feedback is None
        self.feedback = feedback or Feedback()
        self.last_path: Path | None = None
        self.last_bytes: bytes | None = None
        self.buttons: dict[str, widgets.Button] = {}
        for fmt in formats:
            b = button(f"Save chart as {fmt.upper()}", f"pt-chart-{fmt}", "", "image")
            b.on_click(lambda _b, f=fmt: self.save(f))
            self.buttons[fmt] = b
        self.link = html_widget("", "pt-chart-link")
        self.link.add_class("pt-export-links")
        row = widgets.HBox(list(self.buttons.values()))
        row.add_class("pt-export-row")
        children: list[widgets.Widget] = [row, self.link]
        if self.own_feedback:
            children.append(self.feedback.message)
        self.widget = widgets.VBox(children)
        self.widget.add_class("pt-chart-export")

    def set_chart(self, chart: Any, name: str | None = None) -> None:
        """Save this chart from now on (clears the previous link)."""
        self.chart = chart
        if name:
            self.name = name
        self.link.value = ""

    @action("saving the chart")
    def save(self, fmt: str = "png") -> Path | None:
        """Write the chart as ``png`` or ``svg`` and show its download link."""
        from partnership_tools.charts.export import chart_bytes

        chart = _resolve(self.chart)
        if chart is None:
            raise UIError("There is no chart to save yet.")
        fmt = fmt.lower()
        if fmt not in ("png", "svg"):
            raise UIError(f"Charts can be saved as PNG or SVG, not {fmt!r}.")
        name = f"{safe_filename(self.name, 'chart')}.{fmt}"
        out = (self.out_dir or export_dir()) / name
        with busy(*self.buttons.values()):
            data = chart_bytes(chart, fmt)
            from partnership_tools.kernel.files import atomic_write_bytes

            atomic_write_bytes(out, data)
        self.last_path, self.last_bytes = out, data
        link = data_link(data, name, MIME[fmt], f"Download {name}", f"pt-chart-file-{fmt}")
        self.link.value = f"<p>{link} <span class='pt-muted'>(saved to {esc(out)})</span></p>"
        self.feedback.success(f"Saved the chart as {name}.")
        return out
