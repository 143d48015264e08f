"""The projector app, in process: it follows a session through its phases (waiting, open round
with join address, QR code and live count, results with charts, change between rounds)."""

from __future__ import annotations

import pytest

from partnership_tools.store import Store
from partnership_tools.ui.projector import ProjectorApp
from partnership_tools.vote.model import Ballot, Option

SCRIPT = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


def vote(store, sid, number, rankings, groups=None):
    for i, r in enumerate(rankings):
        g = groups[i] if groups else None
        store.add_ballot(sid, number, Ballot(tuple(r), group=g))


def make_session(store, labels=("Alpha", "Beta", "Gamma"), groups=()):
    s = store.create_session("Where should the hub go?", threshold=0.6, groups=groups)
    store.add_options(s.id, [Option(chr(ord("A") + i), label) for i, label in enumerate(labels)])
    return s


def test_pick_when_no_session(store):
    make_session(store)
    app = ProjectorApp(store=store, poll_interval=None)
    assert app.phase == "pick"
    assert len(app.pick_select.options) == 1
    app.pick_button.click()
    assert app.phase == "waiting"
    assert "round 1" in app.waiting_html.value


def test_unknown_session(store):
    app = ProjectorApp(store=store, session_id="nope", poll_interval=None)
    assert app.phase == "pick"
    assert app.feedback.kind == "error" and "nope" in app.feedback.last


def test_follows_a_round_from_open_to_results(store):
    s = make_session(store)
    app = ProjectorApp(
        store=store, session_id=s.id, poll_interval=None, base_url="http://10.0.0.5:8866"
    )
    assert app.phase == "waiting"
    store.open_round(s.id, ["A", "B", "C"])
    assert app.check() == "open"
    url = f"http://10.0.0.5:8866/vote/{s.id}"
    assert url in app.join_html.value
    assert "<svg" in app.qr_html.value and "pt-qr" in app.qr_html.value
    assert ">0</span>" in app.count_html.value
    vote(store, s.id, 1, [("A", "B", "C"), ("B", "A"), ("A",)])
    app.check()
    assert app.count == 3 and ">3</span>" in app.count_html.value
    store.close_round(s.id, 1)
    assert app.check() == "results"
    # By hand, n = 3, N = 3: A = 3 + 1 + 1 = 5, B = 2 + 2 = 4, C = 1; coefficient 5 / 9.
    assert "A: Alpha" in app.headline.value
    assert f">{5 / 9:.2f}<" in app.headline.value
    assert "Alpha comes top with 5 points from 3 ballots" in app.summary_html.value
    spec = app.chart_spec.to_dict()
    titles = [part.get("title") for part in spec["vconcat"]]
    assert titles == [
        "Round 1: consensus coefficient (MBC points)",
        "How each option was ranked",
        "Head to head",
    ]


def test_results_with_groups_and_change(store):
    s = make_session(store, labels=("Alpha", SCRIPT, "Gamma", "Delta"), groups=("Staff", "Public"))
    # Groups of one or two ballots are shown only when the facilitator allows groups that small.
    store.update_session(s.id, settings={"min_group_size": 1})
    store.open_round(s.id, ["A", "B", "C", "D"])
    vote(
        store,
        s.id,
        1,
        [("A", "B", "C", "D"), ("C", "D", "A"), ("D", "C")],
        ["Staff", "Public", None],
    )
    store.close_round(s.id, 1)
    store.add_options(s.id, [Option("E", "C and D together", merged_from=("C", "D"))])
    store.open_round(s.id, ["A", "B", "E"])
    vote(store, s.id, 2, [("E", "A", "B"), ("E", "B"), ("A", "E")], ["Staff", "Public", "Public"])
    store.close_round(s.id, 2)

    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None)
    assert app.phase == "results" and app.shown_round == 2
    # Round 2 by hand, n = 3, N = 3: E = 3 + 2 + 1 = 6, A = 2 + 2 = 4, B = 1 + 1 = 2.
    assert "E: C and D together" in app.headline.value
    assert f">{6 / 9:.2f}<" in app.headline.value
    spec = app.chart_spec.to_dict()
    titles = [part.get("title") for part in spec["vconcat"]]
    assert titles[-2:] == ["Support by group (consensus coefficient)", "Change since round 1"]
    datasets = [row for rows in spec["datasets"].values() for row in rows]
    # The merged option is named with its lineage; the script-named option is plain data.
    assert any(r.get("option") == "E: C and D together (from C + D)" for r in datasets)
    assert any(r.get("option") == f"B: {SCRIPT}" for r in datasets)
    for w in (app.headline, app.summary_html, app.question):
        assert SCRIPT not in w.value
    # Change for E: round 2 coefficient 6/9 against its best parent in round 1 (n = 4, N = 3):
    # ABCD, CDA, DC: C = 2 + 3 + 1 = 6, D = 1 + 2 + 2 = 5 -> best 6/12.
    change = [r for r in datasets if r.get("option_id") == "E" and r.get("stage") == "Round 2"]
    assert change and change[0]["change"] == pytest.approx(6 / 9 - 6 / 12)
    # Choosing round 1 shows it without a change chart.
    assert app.results_round.layout.display is None
    app.results_round.value = 1
    assert app.shown_round == 1
    titles = [part.get("title") for part in app.chart_spec.to_dict()["vconcat"]]
    assert "Change since round 1" not in titles and titles[0].startswith("Round 1")


