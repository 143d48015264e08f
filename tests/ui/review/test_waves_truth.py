"""The Waves tab tells the truth: the sentence, the table and the chart name the waves the
dropdowns show, and each wave's figures are shown where that wave alone is big enough."""

from __future__ import annotations

import pytest

from partnership_tools.review import Responses
from partnership_tools.review.actions import ActionPlan
from partnership_tools.review.scoring import score_review
from partnership_tools.review.scoring.waves import wave_figures
from partnership_tools.review.settings import ReviewSettings
from partnership_tools.store.reviews import open_review_store
from partnership_tools.ui.common import Feedback
from partnership_tools.ui.review import ReviewApp
from partnership_tools.ui.review.shared import OVERALL
from partnership_tools.ui.review.state import ReviewState
from partnership_tools.ui.review.waves import WavesPanel, change_rows, hidden_sentences


def small_and_large(tiny) -> Responses:
    """phase one: 3 respondents; phase two: 10. In phase two a1 is 4 (five people) or 5 (five),
    a2 is always 2 (reverse-worded: scores 4), b1 always 4, so Alpha = (45 + 40) / 20 = 4.25
    and Beta = 4.00."""
    one = [{"wave": "phase one", "level": "P", "a1": 1, "a2": 5, "b1": 1} for _ in range(3)]
    two = [
        {"wave": "phase two", "level": "M", "a1": 4 if i < 5 else 5, "a2": 2, "b1": 4}
        for i in range(10)
    ]
    return Responses.from_records(tiny, one + two)


@pytest.fixture
def mixed(tiny, tmp_path):
    state = ReviewState(db=None, db_path=tmp_path / "s.sqlite", instrument=tiny, plan=ActionPlan())
    state.responses = small_and_large(tiny)
    state.result = score_review(state.responses, tiny, ReviewSettings(min_group_size=5))
    return state


def test_wave_figures_judge_each_wave_alone(mixed):
    f = wave_figures(mixed.result.dimensions, "phase one", "phase two").set_index("dimension")
    assert list(f["shown_before"]) == [False, False]
    assert list(f["shown_after"]) == [True, True]
    assert f.loc["A", "mean_after"] == pytest.approx(4.25)
    assert f.loc["B", "mean_after"] == pytest.approx(4.0)
    assert list(f["reason_before"]) == ["small_total", "small_total"]
    assert f["change"].isna().all() and f["suppressed"].all()
    # the recorded comparison still hides the whole row (the saved result is unchanged)
    c = mixed.result.changes
    assert c["suppressed"].all() and c["mean_after"].isna().all()


def test_small_wave_hidden_with_a_reason_large_wave_shown(mixed, tmp_path):
    panel = WavesPanel(mixed, Feedback(), tmp_path)
    panel.fill(mixed.waves)
    panel.show(OVERALL)
    assert (panel.before.value, panel.after.value) == ("phase one", "phase two")
    note = panel.note.value
    assert note.startswith("<p>From phase one to phase two, all respondents.</p>")
    assert "Every dimension in phase one: 3 respondents, fewer than the minimum of 5." in note
    assert "More responses in phase one, or a smaller minimum group size" in note
    assert "phase two:" not in note  # nothing hidden in the large wave
    rows = {r[0]: r for r in change_rows(panel.figures(OVERALL))}
    assert rows["Alpha"] == ["Alpha", "suppressed", "4.25", "–", "not compared"]
    assert rows["Beta"] == ["Beta", "suppressed", "4.00", "–", "not compared"]
    assert "4.25" in panel.table.value and "suppressed" in panel.table.value
    assert panel.draw(OVERALL) is None  # no change can be drawn


def test_a_smaller_minimum_shows_both_waves(mixed, tmp_path, tiny):
    mixed.result = score_review(mixed.responses, tiny, ReviewSettings(min_group_size=3))
    panel = WavesPanel(mixed, Feedback(), tmp_path)
    panel.show(OVERALL)
    assert "pt-warning" not in panel.note.value
    rows = {r[0]: r for r in change_rows(panel.figures(OVERALL))}
    # phase one: a1 = 1, a2 = 5 (scores 1) -> Alpha 1.00; b1 = 1 -> Beta 1.00
    assert rows["Alpha"] == ["Alpha", "1.00", "4.25", "+3.25", "up"]
    assert rows["Beta"] == ["Beta", "1.00", "4.00", "+3.00", "up"]
    chart = panel.draw(OVERALL).to_dict()
    assert chart["encoding"]["x"]["title"] == "Change in mean, phase one to phase two"


