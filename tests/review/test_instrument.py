"""Instruments: the shipped ones, round trips, and a message naming file, place and fix for every
kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from partnership_tools.review import (
    Instrument,
    InstrumentError,
    check_instrument_data,
    list_instruments,
    load_instrument,
)
from partnership_tools.review.instrument import _shipped_dir
from tests.conftest import tiny_dict

SLICE = ["Policy maker", "Manager", "Front-line worker", "Citizen or community activist"]


@pytest.mark.parametrize("path", sorted(_shipped_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_instruments_pass_the_full_schema(path: Path):
    # at run time the shipped files skip the JSON Schema (it is slow to import): this test is the check
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert check_instrument_data(data) == []
    assert data["id"] == path.stem
    assert data["licence"] == "CC BY 4.0"
    assert "Partnership Tools" in data["citation"]


def test_list_instruments():
    assert [i.id for i in list_instruments()] == ["partnership_cycle", "ten_lessons"]


def test_ten_lessons_shape():
    inst = load_instrument("ten_lessons")
    assert len(inst.dimensions) == 10
    assert all(len(d.items) == 3 for d in inst.dimensions)
    assert sum(i.reverse for i in inst.items) >= 3
    assert list(inst.field("level").values) == SLICE
    assert not inst.field("partner_type").required
    assert inst.coverage_field == "level"
    assert inst.scale.values == (1, 2, 3, 4, 5)
    assert (inst.scale.dont_know, inst.scale.not_applicable) == (8, 9)
    assert (inst.bands.strength, inst.bands.discuss) == (4.0, 3.0)


def test_partnership_cycle_shape():
    inst = load_instrument("partnership_cycle")
    assert inst.dimension_ids == ("deliberation", "authorisation", "implementation", "evaluation")
    assert any(i.reverse for i in inst.items)
    assert list(inst.field("level").values) == SLICE


@pytest.mark.parametrize("iid", ["ten_lessons", "partnership_cycle"])
def test_round_trip_through_dict_and_file(iid, tmp_path):
    inst = load_instrument(iid)
    assert Instrument.from_dict(inst.to_dict()) == inst
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(inst.to_dict(), allow_unicode=True), encoding="utf-8")
    assert load_instrument(path) == inst
    assert load_instrument(str(path)) == inst


def test_spellings_and_reverse(tiny):
    sp = tiny.scale.spellings()
    assert sp["strongly agree"] == 5 and sp["dk"] == 8 and sp["n/a"] == 9
    assert [tiny.scale.reverse(v) for v in (1, 2, 3, 4, 5)] == [5, 4, 3, 2, 1]


def _problems(data) -> list[str]:
    with pytest.raises(InstrumentError) as err:
        Instrument.from_dict(data, source="mine.yaml")
    return str(err.value).splitlines()


def _mutate(path, value):
    d = tiny_dict()
    target = d
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return d


CASES = [
    # (change, expected place, words in the message or fix)
    (
        (["dimensions", 0, "items", 1, "reverse"], "sometimes"),
        "dimensions[0].items[1].reverse",
        "true or false",
    ),
    ((["title"], KeyError), "(top level)", "title"),
    ((["colour"], "blue"), "(top level)", "'colour' is not a key"),
    (
        (["dimensions", 1, "items", 0, "id"], "a1"),
        "dimensions[1].items[0].id",
        "already used at dimensions[0].items[0]",
    ),
    ((["bands", "discuss"], 4.5), "bands", "scale order"),
    ((["bands", "strength"], 6.0), "bands", "scale order"),
    ((["scale", "positive"], [4, 6]), "scale.positive[1]", "6 is not on the scale"),
    ((["scale", "negative"], [1, 2, 4]), "scale.negative", "both positive and negative"),
    ((["scale", "dont_know", "code"], 3), "scale.dont_know.code", "also a scale value"),
    (
        (["scale", "not_applicable", "code"], 8),
        "scale.not_applicable.code",
        "also used for dont_know",
    ),
    (
        (["dimensions", 0, "items", 0, "id"], "my item"),
        "dimensions[0].items[0].id",
        "not a valid id",
    ),
    ((["dimensions", 0, "items", 0, "text"], "  "), "dimensions[0].items[0].text", "empty"),
    ((["dimensions", 0, "min_valid_answers"], 0), "dimensions[0].min_valid_answers", "at least 1"),
    ((["dimensions", 0, "items"], []), "dimensions[0].items", "at least 1 entry"),
    ((["coverage_field"], "region"), "coverage_field", "not one of the respondent fields"),
    (
        (["respondent_fields", 0, "aliases"], {"Boss": "Chief"}),
        "respondent_fields[0].aliases.Boss",
        "not one of the field's values",
    ),
    ((["respondent_fields", 1, "id"], "level"), "respondent_fields[1].id", "used twice"),
    ((["dimensions", 1, "items", 0, "id"], "wave"), "dimensions[1].items[0].id", "column name"),
    (
        (["dimensions", 1, "items", 0, "text"], "Alpha one is true"),
        "dimensions[1].items[0].text",
        "same wording",
    ),
    ((["scale", "points", 2, "label"], "Agree"), "scale.points[3].label", "already used"),
    ((["gap_threshold"], 9), "gap_threshold", "larger than the whole scale"),
    ((["version"], None), "version", "expected text or a number"),
]


@pytest.mark.parametrize(
    ("change", "place", "words"), CASES, ids=[c[1] + ":" + c[2][:12] for c in CASES]
)
def test_every_mistake_names_file_place_and_fix(change, place, words):
    lines = _problems(_mutate(*change))
    hit = [ln for ln in lines if ln.startswith(f"mine.yaml: {place}: ")]
    assert hit, lines
    assert words in hit[0]
    assert ". Fix: " in hit[0]


def test_points_out_of_order_and_asymmetric_scale_with_reverse_items():
    d = tiny_dict()
    d["scale"]["points"] = [d["scale"]["points"][i] for i in (1, 0, 2, 3, 4)]
    assert any("scale.points: the points are not in order" in ln for ln in _problems(d))
    d = tiny_dict()
    d["scale"]["points"][4]["value"] = 6  # 1, 2, 3, 4, 6: the reverse of 2 (5) is not on it
    d["scale"]["positive"] = [4, 6]
    lines = _problems(d)
    assert any("scale.points: reverse-scored items need a symmetric scale" in ln for ln in lines)
    for item in d["dimensions"][0]["items"]:
        item["reverse"] = False
    assert Instrument.from_dict(d).scale.high == 6  # fine without reverse items


def test_all_problems_reported_at_once():
    d = tiny_dict()
    d["scale"]["positive"] = [4, 7]
    d["dimensions"][1]["items"][0]["id"] = "a1"
    assert len(_problems(d)) == 2


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\ntitle: [unclosed\nversion: 1\n", encoding="utf-8")
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: line ") and "column" in msg and "Fix:" in msg


def test_file_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"list.yaml: \(top level\): the file holds list"):
        load_instrument(path)


def test_missing_file_and_unknown_id(tmp_path):
    with pytest.raises(InstrumentError, match="does not exist"):
        load_instrument(tmp_path / "nothing.yaml")
    with pytest.raises(InstrumentError, match="partnership_cycle, ten_lessons"):
        load_instrument("eleven_lessons")


def test_user_file_with_mistake_names_the_file(tmp_path):
    d = tiny_dict()
    d["dimensions"][0]["items"][1]["reverse"] = "maybe"
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump(d), encoding="utf-8")
    with pytest.raises(InstrumentError) as err:
        load_instrument(path)
    assert str(err.value).startswith(f"{path}: dimensions[0].items[1].reverse: ")
    assert err.value.problems[0].place == "dimensions[0].items[1].reverse"
