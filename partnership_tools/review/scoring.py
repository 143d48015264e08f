"""Scoring a partnership review: pure functions from responses to long-form pandas tables.

**Scores.** Answers are *scored* before anything is counted: a reverse-worded item's answer ``x``
scores ``low + high - x`` (on a 1-5 scale, 5 scores 1). "Don't know" and "not applicable" are
counted apart and never averaged; blanks (and cells that could not be read) are missing, never 0.

For an item, over the valid answers ``x_1..x_n`` of the respondents in a row (a wave and a group):

* ``n`` = number of valid answers, ``mean`` = sum(x) / n, ``median`` as usual (the average of the two
  middle answers when n is even), ``sd`` = sqrt(sum((x - mean)^2) / (n - 1)) (None when n < 2);
* ``pct_positive`` = 100 x (answers scored in the scale's positive values) / n, likewise ``pct_negative``;
* ``dont_know``, ``not_applicable`` and ``missing`` (blank) are counts of answers.

A dimension pools every valid answer to its items in the same way (so ``n`` counts answers, not
people); ``respondents`` counts the people who gave any answer to at least one of its items. It
``met_minimum`` when ``n >= min_valid_answers`` and only then gets a ``band`` (strength, discuss or
concern, from the instrument's cut points).

**Anonymity** (see :func:`suppression_plan`): within a wave, a group with fewer than
``min_group_size`` respondents shows no figures at all; if the groups hidden that way add up to fewer
than ``min_group_size`` respondents, the next-smallest shown group is hidden too (complementary
suppression), so subtracting the shown groups from the total never gives the figures of fewer
than ``min_group_size`` people. A wave with fewer respondents than that shows nothing.

>>> from partnership_tools.review.instrument import load_instrument
>>> inst = load_instrument("ten_lessons")
>>> from partnership_tools.review.responses import Responses
>>> r = Responses.from_records(inst, [{"ud1": 4, "ud3": 5}, {"ud1": 5, "ud3": "Don't know"},
...                                   {"ud1": 2, "ud3": 2}])
>>> t = score_items(r, inst, min_group_size=1)
>>> row = t.set_index("item").loc["ud1"]
>>> int(row["n"]), round(float(row["mean"]), 4), float(row["median"]), round(float(row["pct_positive"]), 2)
(3, 3.6667, 4.0, 66.67)
>>> row = t.set_index("item").loc["ud3"]  # reverse-worded: 5 scores 1 and 2 scores 4
>>> int(row["n"]), float(row["mean"]), int(row["dont_know"])
(2, 2.5, 1)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from partnership_tools.review.instrument import Instrument
from partnership_tools.review.responses import Responses
from partnership_tools.review.settings import DEFAULT_MIN_GROUP_SIZE, ReviewSettings

__all__ = [
    "COMPLEMENTARY",
    "Coverage",
    "NOT_STATED",
    "OVERALL",
    "ReviewResult",
    "SMALL_GROUP",
    "SMALL_TOTAL",
    "compare_waves",
    "coverage",
    "group_gaps",
    "item_distribution",
    "score_dimensions",
    "score_items",
    "score_review",
    "suppress",
    "suppression_plan",
]

#: The group label of the rows that cover every respondent.
OVERALL = "All respondents"
#: The group of respondents who did not give the grouping field.
NOT_STATED = "Not stated"
#: Reasons a row is suppressed.
SMALL_GROUP = "small_group"
COMPLEMENTARY = "complementary"
SMALL_TOTAL = "small_total"

_REASON_TEXT = {
    SMALL_GROUP: "fewer than {k} respondents",
    COMPLEMENTARY: "hidden so that a smaller group cannot be worked out from the total",
    SMALL_TOTAL: "fewer than {k} respondents in the whole wave",
}

_KEY_COLS = ["wave", "by", "group", "overall", "group_size"]
_FIGURES = [
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
_COUNT_COLS = {"group_size", "respondents", "n", "dont_know", "not_applicable", "missing", "count"}


# -- suppression ---------------------------------------------------------------------------------
def suppression_plan(
    sizes: Mapping[str, int], min_group_size: int = DEFAULT_MIN_GROUP_SIZE
) -> dict[str, str | None]:
    """Which groups to hide, and why, given each group's number of respondents in one wave.

    ``sizes`` lists every group that makes up the total (including "not stated"), in display order.
    The rule, with ``k = min_group_size``:

    1. if the total is below ``k``, hide everything, the overall row included (``small_total``);
    2. hide every group with ``0 < size < k`` (``small_group``);
    3. while the hidden groups together hold ``0 < hidden < k`` respondents, also hide the shown
       group with the fewest respondents (the first one in ``sizes`` order on a tie)
       (``complementary``).

    After step 3 the respondents hidden together number 0 or at least ``k``, so the total minus the
    shown groups never reveals fewer than ``k`` people. The result maps each group, and
    :data:`OVERALL`, to its reason or None when it is shown.

    >>> suppression_plan({"A": 3, "B": 6, "C": 20}, 5)
    {'A': 'small_group', 'B': 'complementary', 'C': None, 'All respondents': None}
    >>> suppression_plan({"A": 3, "B": 2, "C": 20, "D": 9}, 5)
    {'A': 'small_group', 'B': 'small_group', 'C': None, 'D': None, 'All respondents': None}
    >>> suppression_plan({"A": 2, "B": 1}, 5)["All respondents"]
    'small_total'
    """
    k = int(min_group_size)
    total = sum(int(v) for v in sizes.values())
    plan: dict[str, str | None] = {g: None for g in sizes}
    if 0 < total < k:
        plan = {g: SMALL_TOTAL for g in sizes}
        plan[OVERALL] = SMALL_TOTAL
        return plan
    hidden = 0
    for g, s in sizes.items():
        if 0 < s < k:
            plan[g] = SMALL_GROUP
            hidden += int(s)
    while 0 < hidden < k:
        shown = [
            (int(s), i, g) for i, (g, s) in enumerate(sizes.items()) if plan[g] is None and s > 0
        ]
        if not shown:  # pragma: no cover - cannot happen: then hidden == total >= k
            break
        s, _, g = min(shown)
        plan[g] = COMPLEMENTARY
        hidden += s
    plan[OVERALL] = None
    return plan


def suppress(table: pd.DataFrame, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> pd.DataFrame:
    """Apply :func:`suppression_plan` to a scored table, per wave, from its ``group_size`` column.

    Works on the tables of :func:`score_items`, :func:`score_dimensions` and
    :func:`item_distribution`: scoring with ``min_group_size=1`` and then suppressing with ``k`` gives
    the same table as scoring with ``k``. Hidden rows keep their keys (wave, group, item or dimension)
    and lose every figure; ``suppressed`` is True and ``suppressed_reason`` says why.
    """
    out = table.copy()
    if out.empty:
        return out
    if "suppressed" not in out:
        out["suppressed"] = False
        out["suppressed_reason"] = pd.Series([None] * len(out), dtype="str")
    sizes = (
        out[["wave", "group", "overall", "group_size"]].drop_duplicates(["wave", "group"]).copy()
    )
    # groups hidden earlier have no size left: they stay hidden and count as 0 here (conservative)
    sizes["group_size"] = sizes["group_size"].fillna(0)
    reasons: dict[tuple[str, str], str | None] = {}
    for wave, part in sizes.groupby("wave", sort=False):
        groups = part[~part["overall"].astype(bool)]
        plan = suppression_plan(
            dict(zip(groups["group"], groups["group_size"].astype(int), strict=True)),
            min_group_size,
        )
        ov = part[part["overall"].astype(bool)]
        if len(ov) and not len(groups):  # no grouping: only the total
            n = int(ov["group_size"].iloc[0])
            plan[OVERALL] = SMALL_TOTAL if 0 < n < min_group_size else None
        for g, reason in plan.items():
            reasons[(wave, g)] = reason
    keys = list(zip(out["wave"], out["group"], strict=True))
    reason = pd.Series([reasons.get(k) for k in keys], index=out.index, dtype="object")
    hide = reason.notna() & ~out["suppressed"].astype(bool)
    if hide.any():
        figure_cols = [
            c for c in out.columns if c in _FIGURES or c in _HIDDEN_EXTRA or c == "group_size"
        ]
        for c in figure_cols:
            out[c] = out[c].mask(hide)
        out.loc[hide, "suppressed"] = True
        out.loc[hide, "suppressed_reason"] = reason[hide].astype(str)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


_HIDDEN_EXTRA = {"band", "band_label", "met_minimum", "count", "pct_of_valid", "pct_of_answers"}


# -- tallying --------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Tally:
    """Counts of scored answers: ``counts[w, g, i, c]`` for wave w, group g (0 = overall), item i and
    category c (scale positions 0..K-1 as scored, then don't know, not applicable, blank)."""

    instrument: Instrument
    by: str | None
    waves: tuple[str, ...]
    groups: tuple[str, ...]  # index 0 is OVERALL
    counts: np.ndarray
    sizes: np.ndarray  # (W, G1) respondents
    dim_respondents: np.ndarray  # (W, G1, D)
    item_respondents: np.ndarray  # (W, G1, I)


def _as_responses(responses: Responses | pd.DataFrame, instrument: Instrument) -> Responses:
    if isinstance(responses, Responses):
        if responses.instrument_id != instrument.id:
            raise ValueError(
                f"These responses are to {responses.instrument_id!r}, not {instrument.id!r}."
            )
        return responses
    return Responses.from_frame(responses, instrument)


def _wave_list(waves: str | Sequence[str] | None) -> tuple[str, ...]:
    if waves is None:
        return ()
    if isinstance(waves, str):
        return (waves,)
    return tuple(waves)


def _group_values(
    frame: pd.DataFrame, instrument: Instrument, by: str
) -> tuple[list[str], np.ndarray]:
    try:
        fld = instrument.field(by)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    col = frame[by]
    present = [v for v in pd.unique(col.dropna())]
    order = [v for v in fld.values if v in set(present)] + sorted(
        v for v in present if v not in set(fld.values)
    )
    cat = pd.Categorical(col, categories=order)
    codes = np.asarray(cat.codes, dtype=np.int64)
    if (codes < 0).any():
        order.append(NOT_STATED)
        codes = np.where(codes < 0, len(order) - 1, codes)
    return order, codes


def _tally(
    responses: Responses | pd.DataFrame, instrument: Instrument, by: str | None, waves: Any
) -> _Tally:
    r = _as_responses(responses, instrument)
    frame = r.frame
    wanted = _wave_list(waves)
    all_waves = r.waves
    if wanted:
        unknown = [w for w in wanted if w not in all_waves]
        if unknown:
            raise ValueError(
                f"There is no wave {unknown[0]!r}; the waves are: {', '.join(all_waves) or 'none'}."
            )
        frame = frame[frame["wave"].isin(wanted)]
        wave_order = tuple(w for w in all_waves if w in wanted)
    else:
        wave_order = all_waves
    wave_idx = np.asarray(
        pd.Categorical(frame["wave"], categories=list(wave_order)).codes, dtype=np.int64
    )
    if by:
        groups, group_idx = _group_values(frame, instrument, by)
        group_idx = group_idx + 1
    else:
        groups, group_idx = [], np.zeros(len(frame), dtype=np.int64)
    W, G1 = len(wave_order), len(groups) + 1

    scale = instrument.scale
    values = np.array(scale.values)
    K = len(values)
    C = K + 3
    item_ids = instrument.item_ids
    n_items = len(item_ids)
    cols = [c for c in item_ids]
    X = frame[cols].to_numpy(dtype=np.float64) if len(frame) else np.empty((0, n_items))

    allowed = list(scale.values) + list(scale.codes)
    lo_all, hi_all = min(allowed), max(allowed)
    lut = np.full(hi_all - lo_all + 1, -1, dtype=np.int16)
    for k, v in enumerate(scale.values):
        lut[v - lo_all] = k
    if scale.dont_know is not None:
        lut[scale.dont_know - lo_all] = K
    if scale.not_applicable is not None:
        lut[scale.not_applicable - lo_all] = K + 1
    nan = np.isnan(X)
    Xf = np.where(nan, lo_all, X)
    Xi = Xf.astype(np.int64)
    bad = (Xi != Xf) | (Xi < lo_all) | (Xi > hi_all)
    cat = lut[np.clip(Xi - lo_all, 0, len(lut) - 1)]
    bad |= (cat < 0) & ~nan
    if bad.any():
        rr, cc = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(
            f"{int(bad.sum())} answer(s) are neither on the scale nor a code, "
            f"e.g. {X[rr, cc]:g} for item {item_ids[cc]} in row {rr + 1}."
        )
    cat[nan] = K + 2
    rev = np.array([instrument.item(i).reverse for i in item_ids], dtype=bool)
    if rev.any():
        sub = cat[:, rev]
        cat[:, rev] = np.where(sub < K, K - 1 - sub, sub)

    key = wave_idx * G1 + group_idx  # (N,)
    flat = (key[:, None] * n_items + np.arange(n_items)[None, :]) * C + cat
    counts = np.bincount(flat.ravel(), minlength=W * G1 * n_items * C).reshape(W, G1, n_items, C)
    sizes = np.bincount(key, minlength=W * G1).reshape(W, G1)
    answered = cat != K + 2
    item_resp = counts[..., : K + 2].sum(-1)
    dim_resp = np.zeros((W, G1, len(instrument.dimensions)), dtype=np.int64)
    pos = {iid: j for j, iid in enumerate(item_ids)}
    for d, dim in enumerate(instrument.dimensions):
        any_ans = answered[:, [pos[i] for i in dim.item_ids]].any(axis=1)
        dim_resp[:, :, d] = np.bincount(key[any_ans], minlength=W * G1).reshape(W, G1)
    if by:  # overall = sum over groups
        counts[:, 0] = counts[:, 1:].sum(axis=1)
        sizes[:, 0] = sizes[:, 1:].sum(axis=1)
        dim_resp[:, 0] = dim_resp[:, 1:].sum(axis=1)
        item_resp[:, 0] = item_resp[:, 1:].sum(axis=1)
    return _Tally(
        instrument, by, tuple(wave_order), (OVERALL, *groups), counts, sizes, dim_resp, item_resp
    )


def _stats(cnt: np.ndarray, instrument: Instrument) -> dict[str, np.ndarray]:
    """Figures from counts of scored categories (last axis)."""
    scale = instrument.scale
    v = np.array(scale.values, dtype=np.float64)
    K = len(v)
    valid = cnt[..., :K].astype(np.float64)
    n = valid.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (valid * v).sum(-1) / n
        dev = (v - mean[..., None]) ** 2
        sd = np.sqrt((valid * dev).sum(-1) / (n - 1))
        sd = np.where(n > 1, sd, np.nan)
        cum = valid.cumsum(-1)
        lo = np.floor((n - 1) / 2)
        hi = np.floor(n / 2)
        i_lo = (cum > lo[..., None]).argmax(-1)
        i_hi = (cum > hi[..., None]).argmax(-1)
        median = np.where(n > 0, (v[i_lo] + v[i_hi]) / 2, np.nan)
        pos_idx = [scale.values.index(x) for x in scale.positive]
        neg_idx = [scale.values.index(x) for x in scale.negative]
        pct_pos = 100 * valid[..., pos_idx].sum(-1) / n
        pct_neg = 100 * valid[..., neg_idx].sum(-1) / n
    return {
        "n": n.astype(np.int64),
        "mean": mean,
        "median": median,
        "sd": sd,
        "pct_positive": pct_pos,
        "pct_negative": pct_neg,
        "dont_know": cnt[..., K].astype(np.int64),
        "not_applicable": cnt[..., K + 1].astype(np.int64),
        "missing": cnt[..., K + 2].astype(np.int64),
    }


def _grid(t: _Tally, units: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W, G1 = t.sizes.shape
    w, g, u = np.meshgrid(np.arange(W), np.arange(G1), np.arange(units), indexing="ij")
    w, g, u = w.ravel(), g.ravel(), u.ravel()
    keep = t.sizes[w, g] > 0
    return w[keep], g[keep], u[keep]


def _frame(t: _Tally, w: np.ndarray, g: np.ndarray) -> dict[str, Any]:
    return {
        "wave": pd.Series(np.array(t.waves, dtype=object)[w], dtype="str"),
        "by": pd.Series([t.by] * len(w), dtype="str"),
        "group": pd.Series(np.array(t.groups, dtype=object)[g], dtype="str"),
        "overall": g == 0,
        "group_size": t.sizes[w, g],
    }


def _finish(df: pd.DataFrame, min_group_size: int) -> pd.DataFrame:
    for c in df.columns:
        if c in _COUNT_COLS:
            df[c] = df[c].astype("Int64")
    df["suppressed"] = False
    df["suppressed_reason"] = pd.Series([None] * len(df), dtype="str")
    df = suppress(df, min_group_size)
    for c in df.columns:
        if c in _COUNT_COLS:
            df[c] = df[c].astype("Int64")
    return df.reset_index(drop=True)


def _band_cols(df: pd.DataFrame, instrument: Instrument, ok: np.ndarray) -> None:
    bands = [
        instrument.bands.band(m) if good else None for m, good in zip(df["mean"], ok, strict=True)
    ]
    df["band"] = pd.Series(bands, dtype="str")
    df["band_label"] = pd.Series(
        [instrument.bands.label(b) if b else None for b in bands], dtype="str"
    )


def _score_items(t: _Tally, min_group_size: int) -> pd.DataFrame:
    inst = t.instrument
    items = inst.items
    w, g, u = _grid(t, len(items))
    st = _stats(t.counts[w, g, u], inst)
    df = pd.DataFrame(_frame(t, w, g))
    df["dimension"] = pd.Series([inst.dimension_of(items[i].id).id for i in u], dtype="str")
    df["item"] = pd.Series([items[i].id for i in u], dtype="str")
    df["text"] = pd.Series([items[i].text for i in u], dtype="str")
    df["reverse"] = np.array([items[i].reverse for i in u], dtype=bool)
    df["respondents"] = t.item_respondents[w, g, u]
    for k, v in st.items():
        df[k] = v
    _band_cols(df, inst, st["n"] > 0)
    return _finish(df, min_group_size)


def _dim_counts(t: _Tally) -> np.ndarray:
    pos = {iid: j for j, iid in enumerate(t.instrument.item_ids)}
    return np.stack(
        [t.counts[:, :, [pos[i] for i in d.item_ids]].sum(axis=2) for d in t.instrument.dimensions],
        axis=2,
    )


def _score_dimensions(t: _Tally, min_group_size: int) -> pd.DataFrame:
    inst = t.instrument
    dims = inst.dimensions
    w, g, u = _grid(t, len(dims))
    st = _stats(_dim_counts(t)[w, g, u], inst)
    df = pd.DataFrame(_frame(t, w, g))
    df["dimension"] = pd.Series([dims[i].id for i in u], dtype="str")
    df["title"] = pd.Series([dims[i].title for i in u], dtype="str")
    df["n_items"] = np.array([len(dims[i].items) for i in u], dtype=np.int64)
    df["respondents"] = t.dim_respondents[w, g, u]
    for k, v in st.items():
        df[k] = v
    df["min_valid_answers"] = np.array([dims[i].min_valid_answers for i in u], dtype=np.int64)
    met = st["n"] >= df["min_valid_answers"].to_numpy()
    df["met_minimum"] = pd.array(met, dtype="boolean")
    _band_cols(df, inst, met)
    return _finish(df, min_group_size)


def _distribution(t: _Tally, min_group_size: int) -> pd.DataFrame:
    inst = t.instrument
    scale = inst.scale
    items = inst.items
    K = len(scale.values)
    positions = list(range(K))
    kinds = ["scale"] * K
    for code, kind, pos in (
        (scale.dont_know, "dont_know", K),
        (scale.not_applicable, "not_applicable", K + 1),
    ):
        if code is not None:
            positions.append(pos)
            kinds.append(kind)
    w, g, u = _grid(t, len(items))
    cnt = t.counts[w, g, u]  # (R, C)
    n_valid = cnt[:, :K].sum(-1)
    n_answers = cnt[:, : K + 2].sum(-1)
    P = len(positions)
    r = np.repeat(np.arange(len(w)), P)
    pos = np.tile(np.array(positions), len(w))
    kind = np.tile(np.array(kinds, dtype=object), len(w))
    rev = np.array([it.reverse for it in items], dtype=bool)[u[r]]
    df = pd.DataFrame(_frame(t, w[r], g[r]))
    df["dimension"] = pd.Series(
        [inst.dimension_of(i.id).id for i in items], dtype=object
    ).to_numpy()[u[r]]
    df["item"] = np.array(inst.item_ids, dtype=object)[u[r]]
    df["text"] = np.array([i.text for i in items], dtype=object)[u[r]]
    df["reverse"] = rev
    df["kind"] = kind
    df["position"] = pos
    code_of = {K: scale.dont_know, K + 1: scale.not_applicable}
    value_of = np.array(
        [scale.values[p] if p < K else code_of[p] for p in range(max(positions) + 1)]
        if positions
        else []
    )
    label_of = np.array(
        [
            scale.labels[p] if p < K else scale.label_for(code_of[p])
            for p in range(max(positions) + 1)
        ],
        dtype=object,
    )
    df["scored_value"] = value_of[pos]
    df["scored_label"] = label_of[pos]
    raw = np.where(rev & (pos < K), K - 1 - pos, pos)
    df["answer_label"] = label_of[raw]
    c = cnt[r, pos]
    df["count"] = c
    with np.errstate(invalid="ignore", divide="ignore"):
        df["pct_of_valid"] = np.where(pos < K, 100 * c / n_valid[r], np.nan)
        df["pct_of_answers"] = 100 * c / n_answers[r]
    for col in (
        "wave",
        "group",
        "dimension",
        "item",
        "text",
        "kind",
        "scored_label",
        "answer_label",
    ):
        df[col] = df[col].astype("str")
    return _finish(df, min_group_size)


# -- public scoring functions ------------------------------------------------------------------------
def score_items(
    responses: Responses | pd.DataFrame,
    instrument: Instrument,
    by: str | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    waves: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Figures per item, per wave, overall and per group of the respondent field ``by``.

    One row per (wave, group, item); the overall rows have ``overall`` True and group
    :data:`OVERALL`. Columns: ``wave, by, group, overall, group_size, dimension, item, text, reverse,
    respondents, n, mean, median, sd, pct_positive, pct_negative, dont_know, not_applicable,
    missing, band, band_label, suppressed, suppressed_reason``.
    """
    t = _tally(responses, instrument, by, waves)
    return _score_items(t, min_group_size)


def score_dimensions(
    responses: Responses | pd.DataFrame,
    instrument: Instrument,
    by: str | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    waves: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Figures per dimension (pooling the valid answers to its items), per wave and group.

    Columns: ``wave, by, group, overall, group_size, dimension, title, n_items, respondents, n, mean,
    median, sd, pct_positive, pct_negative, dont_know, not_applicable, missing, min_valid_answers,
    met_minimum, band, band_label, suppressed, suppressed_reason``.
    """
    t = _tally(responses, instrument, by, waves)
    return _score_dimensions(t, min_group_size)


def item_distribution(
    responses: Responses | pd.DataFrame,
    instrument: Instrument,
    by: str | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    waves: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """How the answers to each item are spread over the scale, for diverging bar charts.

    One row per (wave, group, item, answer category). ``kind`` is ``scale``, ``dont_know`` or
    ``not_applicable``; scale rows are in scored order (``position`` 0 = least favourable), with
    ``scored_label`` the label of the scored value and ``answer_label`` what respondents actually
    chose (they differ on reverse-worded items). ``pct_of_valid`` = count / valid answers (scale rows
    only); ``pct_of_answers`` = count / (valid + don't know + not applicable).
    """
    t = _tally(responses, instrument, by, waves)
    return _distribution(t, min_group_size)


def group_gaps(dimensions: pd.DataFrame, threshold: float = 1.0) -> pd.DataFrame:
    """The largest difference between groups' means, per wave and dimension.

    Only groups that are shown (not suppressed), stated (not :data:`NOT_STATED`) and that met the
    dimension's minimum valid answers are compared. ``gap = highest mean - lowest mean``;
    ``flagged`` when ``gap >= threshold``. With fewer than two groups to compare, ``gap`` is None.

    >>> d = pd.DataFrame({"wave": "1", "dimension": "power", "title": "Power",
    ...     "group": ["All respondents", "A", "B", "C"], "overall": [True, False, False, False],
    ...     "mean": [3.5, 4.25, 2.5, 3.0], "suppressed": False, "met_minimum": True})
    >>> g = group_gaps(d, threshold=1.5).iloc[0]
    >>> float(g["gap"]), g["highest_group"], g["lowest_group"], bool(g["flagged"])
    (1.75, 'A', 'B', True)
    """
    cols = [
        "wave",
        "dimension",
        "title",
        "groups_compared",
        "gap",
        "highest_group",
        "highest_mean",
        "lowest_group",
        "lowest_mean",
        "threshold",
        "flagged",
    ]
    if dimensions.empty:
        return pd.DataFrame(columns=cols)
    d = dimensions
    ok = (
        ~d["overall"].astype(bool)
        & ~d["suppressed"].astype(bool)
        & (d["group"] != NOT_STATED)
        & d["met_minimum"].fillna(False).astype(bool)
        & d["mean"].notna()
    )
    keys = d[["wave", "dimension"]].drop_duplicates()
    titles = d.drop_duplicates(["wave", "dimension"]).set_index(["wave", "dimension"])
    p = d[ok].assign(mean=lambda x: x["mean"].astype(float))
    grouped = p.groupby(["wave", "dimension"], sort=False)["mean"]
    hi_idx, lo_idx, count = grouped.idxmax(), grouped.idxmin(), grouped.size()
    rows = []
    for wave, dim in keys.itertuples(index=False, name=None):
        title = titles.loc[(wave, dim), "title"] if "title" in titles else dim
        k = (wave, dim)
        n = int(count.get(k, 0))
        if n >= 2:
            hi, lo = p.loc[hi_idx[k]], p.loc[lo_idx[k]]
            gap = float(hi["mean"]) - float(lo["mean"])
            rows.append(
                [
                    wave,
                    dim,
                    title,
                    n,
                    gap,
                    hi["group"],
                    float(hi["mean"]),
                    lo["group"],
                    float(lo["mean"]),
                    float(threshold),
                    gap >= threshold,
                ]
            )
        else:
            rows.append(
                [wave, dim, title, n, np.nan, None, np.nan, None, np.nan, float(threshold), False]
            )
    out = pd.DataFrame(rows, columns=cols)
    out["groups_compared"] = out["groups_compared"].astype("Int64")
    out["flagged"] = out["flagged"].astype(bool)
    for c in ("wave", "dimension", "title", "highest_group", "lowest_group"):
        out[c] = out[c].astype("str")
    return out


#: Changes smaller than this (in scale points) are described as "held steady".
STEADY = 0.1


def compare_waves(
    dimensions: pd.DataFrame, before: str | None = None, after: str | None = None
) -> pd.DataFrame:
    """The change in each dimension's mean between two waves, overall and per group.

    ``before``/``after`` default to the first and last waves in the table. ``change = mean_after -
    mean_before``; a row is ``suppressed`` when either wave's row is. ``direction`` is ``up``,
    ``down`` or ``steady`` (a change smaller than :data:`STEADY` points either way).
    """
    cols = [
        "dimension",
        "title",
        "group",
        "overall",
        "before",
        "after",
        "n_before",
        "n_after",
        "mean_before",
        "mean_after",
        "change",
        "direction",
        "band_before",
        "band_after",
        "suppressed",
    ]
    waves = list(pd.unique(dimensions["wave"])) if not dimensions.empty else []
    before = before if before is not None else (waves[0] if waves else None)
    after = after if after is not None else (waves[-1] if waves else None)
    for w in (before, after):
        if w is not None and w not in waves:
            raise ValueError(
                f"There is no wave {w!r}; the waves are: {', '.join(waves) or 'none'}."
            )
    if before is None or after is None or before == after:
        return pd.DataFrame(columns=cols)
    keys = ["dimension", "group"]
    b = dimensions[dimensions["wave"] == before].set_index(keys)
    a = dimensions[dimensions["wave"] == after].set_index(keys)
    idx = a.index.intersection(b.index, sort=False) if len(a) else a.index
    order = [k for k in a.index if k in set(idx)]
    rows = []
    for k in order:
        rb, ra = b.loc[k], a.loc[k]
        supp = bool(rb["suppressed"]) or bool(ra["suppressed"])
        mb = np.nan if supp or pd.isna(rb["mean"]) else float(rb["mean"])
        ma = np.nan if supp or pd.isna(ra["mean"]) else float(ra["mean"])
        change = ma - mb
        direction = (
            None
            if np.isnan(change)
            else ("steady" if abs(change) < STEADY else ("up" if change > 0 else "down"))
        )
        rows.append(
            [
                k[0],
                ra.get("title", k[0]),
                k[1],
                bool(ra["overall"]),
                before,
                after,
                pd.NA if supp else rb["n"],
                pd.NA if supp else ra["n"],
                mb,
                ma,
                change,
                direction,
                None if supp else rb["band"],
                None if supp else ra["band"],
                supp,
            ]
        )
    out = pd.DataFrame(rows, columns=cols)
    for c in ("n_before", "n_after"):
        out[c] = out[c].astype("Int64")
    for c in (
        "dimension",
        "title",
        "group",
        "before",
        "after",
        "direction",
        "band_before",
        "band_after",
    ):
        out[c] = out[c].astype("str")
    out["overall"] = out["overall"].astype(bool)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


@dataclass(frozen=True, eq=False)
class Coverage:
    """How many respondents spoke for each level of the vertical slice, per wave.

    ``table`` has ``wave, level, respondents, share, status``: ``covered``, ``small`` (fewer than the
    minimum group size), ``missing`` (nobody) or ``not_stated`` (the row counting those who did not
    say); ``share`` is a percentage of the wave's respondents.
    """

    field: str
    table: pd.DataFrame

    def warnings_for(self, wave: str) -> tuple[str, ...]:
        """Plain sentences about the gaps in one wave's coverage."""
        out = []
        what = self.field.replace("_", " ")
        for _, row in self.table[self.table["wave"] == wave].iterrows():
            lev, n = str(row["level"]), int(row["respondents"])
            if row["status"] == "missing":
                out.append(
                    f"Nobody speaking as {lev.lower()} answered in {wave}: that part of the vertical slice is missing."
                )
            elif row["status"] == "small":
                out.append(
                    f"Only {n} respondent(s) speaking as {lev.lower()} answered in {wave}: too few to show their answers separately."
                )
            elif row["status"] == "not_stated":
                out.append(f"{n} respondent(s) in {wave} did not say which {what} they speak for.")
        return tuple(out)

    @property
    def warnings(self) -> tuple[str, ...]:
        """:meth:`warnings_for` every wave, in order."""
        return tuple(w for wave in pd.unique(self.table["wave"]) for w in self.warnings_for(wave))

    @property
    def missing(self) -> tuple[tuple[str, str], ...]:
        t = self.table[self.table["status"] == "missing"]
        return tuple(zip(t["wave"], t["level"], strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "table": _records(self.table)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Coverage:
        return cls(str(d["field"]), _from_records(d.get("table") or [], _COLUMNS["coverage"]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Coverage) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


def coverage(
    responses: Responses | pd.DataFrame,
    instrument: Instrument,
    field: str | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    waves: str | Sequence[str] | None = None,
) -> Coverage:
    """Count respondents per level of the vertical slice (``field``, default the instrument's
    ``coverage_field``), with a warning for each level nobody spoke for.

    Counts of respondents are shown even below ``min_group_size`` (they say nothing about answers),
    but such a level is marked ``small``: its answers are not shown as a separate group.
    """
    r = _as_responses(responses, instrument)
    fid = field or instrument.coverage_field
    if not fid:
        raise ValueError(
            f"Instrument {instrument.id!r} names no coverage_field; say which field to count."
        )
    try:
        fld = instrument.field(fid)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    frame = r.frame
    wanted = _wave_list(waves)
    wave_order = [w for w in r.waves if not wanted or w in wanted]
    for w in wanted:
        if w not in r.waves:
            raise ValueError(f"There is no wave {w!r}; the waves are: {', '.join(r.waves)}.")
    rows = []
    for w in wave_order:
        col = frame.loc[frame["wave"] == w, fid]
        total = len(col)
        counts = col.value_counts(dropna=True)
        levels = list(fld.values) + sorted(v for v in counts.index if v not in fld.values)
        for lev in levels:
            n = int(counts.get(lev, 0))
            status = "missing" if n == 0 else ("small" if n < min_group_size else "covered")
            rows.append([w, lev, n, 100 * n / total if total else np.nan, status])
        n_missing = int(col.isna().sum())
        if n_missing:
            rows.append([w, NOT_STATED, n_missing, 100 * n_missing / total, "not_stated"])
    table = pd.DataFrame(rows, columns=_COLUMNS["coverage"])
    return Coverage(fid, _typed(table, _COLUMNS["coverage"]))


# -- the whole review ----------------------------------------------------------------------------------
_COLUMNS: dict[str, dict[str, str]] = {
    "items": {
        "wave": "str",
        "by": "str",
        "group": "str",
        "overall": "bool",
        "group_size": "Int64",
        "dimension": "str",
        "item": "str",
        "text": "str",
        "reverse": "bool",
        "respondents": "Int64",
        "n": "Int64",
        "mean": "float64",
        "median": "float64",
        "sd": "float64",
        "pct_positive": "float64",
        "pct_negative": "float64",
        "dont_know": "Int64",
        "not_applicable": "Int64",
        "missing": "Int64",
        "band": "str",
        "band_label": "str",
        "suppressed": "bool",
        "suppressed_reason": "str",
    },
    "dimensions": {
        "wave": "str",
        "by": "str",
        "group": "str",
        "overall": "bool",
        "group_size": "Int64",
        "dimension": "str",
        "title": "str",
        "n_items": "int64",
        "respondents": "Int64",
        "n": "Int64",
        "mean": "float64",
        "median": "float64",
        "sd": "float64",
        "pct_positive": "float64",
        "pct_negative": "float64",
        "dont_know": "Int64",
        "not_applicable": "Int64",
        "missing": "Int64",
        "min_valid_answers": "int64",
        "met_minimum": "boolean",
        "band": "str",
        "band_label": "str",
        "suppressed": "bool",
        "suppressed_reason": "str",
    },
    "distribution": {
        "wave": "str",
        "by": "str",
        "group": "str",
        "overall": "bool",
        "group_size": "Int64",
        "dimension": "str",
        "item": "str",
        "text": "str",
        "reverse": "bool",
        "kind": "str",
        "position": "int64",
        "scored_value": "int64",
        "scored_label": "str",
        "answer_label": "str",
        "count": "Int64",
        "pct_of_valid": "float64",
        "pct_of_answers": "float64",
        "suppressed": "bool",
        "suppressed_reason": "str",
    },
    "gaps": {
        "wave": "str",
        "dimension": "str",
        "title": "str",
        "groups_compared": "Int64",
        "gap": "float64",
        "highest_group": "str",
        "highest_mean": "float64",
        "lowest_group": "str",
        "lowest_mean": "float64",
        "threshold": "float64",
        "flagged": "bool",
    },
    "changes": {
        "dimension": "str",
        "title": "str",
        "group": "str",
        "overall": "bool",
        "before": "str",
        "after": "str",
        "n_before": "Int64",
        "n_after": "Int64",
        "mean_before": "float64",
        "mean_after": "float64",
        "change": "float64",
        "direction": "str",
        "band_before": "str",
        "band_after": "str",
        "suppressed": "bool",
    },
    "coverage": {
        "wave": "str",
        "level": "str",
        "respondents": "int64",
        "share": "float64",
        "status": "str",
    },
}


def _py(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    cols = list(df.columns)
    return [
        {c: _py(v) for c, v in zip(cols, row, strict=True)}
        for row in df.itertuples(index=False, name=None)
    ]


def _typed(df: pd.DataFrame, spec: Mapping[str, str]) -> pd.DataFrame:
    out = df.reindex(columns=list(spec)).copy()
    for c, t in spec.items():
        if str(out[c].dtype) == t:
            continue
        if t == "str":
            col = out[c].astype(object)
            out[c] = col.where(col.notna(), None).astype("str")
        elif t == "bool":
            out[c] = out[c].fillna(False).astype(bool)
        else:
            out[c] = out[c].astype(t)
    return out.reset_index(drop=True)


def _from_records(rows: Sequence[Mapping[str, Any]], spec: Mapping[str, str]) -> pd.DataFrame:
    data = {c: [r.get(c) for r in rows] for c in spec}
    df = pd.DataFrame(data, columns=list(spec))
    for c, t in spec.items():
        if t in ("float64",):
            df[c] = pd.to_numeric(
                df[c].astype(object).where(df[c].notna(), np.nan), errors="coerce"
            )
        elif t in ("Int64", "int64"):
            df[c] = pd.array([None if v is None else int(v) for v in data[c]], dtype="Int64")
        elif t == "boolean":
            df[c] = pd.array(data[c], dtype="boolean")
    return _typed(df, spec)


@dataclass(frozen=True, eq=False)
class ReviewResult:
    """Everything the app, the command line and the reports need from one scoring run.

    Tables (pandas DataFrames, long form): ``dimensions`` (:func:`score_dimensions`), ``items``
    (:func:`score_items`), ``distribution`` (:func:`item_distribution`), ``gaps``
    (:func:`group_gaps`), ``changes`` (:func:`compare_waves`, empty with one wave); plus
    ``coverage`` (:func:`coverage`, None when the instrument has no coverage field), ``findings``
    (plain-English strengths, concerns, gaps, changes: see :mod:`.narrative`) and ``warnings``.
    ``to_dict``/``from_dict`` round-trip exactly (missing figures become None).
    """

    instrument_id: str
    instrument_version: str
    instrument_title: str
    settings: ReviewSettings
    waves: tuple[str, ...]
    dimensions: pd.DataFrame
    items: pd.DataFrame
    distribution: pd.DataFrame
    gaps: pd.DataFrame
    changes: pd.DataFrame
    coverage: Coverage | None = None
    findings: tuple[Any, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def focus_wave(self) -> str | None:
        return self.settings.focus_wave or (self.waves[-1] if self.waves else None)

    def dimension_table(self, wave: str | None = None, group: str = OVERALL) -> pd.DataFrame:
        """The dimension rows of one wave (default: the focus wave) and group (default: overall)."""
        w = wave or self.focus_wave
        d = self.dimensions
        return d[(d["wave"] == w) & (d["group"] == group)].reset_index(drop=True)

    def findings_of(self, *kinds: str) -> tuple[Any, ...]:
        return tuple(f for f in self.findings if f.kind in kinds)

    @property
    def strengths(self) -> tuple[Any, ...]:
        return self.findings_of("strength")

    @property
    def concerns(self) -> tuple[Any, ...]:
        return self.findings_of("concern")

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument_id": self.instrument_id,
            "instrument_version": self.instrument_version,
            "instrument_title": self.instrument_title,
            "settings": self.settings.to_dict(),
            "waves": list(self.waves),
            "dimensions": _records(self.dimensions),
            "items": _records(self.items),
            "distribution": _records(self.distribution),
            "gaps": _records(self.gaps),
            "changes": _records(self.changes),
            "coverage": self.coverage.to_dict() if self.coverage is not None else None,
            "findings": [f.to_dict() for f in self.findings],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReviewResult:
        from partnership_tools.review.narrative import Finding

        return cls(
            instrument_id=str(d["instrument_id"]),
            instrument_version=str(d.get("instrument_version") or ""),
            instrument_title=str(d.get("instrument_title") or ""),
            settings=ReviewSettings.from_dict(d.get("settings") or {}),
            waves=tuple(d.get("waves") or ()),
            dimensions=_from_records(d.get("dimensions") or [], _COLUMNS["dimensions"]),
            items=_from_records(d.get("items") or [], _COLUMNS["items"]),
            distribution=_from_records(d.get("distribution") or [], _COLUMNS["distribution"]),
            gaps=_from_records(d.get("gaps") or [], _COLUMNS["gaps"]),
            changes=_from_records(d.get("changes") or [], _COLUMNS["changes"]),
            coverage=Coverage.from_dict(d["coverage"]) if d.get("coverage") else None,
            findings=tuple(Finding.from_dict(f) for f in d.get("findings") or ()),
            warnings=tuple(d.get("warnings") or ()),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReviewResult) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


def score_review(
    responses: Responses | pd.DataFrame,
    instrument: Instrument,
    settings: ReviewSettings | None = None,
    **overrides: Any,
) -> ReviewResult:
    """Score a whole review: every table, the gaps, the change between waves, the coverage of the
    vertical slice and the plain-English findings.

    ``settings`` (or keyword overrides of its fields, e.g. ``by="level"``) say how. The gap threshold
    defaults to the instrument's; the waves compared default to the first and last.
    """
    from partnership_tools.review.narrative import describe_review

    s = (
        (settings or ReviewSettings()).replace(**overrides)
        if overrides
        else (settings or ReviewSettings())
    )
    threshold = s.gap_threshold if s.gap_threshold is not None else instrument.gap_threshold
    s = s.replace(gap_threshold=threshold)
    t = _tally(responses, instrument, s.by, s.waves or None)
    k = s.min_group_size
    dims = _score_dimensions(t, k)
    items = _score_items(t, k)
    dist = _distribution(t, k)
    gaps = group_gaps(dims, threshold) if s.by else group_gaps(dims.iloc[0:0], threshold)
    changes = (
        compare_waves(dims, s.before, s.after)
        if len(t.waves) > 1
        else compare_waves(dims.iloc[0:0])
    )
    if s.focus_wave is not None and s.focus_wave not in t.waves:
        raise ValueError(f"There is no wave {s.focus_wave!r}; the waves are: {', '.join(t.waves)}.")
    cov = None
    warnings: list[str] = []
    if instrument.coverage_field:
        cov = coverage(responses, instrument, min_group_size=k, waves=list(t.waves))
        warnings += list(cov.warnings)
    if not t.waves:
        warnings.append("There are no responses to score.")
    result = ReviewResult(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        instrument_title=instrument.title,
        settings=s,
        waves=t.waves,
        dimensions=_typed(dims, _COLUMNS["dimensions"]),
        items=_typed(items, _COLUMNS["items"]),
        distribution=_typed(dist, _COLUMNS["distribution"]),
        gaps=_typed(gaps, _COLUMNS["gaps"]),
        changes=_typed(changes, _COLUMNS["changes"]),
        coverage=cov,
        warnings=tuple(warnings),
    )
    findings = describe_review(result, instrument)
    return dataclasses.replace(result, findings=findings)