def test_script_question_is_escaped(store):
    s = store.create_session(f"Q {SCRIPT}")
    store.add_options(s.id, [Option("A", SCRIPT), Option("B", "b")])
    store.open_round(s.id, ["A", "B"])
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None, charts=False)
    assert ESCAPED in app.question.value and SCRIPT not in app.question.value
    vote(store, s.id, 1, [("A", "B")])
    store.close_round(s.id, 1)
    app.check()
    assert ESCAPED in app.headline.value and SCRIPT not in app.headline.value


def test_join_path_without_base(store, monkeypatch):
    for name in ("PT_PUBLIC_URL", "VOILA_REQUEST_URL", "SERVER_NAME"):
        monkeypatch.delenv(name, raising=False)
    s = make_session(store)
    store.open_round(s.id, ["A", "B"])
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None)
    assert f"/vote/{s.id}" in app.join_html.value
    assert app.qr_html.value == ""  # no QR code for a path that a phone cannot open


def test_base_url_from_voila_request(store, monkeypatch):
    monkeypatch.delenv("PT_PUBLIC_URL", raising=False)
    monkeypatch.setenv(
        "VOILA_REQUEST_URL", "http://192.168.1.20:8866/voila/render/projector.ipynb?token=SECRET"
    )
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    s = make_session(store)
    store.open_round(s.id, ["A", "B"])
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None)
    assert f"http://192.168.1.20:8866/vote/{s.id}" in app.join_html.value
    assert "SECRET" not in app.join_html.value and "SECRET" not in app.qr_html.value


def test_polling_thread_updates_the_count(store):
    import time

    s = make_session(store)
    store.open_round(s.id, ["A", "B"])
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=0.05, charts=False)
    try:
        vote(store, s.id, 1, [("A",), ("B",)])
        deadline = time.monotonic() + 5
        while app.count != 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert app.count == 2
        store.close_round(s.id, 1)
        deadline = time.monotonic() + 5
        while app.phase != "results" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert app.phase == "results"
    finally:
        app.stop_polling()


def test_chart_export_under_the_results(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    s = make_session(store, labels=("Alpha", SCRIPT, "Gamma"))
    store.open_round(s.id, ["A", "B", "C"])
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None)
    assert app.phase == "open" and app.chart_export.widget.layout.display == "none"
    vote(store, s.id, 1, [("A", "B", "C"), ("B", "A")])
    store.close_round(s.id, 1)
    assert app.check() == "results"
    export = app.chart_export
    assert export.widget in app.results_view.children
    assert export.widget.layout.display is None
    assert export.feedback is app.feedback  # no second message area on the big screen
    export.buttons["svg"].click()
    svg = tmp_path / "downloads" / f"{s.id}-round-1.svg"
    assert export.last_path == svg and svg.read_bytes().lstrip().startswith(b"<svg")
    assert SCRIPT not in svg.read_text(encoding="utf-8")
    png = export.save("png")
    assert png == svg.with_suffix(".png")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert app.feedback.kind == "success"


