"""The apps' one save / export / report flow."""

from __future__ import annotations

import base64
import re

import pytest

from partnership_tools.ui.common import Feedback, UIError, button
from partnership_tools.ui.saving import SaveFlow, Snapshot


@pytest.fixture
def downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    return tmp_path / "downloads"


def flow_of(text='{"a": 1}\n', **kw):
    snap = Snapshot("session", "s/1", text)
    return SaveFlow(lambda: snap, db_path=None, feedback=Feedback(), **kw)


def test_save_writes_offers_and_says_so(downloads):
    flow = flow_of("é\n", saved_message="Saved {name} to {path}.")
    path = flow.save()
    assert path.parent == downloads and path.name.startswith("session-s-1-")
    assert path.read_bytes() == b"\xc3\xa9\n"
    assert flow.last_path == path
    assert flow.feedback.last == f"Saved {path.name} to {path}."
    b64 = re.search(r"base64,([A-Za-z0-9+/=]+)", flow.result.value).group(1)
    assert base64.b64decode(b64) == b"\xc3\xa9\n"
    assert "pt-export-link" in flow.result.value
    assert "pt-export-result" in flow.result._dom_classes


def test_css_classes_are_the_callers(downloads):
    flow = flow_of(result_class="pt-save-result", link_class="pt-save-link")
    flow.save()
    assert "pt-save-result" in flow.result._dom_classes
    assert "pt-save-link" in flow.result.value and "pt-export-link" not in flow.result.value


def test_report_of_the_latest_save(downloads):
    flow = flow_of()
    first = flow.report_source()  # nothing saved yet: saves one, shown on the page
    assert flow.last_path == first and flow.result.value
    assert flow.report_source() == first
    flow.report.link.value = "<a>old report</a>"
    second = flow.save()
    assert flow.report.link.value == ""  # that report was of an older file
    assert flow.report_source() == second
    second.unlink()
    third = flow.report_source()  # the saved file went away: save again
    assert third.exists() and flow.last_path == third


def test_report_of_a_fresh_save_each_time(downloads):
    flow = flow_of(report_from="fresh")
    path = flow.report_source()
    assert path.exists() and path.parent == downloads
    assert flow.last_path is None and flow.result.value == ""  # quiet: nothing shown
    assert flow.feedback.last == ""


def test_report_make_goes_through_the_flow(downloads):
    flow = flow_of(text='{"kind": "not a session"}\n')
    flow.report.make()
    (saved,) = downloads.glob("session-*.json")
    assert flow.last_path == saved  # the report step saved first


def test_a_refused_snapshot_is_one_sentence_in_the_report(downloads):
    def refuse():
        raise UIError("Open a session with its facilitator key first.")

    flow = SaveFlow(refuse, db_path=None, feedback=Feedback())
    assert flow.report.make() is None
    assert flow.feedback.last == "Open a session with its facilitator key first."
    assert not downloads.exists() or list(downloads.iterdir()) == []


def test_busy_controls_are_disabled_while_writing(downloads, monkeypatch):
    b = button("Save", "pt-x")
    seen = []
    import partnership_tools.kernel.files as files

    real = files.atomic_write_text

    def spy(path, text):
        seen.append(b.disabled)
        real(path, text)

    monkeypatch.setattr(files, "atomic_write_text", spy)
    flow = flow_of(busy_controls=(b,))
    flow.save()
    assert seen == [True] and b.disabled is False


def test_reset_and_bad_report_from(downloads):
    flow = flow_of()
    flow.save()
    flow.reset()
    assert flow.last_path is None and flow.result.value == ""
    with pytest.raises(ValueError, match="latest"):
        flow_of(report_from="sometimes")
