"""Vote charts: the frame builders against counts worked out here by hand, and the Altair specs
through ``to_dict()`` (marks, encodings and data values)."""

from __future__ import annotations

import pytest

from partnership_tools.charts import vote
from partnership_tools.vote.compare import compare_rounds
from partnership_tools.vote.count import count_rankings
from partnership_tools.vote.model import Option, Session

SCRIPT = "<img src=x onerror=alert(1)>"
IDS = ("A", "B", "C", "D")
LABELS = {"A": "Town hall", "B": SCRIPT, "C": "Market", "D": "School"}
BALLOTS = [
    (("A", "B", "C", "D"), "Staff"),
    (("C", "A"), "Residents"),
    (("C", "D", "B"), "Residents"),
    (("B",), None),
    (("A", "C", "D", "B"), "Staff"),
]


# -- counts by hand (independent of partnership_tools.vote.count) ---------------------------------
def mbc(ballots, ids=IDS):
    points = dict.fromkeys(ids, 0)
    for ranking, _ in ballots:
        m = len(ranking)
        for place, oid in enumerate(ranking):
            points[oid] += m - place
    return points


def rank_counts(ballots, ids=IDS):
    counts = {oid: [0] * len(ids) for oid in ids}
    for ranking, _ in ballots:
        for place, oid in enumerate(ranking):
            counts[oid][place] += 1
    return counts


def above(ballots, x, y):
    n = 0
    for ranking, _ in ballots:
        if x in ranking and (y not in ranking or ranking.index(x) < ranking.index(y)):
            n += 1
    return n


@pytest.fixture(scope="module")
def result():
    return count_rankings(
        IDS, [r for r, _ in BALLOTS], groups=[g for _, g in BALLOTS], labels=LABELS
    )


