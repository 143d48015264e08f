"""The export widgets the apps share: "Download report" and "Save chart as PNG / SVG"."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from partnership_tools.ui.common import ChartSlot, Feedback
from partnership_tools.ui.export import ChartExport, ReportDownload, export_dir

ROOT = Path(__file__).resolve().parents[2]
VOTE = ROOT / "sample_data" / "county_joint_working.json"
REVIEW = ROOT / "sample_data" / "review" / "ten_lessons_review.json"


def link_bytes(html: str) -> tuple[str, str, bytes]:
    """The file name, MIME type and content of the ``data:`` download link in ``html``."""
    m = re.search(r'download="([^"]+)" href="data:([^;]+);base64,([^"]+)"', html)
    assert m, html
    return m.group(1), m.group(2), base64.b64decode(m.group(3))


@pytest.fixture
def chart() -> alt.Chart:
    data = pd.DataFrame({"option": ["<b>A</b>", "B"], "points": [3, 5]})
    return alt.Chart(data).mark_bar().encode(x="points:Q", y="option:N")


def test_export_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "out"))
    assert export_dir() == tmp_path / "out"
    monkeypatch.delenv("PT_DOWNLOADS_DIR")
    assert export_dir(tmp_path / "s.sqlite") == tmp_path / "downloads"
    monkeypatch.setenv("PARTNERSHIP_TOOLS_DB", str(tmp_path / "db" / "store.sqlite"))
    assert export_dir() == tmp_path / "db" / "downloads"


def test_report_download_html(tmp_path):
    d = ReportDownload(VOTE, out_dir=tmp_path)
    assert [v for _, v in d.format.options] == ["html", "pdf"]
    d.button.click()
    out = tmp_path / "report-county_joint_working.html"
    assert d.last_path == out and out.exists()
    name, mime, data = link_bytes(d.link.value)
    assert (name, mime) == ("report-county_joint_working.html", "text/html")
    assert data == out.read_bytes() and data.startswith(b"<!DOCTYPE html>")
    assert d.feedback.kind == "success" and d.feedback.message in d.widget.children
    assert not d.button.disabled  # enabled again after the work


def test_report_download_pdf_of_a_review(tmp_path):
    d = ReportDownload(lambda: REVIEW, out_dir=tmp_path, formats=("pdf",))
    assert d.make() == tmp_path / "report-ten_lessons_review.pdf"
    name, mime, data = link_bytes(d.link.value)
    assert mime == "application/pdf" and data[:5] == b"%PDF-"


def test_report_download_errors_are_one_sentence(tmp_path):
    shared = Feedback()
    d = ReportDownload(None, out_dir=tmp_path, feedback=shared)
    assert shared.message not in d.widget.children  # the app shows its own message area
    assert d.make() is None and shared.kind == "error"
    assert shared.last == "There is no saved file to report on yet."
    bad = tmp_path / "x.json"
    bad.write_text("{}")
    d.set_source(bad)
    assert d.make() is None
    assert "neither a saved vote nor a saved review" in shared.last
    assert not list(tmp_path.glob("report-*"))


def test_chart_export_png_and_svg(tmp_path, chart):
    e = ChartExport(chart, name="round 1 <points>", out_dir=tmp_path)
    e.buttons["png"].click()
    png = e.last_path
    assert png == tmp_path / "round-1-points.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    name, mime, data = link_bytes(e.link.value)
    assert (name, mime, data) == ("round-1-points.png", "image/png", png.read_bytes())
    e.buttons["svg"].click()
    svg = e.last_path.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "&lt;b&gt;A&lt;/b&gt;" in svg and "<b>A</b>" not in svg
    assert e.feedback.kind == "success"


def test_chart_export_follows_a_chart_slot(tmp_path, chart):
    slot = ChartSlot()
    e = ChartExport(lambda: slot.chart, out_dir=tmp_path)
    assert e.save("png") is None and e.feedback.last == "There is no chart to save yet."
    slot.chart = chart  # what ChartSlot.set records (no widget needed here)
    assert e.save("svg") == tmp_path / "chart.svg"
    assert e.save("gif") is None and "PNG or SVG" in e.feedback.last
    e.set_chart(None, name="other")
    assert e.name == "other" and e.link.value == ""


def test_stamped_path_never_reuses_a_name(tmp_path, monkeypatch):
    from partnership_tools.ui.export import stamped_path

    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path))
    monkeypatch.setattr("partnership_tools.kernel.clock.utc_now", lambda: "2026-01-02T03:04:05Z")
    first = stamped_path("session", "s 1")
    assert first == tmp_path / "session-s-1-20260102T030405Z.json"
    first.write_text("{}")
    second = stamped_path("session", "s 1")
    assert second == tmp_path / "session-s-1-20260102T030405Z-2.json"
    second.write_text("{}")
    assert stamped_path("session", "s 1").name == "session-s-1-20260102T030405Z-3.json"
