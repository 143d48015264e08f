"""The review's tables (responses, scores by dimension and by item) as CSV and Excel: figures as
scored, suppressed rows empty and marked, full precision, and the formula-injection guard."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

from partnership_tools.reports.review_tables import (
    SHEETS,
    csv_text,
    guard,
    responses_table,
    review_tables,
    write_csv,
    write_workbook,
)
from partnership_tools.review import Instrument, Responses
from partnership_tools.review.scoring import OVERALL, score_review
from tests.conftest import tiny_dict

EVIL_GROUP = '=HYPERLINK("http://evil.test","click")'
EVIL_COMMENT = "+1 from me"
FIGURES = [
    "group_size",
    "respondents",
    "n",
    "mean",
    "median",
    "sd",
    "pct_positive",
    "pct_negative",
    "dont_know",
    "not_applicable",
    "missing",
]
# level sizes per wave: in w1, M (2) and C (3) are below 5 (together 5: nothing else is hidden)
SIZES = {"w1": {"P": 6, "M": 2, "F": 7, "C": 3}, "w2": {"P": 5, "M": 5}}


@pytest.fixture(scope="module")
def inst() -> Instrument:
    data = tiny_dict()
    data["respondent_fields"][1]["values"] = [EVIL_GROUP, "Voluntary"]
    return Instrument.from_dict(data)


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    out = []
    n = 0
    for wave, sizes in SIZES.items():
        for level, k in sizes.items():
            for j in range(k):
                n += 1
                out.append(
                    {
                        "respondent_id": f"p{n}",
                        "wave": wave,
                        "level": level,
                        "partner_type": EVIL_GROUP if n % 2 else "Voluntary",
                        "a1": 1 + (3 * n + j) % 5,
                        "a2": 8 if n % 7 == 0 else 1 + (2 * n) % 5,
                        "b1": 9 if n % 5 == 0 else (4 if level == "P" else 2),
                        "comments": EVIL_COMMENT if n == 1 else "",
                    }
                )
    return out


@pytest.fixture(scope="module")
def responses(inst, rows) -> Responses:
    return Responses.from_records(inst, rows)


@pytest.fixture(scope="module")
def result(inst, responses):
    return score_review(responses, inst, by="level", min_group_size=5)


@pytest.fixture(scope="module")
def tables(inst, responses, result):
    return review_tables(
        responses, inst, result, title="Tiny spring", written_at="2026-01-02T03:04:05Z"
    )


def parse(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_guard_rule():
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert guard(bad) == "'" + bad
    assert guard("fine =") == "fine ="
    assert guard(3.5) == 3.5 and guard(None) is None


def test_small_groups_are_empty_and_marked(tables):
    d = tables.dimensions
    small = d[(d["wave"] == "w1") & (d["grouped_by"] == "level") & d["group"].isin(["M", "C"])]
    assert len(small) == 2 * 2  # two groups x two dimensions
    assert set(small["suppressed"]) == {"yes"}
    assert set(small["note"]) == {"fewer than 5 respondents"}
    for c in [*FIGURES, "band"]:
        assert all(v is None or v == "" for v in small[c]), c
    shown = d[(d["wave"] == "w1") & (d["grouped_by"] == "level") & d["group"].isin(["P", "F"])]
    assert set(shown["suppressed"]) == {"no"} and shown["mean"].notna().all()
    # and in the CSV: the suppressed rows' figure cells are empty text
    for row in parse(csv_text(d)):
        if row["suppressed"] == "yes":
            assert all(row[c] == "" for c in FIGURES), row
            assert row["note"]
        else:
            assert row["suppressed"] == "no" and row["n"] != ""


def test_figures_are_the_scoring_results(inst, responses, tables, result):
    by_partner = score_review(responses, inst, by="partner_type", min_group_size=5)
    overall = score_review(responses, inst, min_group_size=5)
    expected = {"level": result, "partner_type": by_partner, "": overall}
    for kind, key in (("dimensions", "dimension"), ("items", "item")):
        table = tables.table(kind)
        assert len(table) == sum(
            int((getattr(r, kind)["overall"] == (by == "")).sum()) for by, r in expected.items()
        )
        for row in table.to_dict("records"):
            src = getattr(expected[row["grouped_by"]], kind)
            match = src[
                (src["wave"] == row["wave"])
                & (src["group"] == row["group"])
                & (src[key] == row[key])
            ]
            assert len(match) == 1
            m = match.iloc[0]
            assert (row["suppressed"] == "yes") == bool(m["suppressed"])
            for c in FIGURES:
                want = m[c]
                if pd.isna(want):
                    assert row[c] is None
                else:
                    assert row[c] == want, (c, row)
            band = m["band_label"]
            assert row["band"] == ("" if pd.isna(band) or band == "None" else band)


def test_one_mean_by_hand(rows, tables):
    # item a2 is reverse-worded: its score is 6 - x; 8 is "don't know", never averaged
    answers = [r["a2"] for r in rows if r["wave"] == "w1" and r["level"] == "F" and r["a2"] != 8]
    want = sum(6 - x for x in answers) / len(answers)
    t = tables.items
    row = t[(t["wave"] == "w1") & (t["group"] == "F") & (t["item"] == "a2")].iloc[0]
    assert row["mean"] == pytest.approx(want, rel=1e-15)
    assert row["n"] == len(answers)
    # the overall mean of dimension A in w2 pools a1 and a2 (reversed) over every respondent
    pooled = [r["a1"] for r in rows if r["wave"] == "w2"] + [
        6 - r["a2"] for r in rows if r["wave"] == "w2" and r["a2"] != 8
    ]
    d = tables.dimensions
    row = d[(d["wave"] == "w2") & (d["group"] == OVERALL) & (d["dimension"] == "A")].iloc[0]
    assert row["mean"] == pytest.approx(sum(pooled) / len(pooled), rel=1e-15)
    assert row["grouped_by"] == ""


def test_csv_keeps_full_precision(tables, result):
    text = csv_text(tables.dimensions)
    means = {
        (r["wave"], r["group"], r["dimension"]): r["mean"]
        for r in parse(text)
        if r["grouped_by"] in ("level", "")
    }
    d = result.dimensions
    checked = 0
    for rec in d[~d["suppressed"]].to_dict("records"):
        cell = means[(rec["wave"], rec["group"], rec["dimension"])]
        assert float(cell) == rec["mean"]  # exactly: nothing rounded
        checked += 1
    assert checked >= 6
    assert any(len(v.split(".")[-1]) > 4 for v in means.values() if v)


def test_responses_table(inst, rows, responses):
    t = responses_table(responses, inst)
    assert list(t["respondent_id"]) == [r["respondent_id"] for r in rows]
    assert list(t.columns[:4]) == ["respondent_id", "wave", "level", "partner_type"]
    first = t.iloc[0]
    assert first["a1 answer"] == inst.scale.label_for(rows[0]["a1"])
    assert first["a1 score"] == rows[0]["a1"]
    assert first["a2 score"] == 6 - rows[0]["a2"]  # reverse-worded
    dk = t.iloc[6]  # p7: a2 is "don't know"
    assert dk["a2 answer"] == "Don't know" and dk["a2 score"] is None
    assert first["comments"] == EVIL_COMMENT
    assert ("source" in t.columns) == ("source" in responses.frame.columns)


def test_source_column_when_the_responses_have_one(inst, responses):
    frame = responses.frame.assign(source=["form"] * 3 + ["paper.csv"] * (responses.n - 3))
    fake = SimpleNamespace(frame=frame, field_ids=responses.field_ids)
    t = responses_table(fake, inst)  # type: ignore[arg-type]
    assert list(t.columns)[-2:] == ["comments", "source"]
    assert list(t["source"][:4]) == ["form", "form", "form", "paper.csv"]


def test_formula_guard_in_csv(tables, tmp_path):
    path = tmp_path / "out" / "responses.csv"
    write_csv(tables.responses, path)
    text = path.read_text(encoding="utf-8-sig")
    got = list(csv.DictReader(io.StringIO(text)))
    assert got[0]["comments"] == "'" + EVIL_COMMENT
    assert got[0]["partner_type"] == "'" + EVIL_GROUP
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text and ",+1" not in text
    scores = parse(csv_text(tables.dimensions))
    assert {"'" + EVIL_GROUP} <= {r["group"] for r in scores}
    assert not list(tmp_path.glob("out/.*.tmp"))  # written atomically, nothing left behind


def test_workbook(tables, tmp_path):
    path = tmp_path / "tables.xlsx"
    write_workbook(tables, path)
    wb = openpyxl.load_workbook(path)
    assert (
        wb.sheetnames
        == [s for s, _ in SHEETS]
        == ["About", "Responses", "Scores by dimension", "Scores by item"]
    )
    about = {r[0]: r[1] for r in wb["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Review"] == "Tiny spring"
    assert about["Minimum group size"] == "5"
    assert "Tiny check" in about["Instrument"]
    assert about["Written"] == "2026-01-02T03:04:05Z"
    assert "suppressed" in about["Suppressed"]
    # the formula guard: text, with the apostrophe, never a formula
    ws = wb["Responses"]
    header = [c.value for c in ws[1]]
    comment = ws.cell(row=2, column=header.index("comments") + 1)
    assert comment.value == "'" + EVIL_COMMENT and comment.data_type == "s"
    cells = [c for row in wb["Scores by dimension"].iter_rows() for c in row]
    evil = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert evil and all(c.value == "'" + EVIL_GROUP and c.data_type == "s" for c in evil)
    assert not any(c.data_type == "f" for c in cells)
    # suppressed rows: empty figure cells; shown rows: the numbers themselves
    ws = wb["Scores by dimension"]
    head = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(head)}
    d = tables.dimensions
    seen_hidden = 0
    for values, (_, want) in zip(
        ws.iter_rows(min_row=2, values_only=True), d.iterrows(), strict=True
    ):
        if values[col["suppressed"]] == "yes":
            seen_hidden += values[col["note"]] == "fewer than 5 respondents"
            assert all(values[col[c]] is None for c in FIGURES)
            assert values[col["note"]] in (
                "fewer than 5 respondents",  # the group itself is small
                "hidden so that a smaller group cannot be worked out from the others",
                "fewer than 5 people answered this",  # a theme few answered within the group
            )
        else:  # Excel keeps 15-16 significant digits (the CSV keeps them all)
            assert values[col["mean"]] == pytest.approx(want["mean"], rel=1e-15)
            assert values[col["n"]] == want["n"]
    assert seen_hidden == 4  # M and C in w1, two themes each (the others: too few answers)