def test_group_sentences_say_fewer_splits(tiny, tmp_path):
    # phase one: P 3 (too small), M 6 (hidden too, so P cannot be worked out), F 6 (shown)
    levels = ["P"] * 3 + ["M"] * 6 + ["F"] * 6
    recs = [{"wave": "phase one", "level": lev, "a1": 4, "a2": 2, "b1": 4} for lev in levels]
    recs += [{"wave": "phase two", "level": "F", "a1": 5, "a2": 1, "b1": 5} for _ in range(6)]
    state = ReviewState(db=None, db_path=tmp_path / "s.sqlite", instrument=tiny)
    state.responses = Responses.from_records(tiny, recs)
    state.result = score_review(state.responses, tiny, ReviewSettings(by="level"))
    panel = WavesPanel(state, Feedback(), tmp_path)
    panel.show("P")
    note = panel.note.value
    assert "<p>From phase one to phase two, P.</p>" in note
    assert "Every dimension of P in phase one: 3 respondents, fewer than the minimum of 5." in note
    assert "fewer splits" in note
    assert "Every dimension of P in phase two: no respondents." in note
    panel.show("M")
    assert "Every dimension of M in phase one: 6 respondents, hidden so that a smaller" in (
        panel.note.value
    )
    panel.show("F")  # 6 and 6: both shown; 4.00 -> 5.00 on both dimensions
    assert "pt-warning" not in panel.note.value
    rows = change_rows(panel.figures("F"))
    assert [r[1:] for r in rows] == [["4.00", "5.00", "+1.00", "up"]] * 2


def test_hidden_sentences_name_the_dimensions_when_only_some_are_hidden():
    import pandas as pd

    f = pd.DataFrame(
        {
            "title": ["Health", "Trust"],
            "before": "one",
            "after": "two",
            "shown_before": [True, True],
            "shown_after": [False, True],
            "reason_after": ["complementary", None],
            "reason_before": [None, None],
        }
    )
    (s,) = hidden_sentences(f, {"one": 9, "two": 6}, 5, group="Manager")
    assert s.startswith("Health of Manager in two: 6 respondents, hidden so that a smaller group")
    assert "fewer splits" in s


def test_same_wave_twice_says_so(mixed, tmp_path):
    panel = WavesPanel(mixed, Feedback(), tmp_path)
    panel.fill(mixed.waves, "phase two", "phase two")
    panel.show(OVERALL)
    assert "both phase two: choose two different waves" in panel.note.value
    assert panel.table.value == "" and panel.draw(OVERALL) is None


def test_fill_never_defaults_to_the_same_wave_twice(mixed, tmp_path):
    panel = WavesPanel(mixed, Feedback(), tmp_path)
    panel.fill(mixed.waves, None, None, default="phase one")  # the default is the From wave
    assert (panel.before.value, panel.after.value) == ("phase one", "phase two")


# -- in the app: the dropdowns and the sentence agree ------------------------------------------------
@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    db = tmp_path / "store.sqlite"
    store = open_review_store(db)
    yield ReviewApp(db_path=db, db=store, base_url="http://example.test")
    store.dispose()


def test_changing_the_dropdowns_changes_the_sentence(app):
    wv = app.waves_panel
    assert (wv.before.value, wv.after.value) == ("phase one", "phase two")
    assert "From phase one to phase two" in app.waves_note.value
    wv.before.value = "phase two"
    wv.after.value = "phase one"
    assert app.waves_note.value.startswith("<p>From phase two to phase one, all respondents.</p>")
    head = app.changes_table.value.split("</tr>")[0]
    assert head.index("phase two") < head.index("phase one")
    c = app.state.result.changes  # the findings and report compare the same pair
    assert set(c["before"]) == {"phase two"} and set(c["after"]) == {"phase one"}
    chart = app.draw("Waves").to_dict()
    assert chart["encoding"]["x"]["title"] == "Change in mean, phase two to phase one"


def test_a_large_minimum_keeps_to_and_the_sentence_together(app):
    app.min_size.value = 40  # phase one has 40 respondents, phase two 39
    wv = app.waves_panel
    assert (wv.before.value, wv.after.value) == ("phase one", "phase two")
    note = app.waves_note.value
    assert note.startswith("<p>From phase one to phase two, all respondents.</p>")
    assert "Every dimension in phase two: 39 respondents, fewer than the minimum of 40." in note
    assert "phase one:" not in note
    rows = change_rows(wv.figures(app.filter_panel.group_shown))
    assert all(r[1] != "suppressed" and r[2] == "suppressed" for r in rows)
