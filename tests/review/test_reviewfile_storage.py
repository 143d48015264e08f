"""Review files (canonical, atomic JSON) and the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest
import sqlalchemy as sa

from partnership_tools.review import (
    ActionItem,
    ActionPlan,
    Responses,
    Review,
    ReviewFileError,
    ReviewSettings,
    read_review,
    review_to_json,
    write_review,
)
from partnership_tools.review.reviewfile import (
    RECORD_LAYOUT,
    RECORDED_COLUMNS,
    REVIEW_SCHEMA_VERSION,
    record_result,
    recorded_figures,
)
from partnership_tools.store import reviews as st
from partnership_tools.store.reviews import ReviewStoreError


@pytest.fixture
def review(ten, sample) -> Review:
    return Review(
        id="county-2024",
        title="County partnership review – phase two",
        instrument=ten,
        responses=sample,
        settings=ReviewSettings(by="level", before="phase one", after="phase two"),
        action_plan=ActionPlan(
            (ActionItem("people", "Agree a pooled budget", "Finance leads", "2024-09-30"),)
        ),
        created_at="2024-05-01T10:00:00Z",
        notes="Café à Noël: UTF-8 stays as it is.",
    )


def test_review_file_is_canonical_and_stable(review, tmp_path):
    path = write_review(review, tmp_path / "review.json")
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "Café à Noël" in text and "–" in text
    data = json.loads(text)
    assert data["schema_version"] == REVIEW_SCHEMA_VERSION and list(data) == sorted(data)
    assert text == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    again = read_review(path)
    assert again == review and again.responses.equals(review.responses)
    write_review(again, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "again.json",
        "review.json",
    ]  # no temp files left
    assert again.score().dimensions.equals(review.score().dimensions)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "is not valid JSON (line 1"),
        ("[]", "has no schema_version"),
        ('{"schema_version": 99}', "version 99"),
        ('{"schema_version": 1, "kind": "session"}', "not a review"),
        ('{"schema_version": 1}', "the key 'id' is missing"),
    ],
)
def test_bad_review_files(tmp_path, text, words):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReviewFileError, match="bad.json") as err:
        read_review(path)
    assert words in str(err.value)


def test_review_file_with_broken_instrument(review, tmp_path):
    data = json.loads(review_to_json(review))
    data["instrument"]["bands"]["discuss"] = 4.5
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        ReviewFileError, match="The instrument in r.json is not valid: .*bands: cut points"
    ):
        read_review(path)
    with pytest.raises(ReviewFileError, match="There is no file"):
        read_review(tmp_path / "none.json")


def _check_store(db, review):
    st.save_review(db, review)
    back = st.load_review(db, review.id)
    assert back == review
    assert st.list_reviews(db) == [
        {
            "id": review.id,
            "title": review.title,
            "instrument_id": "ten_lessons",
            "created_at": st.list_reviews(db)[0]["created_at"],
            "updated_at": st.list_reviews(db)[0]["updated_at"],
            "responses": review.responses.n,
            "waves": 2,
        }
    ]
    # saving one wave again replaces only that wave
    two = review.responses.for_wave("phase two")
    st.save_responses(db, review.id, two)
    loaded = st.load_responses(db, review.id)
    assert loaded.n == review.responses.n and loaded.waves == ("phase one", "phase two")
    assert st.load_responses(db, review.id, waves=["phase one"]).n == 40
    st.save_settings(db, review.id, ReviewSettings(by="partner_type", min_group_size=7))
    assert st.load_settings(db, review.id).min_group_size == 7
    with pytest.raises(ValueError, match="not a dimension"):
        st.save_action_plan(db, review.id, ActionPlan((ActionItem("nope", "x"),)))
    assert st.load_action_plan(db, review.id) == review.action_plan  # unchanged after the refusal
    with pytest.raises(ReviewStoreError, match="already a review"):
        st.create_review(db, review.id, "again", review.instrument)
    st.delete_review(db, review.id)
    assert st.list_reviews(db) == []
    with pytest.raises(ReviewStoreError, match="There is no review 'county-2024'"):
        st.load_review(db, review.id)


def test_store_round_trips_a_review(review, store_target):
    db = st.open_review_store(store_target)
    _check_store(db, review)
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"review_reviews", "review_responses", "review_actions", "sessions"} <= tables
    db.dispose()


def test_the_shared_sqlite_store_is_in_wal_mode(review, tmp_path):
    db = st.open_review_store(tmp_path / "shared.sqlite")
    _check_store(db, review)
    db.dispose()
    plain = sqlite3.connect(tmp_path / "shared.sqlite")
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    plain.close()


def test_failed_write_leaves_nothing_behind(review, store_target, ten):
    db = st.open_review_store(store_target)
    st.create_review(db, "r", "R", ten)
    bad = Responses(ten.id, review.responses.frame.assign(ud1=7.0), ten.item_ids, ten.field_ids)
    with pytest.raises(ValueError, match="neither on the scale nor a code"):
        st.save_responses(db, "r", bad)
    assert st.load_responses(db, "r").n == 0
    # a whole review saved over it that fails half-way leaves the stored one as it was
    good = review.responses.for_wave("phase one")
    st.save_responses(db, "r", good)
    broken = dataclasses.replace(review, id="r", responses=bad)
    with pytest.raises(ValueError, match="neither on the scale nor a code"):
        st.save_review(db, broken)
    assert st.load_responses(db, "r").n == good.n
    assert st.load_review(db, "r").title == "R"
    db.dispose()


def test_recorded_result_round_trips(review, tmp_path):
    recorded = review.with_result()
    path = write_review(recorded, tmp_path / "r.json")
    again = read_review(path)
    scored = review.score()
    assert again.result == record_result(json.loads(json.dumps(scored.to_dict())))
    figures = recorded_figures(again.result)
    overall = scored.dimensions[scored.dimensions["overall"]]
    recorded_means = {
        (r["wave"], r["dimension"]): r["mean"] for r in figures["dimensions"] if r["overall"]
    }
    assert recorded_means == {
        (w, d): m
        for w, d, m in zip(overall["wave"], overall["dimension"], overall["mean"], strict=True)
    }
    write_review(again, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()


# -- what a saved review records (issue 11: 852 KB for 5 responses) ---------------------------
LEVELS = ("Policy maker", "Manager", "Front-line worker", "Citizen or community activist")
PARTNERS = ("Central government", "Local statutory body", "Voluntary or community organisation")


def generated_review(inst, n: int, seed: int = 11) -> Review:
    """``n`` respondents to ``inst`` (half in each of two waves, four levels), answers drawn with a
    fixed seed: 2% blank, 4% don't know, 2% not applicable, the rest 1 to 5; scored by level."""
    import numpy as np

    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        rec = {
            "respondent_id": f"p{i + 1:04d}",
            "wave": "phase one" if i < n // 2 else "phase two",
            "level": LEVELS[int(rng.integers(len(LEVELS)))],
            "partner_type": PARTNERS[int(rng.integers(len(PARTNERS)))],
        }
        for item in inst.item_ids:
            r = rng.random()
            rec[item] = (
                None if r < 0.02 else 8 if r < 0.06 else 9 if r < 0.08 else int(rng.integers(1, 6))
            )
        records.append(rec)
    return Review(
        f"generated-{n}",
        f"Generated review of {n}",
        inst,
        Responses.from_records(inst, records),
        settings=ReviewSettings(by="level", before="phase one", after="phase two"),
        action_plan=ActionPlan((ActionItem("people", "Agree a pooled budget", "Finance leads"),)),
        created_at="2024-05-01T10:00:00Z",
    )