def test_build_chart_needs_no_projector(store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B", "C"])
    vote(store, s.id, 1, [("A", "B", "C"), ("C", "B")])
    store.close_round(s.id, 1)
    from partnership_tools.vote.tally import tally_round

    session = store.load_session(s.id)
    chart = ProjectorApp.build_chart(None, session, 1, tally_round(session, 1))
    titles = [part.get("title") for part in chart.to_dict()["vconcat"]]
    assert titles[0] == "Round 1: consensus coefficient (MBC points)"


def test_projector_report_button_saves_and_reports(tmp_path, monkeypatch):
    """The projector's report button saves the session (with its digest) and writes a report
    that verifies; the question is escaped in it."""
    from partnership_tools.reports.replay import replay_file
    from partnership_tools.store import Store
    from partnership_tools.ui.projector import ProjectorApp
    from partnership_tools.vote.model import Ballot, Option

    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    store = Store(tmp_path / "s.sqlite")
    s = store.create_session("Which <b>hub</b>?", threshold=0.5)
    store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta")])
    store.open_round(s.id, ["A", "B"])
    store.add_ballot(s.id, 1, Ballot(("B", "A")))
    store.close_round(s.id, 1)
    app = ProjectorApp(store=store, session_id=s.id)
    out = app.report.make("html")
    assert out is not None and out.exists()
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "Which &lt;b&gt;hub&lt;/b&gt;?" in text and "<b>hub</b>" not in text
    saved = sorted((tmp_path / "downloads").glob("session-*.json"))
    assert len(saved) == 1 and replay_file(saved[0]).verdict.ok


def test_projector_report_saves_the_session_as_it_stands_each_time(store, tmp_path, monkeypatch):
    """The screen follows a changing session: every report saves it afresh (never an older file)."""
    from partnership_tools.vote.sessionfile import read_session

    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    s = make_session(store)
    store.open_round(s.id, ["A", "B"])
    vote(store, s.id, 1, [("A", "B")])
    store.close_round(s.id, 1)
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None, charts=False)
    first = app.report.make("html")
    store.open_round(s.id, ["A", "B"])
    vote(store, s.id, 2, [("B", "A"), ("B",)])
    store.close_round(s.id, 2)
    assert app.check() == "results" and app.shown_round == 2
    second = app.report.make("html")
    assert first is not None and second is not None and first != second
    saved = list((tmp_path / "downloads").glob(f"session-{s.id}-*.json"))
    assert len(saved) == 2

    def source(report):  # report-<session file stem>.html
        return tmp_path / "downloads" / (report.stem.removeprefix("report-") + ".json")

    assert len(read_session(source(first)).rounds) == 1
    assert len(read_session(source(second)).rounds) == 2
    assert app.saving.result.value == ""  # the big screen shows no export link


# -- what the room sees while a round is open -------------------------------------------------------
def test_open_round_lists_options_code_and_turnout(store):
    s = make_session(store, labels=("Alpha", SCRIPT, "Gamma"))
    store.open_round(s.id, ["A", "B", "C"])
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None, charts=False)
    assert app.phase == "open"
    opts = app.options_html.value
    # ids and labels, in ballot-paper order, labels escaped
    assert (
        opts.index(">A</span> Alpha")
        < opts.index(f">B</span> {ESCAPED}")
        < opts.index(">C</span> Gamma")
    )
    assert SCRIPT not in opts
    assert "No code needed" in app.code_html.value
    assert "From phones and computers: 0 · on paper: 0" in app.turnout_html.value
    assert "Codes used" not in app.turnout_html.value  # no codes issued
    store.add_ballot(s.id, 1, Ballot(("A",)))
    store.add_ballot(s.id, 1, Ballot(("B", "A"), source="paper"))
    store.add_ballot(s.id, 1, Ballot(("C",), source="paper"))
    app.check()  # same round open: only the cheap turnout query runs
    assert app.count == 3 and ">3</span>" in app.count_html.value
    assert "From phones and computers: 1 · on paper: 2" in app.turnout_html.value
    assert app.changes_html.value == ""  # round 1: nothing to compare with


def test_codes_used_of_codes_issued(store):
    s = make_session(store)
    codes = store.issue_codes(s.id, 3, seed=7)
    store.open_round(s.id, ["A", "B"])
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None, charts=False)
    assert "You need the voting code on your card to vote" in app.code_html.value
    assert "Codes used: 0 of 3 issued" in app.turnout_html.value
    h = store.code_hash(s.id, codes[1])
    store.add_ballot(s.id, 1, Ballot(("A",), participant_hash=h))
    store.add_ballot(s.id, 1, Ballot(("B",), participant_hash=h))  # the same code votes again
    app.check()
    assert app.count == 1 and "Codes used: 1 of 3 issued" in app.turnout_html.value


