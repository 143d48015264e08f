"""The Export tab alone: the session file, byte for byte, and a report of it."""

from __future__ import annotations

import base64
import re

import pytest

from partnership_tools.ui.facilitator.export_panel import ExportPanel
from partnership_tools.vote.sessionfile import write_session

from .conftest import closed_round, make_session, unlock


class _NoRefresh:
    def refresh(self, _s):
        return None


@pytest.fixture
def panel(console):
    return ExportPanel(console)


def test_export_writes_the_same_bytes_as_write_session(panel, console, store, tmp_path):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B", "C"], ["ABC", "CA"])
    unlock(console, s.id, _NoRefresh())
    path = panel.export_session()
    assert path.parent == tmp_path / "downloads"
    assert re.fullmatch(rf"session-{s.id}-\d{{8}}T\d{{6}}(\.\d+)?Z?\.json", path.name), path.name
    reference = write_session(store.load_session(s.id), tmp_path / "reference.json")
    assert path.read_bytes() == reference.read_bytes()
    assert panel.feedback.last == f"Exported the session to {path}."
    # The page offers the same bytes as a download.
    link = panel.export_html.value
    assert f"<code>{path}</code>" in link and "pt-export-link" in link
    b64 = re.search(r"base64,([A-Za-z0-9+/=]+)", link).group(1)
    assert base64.b64decode(b64) == reference.read_bytes()


def test_report_exports_first_then_reuses_that_file(panel, console, store, tmp_path):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B"], ["AB"])
    unlock(console, s.id, _NoRefresh())
    downloads = tmp_path / "downloads"
    report = panel.report.make()
    (exported,) = downloads.glob(f"session-{s.id}-*.json")
    assert report == downloads / f"report-{exported.stem}.html"
    assert panel.export_html.value.count("pt-export-link") == 1
    # A second report is of the same export: no new session file.
    panel.report.make()
    assert list(downloads.glob(f"session-{s.id}-*.json")) == [exported]


def test_reset_forgets_the_export(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, _NoRefresh())
    panel.export_session()
    assert panel.saving.last_path is not None
    panel.reset()
    assert panel.export_html.value == "" and panel.saving.last_path is None


def test_report_needs_an_opened_session(panel):
    assert panel.report.make() is None
    assert panel.feedback.last == "Open a session with its facilitator key first."


# -- the latest round's ballots for other voting tools ------------------------------------------
ROUND_2 = [("C", "A"), ("A", "C", "B"), ("C", "A"), ("B",)]
GROUPS_2 = ["Council", None, "Health", "Council"]


def _two_rounds(store):
    from partnership_tools.vote.model import Ballot

    s = make_session(store, labels=("Joint committee", "Pooled budget, shared", "Hub"))
    closed_round(store, s.id, ["A", "B", "C"], ["ABC"])
    rnd = store.open_round(s.id, ["A", "B", "C"])
    for ranking, group in zip(ROUND_2, GROUPS_2, strict=True):
        store.add_ballot(s.id, rnd.number, Ballot(ranking=ranking, group=group))
    store.close_round(s.id, rnd.number)
    return s


@pytest.mark.parametrize("fmt", ["csv", "soi", "blt"])
def test_ballot_exports_read_back_to_the_same_ballots(panel, console, store, tmp_path, fmt):
    from partnership_tools.vote.reading import read_ballots

    s = _two_rounds(store)
    unlock(console, s.id, _NoRefresh())
    panel.ballot_buttons[fmt].click()
    path = tmp_path / "downloads" / f"ballots-{s.id}-round2.{fmt}"
    assert path.is_file(), panel.feedback.last
    assert panel.feedback.last == f"Exported the 4 ballots of round 2 to {path}."
    link = panel.ballots_html.value
    b64 = re.search(r"base64,([A-Za-z0-9+/=]+)", link).group(1)
    assert base64.b64decode(b64) == path.read_bytes()
    if fmt == "csv":
        back = read_ballots(path, options=["A", "B", "C"])
        assert back.rankings == ROUND_2 and back.groups == GROUPS_2
    else:  # PrefLib and BLT number the options and name them by label; no groups
        back = read_ballots(path)
        ids = {o.id: o.label for o in back.options}
        labelled = sorted(tuple(ids[o] for o in r) for r in back.rankings)
        labels = {"A": "Joint committee", "B": "Pooled budget, shared", "C": "Hub"}
        assert labelled == sorted(tuple(labels[o] for o in r) for r in ROUND_2)


def test_ballot_export_needs_a_round(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, _NoRefresh())
    assert panel.export_ballots("csv") is None
    assert panel.feedback.last == "There is no round yet, so no ballots to export."