@pytest.fixture(scope="module")
def hundred(ten, tmp_path_factory):
    """A 100-respondent review saved with its result, as the app saves it."""
    review = generated_review(ten, 100).with_result()
    return write_review(review, tmp_path_factory.mktemp("hundred") / "hundred.json")


def test_a_hundred_respondents_save_under_200_kb(hundred, ten):
    raw = hundred.read_bytes()
    assert len(raw) < 200_000, len(raw)
    data = json.loads(raw)
    assert data["schema_version"] == REVIEW_SCHEMA_VERSION == 3
    assert len(data["responses"]["rows"]) == 100
    result = data["result"]
    assert result["layout"] == RECORD_LAYOUT
    # written once: the columns, then one line per row, no statement texts or band labels
    assert result["dimensions"]["columns"] == list(RECORDED_COLUMNS["dimensions"])
    assert "distribution" not in result and "text" not in result["items"]["columns"]
    assert ten.dimensions[0].items[0].text not in raw.decode("utf-8").split('"result"')[1]
    # all respondents and the four levels, in two waves of ten dimensions
    assert len(result["dimensions"]["rows"]) == 2 * 10 * 5
    assert len(result["items"]["rows"]) == 2 * len(ten.item_ids)
    assert [(p["wave"], p["dimension"]) for p in result["pieces"]] == [
        (w, d) for w in ("phase one", "phase two") for d in ten.dimension_ids
    ]
    # full precision: a recorded mean is the recount's float exactly
    back = read_review(hundred)
    first = recorded_figures(back.result)["dimensions"][0]
    dims = back.score().dimensions
    assert (
        first["mean"]
        == dims[
            (dims["wave"] == first["wave"])
            & dims["overall"]
            & (dims["dimension"] == first["dimension"])
        ]["mean"].iloc[0]
    )


def test_the_file_is_smaller_than_the_whole_result(hundred):
    data = json.loads(hundred.read_text(encoding="utf-8"))
    review = read_review(hundred)
    whole = len(json.dumps(review.score().to_dict(), indent=2).encode("utf-8"))
    recorded = len(json.dumps(data["result"], indent=2).encode("utf-8"))
    assert recorded * 10 < whole
