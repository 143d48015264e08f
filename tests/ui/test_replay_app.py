"""The replay app, in process: picking a saved file (list, URL query, parameter), the verdict
box, the projector's results for a vote, the review's waves, tampered and foreign files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from partnership_tools.ui.replay import ReplayApp, locate, resolve_saved, saved_files
from partnership_tools.vote.model import Ballot, Option, Round, Session
from partnership_tools.vote.sessionfile import write_session

ROOT = Path(__file__).resolve().parents[2]
VOTE = ROOT / "sample_data" / "county_joint_working.json"
REVIEW = ROOT / "sample_data" / "review" / "ten_lessons_review.json"
SCRIPT = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def exports(tmp_path, monkeypatch):
    d = tmp_path / "downloads"
    d.mkdir()
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(d))
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    return d


def evil_session(folder: Path) -> Path:
    s = Session(
        id="evil",
        question="Shall we <script>alert('q')</script>?",
        threshold=0.5,
        options=(Option("A", SCRIPT), Option("B", "Plain & simple")),
        rounds=(
            Round(
                1,
                ("A", "B"),
                "closed",
                tuple(Ballot(r, submitted_at="2026-01-01T10:00:00Z") for r in [("A", "B"), ("A",)]),
            ),
        ),
        created_at="2026-01-01T09:00:00Z",
    )
    return write_session(s, folder / "evil-session.json")


def test_saved_files_lists_samples_and_exports(exports):
    (exports / "notes.json").write_text('{"kind": "something else"}')
    (exports / "broken.json").write_text("{")
    evil_session(exports)
    files = saved_files()
    keys = [f.key for f in files]
    assert keys[:2] == ["county_joint_working.json", "review/ten_lessons_review.json"]
    assert "evil-session.json" in keys and "notes.json" not in keys and "broken.json" not in keys
    labels = {f.key: f.label for f in files}
    assert labels["review/ten_lessons_review.json"].startswith("Review: County partnership")
    assert labels["evil-session.json"].startswith("Vote: Shall we")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("county_joint_working.json", "county_joint_working.json"),
        ("sample_data/county_joint_working.json", "county_joint_working.json"),
        ("county_joint_working", "county_joint_working.json"),
        ("review/ten_lessons_review.json", "review/ten_lessons_review.json"),
        ("ten_lessons_review.json", "review/ten_lessons_review.json"),
        ("../sample_data/county_joint_working.json", None),
        ("/etc/passwd", None),
        ("", None),
    ],
)
def test_query_names_only_listed_files(exports, name, key):
    found = resolve_saved(name, saved_files())
    assert (found.key if found else None) == key


def test_locate_relative_paths(tmp_path, monkeypatch):
    assert locate("sample_data/county_joint_working.json").resolve() == VOTE
    monkeypatch.chdir(tmp_path)  # elsewhere, relative paths are looked up beside the kit
    assert locate("sample_data/county_joint_working.json") == VOTE
    assert locate(VOTE) == VOTE
    assert locate("nowhere.json") == Path("nowhere.json")


def test_pick_a_vote_from_the_list(exports):
    app = ReplayApp(charts=False)
    assert app.replay is None and "Choose a saved vote or review" in app.text()
    assert app.results_view.layout.display == "none"
    app.pick.value = "county_joint_working.json"
    assert app.kind == "session" and app.replay.verdict.ok
    assert "pt-verdict-ok" in app.verdict_html.value and "Verified" in app.verdict_html.value
    assert "✓ match: round 1" in app.verdict_html.value
    assert app.results_view.layout.display is None
    # the latest round first, as on the projector; the other round on request
    assert app.shown == 2 and [v for _, v in app.part.options] == [1, 2]
    assert "Tied at the top" in app.headline.value or "Top" in app.headline.value
    assert "pt-coefficient" in app.headline.value
    app.part.value = 1
    assert app.shown == 1 and "Round 1 ·" in app.headline.value
    assert "Joint committee with pooled budgets" in app.summary_html.value
    assert "Round 1, in order of MBC points" in app.table_html.value


def test_vote_charts_are_the_projectors(exports):
    from partnership_tools.ui.projector import ProjectorApp
    from partnership_tools.vote.sessionfile import read_session
    from partnership_tools.vote.tally import tally_round

    app = ReplayApp(session_path=VOTE)
    assert app.chart.widget is not None and app.chart.chart is not None
    s = read_session(VOTE)
    expected = ProjectorApp.build_chart(None, s, 2, tally_round(s, 2), tally_round(s, 1), 1)
    assert app.chart.chart.to_dict() == expected.to_dict()
    assert app.chart_export.name == f"{s.id}-round-2"
    saved = app.chart_export.save("svg")
    assert saved.parent == exports and saved.read_text().startswith("<svg")


def test_review_waves(exports):
    app = ReplayApp(session_path=REVIEW)
    assert app.kind == "review" and app.replay.verdict.ok
    assert "County partnership health check 2024" in app.title_html.value
    assert "CC BY 4.0" in app.title_html.value
    assert app.shown == "phase two" and [v for _, v in app.part.options] == [
        "phase one",
        "phase two",
    ]
    assert "People, organisations and resources is a concern" in app.summary_html.value
    assert "<h3>Concerns</h3>" in app.summary_html.value
    # a long verdict folds its matching lines away
    n = len(app.replay.verdict.checks)
    assert n > 20 and f"<summary>{n} of {n} checks match</summary>" in app.verdict_html.value
    assert "Dimension scores, all respondents (phase two)" in app.table_html.value
    spec = app.chart.chart.to_dict()
    assert len(spec["vconcat"]) == 3  # profile, heatmap, change since phase one
    app.part.value = "phase one"
    assert len(app.chart.chart.to_dict()["vconcat"]) == 2  # no change into the first wave
    text = app.text()
    assert "MATCH     dimension trust, wave phase two" in text
    assert "Wave phase one:" in text and "Wave phase two:" in text


def test_from_request_uses_the_query(exports, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "session=review%2Ften_lessons_review.json&token=x")
    app = ReplayApp.from_request(charts=False)
    assert app.kind == "review" and app.pick.value == "review/ten_lessons_review.json"
    monkeypatch.setenv("QUERY_STRING", "session=nowhere.json")
    app = ReplayApp.from_request(charts=False)
    assert app.replay is None and app.feedback.kind == "error"
    assert "There is no saved file 'nowhere.json'" in app.feedback.last
    # a parameter wins over the query
    app = ReplayApp.from_request(str(VOTE), charts=False)
    assert app.kind == "session"


def test_tampered_file_shows_differences(exports):
    data = json.loads(VOTE.read_text())
    data["session"]["rounds"][1]["ballots"][0]["ranking"] = ["E", "A", "B", "F"]
    p = exports / "tampered.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    app = ReplayApp(charts=False)
    app.pick.value = "tampered.json"
    v = app.verdict_html.value
    assert "pt-verdict-bad" in v and "Differences found" in v and "role='alert'" in v
    # differing lines come first
    assert v.index("✗ DIFFERS: inputs digest") < v.index("✓ match: round 1")
    assert "DIFFERS   round 2" in app.text()


def test_old_file_is_not_verifiable(exports):
    app = ReplayApp(session_path=ROOT / "tests" / "data" / "session_v1.json", charts=False)
    assert (
        "pt-verdict-none" in app.verdict_html.value and "Not verifiable" in app.verdict_html.value
    )
    assert "migration from schema_version 1" in app.file_html.value


def test_typed_text_is_escaped(exports):
    app = ReplayApp(session_path=evil_session(exports), charts=False)
    html = app.title_html.value + app.headline.value + app.summary_html.value + app.table_html.value
    assert SCRIPT not in html and "<script>" not in html
    assert ESCAPED in app.table_html.value and "Plain &amp; simple" in app.table_html.value
    assert "&lt;script&gt;" in app.title_html.value


def test_foreign_file_is_one_sentence(exports):
    bad = exports / "x.json"
    bad.write_text('{"kind": "something else"}')
    app = ReplayApp(session_path=bad, charts=False)
    assert app.replay is None and app.feedback.kind == "error"
    assert "neither a saved vote nor a saved review" in app.feedback.last
    assert "Traceback" not in app.text()


def test_display_bundle_carries_text(exports):
    app = ReplayApp(session_path=VOTE, charts=False)
    bundle = app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Verdict: unsigned: the recount matches what the file records." in bundle["text/plain"]
    assert "Round 2: " in bundle["text/plain"]


def test_report_button_writes_the_report(exports):
    app = ReplayApp(session_path=VOTE, charts=False)
    app.report.format.value = "html"
    app.report.button.click()
    out = exports / "report-county_joint_working.html"
    assert app.report.last_path == out and out.read_text().startswith("<!DOCTYPE html>")
    assert 'download="report-county_joint_working.html"' in app.report.link.value
    assert app.feedback.kind == "success"


def test_tampered_review_shows_the_differing_dimension_first(exports):
    data = json.loads(REVIEW.read_text())
    table = data["result"]["dimensions"]  # the compact record: columns, then one JSON row each
    cols = table["columns"]
    for i, text in enumerate(table["rows"]):
        row = dict(zip(cols, json.loads(text), strict=True))
        if (row["wave"], row["dimension"], row["group"]) == ("phase one", "trust", "Manager"):
            row["mean"] = 1.0
            table["rows"][i] = json.dumps([row[c] for c in cols])
    (exports / "review-edited.json").write_text(json.dumps(data), encoding="utf-8")
    app = ReplayApp(charts=False)
    app.open_key("review-edited.json")
    v = app.verdict_html.value
    assert "Differences found" in v
    bad, folded = v.split("<details>")
    assert "✗ DIFFERS: dimension trust, wave phase one — Manager: mean was recorded as 1" in bad
    assert "✗ DIFFERS: results digest" in bad and "✓ match" not in bad
    assert "✓ match: dimension trust, wave phase two" in folded


def test_hostile_json_files_in_the_export_folder_are_left_out_quietly(exports):
    (exports / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (exports / "digits.json").write_text(
        '{"kind": "partnership-tools/session", "n": ' + "9" * 5000 + "}", encoding="utf-8"
    )
    (exports / "huge.json").write_text('{"kind": "partnership-tools/session", "n": 1e400}')
    keys = [f.key for f in saved_files(exports=exports)]
    assert not {"deep.json", "digits.json", "huge.json"} & set(keys)
    app = ReplayApp(charts=False)  # the list still builds, with the samples in it
    assert app.feedback.kind != "error"


def test_verdict_box_says_who_signed_or_that_the_key_is_unknown(exports, tmp_path, monkeypatch):
    from partnership_tools.vote.sessionfile import read_session

    monkeypatch.setenv("PT_SIGNER_NAME", "Shire <b>Partnership</b>")
    signed = write_session(read_session(VOTE), tmp_path / "signed.json")
    app = ReplayApp(session_path=signed, charts=False)
    v = app.verdict_html.value
    assert "pt-verdict-ok" in v and "Verified: signed, and the recount matches" in v
    assert "Signed by Shire &lt;b&gt;Partnership&lt;/b&gt; (key " in v  # escaped
    assert "this partnership&#x27;s own key" in v or "this partnership's own key" in v
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(tmp_path / "someone-elses-keys"))
    app = ReplayApp(session_path=signed, charts=False)
    v = app.verdict_html.value
    assert "pt-verdict-warn" in v and "Verified, but by an unknown key" in v
    assert "Signed by an unknown key " in v and "pt-verdict-ok" not in v
    data = json.loads(signed.read_text())
    data["session"]["question"] = "Edited after signing?"
    signed.write_text(json.dumps(data))
    app = ReplayApp(session_path=signed, charts=False)
    v = app.verdict_html.value
    assert "pt-verdict-bad" in v and "Differences found" in v
    assert "the file was changed after it was signed" in v


def test_an_unsigned_sample_says_so(exports):
    app = ReplayApp(session_path=VOTE, charts=False)
    v = app.verdict_html.value
    assert "Verified: unsigned, the recount matches" in v
    assert "Unsigned: the recount matches what the file records." in v