def test_round_two_says_what_changed(store):
    s = make_session(store, labels=("Alpha", "Beta", "Gamma", "Delta", "Echo"))
    store.open_round(s.id, ["A", "B", "C", "D", "E"])
    store.close_round(s.id, 1)
    store.add_options(
        s.id,
        [
            Option("F", "Beta and Delta", merged_from=("B", "D")),
            Option("G", "Echo, reworded", amended_from="E"),
        ],
    )
    store.open_round(s.id, ["A", "C", "F", "G"])
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None, charts=False)
    html = app.changes_html.value
    assert "Since round 1" in html
    assert "F “Beta and Delta” is new: merged from B “Beta” and D “Delta”." in html
    assert "G “Echo, reworded” amends E “Echo”." in html
    assert "no longer on the ballot" not in html  # B, D and E all went into F and G
    assert ">F</span> Beta and Delta" in app.options_html.value
    assert ">B</span>" not in app.options_html.value


def test_small_group_is_hidden_on_the_projector(store):
    s = make_session(store, groups=("Staff", "Police"))
    store.open_round(s.id, ["A", "B", "C"])
    vote(store, s.id, 1, [("A", "B", "C")] * 6 + [("C", "B", "A")], ["Staff"] * 6 + ["Police"])
    store.close_round(s.id, 1)
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None)
    # Police (1) is hidden; Staff = all 7 minus Police's one, so Staff is hidden too.
    note = app.group_note_html.value
    assert "Police is not shown: fewer than 5 ballots" in note
    assert "Staff is not shown either" in note
    spec = app.chart_spec.to_dict()
    titles = [part.get("title") for part in spec["vconcat"]]
    assert "Support by group (consensus coefficient)" not in titles
    # Police's one ballot, C>B>A, gives A 1 of 3 = 0.33: no figure of it reaches the screen.
    assert (
        "0.33" not in app.summary_html.value and "lowest coefficient" not in app.summary_html.value
    )


def test_headline_rounds_half_up(store):
    s = make_session(store, labels=("Alpha", "Beta"))
    store.open_round(s.id, ["A", "B"])
    # n = 2, N = 4 (8 points possible): A>B, A>B, B>A, B -> A 2 + 2 + 1 = 5 (0.625), B 5
    vote(store, s.id, 1, [("A", "B"), ("A", "B"), ("B", "A"), ("B",)])
    store.close_round(s.id, 1)
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None, charts=False)
    assert ">0.63</span>" in app.headline.value  # half up, as the charts draw it


def test_changing_the_smallest_group_redraws_the_results(store):
    s = make_session(store, groups=("Staff", "Police"))
    store.open_round(s.id, ["A", "B", "C"])
    vote(store, s.id, 1, [("A", "B", "C")] * 6 + [("C", "B", "A")], ["Staff"] * 6 + ["Police"])
    store.close_round(s.id, 1)
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None)
    assert "Police is not shown" in app.group_note_html.value
    store.update_session(s.id, settings={"min_group_size": 1})
    app.check()  # the settings changed: the screen is drawn again
    assert app.group_note_html.value == ""
    titles = [part.get("title") for part in app.chart_spec.to_dict()["vconcat"]]
    assert "Support by group (consensus coefficient)" in titles


LOOPBACK_SENTENCE = (
    "Only this computer can open this address: phones in the room cannot. Start serve with the"
    " participants&#x27; listener on the network (see README)."
)


@pytest.mark.parametrize(
    "public, warned",
    [
        ("http://127.0.0.1:8867", True),
        ("http://127.0.0.2:8867", True),
        ("http://localhost:8866", True),
        ("http://[::1]:8867", True),
        ("http://192.168.1.20:8867", False),  # a string only: no traffic is sent
    ],
)
def test_loopback_join_address_is_flagged(store, monkeypatch, public, warned):
    monkeypatch.setenv("PT_PUBLIC_URL", public)
    s = make_session(store)
    store.open_round(s.id, ["A", "B"])
    app = ProjectorApp(store=store, session_id=s.id, poll_interval=None)
    html = app.join_html.value
    assert f"{public}/vote/<wbr>" in html  # the address shown is the one set
    assert (LOOPBACK_SENTENCE in html) is warned
    assert html.count("pt-join-warning") == (1 if warned else 0)