def data_of(spec: dict) -> list[dict]:
    """Every row of every dataset of a chart spec."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def layer_marks(spec: dict) -> list[str]:
    out = []
    for layer in spec["layer"]:
        mark = layer["mark"]
        out.append(mark["type"] if isinstance(mark, dict) else mark)
    return out


# -- frames -----------------------------------------------------------------------------------
def test_result_frame_matches_hand_count(result):
    points = mbc(BALLOTS)
    # A: 4 + 1 + 4; B: 3 + 1 + 1 + 1; C: 2 + 2 + 3 + 3; D: 1 + 2 + 2 (n = 4, N = 5)
    assert points == {"A": 9, "B": 6, "C": 10, "D": 5}
    frame = vote.result_frame(result)
    assert frame["option_id"].tolist() == ["C", "A", "B", "D"]  # most points first
    n, N = len(IDS), len(BALLOTS)
    for row in frame.itertuples():
        assert row.mbc == points[row.option_id]
        assert row.consensus == pytest.approx(points[row.option_id] / (N * n))
        assert row.option == f"{row.option_id}: {LABELS[row.option_id]}"
    assert frame["winner"].tolist() == [True, False, False, False]
    assert frame["position"].tolist() == [1, 2, 3, 4]
    assert frame.loc[0, "text"] == f"10 pts · {10 / 20:.2f}"


def test_rank_counts_frame_matches_hand_count(result):
    by_hand = rank_counts(BALLOTS)
    frame = vote.rank_counts_frame(result)
    n = len(IDS)
    for oid in IDS:
        rows = frame[frame.option_id == oid].sort_values("rank")
        assert rows["rank_label"].tolist() == ["1st", "2nd", "3rd", "4th", vote.NOT_RANKED]
        assert rows["count"].tolist()[:n] == by_hand[oid]
        assert rows["count"].tolist()[n] == len(BALLOTS) - sum(by_hand[oid])
        assert rows["count"].sum() == len(BALLOTS)
    assert frame["option_id"].drop_duplicates().tolist() == ["C", "A", "B", "D"]


def test_pairwise_frame_matches_hand_count(result):
    frame = vote.pairwise_frame(result)
    assert len(frame) == len(IDS) * (len(IDS) - 1)
    for row in frame.itertuples():
        assert row.count == above(BALLOTS, row.option_id, row.against_id)
        assert row.reverse == above(BALLOTS, row.against_id, row.option_id)
        assert row.wins == (row.count > row.reverse)
    # Two unranked options are not compared: B and D both unranked on ballot 2 (C > A).
    b_d = frame[(frame.option_id == "B") & (frame.against_id == "D")].iloc[0]
    assert b_d["count"] + b_d["reverse"] < len(BALLOTS)


def test_group_frame_matches_hand_count(result):
    # Staff and Residents cast 2 ballots each: shown only with a minimum group size of 2 or less.
    frame = vote.group_frame(result, min_group_size=1)
    assert set(frame["group"]) == {"Staff", "Residents"}  # the ballot without a group is in none
    n = len(IDS)
    for group in ("Staff", "Residents"):
        mine = [b for b in BALLOTS if b[1] == group]
        points = mbc(mine)
        rows = frame[frame.group == group]
        assert rows["group_label"].iloc[0] == f"{group} ({len(mine)})"
        for row in rows.itertuples():
            assert row.mbc == points[row.option_id]
            assert row.consensus == pytest.approx(points[row.option_id] / (len(mine) * n))


def test_frames_with_no_ballots():
    empty = count_rankings(["A", "B"], [])
    assert vote.result_frame(empty)["consensus"].tolist() == [0.0, 0.0]
    assert vote.rank_counts_frame(empty)["count"].sum() == 0
    assert vote.group_frame(empty).empty
    spec = vote.mbc_chart(vote.result_frame(empty), 0.5).to_dict()
    assert layer_marks(spec)[0] == "bar"


# -- charts -----------------------------------------------------------------------------------
def test_mbc_chart_spec(result):
    spec = vote.mbc_chart(vote.result_frame(result), threshold=0.6, title="T").to_dict()
    assert layer_marks(spec) == ["bar", "rule", "text", "text", "text"]
    bars = spec["layer"][0]["encoding"]
    assert bars["x"]["field"] == "consensus" and bars["x"]["type"] == "quantitative"
    assert bars["x"]["scale"]["domain"] == [0, 1]
    y = bars["y"]
    assert y["field"] == "option" and y["type"] == "nominal"
    assert y["sort"] == [f"{o}: {LABELS[o]}" for o in ("C", "A", "B", "D")]
    assert bars["color"]["field"] == "winner" and bars["color"]["type"] == "nominal"
    rule = spec["layer"][1]["encoding"]["x"]
    assert rule["field"] == "threshold"
    assert spec["layer"][4]["encoding"]["text"]["field"] == "text"
    rows = data_of(spec)
    assert {"threshold": 0.6, "text": "threshold 0.60"} in rows
    coef = {r["option_id"]: r["consensus"] for r in rows if "option_id" in r}
    points = mbc(BALLOTS)
    assert coef == pytest.approx({o: p / 20 for o, p in points.items()})
    assert spec["title"] == "T"


def test_rank_chart_spec(result):
    spec = vote.rank_chart(vote.rank_counts_frame(result)).to_dict()
    assert spec["mark"]["type"] == "bar"
    enc = spec["encoding"]
    assert enc["x"] == {**enc["x"], "field": "count", "type": "quantitative", "stack": "zero"}
    assert enc["color"]["field"] == "rank_label" and enc["color"]["type"] == "ordinal"
    places = ["1st", "2nd", "3rd", "4th", vote.NOT_RANKED]
    assert enc["color"]["scale"]["domain"] == places
    colours = enc["color"]["scale"]["range"]
    assert colours[:4] == vote.rank_colours(4) and len(colours) == 5
    assert enc["order"]["field"] == "rank"
    # Colours go from dark (1st) to light (4th): compare luminance.
    lum = [sum(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in colours[:4]]
    assert lum == sorted(lum)
    # ballots are people: whole-number ticks only, up to every bar's full length
    ticks = enc["x"]["axis"]["values"]
    assert enc["x"]["axis"]["format"] == "d" and all(isinstance(t, int) for t in ticks)
    assert ticks[0] == 0 and ticks[-1] >= len(BALLOTS)


def test_pairwise_chart_spec(result):
    spec = vote.pairwise_chart(vote.pairwise_frame(result)).to_dict()
    assert layer_marks(spec) == ["rect", "text"]
    enc = spec["layer"][0]["encoding"]
    assert enc["x"]["field"] == "against" and enc["x"]["type"] == "nominal"
    assert enc["y"]["field"] == "option" and enc["y"]["type"] == "nominal"
    cells = spec["layer"][0]["encoding"]
    assert cells["color"]["field"] == "count" and cells["color"]["type"] == "quantitative"
    text = spec["layer"][1]["encoding"]["text"]
    assert text["field"] == "count" and text["type"] == "quantitative"
    for row in data_of(spec):
        assert row["count"] == above(BALLOTS, row["option_id"], row["against_id"])


def test_group_chart_spec(result):
    spec = vote.group_chart(vote.group_frame(result, min_group_size=1), threshold=0.5).to_dict()
    assert layer_marks(spec) == ["rect", "text", "rect"]
    enc = spec["layer"][0]["encoding"]
    assert enc["x"]["field"] == "group_label" and enc["y"]["field"] == "option"
    cells = spec["layer"][0]["encoding"]
    assert cells["color"]["field"] == "consensus" and cells["color"]["scale"]["domain"] == [0, 1]
    assert spec["layer"][2]["transform"][0]["filter"] == "(datum.consensus >= 0.499999999)"


def test_change_frame_and_chart_follow_lineage():
    session = Session(
        id="s",
        question="q",
        options=(
            Option("A", "Town hall"),
            Option("B", SCRIPT),
            Option("C", "Market"),
            Option("D", "School"),
            Option("E", "Hub at the market", merged_from=("A", "C")),
            Option("F", "School, reworded", amended_from="D"),
            Option("G", "Something new"),
        ),
    )
    r1 = count_rankings(IDS, [r for r, _ in BALLOTS])
    round2 = [("E", "B", "F", "G"), ("E", "F"), ("G", "E", "B")]
    r2 = count_rankings(["B", "E", "F", "G"], round2)
    frame = vote.change_frame(compare_rounds(session, r1, r2), "Round 1", "Round 2")
    names = dict(zip(frame.option_id, frame.option, strict=False))
    assert names["E"] == "E: Hub at the market (from A + C)"
    assert names["F"] == "F: School, reworded (amended from D)"
    assert names["G"] == "G: Something new (new)"
    assert names["B"] == f"B: {SCRIPT}"
    before = {r.option_id: r.consensus for r in frame.itertuples() if r.stage == "Round 1"}
    after = {r.option_id: r.consensus for r in frame.itertuples() if r.stage == "Round 2"}
    p1, p2 = mbc(BALLOTS), mbc([(r, None) for r in round2], ("B", "E", "F", "G"))
    assert "G" not in before  # a new option has no "before"
    assert before["E"] == pytest.approx(max(p1["A"], p1["C"]) / 20)  # the best parent
    assert before["F"] == pytest.approx(p1["D"] / 20)
    assert after["E"] == pytest.approx(p2["E"] / 12)
    e_after = frame[(frame.option_id == "E") & (frame.stage == "Round 2")].iloc[0]
    assert e_after["change_text"] == f"{p2['E'] / 12 - max(p1['A'], p1['C']) / 20:+.2f}"
    assert e_after["label_x"] >= max(e_after["consensus"], before["E"])

    spec = vote.change_chart(frame, threshold=0.6).to_dict()
    assert layer_marks(spec) == ["rule", "line", "point", "text"]
    points = spec["layer"][2]["encoding"]
    assert points["x"]["field"] == "consensus" and points["x"]["type"] == "quantitative"
    assert points["y"]["field"] == "option" and points["y"]["type"] == "nominal"
    assert points["color"]["field"] == "stage" and points["color"]["scale"]["domain"] == [
        "Round 1",
        "Round 2",
    ]
    assert spec["layer"][1]["encoding"]["detail"]["field"] == "option"


def test_script_label_is_data_and_drawn_as_text(result):
    import vl_convert as vlc

    chart = vote.stack(
        vote.mbc_chart(vote.result_frame(result), 0.6),
        vote.rank_chart(vote.rank_counts_frame(result)),
    )
    spec = chart.to_dict()
    assert spec["resolve"] == {"scale": {"color": "independent"}}
    assert any(r.get("option") == f"B: {SCRIPT}" for r in data_of(spec))
    svg = vlc.vegalite_to_svg(spec)
    assert "B: &lt;img src=x onerror=alert(1)&gt;" in svg
    assert "<img" not in svg


def test_small_helpers():
    assert [vote.ordinal(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "111th",
    ]  # fmt: skip
    assert vote.option_name("A", "A") == "A"
    assert len(vote.rank_colours(12)) == 12
    assert vote.rank_colours(0) == []


# -- one rounding rule, and small groups -----------------------------------------------------------
def test_chart_labels_are_made_in_pandas_half_up():
    # n = 2, N = 4 (8 points possible): A>B, A>B, B>A, B -> A 5 (0.625), B 5 (0.625)
    r = count_rankings(["A", "B"], [["A", "B"], ["A", "B"], ["B", "A"], ["B"]])
    frame = vote.result_frame(r)
    assert frame["text"].tolist() == ["5 pts · 0.63", "5 pts · 0.63"]
    assert frame["consensus_text"].tolist() == ["0.625", "0.625"]
    spec = vote.mbc_chart(frame, 0.625).to_dict()
    assert {"threshold": 0.625, "text": "threshold 0.63"} in data_of(spec)
    # No number reaches the chart library to be formatted there: text comes from the data.
    tips = spec["layer"][0]["encoding"]["tooltip"]
    assert {t["field"] for t in tips} == {"option", "mbc", "consensus_text"}
    assert all("format" not in t for t in tips)


def test_group_chart_text_and_small_groups():
    # x: 5 x A>B (A 10 of 10); y: 5 x B>A (A 5 of 10 = 0.5); z: 1 x B>A (hidden); 5 with no group
    ballots = [["A", "B"]] * 5 + [["B", "A"]] * 6 + [["A"]] * 5
    groups = ["x"] * 5 + ["y"] * 5 + ["z"] + [None] * 5
    r = count_rankings(["A", "B"], ballots, groups)
    frame = vote.group_frame(r)
    assert set(frame["group"]) == {"x", "y"}
    row = frame[(frame.group == "y") & (frame.option_id == "A")].iloc[0]
    assert (row.consensus_text, row.consensus_tip) == ("0.50", "0.500")
    note = vote.group_note(r)
    assert note == "z is not shown: fewer than 5 ballots (the minimum group size)."
    spec = vote.group_chart(frame, 0.5, title="By group", note=note).to_dict()
    assert spec["title"] == {"text": "By group", "subtitle": note}
    assert spec["layer"][1]["encoding"]["text"] == {"field": "consensus_text", "type": "nominal"}
    assert "z" not in {row["group"] for row in data_of(spec)}
    assert set(vote.group_frame(r, min_group_size=1)["group"]) == {"x", "y", "z"}


def test_change_text_rounds_half_up():
    session = Session(
        id="s", question="q", options=(Option("A", "a"), Option("B", "b"), Option("C", "c"))
    )
    # round 1, n = 2, N = 4: A>B, A>B, B>A, B -> A 5/8 = 0.625
    r1 = count_rankings(["A", "B"], [["A", "B"], ["A", "B"], ["B", "A"], ["B"]])
    # round 2, n = 2, N = 1: B>A -> A 1/2 = 0.5; change -0.125 -> "-0.13" (half away from zero)
    r2 = count_rankings(["A", "B"], [["B", "A"]])
    frame = vote.change_frame(compare_rounds(session, r1, r2))
    after = frame[(frame.option_id == "A") & (frame.stage_order == 1)].iloc[0]
    assert after.change_text == "-0.13" and f"{-0.125:+.2f}" == "-0.12"


def test_coefficient_axes_tick_every_tenth():
    # Left alone, a wide chart ticks every 0.05 and ".1f" shows 0.05 and 0.15 both as "0.1".
    r = count_rankings(["A", "B"], [["A", "B"]])
    spec = vote.mbc_chart(vote.result_frame(r), 0.5, width=640).to_dict()
    axis = spec["layer"][0]["encoding"]["x"]["axis"]
    assert axis["values"] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert len({f"{v:.1f}" for v in axis["values"]}) == 11
